"""``findings.json``: the complete report, exactly as the findings model serialises it.

This file is the source of truth the other formats are derived from, so it is always written and
never abridged.
"""

from __future__ import annotations

from secpipe._bulk import collector_paused
from secpipe._findings import Report
from secpipe.reports._interface import Reporter


class JsonReporter(Reporter):
    """Writes the full :class:`~secpipe._findings.Report` as indented JSON."""

    name = "json"
    filename = "findings.json"

    def render(self, report: Report) -> str:
        """Return the report as JSON, keys in model order, indented by two spaces."""
        return self.encoded_files(report)[self.filename].decode("utf-8")

    def encoded_files(self, report: Report) -> dict[str, bytes]:
        """Return ``findings.json`` as UTF-8 bytes, straight from the native serialiser."""
        # Keys stay in model order (no sort_keys) so the file reads like the documented schema.
        # pydantic's own serialiser writes the same text as json.dumps(indent=2) in one native
        # pass; only numbers below 1e-4 are spelled without an exponent (0.00001, not 1e-05).
        with collector_paused():
            return {self.filename: report.__pydantic_serializer__.to_json(report, indent=2) + b"\n"}
