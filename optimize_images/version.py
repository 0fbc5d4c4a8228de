"""The package's version, apart from its facade so that any module can import it."""

__version__ = "3.0.0.dev0"
