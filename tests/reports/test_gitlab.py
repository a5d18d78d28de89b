"""The GitLab security reports: valid against GitLab's 15.2.1 schemas, one file per kind of scan."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secpipe._findings import (
    Advisory,
    Finding,
    FindingStatus,
    GateRun,
    GateStatus,
    ImageLocation,
    Package,
    Report,
    Severity,
)
from secpipe.reports import GitLabReporter

FindingFactory = Callable[..., Finding]
ReportFactory = Callable[..., Report]

KINDS = {
    "gl-sast-report.json": "sast",
    "gl-secret-detection-report.json": "secret-detection",
    "gl-dependency-scanning-report.json": "dependency-scanning",
    "gl-container-scanning-report.json": "container-scanning",
}


@pytest.fixture
def validators(shared: Path) -> dict[str, jsonschema.protocols.Validator]:
    """One validator per report file name, from the shared GitLab schemas."""
    result = {}
    for filename, kind in KINDS.items():
        path = shared / "schemas" / f"gitlab-{kind}-report-format-15.2.1.json"
        schema = json.loads(path.read_text(encoding="utf-8"))
        validator_class = jsonschema.validators.validator_for(schema)
        validator_class.check_schema(schema)
        result[filename] = validator_class(schema)
    return result


@pytest.fixture
def real_gates_report(finding_factory: FindingFactory, report_factory: ReportFactory) -> Report:
    """A run of the real gates, one finding of each shape GitLab treats differently."""
    package = Package(
        name="jinja2",
        version="2.10",
        fixed_versions=("2.10.1",),
        advisories=(Advisory(id="PYSEC-2019-217", aliases=("CVE-2019-10906",)),),
    )
    findings = (
        finding_factory(fingerprint="fp-sast", cwe=("CWE-95",)),
        finding_factory(fingerprint="fp-contract", gate="contract", tool="secpipe-contract"),
        finding_factory(fingerprint="fp-k8s", gate="kubernetes", tool="checkov", start_line=0),
        finding_factory(
            fingerprint="fp-secret",
            gate="secrets",
            tool="detect-secrets",
            tools=("detect-secrets",),
            rule_id="AWSKeyDetector",
            title="AWS access key",
            message="AWS access key AKIA************ in a config file.",
            severity=Severity.HIGH,
            path="config/settings.ini",
        ),
        finding_factory(
            fingerprint="fp-dep",
            gate="dependencies",
            tool="pip-audit",
            rule_id="PYSEC-2019-217",
            path="requirements.txt",
            start_line=2,
            end_line=2,
            package=package,
            references=("https://osv.dev/vulnerability/PYSEC-2019-217", "not a url"),
        ),
        finding_factory(
            fingerprint="fp-dep-broken-manifest",
            gate="dependencies",
            tool="secpipe",
            rule_id="unpinned",
            path="requirements.txt",
        ),
        finding_factory(
            fingerprint="fp-image",
            gate="container",
            tool="secpipe-image",
            rule_id="PYSEC-2019-217",
            path="image:registry.example/app:1.0",
            start_line=0,
            end_line=0,
            package=package,
            image=ImageLocation(reference="registry.example/app:1.0", file="/usr/lib/x/METADATA"),
        ),
        finding_factory(
            fingerprint="fp-dockerfile", gate="container", tool="checkov", path="Dockerfile"
        ),
        finding_factory(fingerprint="fp-waived", status=FindingStatus.WAIVED),
        finding_factory(fingerprint="fp-baseline", status=FindingStatus.BASELINE),
    )
    gates = tuple(
        GateRun(name=name, stage="commit", status=GateStatus.FAILED, findings=1)
        for name in ("secrets", "dependencies", "sast", "container", "kubernetes", "contract")
    )
    return report_factory(gates=gates, findings=findings, violations=())


def render_all(report: Report) -> dict[str, dict[str, Any]]:
    files = GitLabReporter().render_files(report)
    assert all(text.endswith("}\n") for text in files.values())
    return {name: json.loads(text) for name, text in files.items()}


def fingerprint_ids(document: dict[str, Any]) -> set[str]:
    return {vulnerability["id"] for vulnerability in document["vulnerabilities"]}


def gitlab_id(fingerprint: str) -> str:
    # The reporter's ids must be stable: recompute what an earlier run would have produced.
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.invalid/secpipe/gitlab")
    return str(uuid.uuid5(namespace, fingerprint))


def test_every_file_validates_against_its_schema(
    real_gates_report: Report, validators: dict[str, jsonschema.protocols.Validator]
) -> None:
    documents = render_all(real_gates_report)

    assert sorted(documents) == sorted(KINDS)
    for filename, document in documents.items():
        assert list(validators[filename].iter_errors(document)) == [], filename
        assert document["version"] == "15.2.1"


def test_sample_report_with_a_failed_gate_validates(
    report: Report, validators: dict[str, jsonschema.protocols.Validator]
) -> None:
    documents = render_all(report)

    # Gates with names GitLab has no report type for all land in the SAST report.
    assert list(documents) == ["gl-sast-report.json"]
    validators["gl-sast-report.json"].validate(documents["gl-sast-report.json"])
    assert documents["gl-sast-report.json"]["scan"]["status"] == "failure"


def _first(document: dict[str, Any]) -> dict[str, Any]:
    vulnerability: dict[str, Any] = document["vulnerabilities"][0]
    return vulnerability


@pytest.mark.parametrize(
    ("filename", "breakage"),
    [
        ("gl-sast-report.json", lambda d: _first(d).pop("identifiers")),
        ("gl-sast-report.json", lambda d: d["scan"].update(start_time="2024-05-01 12:30")),
        ("gl-secret-detection-report.json", lambda d: _first(d)["location"].pop("commit")),
        ("gl-dependency-scanning-report.json", lambda d: _first(d)["location"].pop("dependency")),
        ("gl-container-scanning-report.json", lambda d: _first(d).update(severity="Severe")),
    ],
)
def test_the_schemas_reject_a_broken_copy(
    real_gates_report: Report,
    validators: dict[str, jsonschema.protocols.Validator],
    filename: str,
    breakage: Callable[[dict[str, Any]], object],
) -> None:
    document = copy.deepcopy(render_all(real_gates_report)[filename])
    breakage(document)

    assert list(validators[filename].iter_errors(document)) != []


def test_findings_go_to_the_report_of_their_kind(real_gates_report: Report) -> None:
    documents = render_all(real_gates_report)

    assert fingerprint_ids(documents["gl-secret-detection-report.json"]) == {gitlab_id("fp-secret")}
    assert fingerprint_ids(documents["gl-dependency-scanning-report.json"]) == {gitlab_id("fp-dep")}
    assert fingerprint_ids(documents["gl-container-scanning-report.json"]) == {
        gitlab_id("fp-image")
    }
    # Findings without a package (a Dockerfile line, a manifest problem) can only be SAST.
    assert fingerprint_ids(documents["gl-sast-report.json"]) == {
        gitlab_id(fp)
        for fp in (
            "fp-sast",
            "fp-contract",
            "fp-k8s",
            "fp-dep-broken-manifest",
            "fp-dockerfile",
            "fp-baseline",
        )
    }


def test_waived_findings_are_left_out(real_gates_report: Report) -> None:
    documents = render_all(real_gates_report)

    every_id = set().union(*(fingerprint_ids(document) for document in documents.values()))
    assert gitlab_id("fp-waived") not in every_id
    assert len(every_id) == len(real_gates_report.findings) - 1


def test_only_kinds_that_ran_are_written(
    report_factory: ReportFactory, finding_factory: FindingFactory
) -> None:
    # A shard that ran only the secrets gate must not claim the SAST findings are gone.
    gates = (GateRun(name="secrets", stage="commit", status=GateStatus.PASSED, findings=0),)

    files = GitLabReporter().render_files(report_factory(gates=gates, findings=()))

    assert list(files) == ["gl-secret-detection-report.json"]
    assert json.loads(files["gl-secret-detection-report.json"])["vulnerabilities"] == []


def test_a_run_with_no_gates_still_writes_an_empty_sast_report(
    report_factory: ReportFactory,
) -> None:
    files = GitLabReporter().render_files(report_factory(gates=(), findings=()))

    assert list(files) == ["gl-sast-report.json"]
    assert (
        GitLabReporter().render(report_factory(gates=(), findings=()))
        == files["gl-sast-report.json"]
    )


def test_scan_status_fails_only_for_the_kind_whose_gate_errored(
    report_factory: ReportFactory,
) -> None:
    gates = (
        GateRun(name="secrets", stage="commit", status=GateStatus.ERROR, findings=0, error="boom"),
        GateRun(name="sast", stage="commit", status=GateStatus.PASSED, findings=0),
    )

    documents = render_all(report_factory(gates=gates, findings=()))

    secrets_scan = documents["gl-secret-detection-report.json"]["scan"]
    assert secrets_scan["status"] == "failure"
    assert secrets_scan["messages"] == [
        {"level": "fatal", "value": "gate secrets could not finish"}
    ]
    assert documents["gl-sast-report.json"]["scan"]["status"] == "success"


def test_scan_times_are_utc_without_zone(real_gates_report: Report) -> None:
    scan = render_all(real_gates_report)["gl-sast-report.json"]["scan"]

    # The sample started 2024-05-01 12:30 UTC and took 42.5 s.
    assert scan["start_time"] == "2024-05-01T12:30:00"
    assert scan["end_time"] == "2024-05-01T12:30:42"
    assert scan["analyzer"]["id"] == scan["scanner"]["id"] == "secpipe"


def test_vulnerability_fields(real_gates_report: Report) -> None:
    documents = render_all(real_gates_report)
    by_id = {
        vulnerability["id"]: vulnerability
        for document in documents.values()
        for vulnerability in document["vulnerabilities"]
    }

    sast = by_id[gitlab_id("fp-sast")]
    assert sast["severity"] == "Medium"
    assert sast["location"] == {"file": "app/views.py", "start_line": 3, "end_line": 3}
    assert sast["identifiers"][0]["value"] == "python.lang.security.audit.eval-detected"
    assert sast["identifiers"][1] == {
        "type": "cwe",
        "name": "CWE-95",
        "value": "95",
        "url": "https://cwe.mitre.org/data/definitions/95.html",
    }
    assert "start_line" not in by_id[gitlab_id("fp-k8s")]["location"]

    dependency = by_id[gitlab_id("fp-dep")]
    assert dependency["location"] == {
        "file": "requirements.txt",
        "dependency": {"package": {"name": "jinja2"}, "version": "2.10"},
    }
    assert [i["name"] for i in dependency["identifiers"]][1:] == [
        "PYSEC-2019-217",
        "CVE-2019-10906",
    ]
    assert dependency["links"] == [{"url": "https://osv.dev/vulnerability/PYSEC-2019-217"}]
    assert dependency["solution"] == "Upgrade jinja2 to 2.10.1."

    image = by_id[gitlab_id("fp-image")]
    assert image["location"]["image"] == "registry.example/app:1.0"

    secret = by_id[gitlab_id("fp-secret")]
    assert secret["location"]["commit"] == {"sha": "0000000"}
    assert secret["severity"] == "High"


def test_long_titles_are_cut_to_what_the_schema_allows(
    report_factory: ReportFactory,
    finding_factory: FindingFactory,
    validators: dict[str, jsonschema.protocols.Validator],
) -> None:
    report = report_factory(gates=(), findings=(finding_factory(title="x" * 400),))

    document = render_all(report)["gl-sast-report.json"]

    validators["gl-sast-report.json"].validate(document)
    assert len(document["vulnerabilities"][0]["name"]) == 255
