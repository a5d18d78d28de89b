"""Loading contracts: versions, YAML and JSON, references, and errors that name file and line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from secpipe.contract import Audit, Contract, ContractError, audit_file, find_contracts


def _hits(result: Audit, rule_id: str) -> list[tuple[str, int]]:
    outcome = next(item for item in result.outcomes if item.rule.id == rule_id)
    return [(node.file.name, node.line) for node, _ in outcome.hits]


SWAGGER = """\
swagger: "2.0"
info:
  title: old
  version: "1"
host: api.example.com
schemes: [https]
securityDefinitions:
  basic:
    type: basic
security:
  - basic: []
paths:
  /things:
    post:
      parameters:
        - name: body
          in: body
          schema:
            $ref: "#/definitions/Thing"
      responses:
        "200":
          description: ok
          schema:
            $ref: "#/definitions/Thing"
definitions:
  Thing:
    type: object
    properties:
      name:
        type: string
"""


def test_openapi_2_contract_is_audited_with_lines(audit_text: Callable[[str], Audit]) -> None:
    result = audit_text(SWAGGER)
    assert result.contract.version == "2.0"
    assert _hits(result, "api.auth.http-basic") == [("openapi.yaml", 9)]
    # The body schema is the referenced definition, reported where it is written.
    lines = SWAGGER.splitlines()
    name, thing = lines.index("      name:") + 1, lines.index("  Thing:") + 1
    assert _hits(result, "api.schema.string-unbounded") == [("openapi.yaml", name)]
    assert _hits(result, "api.schema.additional-properties-open") == [("openapi.yaml", thing)]


def test_openapi_31_type_lists_are_understood(audit_text: Callable[[str], Audit]) -> None:
    text = (
        'openapi: 3.1.0\ninfo: {title: t, version: "1"}\ncomponents:\n  schemas:\n'
        "    Name:\n      type: [string, 'null']\n      maxLength: 4\n"
    )
    result = audit_text(text)
    assert result.contract.version == "3.1"  # no `paths`: allowed in 3.1
    outcome = next(o for o in result.outcomes if o.rule.id == "api.schema.string-unbounded")
    assert (outcome.eligible, outcome.affected) == (1, 0)
    assert _hits(result, "api.schema.string-no-pattern") == [("openapi.yaml", 5)]


def test_json_contract_with_tabs_keeps_lines(tmp_path: Path) -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "http://api.example.com"}],
        "paths": {},
    }
    text = json.dumps(document, indent="\t")
    (tmp_path / "api.json").write_text(text, encoding="utf-8")
    result = audit_file(tmp_path / "api.json", boundary=tmp_path)
    expected = next(n for n, line in enumerate(text.splitlines(), 1) if "http://" in line)
    assert _hits(result, "api.transport.http-server") == [("api.json", expected)]


def test_relative_file_refs_report_the_line_in_the_other_file(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "user.yaml").write_text(
        "User:\n  type: object\n  additionalProperties: false\n  properties:\n"
        "    name:\n      type: string\n      pattern: '^a+$'\n",
        encoding="utf-8",
    )
    (tmp_path / "api.yaml").write_text(
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /u:\n    get:\n'
        "      responses:\n        '200':\n          description: ok\n          content:\n"
        "            application/json:\n              schema:\n"
        "                $ref: 'schemas/user.yaml#/User'\n",
        encoding="utf-8",
    )
    result = audit_file(tmp_path / "api.yaml", boundary=tmp_path)
    assert _hits(result, "api.schema.string-unbounded") == [("user.yaml", 5)]


def test_recursive_schemas_are_walked_once(audit_text: Callable[[str], Audit]) -> None:
    text = (
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\ncomponents:\n'
        "  schemas:\n    Node:\n      type: object\n      properties:\n"
        "        children:\n          type: array\n          items:\n"
        "            $ref: '#/components/schemas/Node'\n"
    )
    result = audit_text(text)
    assert _hits(result, "api.schema.array-unbounded") == [("openapi.yaml", 9)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\ncomponents:\n'
            "  schemas:\n    A:\n      $ref: '#/components/schemas/B'\n"
            "    B:\n      $ref: '#/components/schemas/A'\n",
            "$ref loop",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\ncomponents:\n'
            "  schemas:\n    A:\n      $ref: '#/components/schemas/Nope'\n",
            "openapi.yaml:7: $ref '#/components/schemas/Nope' points nowhere",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\ncomponents:\n'
            "  schemas:\n    A:\n      $ref: 'missing.yaml#/A'\n",
            "openapi.yaml:7: file not found",
        ),
        (
            'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\ncomponents:\n'
            "  schemas:\n    A:\n      $ref: '../../outside.yaml#/A'\n",
            "leaves the scanned folder",
        ),
        ("openapi: 3.0.3\ninfo: {title: t\npaths: {}\n", "openapi.yaml:3: not valid YAML"),
        ("openapi: 3.0.3\ninfo: {title: t}\n", "'paths' is missing"),
        ("openapi: 4.0.0\ninfo: {}\npaths: {}\n", "openapi.yaml:1: unsupported OpenAPI version"),
        ("name: not an api\n", "no top-level 'openapi' or 'swagger' key"),
        ("openapi: 3.0.3\ninfo: {}\npaths:\n  /a: [1]\n", "openapi.yaml:4: a path item"),
    ],
)
def test_unusable_contracts_are_errors_naming_the_line(
    tmp_path: Path, text: str, expected: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "openapi.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as caught:
        Contract(tmp_path / "sub" / "openapi.yaml", boundary=tmp_path / "sub")
    assert expected in str(caught.value)


def test_broken_json_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "api.json").write_text('{\n  "openapi": "3.0.3",\n  "info": {,\n}\n')
    with pytest.raises(ContractError, match=r"api\.json:3: not valid JSON"):
        Contract(tmp_path / "api.json")


def test_remote_refs_are_never_fetched(audit_text: Callable[[str], Audit]) -> None:
    text = (
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\ncomponents:\n'
        "  schemas:\n    A:\n      $ref: 'https://example.invalid/schemas.yaml#/A'\n"
    )
    result = audit_text(text)
    assert result.contract.remote_refs == ["https://example.invalid/schemas.yaml#/A"]
    assert any("was not followed" in warning for warning in result.warnings)


def test_discovery_finds_yaml_and_json_contracts_only(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text('openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n')
    (tmp_path / "b.json").write_text('{"swagger": "2.0", "info": {}, "paths": {}}')
    (tmp_path / "c.yml").write_text("services:\n  openapi: 1\n")
    (tmp_path / "d.json").write_text('{"config": {"openapi": "3.0.0"}}')
    (tmp_path / "e.yaml").write_text("openapi: 3.0.3\ninfo: {broken\n")
    (tmp_path / "f.txt").write_text("openapi: 3.0.3\n")
    found = find_contracts(tmp_path, ["a.yaml", "b.json", "c.yml", "d.json", "e.yaml", "f.txt"])
    # A file that says it is a contract but does not parse is kept: it becomes an error.
    assert found == ["a.yaml", "b.json", "e.yaml"]


def test_suppression_with_reason_hides_a_finding(audit_text: Callable[[str], Audit]) -> None:
    text = (
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths:\n  /health:\n    get:\n'
        "      x-secpipe-ignore:\n        - rule: api.auth.unsecured-read-operation\n"
        "          reason: the health check is public on purpose\n"
        "      responses:\n        '200': {description: ok}\n"
    )
    result = audit_text(text)
    outcome = next(o for o in result.outcomes if o.rule.id == "api.auth.unsecured-read-operation")
    assert (outcome.eligible, outcome.affected, outcome.suppressed) == (1, 0, 1)
    assert result.suppressed == 1


def test_suppression_without_reason_is_not_applied(audit_text: Callable[[str], Audit]) -> None:
    text = (
        'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nx-secpipe-ignore:\n'
        "  api.inventory.no-servers: ''\n  api.no.such-rule: because\npaths: {}\n"
    )
    result = audit_text(text)
    outcome = next(o for o in result.outcomes if o.rule.id == "api.inventory.no-servers")
    assert outcome.affected == 1
    assert any("has no reason" in warning for warning in result.warnings)
    assert any("unknown rule 'api.no.such-rule'" in warning for warning in result.warnings)
