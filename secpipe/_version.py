"""The version of secpipe, kept in one place for the package metadata and the CLI."""

__version__ = "0.1.0"
