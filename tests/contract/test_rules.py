"""Each contract rule fires on a minimal bad contract, at the exact line, and not on a good one."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from secpipe.contract import RULES, RULES_BY_ID, Audit

OPS = "responses:\n  '200':\n    description: ok\n"
#: A marked ``responses`` block of an operation, for the response rules.
RESP = "responses:  # <-\n      '200': {description: ok}\n"
APIKEY = "securitySchemes:\n  k:\n    type: apiKey\n    name: k\n    in: query  # <-\n"


def doc(
    paths: str = "",
    components: str = "",
    top: str = "",
    info: str = 'info:\n  title: t\n  version: "1"\n',
    head: str = "openapi: 3.0.3\n",
) -> str:
    """An OpenAPI 3.0 contract made of the given snippets (written without indentation)."""
    text = head + info + textwrap.dedent(top)
    body = textwrap.indent(textwrap.dedent(paths), "  ")
    text += "paths:\n" + body if paths else "paths: {}\n"
    if components:
        text += "components:\n" + textwrap.indent(textwrap.dedent(components), "  ")
    return text


def swagger(body: str) -> str:
    """An OpenAPI 2.0 contract with ``body`` after the required keys."""
    head = 'swagger: "2.0"\ninfo:\n  title: t\n  version: "1"\npaths: {}\n'
    return head + textwrap.dedent(body)


BASIC_SCHEME = """\
securitySchemes:
  k:
    type: http
    scheme: bearer
    bearerFormat: JWT
"""
OAUTH = """\
securitySchemes:
  oauth:
    type: oauth2
    flows:
      authorizationCode:
        authorizationUrl: https://a.example.com/auth
        tokenUrl: https://a.example.com/token
        scopes:
          a: scope a
"""


def schema_doc(schema: str) -> str:
    """A contract whose one component schema is ``schema``, reported at ``Thing:`` unless the
    schema marks another line."""
    key = "  Thing:\n" if "# <-" in schema else "  Thing:  # <-\n"
    return doc(components="schemas:\n" + key + textwrap.indent(textwrap.dedent(schema), "    "))


CASES: dict[str, list[str]] = {
    "api.auth.no-security-schemes": [doc(head="openapi: 3.0.3  # <-\n")],
    "api.auth.no-global-security": [doc(top="security: []  # <-\n")],
    "api.auth.unsecured-write-operation": [doc("/things:\n  post:  # <-\n    " + OPS)],
    "api.auth.unsecured-read-operation": [doc("/things:\n  get:  # <-\n    " + OPS)],
    "api.auth.optional-security": [doc(top="security:\n  - {}  # <-\n  - k: []\n")],
    "api.auth.security-disabled": [doc("/things:\n  delete:\n    security: []  # <-\n    " + OPS)],
    "api.auth.http-basic": [
        doc(components="securitySchemes:\n  b:\n    type: http\n    scheme: basic  # <-\n"),
        swagger("securityDefinitions:\n  b:\n    type: basic  # <-\n"),
    ],
    "api.auth.http-digest": [
        doc(components="securitySchemes:\n  b:\n    type: http\n    scheme: Digest  # <-\n")
    ],
    "api.auth.apikey-in-query": [doc(components=APIKEY)],
    "api.auth.credential-in-url": [
        doc(
            "/things:\n  get:\n    parameters:\n      - name: access_token  # <-\n"
            "        in: query\n        schema: {type: string}\n    " + OPS
        )
    ],
    "api.auth.oauth-implicit-flow": [
        doc(
            components="securitySchemes:\n  o:\n    type: oauth2\n    flows:\n"
            "      implicit:  # <-\n        authorizationUrl: https://a.example.com\n"
            "        scopes: {}\n"
        ),
        swagger(
            "securityDefinitions:\n  o:\n    type: oauth2\n    flow: implicit  # <-\n"
            "    authorizationUrl: https://a.example.com\n    scopes: {}\n"
        ),
    ],
    "api.auth.oauth-password-flow": [
        doc(
            components="securitySchemes:\n  o:\n    type: oauth2\n    flows:\n"
            "      password:  # <-\n        tokenUrl: https://a.example.com\n        scopes: {}\n"
        )
    ],
    "api.auth.undefined-scheme": [doc(top="security:\n  - missing: []  # <-\n")],
    "api.auth.undefined-scope": [
        doc(top="security:\n  - oauth: [a, nope]  # <-\n", components=OAUTH)
    ],
    "api.auth.oauth-url-not-https": [
        doc(
            components="securitySchemes:\n  o:\n    type: oauth2\n    flows:\n"
            "      clientCredentials:\n        tokenUrl: http://a.example.com  # <-\n"
            "        scopes: {}\n"
        )
    ],
    "api.auth.bearer-without-format": [
        doc(components="securitySchemes:\n  b:  # <-\n    type: http\n    scheme: bearer\n")
    ],
    "api.authz.unsecured-object-id": [doc("/things/{thingId}:\n  get:  # <-\n    " + OPS)],
    "api.authz.write-without-scopes": [
        doc("/things:\n  post:\n    security:\n      - oauth: []  # <-\n    " + OPS, OAUTH)
    ],
    "api.transport.http-server": [
        doc(top="servers:\n  - url: http://api.example.com  # <-\n"),
        swagger("host: api.example.com\nschemes: [http]  # <-\n"),
    ],
    "api.transport.credentials-over-http": [
        doc(top="servers:\n  - url: http://api.example.com  # <-\n", components=BASIC_SCHEME)
    ],
    "api.data.secret-in-response": [
        doc(
            "/me:\n  get:\n    responses:\n      '200':\n        description: me\n"
            "        content:\n          application/json:\n            schema:\n"
            "              type: object\n              properties:\n"
            "                password:  # <-\n                  type: string\n"
        )
    ],
    "api.data.secret-not-write-only": [
        schema_doc("type: object\nproperties:\n  client_secret:  # <-\n    type: string\n")
    ],
    "api.data.live-secret-in-example": [
        schema_doc("type: string\nexample: AKIAIOSFODNN7EXAMPLE  # <-\n")
    ],
    "api.inventory.duplicate-operation-id": [
        doc(
            "/a:\n  get:\n    operationId: same\n    "
            + OPS.replace("\n  ", "\n      ")
            + "/b:\n  get:\n    operationId: same  # <-\n    "
            + OPS
        )
    ],
    "api.inventory.missing-operation-id": [doc("/a:\n  get:  # <-\n    " + OPS)],
    "api.inventory.missing-version": [doc(info="info:  # <-\n  title: t\n")],
    "api.inventory.deprecated-operation": [
        doc("/a:\n  get:\n    deprecated: true  # <-\n    " + OPS)
    ],
    "api.inventory.no-servers": [doc(head="openapi: 3.0.3  # <-\n")],
    "api.schema.missing-type": [schema_doc("description: anything\n")],
    "api.schema.string-unbounded": [schema_doc("type: string\npattern: '^a$'\n")],
    "api.schema.string-no-pattern": [schema_doc("type: string\nmaxLength: 3\n")],
    "api.schema.number-unbounded": [schema_doc("type: integer\nformat: int32\nminimum: 0\n")],
    "api.schema.number-no-format": [schema_doc("type: number\nminimum: 0\nmaximum: 1\n")],
    "api.schema.array-unbounded": [schema_doc("type: array\nitems: {type: boolean}\n")],
    "api.schema.array-no-items": [schema_doc("type: array\nmaxItems: 3\n")],
    "api.schema.additional-properties-open": [
        schema_doc("type: object\nproperties:\n  a: {type: boolean}\n")
    ],
    "api.schema.required-undefined": [
        schema_doc(
            "type: object\nadditionalProperties: false\nproperties:\n  id: {type: boolean}\n"
            "required:\n  - id\n  - nmae  # <-\n"
        )
    ],
    "api.request.body-without-schema": [
        doc(
            "/a:\n  post:\n    requestBody:\n      content:\n        application/json: {}  # <-\n"
            "    " + OPS
        )
    ],
    "api.request.parameter-without-schema": [
        doc("/a:\n  get:\n    parameters:\n      - name: q  # <-\n        in: query\n    " + OPS)
    ],
    "api.response.missing-401": [
        doc("/a:\n  get:\n    security: [{k: []}]\n    " + RESP, BASIC_SCHEME)
    ],
    "api.response.missing-403": [
        doc("/a:\n  get:\n    security: [{k: []}]\n    " + RESP, BASIC_SCHEME)
    ],
    "api.response.missing-429": [doc("/a:\n  get:\n    " + RESP)],
    "api.response.429-without-retry-after": [
        doc("/a:\n  get:\n    responses:\n      '429':  # <-\n        description: slow down\n")
    ],
    "api.response.missing-400": [doc("/a:\n  post:\n    " + RESP)],
    "api.response.missing-default": [doc("/a:\n  get:\n    " + RESP)],
    "api.response.success-without-schema": [
        doc("/a:\n  get:\n    responses:\n      '200':  # <-\n        description: ok\n")
    ],
    "api.response.no-success": [
        doc("/a:\n  get:\n    responses:  # <-\n      '404': {description: no}\n")
    ],
}


def test_there_are_at_least_forty_rules_each_tested() -> None:
    assert len(RULES) >= 40
    assert sorted(CASES) == sorted(RULES_BY_ID)


def test_every_rule_names_an_owasp_2023_item_and_explains_itself() -> None:
    for rule in RULES:
        assert rule.owasp.startswith("API") and ":2023 " in rule.owasp, rule.id
        assert rule.category in ("security", "data-validation")
        assert rule.rationale and rule.fix and rule.title
        assert rule.id.startswith("api.") and rule.id == rule.id.lower()


CASE_PARAMS = [
    pytest.param(rule_id, text, id=f"{rule_id}-{index}")
    for rule_id, texts in CASES.items()
    for index, text in enumerate(texts)
]


@pytest.mark.parametrize(("rule_id", "text"), CASE_PARAMS)
def test_rule_fires_at_the_exact_line(
    rule_id: str,
    text: str,
    audit_text: Callable[[str], Audit],
    line_of: Callable[[str], int],
) -> None:
    result = audit_text(text)
    outcome = next(item for item in result.outcomes if item.rule.id == rule_id)
    lines = [node.line for node, _ in outcome.hits]
    assert line_of(text) in lines, (lines, text)
    assert outcome.affected <= outcome.eligible


def test_no_rule_fires_on_a_hardened_contract(
    audit_text: Callable[[str], Audit], good_contract: str
) -> None:
    result = audit_text(good_contract)
    fired = {item.rule.id: item.hits for item in result.outcomes if item.affected}
    assert fired == {}
    # The good contract really exercises the rules: most of them had something to look at.
    assert sum(1 for item in result.outcomes if item.eligible) >= 35


def test_live_secret_is_masked_in_the_message(audit_text: Callable[[str], Audit]) -> None:
    result = audit_text(schema_doc("type: string\nexample: AKIAIOSFODNN7EXAMPLE\n"))
    outcome = next(o for o in result.outcomes if o.rule.id == "api.data.live-secret-in-example")
    message = outcome.hits[0][1]
    assert "AKIAIOSFODNN7EXAMPLE" not in message
    assert "AKIA…(20 chars)" in message


def test_localhost_http_server_is_not_a_transport_finding(
    audit_text: Callable[[str], Audit],
) -> None:
    result = audit_text(doc(top="servers:\n  - url: http://localhost:8080\n"))
    outcome = next(o for o in result.outcomes if o.rule.id == "api.transport.http-server")
    assert outcome.eligible == 1 and outcome.affected == 0
