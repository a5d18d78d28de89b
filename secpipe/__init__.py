"""secpipe: security gates as code."""

from secpipe._version import __version__

__all__ = ["__version__"]
