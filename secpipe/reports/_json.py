"""``findings.json``: the complete report, exactly as the findings model serialises it.

This file is the source of truth the other formats are derived from, so it is always written and
never abridged.
"""

from __future__ import annotations

import json

from secpipe._findings import Report
from secpipe.reports._interface import Reporter


class JsonReporter(Reporter):
    """Writes the full :class:`~secpipe._findings.Report` as indented JSON."""

    name = "json"
    filename = "findings.json"

    def render(self, report: Report) -> str:
        """Return the report as JSON, keys in model order, indented by two spaces."""
        # Keys stay in model order (no sort_keys) so the file reads like the documented schema.
        data = report.model_dump(mode="json")
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
