"""The published JSON Schemas: of ``findings.json`` here, of the pipeline file in _pipeline.

Both are also shipped as files in ``secpipe/schemas/`` so editors and CI can use them without
running secpipe; a test keeps the shipped files equal to what the models produce.
"""

from __future__ import annotations

from typing import Any

from secpipe._findings import Report


def findings_json_schema() -> dict[str, Any]:
    """The JSON Schema of ``findings.json``."""
    schema = Report.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "secpipe findings report (findings.json)"
    return schema
