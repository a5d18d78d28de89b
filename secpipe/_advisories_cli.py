"""The ``secpipe advisories`` subcommands: fetch the OSV database for offline dependency audits.

``secpipe advisories update`` downloads osv.dev's archive of every PyPI advisory into the secpipe
cache (or ``--output DIR``) and prints the path to put in ``SECPIPE_ADVISORY_DB``. A download
that fails prints one line and exits 3; a half-written archive never replaces a good one.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from secpipe._errors import ExitCode

#: The variable secpipe.advisories reads (spelled out here: importing that package costs startup).
DATABASE_ENV_VAR = "SECPIPE_ADVISORY_DB"

#: osv.dev's archive of every advisory of the PyPI ecosystem (JSON records in one zip).
OSV_PYPI_ARCHIVE = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"

#: The archive's file name in the output folder.
ARCHIVE_NAME = "osv-pypi.zip"

#: Seconds without data before the download is abandoned.
_TIMEOUT_S = 60


def add_advisories_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``advisories`` and its ``update`` subcommand to ``subparsers``."""
    advisories = subparsers.add_parser(
        "advisories",
        help="download the advisory database for offline dependency audits",
        description="Manage the local OSV advisory database the dependencies gate can use.",
    )
    advisories.set_defaults(handler=run_advisories_command)
    actions = advisories.add_subparsers(dest="advisories_command", metavar="{update}")
    actions.required = True
    update = actions.add_parser(
        "update",
        help="download every PyPI advisory from osv.dev",
        description=f"Download {OSV_PYPI_ARCHIVE} and print the path to set in {DATABASE_ENV_VAR}.",
    )
    update.add_argument(
        "--output",
        type=Path,
        metavar="DIR",
        help="folder to write the archive to (default: the secpipe cache)",
    )


def run_advisories_command(args: argparse.Namespace) -> int:
    """Run the ``secpipe advisories`` subcommand in ``args`` and return its exit code."""
    from secpipe.tools import _envs

    output = args.output or (_envs.cache_root() / "advisories")
    return update(output, OSV_PYPI_ARCHIVE)


def update(output: Path, url: str) -> int:
    """Download the archive at ``url`` into ``output``; print the path on success."""
    import urllib.error
    import urllib.request
    import zipfile

    from secpipe.advisories import AdvisoryDatabaseError, load_database

    # Download next to the target first, so a failed download leaves the old archive intact.
    part = output / f"{ARCHIVE_NAME}.part"
    try:
        output.mkdir(parents=True, exist_ok=True)
        with (
            urllib.request.urlopen(url, timeout=_TIMEOUT_S) as response,  # noqa: S310 - https
            part.open("wb") as partial,
        ):
            shutil.copyfileobj(response, partial)
    except (urllib.error.URLError, OSError, ValueError) as error:
        part.unlink(missing_ok=True)
        reason = getattr(error, "reason", None) or error
        print(
            f"secpipe: error: cannot download {url}: {reason}; check the network (or a proxy), "
            f"or set {DATABASE_ENV_VAR} to an OSV archive or folder copied from elsewhere",
            file=sys.stderr,
        )
        return int(ExitCode.GATE_ERROR)

    # Check it is an OSV archive before it replaces anything.
    target = output / ARCHIVE_NAME
    try:
        if not zipfile.is_zipfile(part):
            raise AdvisoryDatabaseError(f"{url} did not return a zip archive")
        database = load_database(part)
    except AdvisoryDatabaseError as error:
        part.unlink(missing_ok=True)
        print(f"secpipe: error: {error}", file=sys.stderr)
        return int(ExitCode.GATE_ERROR)
    part.replace(target)

    print(f"downloaded {len(database.records)} PyPI advisories to {target}")
    print(f"export {DATABASE_ENV_VAR}={target}")
    return int(ExitCode.PASSED)
