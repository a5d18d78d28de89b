"""findings.json and SARIF are written natively, byte for byte as json.dumps(indent=2) wrote them.

Both writers once built Python data and ran the pure-Python indenting encoder; they now use
pydantic's serialiser, which is many times faster on 100,000 findings. Users diff and pin these
files, so the text must not change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from secpipe._findings import Report
from secpipe.reports import JsonReporter, SarifReporter
from secpipe.reports import _sarif as sarif_module


def _control_and_non_ascii(report: Report) -> Report:
    # Quotes, backslashes, control characters, non-ASCII and line separators in free text.
    odd = report.findings[0].model_copy(
        update={
            "title": 'Schlüssel "im" Klartext \\ \t\x01\x1f \u2028 😀',
            "message": "line one\r\nline two\x7f",
            "path": "src/ä b/c%d.py",
        }
    )
    return report.model_copy(update={"findings": (*report.findings, odd)})


def test_findings_json_is_byte_for_byte_what_json_dumps_wrote(report: Report) -> None:
    changed = _control_and_non_ascii(report)

    expected = json.dumps(changed.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"

    assert JsonReporter().render(changed) == expected


def test_sarif_is_byte_for_byte_what_json_dumps_wrote(
    report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    changed = _control_and_non_ascii(report)
    captured: list[dict[str, Any]] = []

    # Capture the log the writer serialises, and serialise it the old way for comparison.
    real = sarif_module.to_json

    def spy(log: dict[str, Any], **options: Any) -> bytes:
        captured.append(log)
        return real(log, **options)

    monkeypatch.setattr(sarif_module, "to_json", spy)
    text = SarifReporter().render(changed)

    assert captured
    assert text == json.dumps(captured[0], indent=2, ensure_ascii=False) + "\n"
