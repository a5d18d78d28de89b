"""The detect-secrets adapter on recorded outputs of a real detect-secrets 1.5.0 run.

The sample project is built at test time from a fixed recipe (no credential-looking constants in
the repository); the recorded reports under tests/assets/recorded/ came from running the real
tool on exactly that project (``detect-secrets scan -n --all-files ./FILES``, and the same with
``--only-allowlisted``), trimmed of the plugin and filter lists.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

import pytest

from secpipe._errors import PipelineError, ToolError
from secpipe._findings import Severity
from secpipe._pipeline import DetectSecretsOptions, GatesSection, parse_pipeline
from secpipe._redact import KNOWN_SECRETS
from secpipe.gates._secrets import SecretsGate
from secpipe.tools import DetectSecretsAdapter, ToolContext
from secpipe.tools._detect_secrets import recover_secret

UPPER_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
BASE64 = ALNUM + "+/"


def fake(seed: str, alphabet: str, length: int) -> str:
    """A deterministic random-looking string: the same every run, so the hashes match."""
    out = ""
    counter = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}:{counter}".encode()).digest()
        out += "".join(alphabet[byte % len(alphabet)] for byte in digest)
        counter += 1
    return out[:length]


def sample_values() -> dict[str, str]:
    """The planted values of the sample project."""
    return {
        "aws_id": "AKIA" + fake("aws-id", UPPER_DIGITS, 16),
        "aws_secret": fake("aws-secret", BASE64, 40),
        "github": "ghp_" + fake("github", ALNUM, 36),
        "allowed": "ghp_" + fake("allowed", ALNUM, 36),
        "password": fake("password", ALNUM, 22),
        "key_line": fake("key", BASE64, 64),
    }


def build_sample(root: Path) -> dict[str, str]:
    """Write the sample project the recorded reports were made from; returns its values."""
    values = sample_values()
    (root / "settings.py").write_text(
        "# Settings for the demo service.\n"
        f'AWS_ACCESS_KEY_ID = "{values["aws_id"]}"\n'
        f'aws_secret_access_key = "{values["aws_secret"]}"\n'
        f'GITHUB_TOKEN = "{values["github"]}"\n'
        f'EXAMPLE_TOKEN = "{values["allowed"]}"  # pragma: allowlist secret\n'
        f'db_password = "{values["password"]}"\n'
    )
    (root / "deploy").mkdir()
    body = "\n".join(fake(f"key{index}", BASE64, 64) for index in range(1, 6))
    (root / "deploy" / "id_rsa").write_text(
        "-----BEGIN RSA PRIVATE KEY-----\n"
        f"{values['key_line']}\n{body}\n"
        "-----END RSA PRIVATE KEY-----\n"
    )
    (root / "logo.bin").write_bytes(bytes(range(256)) * 4)
    (root / "legacy.txt").write_bytes(
        'secret = "caf\xe9-cr\xe8me-br\xfbl\xe9e"\n'.encode("latin-1")
    )
    return values


SAMPLE_FILES = ("deploy/id_rsa", "legacy.txt", "logo.bin", "settings.py")

FAKE_DETECT_SECRETS = """\
import os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGV_LOG"], "a") as log:
    log.write(" ".join(args) + "\\n")
name = "FAKE_ALLOWLISTED" if "--only-allowlisted" in args else "FAKE_REPORT"
with open(os.environ[name]) as report:
    sys.stdout.write(report.read())
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def fake_tool(tmp_path: Path) -> Path:
    script = tmp_path / "fake-detect-secrets"
    script.write_text(f"#!{sys.executable}\n{FAKE_DETECT_SECRETS}")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture
def sample(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "project"
    root.mkdir()
    return root, build_sample(root)


def make_context(
    tmp_path: Path,
    root: Path,
    executable: Path,
    report: Path,
    allowlisted: Path,
    options: DetectSecretsOptions | None = None,
    exit_code: int = 0,
) -> ToolContext:
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    env = dict(
        os.environ,
        FAKE_REPORT=str(report),
        FAKE_ALLOWLISTED=str(allowlisted),
        FAKE_EXIT=str(exit_code),
        FAKE_ARGV_LOG=str(tmp_path / "argv.log"),
    )
    return ToolContext(
        root=root,
        files=SAMPLE_FILES,
        executable=executable,
        options=options or DetectSecretsOptions(),
        timeout_s=30,
        workdir=workdir,
        env=env,
    )


@pytest.fixture
def recorded(assets: Path) -> tuple[Path, Path]:
    folder = assets / "recorded"
    return folder / "detect-secrets-scan.json", folder / "detect-secrets-allowlisted.json"


def test_one_finding_per_line_named_after_the_most_specific_kind(
    tmp_path: Path,
    fake_tool: Path,
    sample: tuple[Path, dict[str, str]],
    recorded: tuple[Path, Path],
) -> None:
    root, _ = sample
    output = DetectSecretsAdapter().run(make_context(tmp_path, root, fake_tool, *recorded))

    found = {(f.path, f.start_line): f for f in output.findings}
    assert {place: (f.rule_id, f.severity) for place, f in found.items()} == {
        ("settings.py", 2): ("aws-access-key", Severity.CRITICAL),
        ("settings.py", 3): ("aws-access-key", Severity.CRITICAL),
        ("settings.py", 4): ("github-token", Severity.HIGH),
        ("settings.py", 6): ("secret-keyword", Severity.MEDIUM),
        ("deploy/id_rsa", 1): ("private-key", Severity.CRITICAL),
    }
    assert found[("settings.py", 3)].title == "AWS access key"
    assert "high-entropy string" in found[("settings.py", 3)].message
    assert found[("settings.py", 4)].title == "GitHub token"
    assert all(f.cwe == ("CWE-798",) and f.weakness == "secret" for f in output.findings)
    assert output.version == "1.5.0"


def test_no_secret_value_in_findings_and_every_value_is_scrubbed(
    tmp_path: Path,
    fake_tool: Path,
    sample: tuple[Path, dict[str, str]],
    recorded: tuple[Path, Path],
) -> None:
    root, values = sample
    output = DetectSecretsAdapter().run(make_context(tmp_path, root, fake_tool, *recorded))

    planted = [value for name, value in values.items() if name != "allowed"]
    for finding in output.findings:
        for value in planted:
            assert value not in finding.message and value not in finding.title
    github = next(f for f in output.findings if f.rule_id == "github-token")
    assert f"value {values['github'][:4]}…(40 chars)" in github.message

    # The terminal summary and the log filter rely on the registry knowing every value.
    text = " | ".join(planted)
    scrubbed = KNOWN_SECRETS.scrub(text)
    for value in planted:
        assert value not in scrubbed


def test_allowlisted_lines_are_counted_and_only_marked_files_are_rescanned(
    tmp_path: Path,
    fake_tool: Path,
    sample: tuple[Path, dict[str, str]],
    recorded: tuple[Path, Path],
) -> None:
    root, _ = sample
    output = DetectSecretsAdapter().run(make_context(tmp_path, root, fake_tool, *recorded))

    assert output.suppressed == 1
    scan, allowlisted = (tmp_path / "argv.log").read_text().splitlines()
    assert "--only-allowlisted" not in scan
    assert allowlisted.endswith("--only-allowlisted ./settings.py")


def test_command_line_has_no_network_all_files_and_the_options(
    tmp_path: Path,
    fake_tool: Path,
    sample: tuple[Path, dict[str, str]],
    recorded: tuple[Path, Path],
) -> None:
    root, _ = sample
    options = DetectSecretsOptions(
        exclude_lines=[r"^\s*#"], disable_plugins=["IPPublicDetector"], args=["--hex-limit", "3.5"]
    )
    DetectSecretsAdapter().run(make_context(tmp_path, root, fake_tool, *recorded, options))

    argv = (tmp_path / "argv.log").read_text().splitlines()[0].split(" ")
    assert argv[:3] == ["scan", "-n", "--all-files"]
    assert argv[argv.index("--exclude-lines") + 1] == r"^\s*#"
    assert argv[argv.index("--disable-plugin") + 1] == "IPPublicDetector"
    assert argv[argv.index("--hex-limit") + 1] == "3.5"
    assert argv[-4:] == [f"./{path}" for path in SAMPLE_FILES]


def test_text_that_is_not_utf8_is_skipped_but_binary_files_are_not_noise(
    tmp_path: Path,
    fake_tool: Path,
    sample: tuple[Path, dict[str, str]],
    recorded: tuple[Path, Path],
) -> None:
    root, _ = sample
    output = DetectSecretsAdapter().run(make_context(tmp_path, root, fake_tool, *recorded))

    assert len(output.skipped_files) == 1
    assert output.skipped_files[0].startswith("legacy.txt: not UTF-8 text")


@pytest.mark.parametrize(
    ("stdout", "exit_code", "expected"),
    [
        ("Traceback (most recent call last):\n  oops\n", 0, "no usable JSON report"),
        ('{"version": "1.5.0"}', 0, "results"),
        ("", 0, "no usable JSON report"),
        ("usage: detect-secrets scan", 2, "exited 2"),
    ],
)
def test_garbage_or_a_failing_exit_is_a_tool_error(
    tmp_path: Path,
    fake_tool: Path,
    sample: tuple[Path, dict[str, str]],
    stdout: str,
    exit_code: int,
    expected: str,
) -> None:
    root, _ = sample
    report = tmp_path / "garbage.json"
    report.write_text(stdout)
    context = make_context(tmp_path, root, fake_tool, report, report, exit_code=exit_code)
    with pytest.raises(ToolError, match=expected):
        DetectSecretsAdapter().run(context)


def test_recover_secret_widens_a_hashed_prefix_to_the_whole_token() -> None:
    token = "ghp_" + fake("widen", ALNUM, 36)
    line = f'TOKEN = "{token}"'
    prefix_hash = hashlib.sha1(
        b"ghp", usedforsecurity=False
    ).hexdigest()  # what the GitHub plugin hashes
    assert recover_secret(line, prefix_hash) == token
    whole_hash = hashlib.sha1(token.encode(), usedforsecurity=False).hexdigest()
    assert recover_secret(line, whole_hash) == token
    assert (
        recover_secret(line, hashlib.sha1(b"elsewhere", usedforsecurity=False).hexdigest()) is None
    )


def test_pipeline_options_use_the_tool_name_and_reject_typos() -> None:
    pipeline = parse_pipeline(
        b"version: 1\nstages:\n  commit:\n    gates: [secrets]\ngates:\n  secrets:\n"
        b"    detect-secrets:\n      exclude_lines: ['EXAMPLE']\n"
        b"      disable_plugins: [KeywordDetector]\n",
        "secpipe.yml",
    )
    options = SecretsGate().tool_options(pipeline.gates.settings("secrets"), "detect-secrets")
    assert isinstance(options, DetectSecretsOptions)
    assert options.exclude_lines == ["EXAMPLE"]
    assert options.disable_plugins == ["KeywordDetector"]
    assert isinstance(GatesSection().secrets.detect_secrets, DetectSecretsOptions)

    with pytest.raises(
        PipelineError,
        match=r"secpipe.yml:8:\d+: .*disable_plugins\[0\]: expected .*KeywordDetector",
    ):
        parse_pipeline(
            b"version: 1\nstages:\n  commit:\n    gates: [secrets]\ngates:\n  secrets:\n"
            b"    detect-secrets:\n      disable_plugins: [Keyword]\n",
            "secpipe.yml",
        )
    with pytest.raises(PipelineError, match="not a valid regular expression"):
        parse_pipeline(
            b"version: 1\nstages:\n  commit:\n    gates: [secrets]\ngates:\n  secrets:\n"
            b"    detect-secrets:\n      exclude_lines: ['(']\n",
            "secpipe.yml",
        )
