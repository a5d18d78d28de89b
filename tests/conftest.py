"""Shared fixtures: paths to the shipped assets and to the real scanners."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(__file__).resolve().parent / "assets"
SHARED = REPO_ROOT.parent / "shared"


def find_scanner(name: str) -> Path:
    """Return the executable of a real scanner for integration tests.

    TODO: resolve through secpipe's managed tool environments once they exist; until then this
    looks at ``SECPIPE_TEST_<NAME>``, the PATH and the scratch environments under /tmp/tools.
    """
    override = os.environ.get(f"SECPIPE_TEST_{name.upper().replace('-', '_')}")
    if override:
        return Path(override)
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    scratch = Path("/tmp/tools") / name / "bin" / name
    if scratch.exists():
        return scratch
    pytest.fail(f"scanner {name!r} is not installed; run `secpipe tools install {name}`")


@pytest.fixture
def assets() -> Path:
    """The folder of recorded tool outputs and small test projects."""
    return ASSETS


@pytest.fixture
def shared() -> Path:
    """The ``shared/`` folder beside the checkout (schemas, advisory database)."""
    return SHARED
