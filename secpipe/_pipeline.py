"""The pipeline file (``secpipe.yml``): its models, loading, and errors that name the line.

The models forbid unknown keys so a misspelt setting is an error instead of a silently ignored
security control. Every validation error is turned into one line of the form
``FILE:LINE:COL: where.in.file: what is wrong (what is allowed)``.
"""

from __future__ import annotations

import importlib.resources
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from secpipe._errors import PipelineError
from secpipe._scales import Severity
from secpipe._yamlpos import PathKey, PositionedDocument, YamlSyntaxError, load_document

#: The pipeline file looked for at the scanned root when ``--pipeline`` is not given.
DEFAULT_PIPELINE_NAME = "secpipe.yml"

#: The schema versions of the pipeline file this secpipe reads.
SUPPORTED_VERSIONS = (1,)

#: Every gate secpipe has, in the order a full pipeline runs them.
KNOWN_GATES = ("secrets", "dependencies", "sast", "container", "kubernetes", "contract")


class _Config(BaseModel):
    """Base of the pipeline models: unknown keys are errors that list the allowed ones."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _reject_unknown_keys(cls, data: Any) -> Any:
        # Pydantic's own message for an extra key does not say what is allowed; this one does.
        if isinstance(data, dict):
            allowed = [field.alias or name for name, field in cls.model_fields.items()]
            for key in data:
                if key not in allowed:
                    raise PydanticCustomError(
                        "unknown_key",
                        "unknown key {quoted} (allowed: {allowed})",
                        {"key": key, "quoted": repr(key), "allowed": ", ".join(allowed)},
                    )
        return data


Glob = Annotated[str, Field(min_length=1)]
PositiveSeconds = Annotated[float, Field(gt=0, le=86400)]


class ToolOptions(_Config):
    """Settings every wrapped tool accepts."""

    version: str | None = Field(
        default=None, description="Run this version instead of the one secpipe locks."
    )
    path: str | None = Field(
        default=None, description="Run the executable at this path instead of a managed one."
    )
    args: list[str] = Field(
        default_factory=list, description="Extra command-line arguments passed to the tool."
    )
    timeout: PositiveSeconds | None = Field(
        default=None, description="Seconds before the tool is killed (default: the gate's)."
    )


class SemgrepOptions(ToolOptions):
    """Settings of semgrep."""

    rules: list[str] = Field(
        default_factory=lambda: ["builtin"],
        min_length=1,
        description="Rule files or folders; 'builtin' is the rule set shipped with secpipe.",
    )
    engine: Literal["native", "python"] = Field(
        default="native",
        description=(
            "native: semgrep's compiled command line (`semgrep scan --experimental`), which "
            "starts in a fraction of a second; python: its classic Python command line, which "
            "takes seconds to start but accepts every option of older releases."
        ),
    )


class BanditOptions(ToolOptions):
    """Settings of bandit."""

    skip: list[Annotated[str, Field(pattern=r"^B[0-9]{3}$")]] = Field(
        default_factory=list, description="Bandit test ids to skip, such as B101."
    )


#: detect-secrets 1.5.0's plugin class names (`detect-secrets scan --list-all-plugins`).
DetectSecretsPlugin = Literal[
    "ArtifactoryDetector", "AWSKeyDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "Base64HighEntropyString", "HexHighEntropyString", "IbmCloudIamDetector",
    "IbmCosHmacDetector", "IPPublicDetector", "JwtTokenDetector", "KeywordDetector",
    "MailchimpDetector", "NpmDetector", "OpenAIDetector", "PrivateKeyDetector",
    "PypiTokenDetector", "SendGridDetector", "SlackDetector", "SoftlayerDetector",
    "SquareOAuthDetector", "StripeDetector", "TelegramBotTokenDetector", "TwilioKeyDetector",
]  # fmt: skip


class DetectSecretsOptions(ToolOptions):
    """Settings of detect-secrets."""

    exclude_lines: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description="Python regular expressions; lines matching one are never reported.",
    )
    disable_plugins: list[DetectSecretsPlugin] = Field(
        default_factory=list, description="detect-secrets plugins to turn off, by class name."
    )

    @field_validator("exclude_lines")
    @classmethod
    def _valid_regexes(cls, patterns: list[str]) -> list[str]:
        # A bad regex would only show up as a detect-secrets traceback in the middle of a run.
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as error:
                message = f"{pattern!r} is not a valid regular expression: {error}"
                raise ValueError(message) from None
        return patterns


class GateSettings(_Config):
    """Settings every gate accepts."""

    include: list[Glob] = Field(
        default_factory=list,
        description="Only scan files matching one of these globs (gitignore-like; ** allowed).",
    )
    exclude: list[Glob] = Field(
        default_factory=list, description="Never scan files matching one of these globs."
    )
    timeout: PositiveSeconds = Field(
        default=600, description="Seconds each tool of the gate may run before it is killed."
    )


_SAST_TOOLS: tuple[Literal["semgrep", "bandit"], ...] = ("semgrep", "bandit")


class SastGate(GateSettings):
    """Static analysis of source code."""

    tools: list[Literal["semgrep", "bandit"]] = Field(
        default_factory=lambda: list(_SAST_TOOLS), min_length=1
    )
    semgrep: SemgrepOptions = Field(default_factory=SemgrepOptions)
    bandit: BanditOptions = Field(default_factory=BanditOptions)


class CheckovOptions(ToolOptions):
    """Settings of checkov (the container and kubernetes gates)."""

    skip: list[Annotated[str, Field(pattern=r"^CKV2?_[A-Z0-9]+_[0-9]+$")]] = Field(
        default_factory=list, description="checkov check ids to leave out, such as CKV_K8S_43."
    )


_CHECKOV_TOOLS: tuple[Literal["checkov"], ...] = ("checkov",)


class ContainerGate(GateSettings):
    """Dockerfiles, built images and image archives."""

    tools: list[Literal["checkov"]] = Field(default_factory=lambda: list(_CHECKOV_TOOLS))
    checkov: CheckovOptions = Field(default_factory=CheckovOptions)
    images: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list,
        description="Images in the local Docker engine (DOCKER_HOST honoured), as name:tag.",
    )
    image_archives: list[Glob] = Field(
        default_factory=list,
        description="Image archives (docker save or OCI layout .tar), relative to the scanned"
        " folder.",
    )
    advisory_db: str | None = Field(
        default=None,
        description="Local OSV database to audit the Python packages inside images (relative to"
        " the scanned folder); SECPIPE_ADVISORY_DB also sets it.",
    )


class KubernetesGate(GateSettings):
    """Kubernetes manifests."""

    tools: list[Literal["checkov"]] = Field(
        default_factory=lambda: list(_CHECKOV_TOOLS), min_length=1
    )
    checkov: CheckovOptions = Field(default_factory=CheckovOptions)


Score = Annotated[float, Field(ge=0, le=100)]


class ContractGate(GateSettings):
    """Native audit of OpenAPI contracts, with a 0-100 score."""

    contracts: list[Glob] = Field(
        default_factory=list,
        description="Contract files (relative to the scanned folder); empty finds every YAML or"
        " JSON file with a top-level 'openapi' or 'swagger' key.",
    )
    min_score: Score | None = Field(
        default=None, description="Fail a contract whose score is below this (0-100)."
    )
    min_scores: dict[str, Score] = Field(
        default_factory=dict, description="Per-contract minimum scores (path: score)."
    )
    follow_remote_refs: bool = Field(
        default=False,
        description="Reserved: remote $refs are never fetched; true only adds a warning.",
    )


class PipAuditOptions(ToolOptions):
    """Settings of pip-audit (used only when no advisory database is configured)."""


_DEPENDENCY_TOOLS: tuple[Literal["pip-audit"], ...] = ("pip-audit",)


class DependenciesGate(GateSettings):
    """Known vulnerabilities in pinned Python dependencies."""

    tools: list[Literal["pip-audit"]] = Field(
        default_factory=lambda: list(_DEPENDENCY_TOOLS), min_length=1
    )
    advisory_db: str | None = Field(
        default=None,
        description="Local OSV database (folder or .zip; relative to the scanned folder) to audit"
        " offline instead of asking pip-audit's online service; SECPIPE_ADVISORY_DB also sets it.",
    )
    not_audited: Literal["error", "warn"] = Field(
        default="error",
        description="Whether a dependency that could not be audited (not pinned, not parsed)"
        " makes the gate an error or only a warning.",
    )
    pip_audit: PipAuditOptions = Field(default_factory=PipAuditOptions, alias="pip-audit")


_SECRETS_TOOLS: tuple[Literal["detect-secrets"], ...] = ("detect-secrets",)


class SecretsGate(GateSettings):
    """Credentials committed to the source tree."""

    tools: list[Literal["detect-secrets"]] = Field(
        default_factory=lambda: list(_SECRETS_TOOLS), min_length=1
    )
    detect_secrets: DetectSecretsOptions = Field(
        default_factory=DetectSecretsOptions, alias="detect-secrets"
    )


class GatesSection(_Config):
    """Per-gate settings; a gate not listed here runs with its defaults."""

    secrets: SecretsGate = Field(default_factory=SecretsGate)
    dependencies: DependenciesGate = Field(default_factory=DependenciesGate)
    sast: SastGate = Field(default_factory=SastGate)
    container: ContainerGate = Field(default_factory=ContainerGate)
    kubernetes: KubernetesGate = Field(default_factory=KubernetesGate)
    contract: ContractGate = Field(default_factory=ContractGate)

    def settings(self, gate: str) -> GateSettings:
        """The settings of one gate by name."""
        value = getattr(self, gate)
        assert isinstance(value, GateSettings)  # noqa: S101 - the fields are all gates
        return value


class Stage(_Config):
    """One stage of the pipeline (commit, build, deploy…) and the gates it runs."""

    gates: list[str] = Field(min_length=1, description="Gates this stage runs, in order.")

    @field_validator("gates")
    @classmethod
    def _known_gates(cls, gates: list[str]) -> list[str]:
        for index, gate in enumerate(gates):
            if gate not in KNOWN_GATES:
                raise PydanticCustomError(
                    "unknown_gate",
                    "unknown gate {quoted} (known: {known})",
                    {"quoted": repr(gate), "known": ", ".join(KNOWN_GATES), "index": index},
                )
        if len(set(gates)) != len(gates):
            raise ValueError("a gate is listed twice in one stage")
        return gates


class Thresholds(_Config):
    """When findings fail a gate: a severity threshold, optional maximum counts, a mode."""

    fail_on: Severity | Literal["never"] | None = Field(
        default=None,
        description="Fail when a finding is at least this severe; 'never' only reports.",
    )
    max_findings: dict[Severity, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Fail when more findings than this are of exactly that severity.",
    )
    max_new: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Fail when more than this many findings are new."
    )
    mode: Literal["enforce", "warn"] | None = Field(
        default=None,
        description="'warn': the gates report, violations become warnings, never fail the run.",
    )


class Waiver(_Config):
    """An accepted risk: findings it matches are reported as waived and do not count.

    It matches one finding by ``fingerprint``, or every finding of ``rule`` under the ``path``
    glob. Who accepted it, why, and until when are required, so no exception lives forever.
    """

    fingerprint: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="The fingerprint of one finding (from findings.json)."
    )
    rule: Annotated[str, Field(min_length=1)] | None = Field(
        default=None, description="A rule id; needs 'path'."
    )
    path: Glob | None = Field(
        default=None, description="Glob of the repository paths the rule is waived in."
    )
    reason: Annotated[str, Field(min_length=1)] = Field(description="Why the risk is accepted.")
    owner: Annotated[str, Field(min_length=1)] = Field(description="Who answers for it.")
    expires: date = Field(description="Last day the waiver applies (YYYY-MM-DD).")

    @model_validator(mode="after")
    def _one_way_to_match(self) -> Waiver:
        # Exactly one matching style, so a waiver never silently matches more than was meant.
        if self.fingerprint is not None and (self.rule is not None or self.path is not None):
            raise ValueError("give either 'fingerprint' or 'rule' with 'path', not both")
        if self.fingerprint is None and (self.rule is None or self.path is None):
            raise ValueError("a waiver needs 'fingerprint', or both 'rule' and 'path'")
        return self


class Policy(_Config):
    """The pass/fail policy of the whole pipeline."""

    fail_on: Severity | Literal["never"] = Field(
        default=Severity.HIGH, description="Fail on any finding at least this severe."
    )
    max_findings: dict[Severity, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Fail when more findings than this are of exactly that severity.",
    )
    on_error: Literal["fail", "warn"] = Field(
        default="fail", description="Whether a gate that could not run fails the pipeline."
    )
    stages: dict[str, Thresholds] = Field(
        default_factory=dict, description="Overrides for the gates of one stage."
    )
    gates: dict[str, Thresholds] = Field(
        default_factory=dict, description="Overrides for one gate (win over stage overrides)."
    )
    max_new: Annotated[int, Field(ge=0)] | None = Field(
        default=None, description="Fail when the whole run has more than this many new findings."
    )
    new_only: bool = Field(
        default=True,
        description="With a baseline, only new findings count; false: baseline findings count too.",
    )
    severity_overrides: dict[Annotated[str, Field(min_length=1)], Severity] = Field(
        default_factory=dict, description="Severity to use for findings of a rule id."
    )
    waiver_max_days: Annotated[int, Field(ge=1, le=3650)] = Field(
        default=90, description="How many days ahead a waiver's 'expires' may be."
    )

    @field_validator("gates")
    @classmethod
    def _known_gate_names(cls, gates: dict[str, Thresholds]) -> dict[str, Thresholds]:
        for gate in gates:
            if gate not in KNOWN_GATES:
                raise PydanticCustomError(
                    "unknown_gate",
                    "unknown gate {quoted} (known: {known})",
                    {"quoted": repr(gate), "known": ", ".join(KNOWN_GATES), "key": gate},
                )
        return gates


class Pipeline(_Config):
    """A whole ``secpipe.yml``."""

    version: Literal[1] = Field(description="Schema version of this file.")
    stages: dict[str, Stage] = Field(min_length=1, description="Stages in the order they run.")
    gates: GatesSection = Field(default_factory=GatesSection)
    policy: Policy = Field(default_factory=Policy)
    waivers: list[Waiver] = Field(
        default_factory=list, description="Accepted risks, as in secpipe-waivers.yml."
    )

    @model_validator(mode="after")
    def _stage_overrides_exist(self) -> Pipeline:
        for stage in self.policy.stages:
            if stage not in self.stages:
                raise PydanticCustomError(
                    "unknown_stage",
                    "stage {quoted} is not in stages (stages: {known})",
                    {
                        "quoted": repr(stage),
                        "known": ", ".join(self.stages),
                        "at": ("policy", "stages", stage),
                    },
                )
        return self


class LoadedPipeline(BaseModel):
    """A validated pipeline and where it came from (a path, or ``builtin:NAME``)."""

    model_config = ConfigDict(frozen=True)

    pipeline: Pipeline
    source: str


def load_pipeline(path: Path) -> LoadedPipeline:
    """Read and validate a pipeline file; every problem is a one-line PipelineError."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PipelineError(f"{path}: pipeline file not found") from None
    except OSError as error:
        raise PipelineError(f"{path}: cannot read pipeline file: {error.strerror}") from None
    return LoadedPipeline(pipeline=parse_pipeline(raw, str(path)), source=str(path))


def load_builtin(name: str) -> LoadedPipeline:
    """Load a pipeline file shipped with secpipe (``default`` or ``strict``)."""
    resource = importlib.resources.files("secpipe.pipelines").joinpath(f"{name}.yml")
    if not resource.is_file():
        known = sorted(
            entry.name.removesuffix(".yml")
            for entry in importlib.resources.files("secpipe.pipelines").iterdir()
            if entry.name.endswith(".yml")
        )
        raise PipelineError(f"no built-in pipeline {name!r} (built-in: {', '.join(known)})")
    source = f"builtin:{name}"
    return LoadedPipeline(pipeline=parse_pipeline(resource.read_bytes(), source), source=source)


def find_pipeline(root: Path, explicit: Path | None) -> LoadedPipeline:
    """Pick the pipeline for a run: ``--pipeline``, else ROOT/secpipe.yml, else the default."""
    if explicit is not None:
        if str(explicit).startswith("builtin:"):
            return load_builtin(str(explicit).removeprefix("builtin:"))
        return load_pipeline(explicit)
    candidate = root / DEFAULT_PIPELINE_NAME
    if candidate.is_file():
        return load_pipeline(candidate)
    return load_builtin("default")


def parse_pipeline(raw: bytes, source: str) -> Pipeline:
    """Validate the bytes of a pipeline file; ``source`` names it in error messages."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PipelineError(
            f"{source}: not UTF-8 text (byte {error.start}); save the file as UTF-8"
        ) from None

    try:
        document = load_document(text)
    except YamlSyntaxError as error:
        where = f"{source}:{error.mark.line}:{error.mark.column}" if error.mark else source
        raise PipelineError(f"{where}: not valid YAML: {error.message}") from None

    if document.data is None:
        raise PipelineError(
            f"{source}: the pipeline file is empty; `secpipe init` writes a starter file"
        )
    if not isinstance(document.data, dict):
        raise PipelineError(
            f"{source}:1:1: expected a mapping with 'version' and 'stages', "
            f"found a {type(document.data).__name__}"
        )

    try:
        return Pipeline.model_validate(document.data)
    except ValidationError as error:
        raise PipelineError(_describe(error, document, source)) from None


def _describe(error: ValidationError, document: PositionedDocument, source: str) -> str:
    """Turn pydantic's first error into one line naming file, line, column and the fix."""
    first = error.errors(include_url=False)[0]
    location: PathKey = tuple(part for part in first["loc"] if isinstance(part, str | int))
    context = first.get("ctx") or {}

    # Pydantic puts a union member's name or a validator's tag into the location; drop them.
    location = _strip_union_tags(location, document)

    if "at" in context:
        location = tuple(context["at"])
        mark = document.position(location, prefer_key=True)
        message = f"{_format_path(location)}: {first['msg']}"
    elif first["type"] == "unknown_key" or (first["type"] == "unknown_gate" and "key" in context):
        key_path = (*location, context["key"])
        if first["type"] == "unknown_gate":
            location = key_path
        mark = document.position(key_path, prefer_key=True)
        where = _format_path(location) or "top level"
        message = f"{where}: {first['msg']}"
    elif first["type"] == "unknown_gate" and "index" in context:
        item_path = (*location, int(context["index"]))
        mark = document.position(item_path)
        message = f"{_format_path(item_path)}: {first['msg']}"
    elif first["type"] == "missing":
        mark = document.position(location[:-1], prefer_key=True)
        message = f"{_format_path(location)}: required setting is missing"
    else:
        mark = document.position(location)
        message = f"{_format_path(location) or 'top level'}: {_plain(first['msg'])}"

    where = f"{source}:{mark.line}:{mark.column}" if mark else source
    return f"{where}: {message}"


#: The one-line error description, for other files validated with positions (the waivers file).
describe_validation_error = _describe


_UNION_TAG = re.compile(r"^(\[key\]|[a-z-]+\[.*\]|function-[a-z-]+)$")


def _strip_union_tags(location: PathKey, document: PositionedDocument) -> PathKey:
    # A tag such as "str-enum[Severity]" or "[key]" is never a key the user wrote.
    return tuple(
        part
        for part in location
        if not (isinstance(part, str) and _UNION_TAG.match(part) and (part,) not in document.keys)
    )


def _format_path(path: PathKey) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _plain(message: str) -> str:
    # Pydantic starts some messages with "Value error, "; the user needs only the rest.
    message = message.removeprefix("Value error, ").replace("Input should be", "expected")
    return message.replace("String should match pattern", "expected text matching")


def pipeline_json_schema() -> dict[str, Any]:
    """The JSON Schema of the pipeline file, for editors and for `secpipe schema pipeline`."""
    schema = Pipeline.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "secpipe pipeline file (secpipe.yml)"
    return schema
