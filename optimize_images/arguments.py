"""argparse for commands that report to injected streams and never exit the process."""

import argparse

from .errors import OptimizeImagesError


class UsageError(OptimizeImagesError):
    """A command line that cannot be run; str(self) is the one line to show."""


class Exit(Exception):
    """argparse finished early (--help, --version) with this status."""

    def __init__(self, status):
        super().__init__(status)
        self.status = status


class Parser(argparse.ArgumentParser):
    """argparse that writes to an injected stream and raises instead of calling sys.exit."""

    def __init__(self, *args, stdout, **kwargs):
        super().__init__(*args, **kwargs)
        self.stdout = stdout

    def error(self, message):
        raise UsageError(message)

    def exit(self, status=0, message=None):
        if message:
            self.stdout.write(message)
        raise Exit(status)

    def _print_message(self, message, file=None):
        if message:
            self.stdout.write(message)
