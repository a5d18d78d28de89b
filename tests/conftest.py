"""Shared fixtures: paths to the shipped assets and to the real scanners."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = Path(__file__).resolve().parent / "assets"
SHARED = REPO_ROOT.parent / "shared"


def find_scanner(name: str) -> Path:
    """The executable of a real scanner for integration tests, resolved as secpipe resolves it.

    ``secpipe tools install`` (run by the README's test command, so by CI too) provides them; a
    missing scanner fails the test instead of skipping it.
    """
    from secpipe._errors import ToolError
    from secpipe.tools import _envs

    try:
        return _envs.resolve(name).executable
    except ToolError as error:
        pytest.fail(str(error))


@pytest.fixture
def assets() -> Path:
    """The folder of recorded tool outputs and small test projects."""
    return ASSETS


@pytest.fixture
def shared() -> Path:
    """The ``shared/`` folder beside the checkout (schemas, advisory database)."""
    return SHARED


@pytest.fixture
def scanner() -> Callable[[str], Path]:
    """A function from a scanner's name to its executable (failing the test when missing)."""
    return find_scanner
