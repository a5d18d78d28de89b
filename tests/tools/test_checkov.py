"""The checkov adapter on recorded checkov 3.3.30 outputs (trimmed copies of real runs).

The recorded reports name the files where they were recorded (``/tmp/ck/...``); the tests copy
the same manifests and Dockerfile into a temporary folder and rewrite the paths, so the exact-line
mapping reads real files.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from secpipe import _process
from secpipe._errors import ToolError
from secpipe._findings import Severity
from secpipe._pipeline import CheckovOptions, ContainerGate, KubernetesGate
from secpipe.tools import ADAPTERS, ToolContext
from secpipe.tools._checkov import CheckovAdapter, parse_reports
from secpipe.tools._checkov_checks import DOCKERFILE_CHECKS, KUBERNETES_CHECKS, POD_SPEC_FIELDS

RECORDED = Path(__file__).parent.parent / "assets" / "recorded"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


@pytest.fixture
def tree(tmp_path: Path, assets: Path) -> Path:
    root = tmp_path / "repo"
    (root / "k8s").mkdir(parents=True)
    (root / "df").mkdir()
    for name in ("deploy.yaml", "multi.yaml"):
        shutil.copy(assets / "kubernetes" / name, root / "k8s" / name)
    shutil.copy(assets / "docker" / "Dockerfile", root / "df" / "Dockerfile")
    return root


def fake_checkov(
    monkeypatch: pytest.MonkeyPatch, stdout: str, returncode: int = 1
) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(argv: list[str], **kwargs: object) -> _process.Completed:
        calls.append([*argv, f"BC_SKIP_MAPPING={kwargs['env']['BC_SKIP_MAPPING']}"])  # type: ignore[index]
        return _process.Completed(tuple(argv), returncode, stdout, "", 0.1)

    monkeypatch.setattr(_process, "run", run)
    return calls


def context(root: Path, files: tuple[str, ...], tmp_path: Path) -> ToolContext:
    return ToolContext(
        root=root,
        files=files,
        executable=Path("/usr/bin/checkov"),
        options=CheckovOptions(),
        timeout_s=60,
        workdir=tmp_path,
        env={},
    )


def test_the_three_json_shapes_are_read() -> None:
    # One object per framework.
    [kubernetes] = parse_reports(recorded("checkov-3.3.30-kubernetes.json"), exit_note="exit 1")
    assert kubernetes.check_type == "kubernetes"
    assert len(kubernetes.results.failed_checks) == 11

    # Several JSON values in a row, one of them a list of frameworks.
    reports = parse_reports(recorded("checkov-3.3.30-two-dirs.json"), exit_note="exit 1")
    assert [report.check_type for report in reports] == ["kubernetes", "dockerfile", "kubernetes"]

    # A bare summary means nothing was checked: no report, no error.
    assert parse_reports(recorded("checkov-3.3.30-nothing-found.json"), exit_note="exit 0") == []


@pytest.mark.parametrize(
    ("stdout", "expected"),
    [
        ("", "printed no report"),
        ("2026-01-01 [ERROR] boom\n", "not JSON"),
        ('{"unexpected": true}', "unexpected shape"),
        ('[{"check_type": "kubernetes", "results": {"failed_checks": [{}]}}]', "check_id"),
    ],
)
def test_garbage_is_a_tool_error(stdout: str, expected: str) -> None:
    with pytest.raises(ToolError, match=expected):
        parse_reports(stdout, exit_note="exit 0")


def test_kubernetes_findings_point_at_the_offending_field(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = recorded("checkov-3.3.30-kubernetes.json").replace("/tmp/ck/k8s", str(tree / "k8s"))
    calls = fake_checkov(monkeypatch, stdout)

    output = CheckovAdapter().run(context(tree, ("k8s/deploy.yaml", "k8s/multi.yaml"), tmp_path))

    lines = {(Path(f.path).name, f.rule_id): f.start_line for f in output.findings}
    deploy = (tree / "k8s" / "deploy.yaml").read_text().splitlines()
    # Evaluated keys: the privileged line; table: hostNetwork, hostPID, the hostPath: line.
    assert deploy[lines[("deploy.yaml", "CKV_K8S_16")] - 1].strip() == "privileged: true"
    assert deploy[lines[("deploy.yaml", "CKV_K8S_19")] - 1].strip() == "hostNetwork: true"
    assert deploy[lines[("deploy.yaml", "CKV_K8S_17")] - 1].strip() == "hostPID: true"
    assert deploy[lines[("deploy.yaml", "CKV_K8S_27")] - 1].strip() == "hostPath:"
    # The second document of a multi-document file: its own hostIPC line, not the List's.
    multi = (tree / "k8s" / "multi.yaml").read_text().splitlines()
    assert multi[lines[("multi.yaml", "CKV_K8S_18")] - 1].strip() == "hostIPC: true"
    # Severity from secpipe's table, never checkov's null.
    severity = {f.rule_id: f.severity for f in output.findings}
    assert severity["CKV_K8S_16"] is Severity.CRITICAL
    assert severity["CKV_K8S_19"] is Severity.HIGH
    # Offline and only tabled checks, absolute file paths.
    [argv] = calls
    assert "--skip-download" in argv and "BC_SKIP_MAPPING=TRUE" in argv
    assert argv[argv.index("--framework") + 1] == "kubernetes"
    assert set(argv[argv.index("--check") + 1].split(",")) == set(KUBERNETES_CHECKS)
    assert str(tree / "k8s" / "deploy.yaml") in argv


def test_a_list_item_finding_points_inside_its_item(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # CKV_K8S_20 on the Pod inside the List kind (range 4-14 of multi.yaml).
    stdout = recorded("checkov-3.3.30-kubernetes.json").replace("/tmp/ck/k8s", str(tree / "k8s"))
    fake_checkov(monkeypatch, stdout)

    output = CheckovAdapter().run(context(tree, ("k8s/multi.yaml",), tmp_path))

    escalation = sorted(
        f.start_line for f in output.findings if f.rule_id == "CKV_K8S_20" and "multi" in f.path
    )
    multi = (tree / "k8s" / "multi.yaml").read_text().splitlines()
    assert [multi[line - 1].strip() for line in escalation] == [
        "allowPrivilegeEscalation: true",
        "- name: b",
    ]


def test_code_block_never_reaches_a_finding(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A recorded result whose code_block carries a private key, as checkov prints it.
    data = json.loads(
        recorded("checkov-3.3.30-kubernetes.json").replace("/tmp/ck/k8s", str(tree / "k8s"))
    )
    key = "-----BEGIN RSA PRIVATE KEY-----MIIEowIBAAKCAQEA7secret"
    for result in data["results"]["failed_checks"]:
        result["code_block"] = [[1, key]]
    fake_checkov(monkeypatch, json.dumps(data))

    output = CheckovAdapter().run(context(tree, ("k8s/deploy.yaml",), tmp_path))

    assert output.findings
    assert all(key not in repr(finding) for finding in output.findings)


def test_dockerfile_whole_file_checks_move_to_the_final_from(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    stdout = recorded("checkov-3.3.30-dockerfile.json").replace("/tmp/ck/df", str(tree / "df"))
    calls = fake_checkov(monkeypatch, stdout)

    output = CheckovAdapter().run(context(tree, ("df/Dockerfile",), tmp_path))

    lines = {f.rule_id: (f.start_line, f.end_line) for f in output.findings}
    # checkov says [1, 6] for "no USER" and "no HEALTHCHECK": secpipe says the FROM line.
    assert lines["CKV_DOCKER_3"] == (1, 1)
    assert lines["CKV_DOCKER_2"] == (1, 1)
    assert lines["CKV_DOCKER_4"] == (2, 2)
    assert lines["CKV_DOCKER_1"] == (5, 5)
    weakness = {f.rule_id: f.weakness for f in output.findings}
    assert weakness["CKV_DOCKER_3"] == "root-user"
    assert calls[0][calls[0].index("--framework") + 1] == "dockerfile"


def test_a_vanished_file_is_skipped_not_passed(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_checkov(monkeypatch, recorded("checkov-3.3.30-nothing-found.json"), 0)

    output = CheckovAdapter().run(context(tree, ("k8s/gone.yaml", "k8s/deploy.yaml"), tmp_path))

    assert output.skipped_files == ["k8s/gone.yaml: no such file"]
    assert len(calls) == 1 and str(tree / "k8s" / "gone.yaml") not in calls[0]


def test_a_crash_exit_code_is_a_tool_error(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_checkov(monkeypatch, "Traceback (most recent call last):", 2)

    with pytest.raises(ToolError, match="checkov failed"):
        CheckovAdapter().run(context(tree, ("k8s/deploy.yaml",), tmp_path))


def test_skipped_checks_are_not_enabled(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = fake_checkov(monkeypatch, recorded("checkov-3.3.30-nothing-found.json"), 0)
    ctx = context(tree, ("k8s/deploy.yaml",), tmp_path)
    ctx = ToolContext(**{**ctx.__dict__, "options": CheckovOptions(skip=["CKV_K8S_43"])})

    CheckovAdapter().run(ctx)

    enabled = calls[0][calls[0].index("--check") + 1].split(",")
    assert "CKV_K8S_43" not in enabled and "CKV_K8S_16" in enabled


def test_tables_cover_the_checks_with_empty_evaluated_keys() -> None:
    assert set(POD_SPEC_FIELDS) <= set(KUBERNETES_CHECKS)
    assert {"CKV_K8S_17", "CKV_K8S_19", "CKV_K8S_27"} <= set(KUBERNETES_CHECKS)
    assert len(DOCKERFILE_CHECKS) == 28
    assert ADAPTERS["checkov"] is CheckovAdapter
    assert ContainerGate().checkov == KubernetesGate().checkov == CheckovOptions()
