"""``secpipe advisories update``: one clear line and exit 3 when the download fails."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from secpipe import _advisories_cli
from secpipe._cli import main

RECORD = {
    "id": "GHSA-zzzz-zzzz-zzzz",
    "affected": [{"package": {"ecosystem": "PyPI", "name": "demo"}, "versions": ["1.0"]}],
}


def test_a_failed_download_is_one_line_and_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 9 of this machine, with or without network.
    monkeypatch.setattr(_advisories_cli, "OSV_PYPI_ARCHIVE", "http://127.0.0.1:9/all.zip")
    code = main(["advisories", "update", "--output", str(tmp_path / "db")])

    assert code == 3
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("secpipe: error: cannot download http://127.0.0.1:9/all.zip")
    assert "SECPIPE_ADVISORY_DB" in lines[0]
    assert "Traceback" not in captured.err
    assert list((tmp_path / "db").iterdir()) == []


def test_a_downloaded_archive_is_checked_and_its_path_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "all.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("GHSA-zzzz-zzzz-zzzz.json", json.dumps(RECORD))

    code = _advisories_cli.update(tmp_path / "db", source.as_uri())

    assert code == 0
    target = tmp_path / "db" / "osv-pypi.zip"
    assert target.is_file()
    assert f"SECPIPE_ADVISORY_DB={target}" in capsys.readouterr().out


def test_a_download_that_is_not_an_archive_replaces_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "page.html"
    source.write_text("<html>captive portal</html>")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "osv-pypi.zip").write_bytes(b"old")

    code = _advisories_cli.update(tmp_path / "db", source.as_uri())

    assert code == 3
    assert (tmp_path / "db" / "osv-pypi.zip").read_bytes() == b"old"
    assert "did not return a zip archive" in capsys.readouterr().err
    assert sorted(p.name for p in (tmp_path / "db").iterdir()) == ["osv-pypi.zip"]
