"""Where secpipe keeps its own files: the managed scanners and the result cache.

Kept free of heavy imports: the command line asks for these folders before it knows whether a
run needs anything else.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

#: Where the cache lives when set; otherwise the platform's user cache folder.
HOME_ENV_VAR = "SECPIPE_HOME"

#: Environment variable naming the result cache folder (overrides ``<cache root>/results``).
RESULT_CACHE_ENV_VAR = "SECPIPE_RESULT_CACHE"


def cache_root() -> Path:
    """Return the cache folder: ``$SECPIPE_HOME``, else the platform's user cache folder."""
    configured = os.environ.get(HOME_ENV_VAR)
    if configured:
        return Path(configured).expanduser().absolute()
    return Path(platformdirs.user_cache_dir("secpipe")).absolute()


def result_cache_folder() -> Path:
    """The result cache: ``$SECPIPE_RESULT_CACHE``, else ``<cache root>/results``."""
    configured = os.environ.get(RESULT_CACHE_ENV_VAR)
    if configured:
        return Path(configured).expanduser().absolute()
    return cache_root() / "results"
