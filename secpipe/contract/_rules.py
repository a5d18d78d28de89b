"""The contract rules: each a small unit with an id, its OWASP API Top 10 item and a check.

A check looks at every node the rule applies to (its *eligible* nodes) and yields one
``Verdict`` for each: with a message when the node has the problem, without one when it is fine.
The score scales a rule's cost by affected/eligible, so a contract with one unbounded string
among a hundred bounded ones loses little, and one where every string is unbounded loses all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from secpipe._findings import Severity
from secpipe._redact import KNOWN_SECRETS, mask
from secpipe.contract._api import Api, Operation, SchemaUse, is_sensitive_name, schema_types
from secpipe.contract._document import Node

Category = Literal["security", "data-validation"]

API1 = "API1:2023 Broken Object Level Authorization"
API2 = "API2:2023 Broken Authentication"
API3 = "API3:2023 Broken Object Property Level Authorization"
API4 = "API4:2023 Unrestricted Resource Consumption"
API5 = "API5:2023 Broken Function Level Authorization"
API8 = "API8:2023 Security Misconfiguration"
API9 = "API9:2023 Improper Inventory Management"

#: Where each OWASP item is explained (the finding's reference).
OWASP_URL = "https://owasp.org/API-Security/editions/2023/en/0x11-t10/"


@dataclass(frozen=True)
class Verdict:
    """One eligible node and, when it has the rule's problem, what is wrong."""

    node: Node
    message: str | None = None


@dataclass(frozen=True)
class Rule:
    """One check of a contract, with everything a report needs to explain it."""

    id: str
    title: str
    owasp: str
    severity: Severity
    category: Category
    rationale: str
    fix: str
    check: Callable[[Api], Iterable[Verdict]]


_RULES: list[Rule] = []


def _rule(
    rule_id: str,
    title: str,
    owasp: str,
    severity: Severity,
    category: Category,
    rationale: str,
    fix: str,
) -> Callable[[Callable[[Api], Iterable[Verdict]]], Callable[[Api], Iterable[Verdict]]]:
    """Register the decorated check as a rule."""

    def register(check: Callable[[Api], Iterable[Verdict]]) -> Callable[[Api], Iterable[Verdict]]:
        _RULES.append(Rule(rule_id, title, owasp, severity, category, rationale, fix, check))
        return check

    return register


def _verdict(node: Node, bad: bool, message: str) -> Verdict:
    return Verdict(node, message if bad else None)


def _where(operation: Operation) -> Node:
    """The node a response-level finding points at: ``responses`` if written, else the op."""
    return operation.node.raw("responses") or operation.node


HIGH, MEDIUM, LOW, CRITICAL = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.CRITICAL
SEC: Category = "security"
DATA: Category = "data-validation"

# --- Authentication and authorization -------------------------------------------------------


@_rule(
    "api.auth.no-security-schemes", "No security schemes are defined", API2, HIGH, SEC,
    "Without a declared scheme nothing tells clients or gateways how callers prove who they are.",
    "Declare a security scheme (OAuth2, OpenID Connect or a bearer token) and require it.",
)  # fmt: skip
def _no_schemes(api: Api) -> Iterator[Verdict]:
    node = api.schemes_node or api.root.raw("components") or api.root
    yield _verdict(node, not api.schemes, "the contract declares no security scheme")


@_rule(
    "api.auth.no-global-security", "No global security requirement", API2, MEDIUM, SEC,
    "Without a global requirement every new operation is public unless someone remembers.",
    "Add a top-level `security:` requirement so operations are protected by default.",
)  # fmt: skip
def _no_global_security(api: Api) -> Iterator[Verdict]:
    node = api.root.raw("security")
    empty = node is None or not isinstance(node.value, list) or not node.value
    yield _verdict(node or api.root, empty, "no top-level security requirement (or an empty one)")


def _unsecured(api: Api, write: bool) -> Iterator[Verdict]:
    for operation in api.operations:
        if operation.is_write == write:
            yield _verdict(
                operation.node,
                not api.is_secured(operation),
                f"{operation.label} can be called without authentication",
            )


@_rule(
    "api.auth.unsecured-write-operation", "Write operation without authentication", API2, HIGH,
    SEC, "Anyone who can reach the API can change or delete data through this operation.",
    "Require a security scheme on every POST, PUT, PATCH and DELETE operation.",
)  # fmt: skip
def _unsecured_write(api: Api) -> Iterator[Verdict]:
    return _unsecured(api, write=True)


@_rule(
    "api.auth.unsecured-read-operation", "Read operation without authentication", API2, MEDIUM,
    SEC, "Data returned without authentication is public to anyone who finds the URL.",
    "Require a security scheme, or mark a deliberately public operation with x-secpipe-ignore.",
)  # fmt: skip
def _unsecured_read(api: Api) -> Iterator[Verdict]:
    return _unsecured(api, write=False)


@_rule(
    "api.auth.optional-security", "Authentication is optional", API2, MEDIUM, SEC,
    "An empty requirement `{}` among the alternatives lets callers skip authentication.",
    "Remove the empty `{}` entry from the security requirements.",
)  # fmt: skip
def _optional_security(api: Api) -> Iterator[Verdict]:
    for node in _requirement_lists(api):
        entries = list(node.elements()) if isinstance(node.value, list) else []
        if entries:
            empty = next((entry for entry in entries if not entry.value), None)
            yield _verdict(empty or node, empty is not None, "`{}` makes authentication optional")


_SENSITIVE_ROUTE = re.compile(
    r"(?i)(admin|user|account|password|token|payment|billing|order|internal|config|setting|"
    r"role|permission|secret|key)"
)


@_rule(
    "api.auth.security-disabled", "Security switched off on a sensitive operation", API5, HIGH,
    SEC, "`security: []` removes every requirement, including the global one, from this operation.",
    "Delete `security: []` from the operation, or give it the scheme it needs.",
)  # fmt: skip
def _security_disabled(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        if operation.is_write or _SENSITIVE_ROUTE.search(operation.route):
            own = operation.node.raw("security")
            off = own is not None and own.value == []
            yield _verdict(own or operation.node, off, f"{operation.label} sets `security: []`")


def _scheme_verdicts(
    api: Api, kinds: set[str], test: Callable[[Node], Node | None], message: str
) -> Iterator[Verdict]:
    for name, scheme in api.schemes.items():
        if str(scheme.value.get("type", "")).lower() in kinds:
            hit = test(scheme)
            yield Verdict(hit or scheme, message.format(name=name) if hit else None)


def _http_scheme(value: str) -> Callable[[Node], Node | None]:
    def test(scheme: Node) -> Node | None:
        if str(scheme.value.get("type", "")).lower() == value:  # 2.0: type: basic
            return scheme.raw("type")
        kind = scheme.text("scheme")
        return scheme.raw("scheme") if kind is not None and kind.lower() == value else None

    return test


@_rule(
    "api.auth.http-basic", "HTTP basic authentication", API2, HIGH, SEC,
    "Basic sends the reusable password with every request, only base64-encoded.",
    "Use OAuth2 or OpenID Connect tokens instead of HTTP basic.",
)  # fmt: skip
def _http_basic(api: Api) -> Iterator[Verdict]:
    return _scheme_verdicts(
        api, {"http", "basic"}, _http_scheme("basic"), "scheme {name!r} uses HTTP basic"
    )


@_rule(
    "api.auth.http-digest", "HTTP digest authentication", API2, MEDIUM, SEC,
    "Digest relies on MD5 and server-side stored passwords; it is obsolete.",
    "Use OAuth2 or OpenID Connect tokens instead of HTTP digest.",
)  # fmt: skip
def _http_digest(api: Api) -> Iterator[Verdict]:
    return _scheme_verdicts(api, {"http"}, _http_scheme("digest"), "scheme {name!r} uses digest")


@_rule(
    "api.auth.apikey-in-query", "API key sent in the query string", API2, HIGH, SEC,
    "Query strings end up in server logs, proxies and browser history.",
    "Send the API key in a header (`in: header`) instead of the query.",
)  # fmt: skip
def _apikey_query(api: Api) -> Iterator[Verdict]:
    def test(scheme: Node) -> Node | None:
        return scheme.raw("in") if scheme.text("in") == "query" else None

    return _scheme_verdicts(api, {"apikey"}, test, "API key {name!r} is sent in the query string")


@_rule(
    "api.auth.credential-in-url", "Credential passed in the URL", API2, HIGH, SEC,
    "Tokens, keys and passwords in query or path parameters are logged everywhere on the way.",
    "Move the credential to a header or the request body.",
)  # fmt: skip
def _credential_in_url(api: Api) -> Iterator[Verdict]:
    seen: set[object] = set()
    for operation in api.operations:
        for param in api.parameters(operation):
            if param.value.get("in") in ("query", "path") and param.key not in seen:
                seen.add(param.key)
                name = param.text("name")
                yield _verdict(
                    param, is_sensitive_name(name), f"credential-like parameter {name!r} in the URL"
                )


def _flow(api: Api, flow: str, legacy: str) -> Iterator[Verdict]:
    for name, scheme in api.schemes.items():
        if scheme.value.get("type") != "oauth2":
            continue
        if api.swagger:
            hit = scheme.raw("flow") if scheme.value.get("flow") == legacy else None
        else:
            flows = scheme.get("flows")
            hit = flows.raw(flow) if flows is not None else None
        message = f"scheme {name!r} allows the OAuth2 {flow} flow"
        yield Verdict(hit or scheme, message if hit else None)


@_rule(
    "api.auth.oauth-implicit-flow", "OAuth2 implicit flow", API2, HIGH, SEC,
    "The implicit flow returns tokens in the URL fragment; OAuth 2.0 Security BCP forbids it.",
    "Use the authorization code flow with PKCE.",
)  # fmt: skip
def _implicit(api: Api) -> Iterator[Verdict]:
    return _flow(api, "implicit", "implicit")


@_rule(
    "api.auth.oauth-password-flow", "OAuth2 resource owner password flow", API2, MEDIUM, SEC,
    "The password flow hands the user's password to the client application.",
    "Use the authorization code flow with PKCE (or client credentials between services).",
)  # fmt: skip
def _password_flow(api: Api) -> Iterator[Verdict]:
    return _flow(api, "password", "password")


def _requirement_lists(api: Api) -> Iterator[Node]:
    """Every written ``security`` list: the global one and each operation's own."""
    top = api.root.raw("security")
    if top is not None:
        yield top
    for operation in api.operations:
        own = operation.node.raw("security")
        if own is not None:
            yield own


def _requirements(api: Api) -> Iterator[tuple[Node, str, Node]]:
    """(requirement entry, scheme name, scopes node) for every named requirement."""
    for node in _requirement_lists(api):
        for index in range(len(node.value) if isinstance(node.value, list) else 0):
            entry = node.raw(index)
            if entry is not None and isinstance(entry.value, dict):
                for name in entry.value:
                    scopes = entry.raw(str(name))
                    if scopes is not None:
                        yield entry, str(name), scopes


@_rule(
    "api.auth.undefined-scheme", "Security requirement names an undefined scheme", API2, HIGH,
    SEC, "A requirement on a scheme that does not exist cannot be enforced by any gateway.",
    "Define the scheme under securitySchemes (securityDefinitions in 2.0) or fix its name.",
)  # fmt: skip
def _undefined_scheme(api: Api) -> Iterator[Verdict]:
    for _, name, scopes in _requirements(api):
        yield _verdict(scopes, name not in api.schemes, f"security scheme {name!r} is not defined")


def _declared_scopes(api: Api, scheme: Node) -> set[str]:
    if api.swagger:
        scopes = scheme.value.get("scopes")
        return set(scopes) if isinstance(scopes, dict) else set()
    declared: set[str] = set()
    flows = scheme.get("flows")
    for _, flow in flows.items() if flows is not None else ():
        scopes = flow.value.get("scopes") if isinstance(flow.value, dict) else None
        declared |= set(scopes) if isinstance(scopes, dict) else set()
    return declared


@_rule(
    "api.auth.undefined-scope", "Security requirement uses an undeclared scope", API5, MEDIUM, SEC,
    "A scope the scheme does not declare is never granted, or is granted by accident elsewhere.",
    "Declare the scope in the scheme's flows, or fix its spelling in the requirement.",
)  # fmt: skip
def _undefined_scope(api: Api) -> Iterator[Verdict]:
    for _, name, scopes in _requirements(api):
        scheme = api.schemes.get(name)
        if scheme is None or scheme.value.get("type") != "oauth2":
            continue
        declared = _declared_scopes(api, scheme)
        for index, scope in enumerate(scopes.value if isinstance(scopes.value, list) else []):
            node = scopes.raw(index) or scopes
            message = f"scope {scope!r} is not declared by {name!r}"
            yield _verdict(node, scope not in declared, message)


_URL_KEYS = ("authorizationUrl", "tokenUrl", "refreshUrl", "openIdConnectUrl")


@_rule(
    "api.auth.oauth-url-not-https", "OAuth/OpenID URL without HTTPS", API2, HIGH, SEC,
    "Tokens and codes sent to a plain-HTTP endpoint can be read and replayed on the network.",
    "Use https:// for every authorization, token, refresh and OpenID Connect URL.",
)  # fmt: skip
def _oauth_urls(api: Api) -> Iterator[Verdict]:
    for _, scheme in api.schemes.items():
        owners = [scheme]
        flows = scheme.get("flows")
        owners += [flow for _, flow in (flows.items() if flows is not None else ())]
        for owner in owners:
            for key in _URL_KEYS:
                url = owner.raw(key)
                if url is not None and isinstance(url.value, str):
                    plain = url.value.lower().startswith("http://")
                    yield _verdict(url, plain, f"{key} {url.value!r} is not HTTPS")


@_rule(
    "api.auth.bearer-without-format", "Bearer scheme without a token format", API2, LOW, SEC,
    "Without bearerFormat, clients and gateways cannot tell which tokens to validate and how.",
    "Add `bearerFormat: JWT` (or the format your tokens use) to the bearer scheme.",
)  # fmt: skip
def _bearer_format(api: Api) -> Iterator[Verdict]:
    for name, scheme in api.schemes.items():
        kind = scheme.text("scheme")
        if scheme.value.get("type") == "http" and kind is not None and kind.lower() == "bearer":
            missing = not scheme.text("bearerFormat")
            yield _verdict(scheme, missing, f"bearer scheme {name!r} has no bearerFormat")


_OBJECT_ID = re.compile(r"\{(id|[a-zA-Z]*(Id|ID|_id|Uuid|uuid|_key)|uuid|key|slug)\}")


@_rule(
    "api.authz.unsecured-object-id", "Unauthenticated access to an object by id", API1, HIGH,
    SEC, "Anyone can enumerate ids in the path and read or change other people's objects.",
    "Require authentication and check object ownership on operations with ids in the path.",
)  # fmt: skip
def _unsecured_object_id(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        if _OBJECT_ID.search(operation.route):
            open_ = not api.is_secured(operation)
            yield _verdict(operation.node, open_, f"{operation.label} takes an object id unsecured")


@_rule(
    "api.authz.write-without-scopes", "OAuth2 write operation without scopes", API5, LOW, SEC,
    "Any token of the scheme, whatever it was granted for, can call this write operation.",
    "List the scopes a write operation needs in its security requirement.",
)  # fmt: skip
def _write_without_scopes(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        security = api.security(operation)
        if not operation.is_write or security is None:
            continue
        for entry in security.elements():
            for name, scopes in entry.items():
                scheme = api.schemes.get(name)
                if scheme is not None and scheme.value.get("type") == "oauth2":
                    none = not scopes.value
                    yield _verdict(scopes, none, f"{operation.label} needs no {name!r} scope")


# --- Transport ------------------------------------------------------------------------------

_LOCAL = re.compile(r"^http://(localhost|127\.0\.0\.1|\[::1\])([:/]|$)", re.IGNORECASE)


def _plain_http(node: Node) -> bool:
    value = str(node.value).lower()
    return value == "http" or (value.startswith("http://") and not _LOCAL.match(value))


@_rule(
    "api.transport.http-server", "Server reachable over plain HTTP", API8, HIGH, SEC,
    "Traffic to a plain-HTTP server can be read and changed by anyone on the network path.",
    "Use https:// server URLs (and `schemes: [https]` in OpenAPI 2.0).",
)  # fmt: skip
def _http_server(api: Api) -> Iterator[Verdict]:
    for url in api.server_urls:
        yield _verdict(url, _plain_http(url), f"server {url.value!r} uses plain HTTP")


@_rule(
    "api.transport.credentials-over-http", "Credentials accepted over plain HTTP", API2, CRITICAL,
    SEC, "Every token, key or password the schemes accept crosses the network in clear text.",
    "Remove the http:// servers; serve the authenticated API over HTTPS only.",
)  # fmt: skip
def _credentials_over_http(api: Api) -> Iterator[Verdict]:
    if api.schemes:
        for url in api.server_urls:
            yield _verdict(url, _plain_http(url), f"credentials would cross {url.value!r} in clear")


# --- Sensitive data -------------------------------------------------------------------------


def _sensitive(uses: Iterable[SchemaUse]) -> Iterator[SchemaUse]:
    return (use for use in uses if is_sensitive_name(use.name))


@_rule(
    "api.data.secret-in-response", "Secret property returned in a response", API3, HIGH, SEC,
    "Passwords, tokens and keys in responses leak to every client and log that sees them.",
    "Remove the property from response schemas, or mark it `writeOnly: true`.",
)  # fmt: skip
def _secret_in_response(api: Api) -> Iterator[Verdict]:
    returned = {use.node.key for use in api.response_schemas}
    for use in _sensitive(api.all_schemas):
        leaked = use.node.key in returned and use.node.value.get("writeOnly") is not True
        yield _verdict(use.node, leaked, f"property {use.name!r} is returned in a response")


@_rule(
    "api.data.secret-not-write-only", "Secret property not marked writeOnly", API3, MEDIUM, SEC,
    "A secret the client sends should never be echoed back; writeOnly makes that explicit.",
    "Add `writeOnly: true` to password, secret and token properties.",
)  # fmt: skip
def _secret_not_write_only(api: Api) -> Iterator[Verdict]:
    if api.swagger:  # OpenAPI 2.0 has no writeOnly.
        return
    for use in _sensitive(api.all_schemas):
        loose = use.node.value.get("writeOnly") is not True
        yield _verdict(use.node, loose, f"property {use.name!r} is not writeOnly")


_LIVE_SECRET = re.compile(
    r"AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36,}|xox[abprs]-[A-Za-z0-9-]{10,}|"
    r"sk_live_[A-Za-z0-9]{16,}|AIza[0-9A-Za-z_-]{35}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
    r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
)
_EXAMPLE_KEYS = frozenset({"example", "examples", "default", "x-example"})


def _example_strings(node: Node) -> Iterator[Node]:
    """Every string value written under an example/default key, without following refs."""
    stack = [(node, False)]
    while stack:
        current, under = stack.pop()
        value = current.value
        if isinstance(value, str) and under:
            yield current
        elif isinstance(value, dict | list):
            keys: list[str | int] = (
                [str(key) for key in value] if isinstance(value, dict) else list(range(len(value)))
            )
            for key in reversed(keys):
                child = current.raw(key)
                if child is not None:
                    stack.append((child, under or key in _EXAMPLE_KEYS))


@_rule(
    "api.data.live-secret-in-example", "Example value looks like a live secret", API8, HIGH, SEC,
    "Contracts are published; a real key in an example is a leaked key.",
    "Replace the value with an obvious placeholder and rotate the credential.",
)  # fmt: skip
def _secret_example(api: Api) -> Iterator[Verdict]:
    for string in (s for root in api.contract.roots() for s in _example_strings(root)):
        match = _LIVE_SECRET.search(string.value)
        if match is not None:
            # The value never appears in a message; the registry scrubs it from logs too.
            KNOWN_SECRETS.add(match.group(0))
        yield _verdict(
            string,
            match is not None,
            f"example value {mask(match.group(0)) if match else ''} looks like a live secret",
        )


# --- Inventory ------------------------------------------------------------------------------


@_rule(
    "api.inventory.duplicate-operation-id", "Duplicate operationId", API9, MEDIUM, SEC,
    "Tools, gateways and generated clients confuse operations that share an id.",
    "Give every operation a unique operationId.",
)  # fmt: skip
def _duplicate_operation_id(api: Api) -> Iterator[Verdict]:
    seen: dict[str, str] = {}
    for operation in api.operations:
        node = operation.node.raw("operationId")
        if node is not None:
            first = seen.setdefault(str(node.value), operation.label)
            yield _verdict(
                node, first != operation.label, f"operationId {node.value!r} is also {first}"
            )


@_rule(
    "api.inventory.missing-operation-id", "Operation without operationId", API9, LOW, SEC,
    "Operations without ids are hard to inventory, monitor and match with gateway policies.",
    "Add a unique operationId to every operation.",
)  # fmt: skip
def _missing_operation_id(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        missing = not operation.node.value.get("operationId")
        yield _verdict(operation.node, missing, f"{operation.label} has no operationId")


@_rule(
    "api.inventory.missing-version", "API version not stated", API9, LOW, SEC,
    "Without info.version nobody can tell which deployed API this contract describes.",
    "Set info.version to the version of the API this contract describes.",
)  # fmt: skip
def _missing_version(api: Api) -> Iterator[Verdict]:
    info = api.root.raw("info") or api.root
    version = info.raw("version")
    blank = version is None or not str(version.value).strip()
    yield _verdict(version or info, blank, "info.version is missing or empty")


@_rule(
    "api.inventory.deprecated-operation", "Deprecated operation still exposed", API9, LOW, SEC,
    "Deprecated operations tend to lag behind on fixes yet stay reachable.",
    "Remove deprecated operations once clients have moved, or put a sunset date on them.",
)  # fmt: skip
def _deprecated(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        flag = operation.node.raw("deprecated")
        old = flag is not None and flag.value is True
        yield _verdict(flag or operation.node, old, f"{operation.label} is deprecated but exposed")


@_rule(
    "api.inventory.no-servers", "No server declared", API9, LOW, SEC,
    "A contract that names no server leaves which hosts expose the API undocumented.",
    "List the servers (3.x `servers`, 2.0 `host`) where the API is deployed.",
)  # fmt: skip
def _no_servers(api: Api) -> Iterator[Verdict]:
    key = "host" if api.swagger else "servers"
    node = api.root.raw(key)
    yield _verdict(node or api.root, not (node and node.value), f"no `{key}` is declared")


# --- Data validation ------------------------------------------------------------------------

_FIXED_FORMATS = frozenset({"date", "date-time", "time", "uuid", "ipv4", "ipv6", "byte"})


def _has(node: Node, *keys: str) -> bool:
    return any(key in node.value for key in keys)


def _typed(api: Api, kind: str) -> Iterator[Node]:
    return (use.node for use in api.all_schemas if kind in schema_types(use.node))


@_rule(
    "api.schema.missing-type", "Schema without a type", API8, MEDIUM, DATA,
    "A schema without a type accepts any JSON value, so nothing is validated.",
    "Add `type:` to the schema (or compose it with allOf/oneOf/anyOf).",
)  # fmt: skip
def _missing_type(api: Api) -> Iterator[Verdict]:
    for use in api.all_schemas:
        node = use.node
        if node.value.get("in") == "body":
            continue
        loose = not _has(node, "type", "allOf", "oneOf", "anyOf", "not", "enum", "const")
        yield _verdict(node, loose, "schema has no type")


@_rule(
    "api.schema.string-unbounded", "String without maximum length", API4, MEDIUM, DATA,
    "Unbounded strings let callers send megabytes into every field and downstream system.",
    "Add `maxLength` (or an `enum`/`const`) to every string.",
)  # fmt: skip
def _string_unbounded(api: Api) -> Iterator[Verdict]:
    for node in _typed(api, "string"):
        if node.value.get("format") not in _FIXED_FORMATS:
            loose = not _has(node, "maxLength", "enum", "const")
            yield _verdict(node, loose, "string has no maxLength")


@_rule(
    "api.schema.string-no-pattern", "String without pattern or format", API8, LOW, DATA,
    "Free-form strings pass any content, including injection payloads, to the backend.",
    "Add a `pattern` or a `format` to strings (or an `enum`).",
)  # fmt: skip
def _string_no_pattern(api: Api) -> Iterator[Verdict]:
    for node in _typed(api, "string"):
        loose = not _has(node, "pattern", "format", "enum", "const")
        yield _verdict(node, loose, "string has no pattern or format")


def _numbers(api: Api) -> Iterator[Node]:
    for use in api.all_schemas:
        if schema_types(use.node) & {"integer", "number"}:
            yield use.node


@_rule(
    "api.schema.number-unbounded", "Number without minimum and maximum", API4, MEDIUM, DATA,
    "Unbounded numbers invite overflows, negative quantities and huge page sizes.",
    "Add `minimum` and `maximum` to every integer and number.",
)  # fmt: skip
def _number_unbounded(api: Api) -> Iterator[Verdict]:
    for node in _numbers(api):
        low = _has(node, "minimum", "exclusiveMinimum", "enum", "const")
        high = _has(node, "maximum", "exclusiveMaximum", "enum", "const")
        yield _verdict(node, not (low and high), "number has no minimum and maximum")


@_rule(
    "api.schema.number-no-format", "Number without format", API8, LOW, DATA,
    "Without int32/int64/float/double, clients and servers disagree on the range.",
    "Add `format: int32`, `int64`, `float` or `double`.",
)  # fmt: skip
def _number_no_format(api: Api) -> Iterator[Verdict]:
    for node in _numbers(api):
        yield _verdict(node, not _has(node, "format", "enum", "const"), "number has no format")


@_rule(
    "api.schema.array-unbounded", "Array without maximum size", API4, MEDIUM, DATA,
    "Unbounded arrays let one request carry millions of items.",
    "Add `maxItems` to every array.",
)  # fmt: skip
def _array_unbounded(api: Api) -> Iterator[Verdict]:
    for node in _typed(api, "array"):
        yield _verdict(node, not _has(node, "maxItems"), "array has no maxItems")


@_rule(
    "api.schema.array-no-items", "Array without item schema", API8, MEDIUM, DATA,
    "An array without `items` accepts elements of any shape.",
    "Add an `items` schema to every array.",
)  # fmt: skip
def _array_no_items(api: Api) -> Iterator[Verdict]:
    for node in _typed(api, "array"):
        yield _verdict(node, not _has(node, "items", "prefixItems"), "array has no items schema")


@_rule(
    "api.schema.additional-properties-open", "Object accepts undeclared properties", API3,
    MEDIUM, DATA, "Open objects enable mass assignment: callers set fields they should not.",
    "Add `additionalProperties: false` (3.1: or `unevaluatedProperties: false`).",
)  # fmt: skip
def _additional_open(api: Api) -> Iterator[Verdict]:
    for use in api.all_schemas:
        node = use.node
        if "object" in schema_types(node) or (not _has(node, "type") and _has(node, "properties")):
            extra: Any = node.value.get("additionalProperties", True)
            closed = extra is not True or node.value.get("unevaluatedProperties") is False
            yield _verdict(node, not closed, "object allows undeclared properties")


@_rule(
    "api.schema.required-undefined", "Required property is not defined", API8, LOW, DATA,
    "A required name missing from `properties` is usually a typo that disables validation.",
    "Define every required property, or fix its name.",
)  # fmt: skip
def _required_undefined(api: Api) -> Iterator[Verdict]:
    for use in api.all_schemas:
        node = use.node
        required = node.raw("required")
        if required is None or not isinstance(required.value, list):
            continue
        if _has(node, "allOf", "oneOf", "anyOf"):
            continue  # the properties may come from the composed schemas
        props = node.value.get("properties")
        defined = set(props) if isinstance(props, dict) else set()
        for index, name in enumerate(required.value):
            yield _verdict(
                required.raw(index) or required,
                name not in defined,
                f"required property {name!r} is not defined",
            )


@_rule(
    "api.request.body-without-schema", "Request body without schema", API8, HIGH, DATA,
    "A body without a schema is passed to the backend unvalidated.",
    "Add a `schema` to every request body media type.",
)  # fmt: skip
def _body_without_schema(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        for media, schema in api.request_media(operation):
            yield _verdict(media, schema is None, f"{operation.label} takes a body without schema")


@_rule(
    "api.request.parameter-without-schema", "Parameter without schema", API8, MEDIUM, DATA,
    "A parameter without a schema or type accepts any value.",
    "Give every parameter a `schema` (2.0: a `type`).",
)  # fmt: skip
def _param_without_schema(api: Api) -> Iterator[Verdict]:
    seen: set[object] = set()
    for operation in api.operations:
        for param in api.parameters(operation):
            if param.key in seen or param.value.get("in") == "body":
                continue
            seen.add(param.key)
            wanted = ("type",) if api.swagger else ("schema", "content")
            loose = not _has(param, *wanted)
            yield _verdict(param, loose, f"parameter {param.value.get('name')!r} has no schema")


# --- Responses ------------------------------------------------------------------------------


def _codes(api: Api, operation: Operation) -> set[str]:
    return {code.upper() for code, _ in api.responses(operation)}


def _secured_missing(api: Api, code: str) -> Iterator[Verdict]:
    for operation in api.operations:
        if api.is_secured(operation):
            missing = not _codes(api, operation) & {code, "4XX"}
            yield _verdict(_where(operation), missing, f"{operation.label} has no {code} response")


@_rule(
    "api.response.missing-401", "Secured operation without 401 response", API2, LOW, DATA,
    "Clients and tests cannot rely on how authentication failures are reported.",
    "Document a 401 response on every secured operation.",
)  # fmt: skip
def _missing_401(api: Api) -> Iterator[Verdict]:
    return _secured_missing(api, "401")


@_rule(
    "api.response.missing-403", "Secured operation without 403 response", API5, LOW, DATA,
    "Authorization failures that are not documented tend not to be implemented.",
    "Document a 403 response on every secured operation.",
)  # fmt: skip
def _missing_403(api: Api) -> Iterator[Verdict]:
    return _secured_missing(api, "403")


@_rule(
    "api.response.missing-429", "No 429 response (rate limiting)", API4, LOW, DATA,
    "Without a documented 429 there is no sign the operation is rate limited at all.",
    "Rate-limit the operation and document its 429 response.",
)  # fmt: skip
def _missing_429(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        missing = not _codes(api, operation) & {"429", "4XX"}
        yield _verdict(_where(operation), missing, f"{operation.label} has no 429 response")


@_rule(
    "api.response.429-without-retry-after", "429 response without Retry-After", API4, LOW, DATA,
    "Clients that are not told when to retry hammer the API again at once.",
    "Add a `Retry-After` header to 429 responses.",
)  # fmt: skip
def _retry_after(api: Api) -> Iterator[Verdict]:
    seen: set[object] = set()
    for operation in api.operations:
        for code, response in api.responses(operation):
            if code == "429" and response.key not in seen:
                seen.add(response.key)
                headers = response.value.get("headers")
                names = {str(h).lower() for h in headers} if isinstance(headers, dict) else set()
                missing = "retry-after" not in names
                yield _verdict(response, missing, f"{operation.label}: 429 has no Retry-After")


@_rule(
    "api.response.missing-400", "Write operation without 400/422 response", API8, LOW, DATA,
    "An operation that documents no validation error probably does not validate its input.",
    "Document a 400 (or 422) response on operations that take input.",
)  # fmt: skip
def _missing_400(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        if operation.is_write:
            missing = not _codes(api, operation) & {"400", "422", "4XX"}
            yield _verdict(_where(operation), missing, f"{operation.label} has no 400/422 response")


@_rule(
    "api.response.missing-default", "No default or 5xx response", API8, LOW, DATA,
    "Undocumented errors tend to leak stack traces and internal details.",
    "Document a `default` (or 5XX) response with a generic error schema.",
)  # fmt: skip
def _missing_default(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        codes = _codes(api, operation)
        missing = "DEFAULT" not in codes and not any(code.startswith("5") for code in codes)
        yield _verdict(_where(operation), missing, f"{operation.label} has no default response")


@_rule(
    "api.response.success-without-schema", "Success response without schema", API3, MEDIUM,
    DATA, "Without a response schema nothing limits which properties the API may return.",
    "Add a schema to every 2xx response that has a body.",
)  # fmt: skip
def _success_without_schema(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        if operation.method in ("head", "options"):
            continue
        for code, response in api.responses(operation):
            if code.startswith("2") and code not in ("204", "205"):
                media = api.response_media(response)
                missing = not media or any(schema is None for _, schema in media)
                yield _verdict(
                    response, missing, f"{operation.label}: response {code} has no schema"
                )


@_rule(
    "api.response.no-success", "Operation without success response", API8, LOW, DATA,
    "An operation whose success is undocumented cannot be validated or tested.",
    "Document the 2xx (or 3xx) response of every operation.",
)  # fmt: skip
def _no_success(api: Api) -> Iterator[Verdict]:
    for operation in api.operations:
        codes = _codes(api, operation)
        ok = any(code[:1] in ("2", "3") for code in codes)
        yield _verdict(_where(operation), not ok, f"{operation.label} has no 2xx/3xx response")


#: Every rule, in a stable order (by id).
RULES: tuple[Rule, ...] = tuple(sorted(_RULES, key=lambda rule: rule.id))

#: Rules by id.
RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}
