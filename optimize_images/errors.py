"""Exceptions the pipeline raises to end work on one file, with a plain reason."""


class Skip(Exception):
    """The file is deliberately left alone; str(self) says why."""


class Fail(Exception):
    """The file could not be processed; str(self) says why, in plain words."""
