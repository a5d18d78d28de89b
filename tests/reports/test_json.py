"""findings.json: the complete report, loadable again and valid against the published schema."""

from __future__ import annotations

import json

import jsonschema

from secpipe._findings import Report
from secpipe.reports import JsonReporter


def test_round_trips_through_the_model(report: Report) -> None:
    text = JsonReporter().render(report)

    assert Report.model_validate_json(text) == report


def test_validates_against_the_model_json_schema(report: Report) -> None:
    schema = Report.model_json_schema(mode="serialization")
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)

    errors = list(validator_class(schema).iter_errors(json.loads(JsonReporter().render(report))))

    assert errors == []


def test_keys_follow_model_order_with_two_space_indent(report: Report) -> None:
    text = JsonReporter().render(report)
    data = json.loads(text)

    assert list(data) == list(Report.model_fields)
    assert list(data["findings"][0]) == list(type(report.findings[0]).model_fields)
    assert text.startswith('{\n  "schema_version": "1.0",\n  "secpipe_version"')
    assert text.endswith("}\n")
    assert not text.endswith("\n\n")


def test_keeps_every_finding_and_non_ascii_text(report: Report) -> None:
    finding = report.findings[0].model_copy(update={"title": "Schlüssel im Klartext"})
    changed = report.model_copy(update={"findings": (*report.findings, finding)})

    text = JsonReporter().render(changed)

    assert "Schlüssel im Klartext" in text
    assert len(json.loads(text)["findings"]) == len(report.findings) + 1
