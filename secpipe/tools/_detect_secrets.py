"""detect-secrets: credentials committed to the source tree, with every plugin it ships.

Quirks handled here (checked with detect-secrets 1.5.0):
- it prints its report as JSON on stdout and exits 0 whether or not it found secrets, so only a
  report that parses proves it ran; a bad option makes it exit 2 with a usage message;
- given a folder it scans only git-tracked files unless ``--all-files``; given explicit files it
  scans them inside or outside a git repository alike. secpipe passes explicit files (already
  chosen by the gate) and ``--all-files`` as well, so git can never narrow the scan;
- without ``-n`` some plugins "verify" a candidate by sending it to the provider's API: offline
  that waits on the network, online it hands the secret to a third party. ``-n`` is always passed;
- it opens files with the locale's encoding and silently ignores any file that does not decode.
  ``PYTHONUTF8=1`` makes that UTF-8 everywhere; binary files (a NUL byte near the start) are
  ignored as by the tool, other files that are not UTF-8 are reported as skipped;
- it reports one result per plugin, so one line may carry an AWS key, a high-entropy string and a
  keyword result for the same value: they become one finding named after the most specific kind;
- its report holds only SHA-1 hashes of the secrets. The flagged line is read back and the token
  whose hash matches is remembered in ``KNOWN_SECRETS``, so every output can be scrubbed of it;
  messages show a secret only masked (first four characters and its length);
- lines marked ``pragma: allowlist secret`` are dropped by it; a second run with
  ``--only-allowlisted`` (over the files that contain the marker) counts them as suppressed.

Severity table (detect-secrets result type → secpipe severity):

- critical: Private Key, AWS Access Key, Azure Storage Account access key, IBM Cloud IAM Key,
  IBM COS HMAC Credentials, SoftLayer Credentials (private keys and cloud account keys);
- high: GitHub Token, GitLab Token, Slack Token, Stripe Access Key, Twilio API Key, SendGrid API
  Key, Mailchimp Access Key, NPM tokens, PyPI Token, OpenAI Token, Discord Bot Token, Telegram Bot
  Token, Square OAuth Secret, Artifactory Credentials, Cloudant Credentials, Basic Auth
  Credentials, JSON Web Token (service tokens and passwords);
- medium: Secret Keyword, Base64 High Entropy String, Hex High Entropy String, and any type this
  table does not know (a custom plugin);
- low: Public IP (ipv4).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from secpipe import _process
from secpipe._errors import ToolError
from secpipe._findings import Confidence, Severity
from secpipe._normalize import RawFinding
from secpipe._paths import batches
from secpipe._pipeline import DetectSecretsOptions, ToolOptions
from secpipe._redact import KNOWN_SECRETS, mask, remember_quoted
from secpipe.tools._interface import ToolAdapter, ToolContext, ToolOutput

logger = logging.getLogger(__name__)

#: Every secret kind is the same weakness: hard-coded credentials.
_CWE = ("CWE-798",)

#: The weakness class shared by every detector, so results on one line are one finding.
WEAKNESS = "secret"

#: detect-secrets' inline allowlist marker (it also accepts ``allowlist nextline secret``).
_ALLOWLIST_MARKER = b"allowlist"

#: How generic a detector is: a specific kind (0) names the finding before a keyword (1), a
#: high-entropy string (2) or a public IP address (3) found on the same line.
_SPECIFIC, _KEYWORD, _ENTROPY, _ADDRESS = 0, 1, 2, 3


@dataclass(frozen=True)
class _Kind:
    rule_id: str
    title: str
    severity: Severity
    generality: int = _SPECIFIC


_KINDS: dict[str, _Kind] = {
    "Private Key": _Kind("private-key", "Private key", Severity.CRITICAL),
    "AWS Access Key": _Kind("aws-access-key", "AWS access key", Severity.CRITICAL),
    "Azure Storage Account access key": _Kind(
        "azure-storage-key", "Azure storage account key", Severity.CRITICAL
    ),
    "IBM Cloud IAM Key": _Kind("ibm-cloud-iam-key", "IBM Cloud IAM key", Severity.CRITICAL),
    "IBM COS HMAC Credentials": _Kind(
        "ibm-cos-hmac-credentials", "IBM COS HMAC credentials", Severity.CRITICAL
    ),
    "SoftLayer Credentials": _Kind(
        "softlayer-credentials", "SoftLayer credentials", Severity.CRITICAL
    ),
    "GitHub Token": _Kind("github-token", "GitHub token", Severity.HIGH),
    "GitLab Token": _Kind("gitlab-token", "GitLab token", Severity.HIGH),
    "Slack Token": _Kind("slack-token", "Slack token", Severity.HIGH),
    "Stripe Access Key": _Kind("stripe-key", "Stripe access key", Severity.HIGH),
    "Twilio API Key": _Kind("twilio-key", "Twilio API key", Severity.HIGH),
    "SendGrid API Key": _Kind("sendgrid-key", "SendGrid API key", Severity.HIGH),
    "Mailchimp Access Key": _Kind("mailchimp-key", "Mailchimp access key", Severity.HIGH),
    "NPM tokens": _Kind("npm-token", "npm token", Severity.HIGH),
    "PyPI Token": _Kind("pypi-token", "PyPI token", Severity.HIGH),
    "OpenAI Token": _Kind("openai-token", "OpenAI token", Severity.HIGH),
    "Discord Bot Token": _Kind("discord-bot-token", "Discord bot token", Severity.HIGH),
    "Telegram Bot Token": _Kind("telegram-bot-token", "Telegram bot token", Severity.HIGH),
    "Square OAuth Secret": _Kind("square-oauth-secret", "Square OAuth secret", Severity.HIGH),
    "Artifactory Credentials": _Kind(
        "artifactory-credentials", "Artifactory credentials", Severity.HIGH
    ),
    "Cloudant Credentials": _Kind("cloudant-credentials", "Cloudant credentials", Severity.HIGH),
    "Basic Auth Credentials": _Kind(
        "basic-auth-credentials", "Password in a URL (basic auth)", Severity.HIGH
    ),
    "JSON Web Token": _Kind("json-web-token", "JSON web token", Severity.HIGH),
    "Secret Keyword": _Kind(
        "secret-keyword", "Secret assigned to a password-like name", Severity.MEDIUM, _KEYWORD
    ),
    "Base64 High Entropy String": _Kind(
        "high-entropy-base64", "High-entropy string (base64)", Severity.MEDIUM, _ENTROPY
    ),
    "Hex High Entropy String": _Kind(
        "high-entropy-hex", "High-entropy string (hex)", Severity.MEDIUM, _ENTROPY
    ),
    "Public IP (ipv4)": _Kind("public-ip", "Public IP address", Severity.LOW, _ADDRESS),
}

_CONFIDENCE = {
    _SPECIFIC: Confidence.HIGH,
    _KEYWORD: Confidence.MEDIUM,
    _ENTROPY: Confidence.LOW,
    _ADDRESS: Confidence.LOW,
}

#: Ways to cut a line into candidate secrets, from coarse to fine; the hash decides which is it.
_TOKENIZERS = (
    re.compile(r"""[^\s'"`]+"""),
    re.compile(r"""[^\s'"`,;:(){}\[\]<>@]+"""),
    re.compile(r"""[^\s'"`,;=:(){}\[\]<>@/\\]+"""),
    re.compile(r'"([^"\n]*)"'),
    re.compile(r"'([^'\n]*)'"),
    re.compile(r"[=:]\s*([^\s,;]+)"),
    re.compile(r"[A-Za-z0-9]+"),
)

#: A recovered value shorter than this is a prefix some plugins hash instead of the token.
_SHORTEST_SECRET = 12

#: How many lines of a private key block are read back to remember its body.
_MAX_KEY_LINES = 200


class _Result(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    type: str
    filename: str
    hashed_secret: str
    line_number: int


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    version: str | None = None
    results: dict[str, list[_Result]]


class DetectSecretsAdapter(ToolAdapter):
    """Runs detect-secrets over every file of the gate (it scans any text file)."""

    name = "detect-secrets"

    def run(self, context: ToolContext) -> ToolOutput:
        """Scan the files in batches, merge each line's results, count allowlisted lines."""
        output = ToolOutput()
        options = context.options
        base = _base_argv(context.executable, options)

        # Which files the tool would silently ignore, and which may carry an allowlist marker.
        skipped, marked = _survey(context.root, context.files)
        output.skipped_files.extend(skipped)

        # The real scan: one finding per flagged line, secrets remembered for scrubbing.
        results: list[_Result] = []
        for files in batches(context.files):
            report = self._scan(context, [*base, *(f"./{path}" for path in files)])
            output.version = output.version or report.version
            results.extend(result for entries in report.results.values() for result in entries)
        output.findings.extend(_findings(results, context.root, self.name))

        # The allowlisted lines: what the tool's inline suppressions hid from the scan above.
        allowlisted: set[tuple[str, int]] = set()
        for files in batches(marked):
            argv = [*base, "--only-allowlisted", *(f"./{path}" for path in files)]
            report = self._scan(context, argv)
            allowlisted.update(
                (_clean_path(result.filename), result.line_number)
                for entries in report.results.values()
                for result in entries
            )
        output.suppressed = len(allowlisted)
        return output

    def _scan(self, context: ToolContext, argv: list[str]) -> _Report:
        # Run it; it exits 0 with or without secrets, so the JSON on stdout is the proof.
        env = {**context.env, "PYTHONUTF8": "1"}
        try:
            completed = _process.run(argv, timeout_s=context.timeout_s, cwd=context.root, env=env)
        except _process.ProcessFailure as failure:
            raise ToolError(f"detect-secrets {failure.reason}") from None
        logger.debug("detect-secrets stderr:\n%s", completed.stderr)
        if completed.returncode != 0:
            raise ToolError(f"detect-secrets failed: {completed.describe()}")
        return parse_report(completed.stdout)


def parse_report(text: str) -> _Report:
    """Read detect-secrets' JSON report; anything else is a ToolError."""
    try:
        return _Report.model_validate_json(text)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in detail["loc"]) or "top level"
        raise ToolError(
            f"detect-secrets printed no usable JSON report ({where}: {detail['msg']})"
        ) from None


def _base_argv(executable: Path, options: ToolOptions) -> list[str]:
    # -n: no network verification; --all-files: git never narrows the explicit file list.
    argv = [str(executable), "scan", "-n", "--all-files"]
    if isinstance(options, DetectSecretsOptions):
        for pattern in options.exclude_lines:
            argv += ["--exclude-lines", pattern]
        for plugin in options.disable_plugins:
            argv += ["--disable-plugin", plugin]
    return [*argv, *options.args]


def _survey(root: Path, files: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Files detect-secrets would silently ignore as undecodable, and files with the marker."""
    skipped: list[str] = []
    marked: list[str] = []
    for path in files:
        try:
            data = (root / path).read_bytes()
        except OSError as error:
            skipped.append(f"{path}: cannot be read ({error.strerror})")
            continue
        if _ALLOWLIST_MARKER in data:
            marked.append(path)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            # Binary files hold no source to scan; text in another encoding is a blind spot.
            if b"\0" not in data[:8192]:
                skipped.append(
                    f"{path}: not UTF-8 text (byte {error.start}); detect-secrets ignores it"
                )
    return skipped, marked


def _clean_path(reported: str) -> str:
    return reported.removeprefix("./")


def _findings(results: list[_Result], root: Path, tool: str) -> list[RawFinding]:
    """One finding per flagged line, named after the most specific kind found there."""
    by_line: dict[tuple[str, int], list[_Result]] = defaultdict(list)
    for result in results:
        by_line[(_clean_path(result.filename), result.line_number)].append(result)

    lines = _FileLines(root)
    findings: list[RawFinding] = []
    for (path, line_number), found in sorted(by_line.items()):
        kinds = sorted(
            {_kind(result.type) for result in found},
            key=lambda kind: (-kind.severity.rank, kind.generality, kind.rule_id),
        )
        primary = kinds[0]
        text = lines.line(path, line_number)

        # Remember every value first, so even the log lines written below are scrubbed.
        shown: str | None = None
        for result in found:
            if result.type == "Private Key" and text.lstrip().startswith("-----BEGIN"):
                _remember_key_body(lines, path, line_number)
                continue
            value = recover_secret(text, result.hashed_secret)
            if value is None:
                remember_quoted(text)
                logger.debug("%s:%d: could not recover the flagged value", path, line_number)
            else:
                KNOWN_SECRETS.add(value)
                if _kind(result.type) == primary or shown is None:
                    shown = value

        findings.append(
            RawFinding(
                tool=tool,
                rule_id=primary.rule_id,
                title=primary.title,
                message=_message(primary, kinds[1:], shown),
                severity=primary.severity,
                confidence=_CONFIDENCE[primary.generality],
                path=path,
                start_line=line_number,
                end_line=line_number,
                cwe=_CWE,
                weakness=WEAKNESS,
            )
        )
    return findings


def _kind(secret_type: str) -> _Kind:
    known = _KINDS.get(secret_type)
    if known is not None:
        return known
    # A custom plugin's type: keep its name as the rule id, at medium.
    slug = re.sub(r"[^a-z0-9]+", "-", secret_type.lower()).strip("-") or "secret"
    return _Kind(slug, secret_type, Severity.MEDIUM, _KEYWORD)


def _message(primary: _Kind, others: list[_Kind], shown: str | None) -> str:
    # The value is only ever shown masked: its first characters and its length.
    message = f"{primary.title} hard-coded in the source"
    if shown is not None and primary.rule_id != "private-key":
        message += f" (value {mask(shown)})"
    message += "."
    if others:
        message += " Also matched: " + ", ".join(kind.title.lower() for kind in others) + "."
    return message + " Remove it, rotate it, and load it from the environment or a secret store."


def recover_secret(line: str, hashed_secret: str) -> str | None:
    """The secret on ``line`` whose SHA-1 is ``hashed_secret`` (how detect-secrets hashes).

    Some plugins' patterns capture only a prefix (the GitHub plugin hashes just ``ghp``), so a
    short match is widened to the whole token that contains it.
    """
    value = _hashed_token(line, hashed_secret)
    if value is None or len(value) >= _SHORTEST_SECRET:
        return value
    widened = [token for token in _TOKENIZERS[1].findall(line) if value in token]
    return max(widened, key=len) if widened else value


def _hashed_token(line: str, hashed_secret: str) -> str | None:
    seen: set[str] = set()
    for tokenizer in _TOKENIZERS:
        for match in tokenizer.finditer(line):
            candidate = match.group(match.lastindex or 0)
            for value in (candidate, candidate.rstrip(".,;:)")):
                if value in seen:
                    continue
                seen.add(value)
                digest = hashlib.sha1(value.encode("utf-8"), usedforsecurity=False).hexdigest()
                if digest == hashed_secret:
                    return value
    return None


def _remember_key_body(lines: _FileLines, path: str, start: int) -> None:
    # The tool hashes only the "BEGIN … PRIVATE KEY" marker; the key itself is the lines below.
    for number in range(start + 1, start + _MAX_KEY_LINES):
        text = lines.line(path, number).strip()
        if not text or text.startswith("-----END"):
            return
        KNOWN_SECRETS.add(text)


class _FileLines:
    """Reads each flagged file once (as UTF-8, like the tool with PYTHONUTF8=1)."""

    def __init__(self, root: Path):
        self._root = root
        self._files: dict[str, list[str]] = {}

    def line(self, path: str, number: int) -> str:
        if path not in self._files:
            try:
                data = (self._root / path).read_bytes()
            except OSError:
                data = b""
            # Python's text mode splits lines at \n, \r\n and \r only; so does this.
            text = data.decode("utf-8", errors="replace")
            self._files[path] = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        content = self._files[path]
        return content[number - 1] if 0 < number <= len(content) else ""
