"""Integration tests for the semgrep rules that secpipe ships in secpipe/rules/semgrep/.

Every language has annotated targets under tests/assets/semgrep-rules/<language>/. A comment
`ruleid: <id>[, <id>...]` (in the language's comment syntax) says that the next line must be
reported by each named rule, and `ok: <id>` says that it must not be. The real semgrep runs once
per rules file, and every finding must be annotated, so a rule that starts firing on an
unannotated line fails as surely as one that stops firing on its `ruleid` line.

semgrep's own `--test` mode wants each rules file next to a target with the same name; the
pytest form keeps the rules in the package and names the rule and line of every mismatch.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from secpipe.tools._bandit import _WEAKNESS as BANDIT_WEAKNESS_CLASSES

pytestmark = pytest.mark.scanners

# Paths are worked out here rather than imported: tests/reports has a conftest.py of its own,
# so `import conftest` depends on which of the two pytest loaded first.
REPO_ROOT = Path(__file__).resolve().parents[2]
RULES_DIR = REPO_ROOT / "secpipe" / "rules" / "semgrep"
TARGETS_DIR = REPO_ROOT / "tests" / "assets" / "semgrep-rules"
EXAMPLE_APP = REPO_ROOT / "examples" / "vulnerable-app"

# Rules file stem -> the `languages` every rule in it must declare.
LANGUAGES = {
    "python": ["python"],
    "javascript": ["javascript", "typescript"],
    "java": ["java"],
    "go": ["go"],
}
ANNOTATION = re.compile(r"^\s*(?:#|//)\s*(ruleid|ok):\s*(\S.*?)\s*$")
RULE_ID = re.compile(
    r"^(?P<language>[a-z]+)\.(?P<category>[a-z]+(?:-[a-z]+)*)\.[a-z0-9]+(?:-[a-z0-9]+)*$"
)
CWE = re.compile(r"^CWE-\d+: \S.*$")
OWASP = re.compile(r"^A(?:0[1-9]|10):2021 - \S.*$")
REQUIRED_METADATA = {"title", "cwe", "confidence", "category", "references", "owasp"}
# A whole language's targets take a few seconds; the margin is for slow CI machines.
SEMGREP_TIMEOUT = 600

# (rule id, path relative to the folder semgrep ran in, line)
Hit = tuple[str, str, int]


def _load_rules() -> dict[str, list[dict[str, Any]]]:
    """Read every shipped rules file, keyed by language (the file's stem)."""
    rules = {}
    for language in LANGUAGES:
        document = yaml.safe_load((RULES_DIR / f"{language}.yml").read_text(encoding="utf-8"))
        rules[language] = document["rules"]
    return rules


RULES = _load_rules()
ALL_RULES = [(language, rule) for language, rules in RULES.items() for rule in rules]
KNOWN_IDS: frozenset[str] = frozenset(str(rule["id"]) for _, rule in ALL_RULES)


@dataclass(frozen=True)
class Annotations:
    """What the targets of one language promise: lines that must and must not be reported."""

    expected: frozenset[Hit]
    forbidden: frozenset[Hit]


@dataclass(frozen=True)
class Scan:
    """The parts of one semgrep run that the tests look at."""

    hits: list[Hit]
    errors: list[dict[str, Any]]
    scanned: frozenset[str]


def _targets(language: str) -> list[Path]:
    """Every target file of a language; the directory holds nothing else."""
    return sorted(path for path in (TARGETS_DIR / language).rglob("*") if path.is_file())


def _annotations(language: str) -> Annotations:
    """Collect the `ruleid`/`ok` comments of a language's targets."""
    expected: set[Hit] = set()
    forbidden: set[Hit] = set()
    for path in _targets(language):
        name = path.relative_to(TARGETS_DIR).as_posix()
        pending: list[tuple[str, str]] = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            # Annotations stack up until the line they describe.
            match = ANNOTATION.match(line)
            if match:
                pending.extend((match[1], rule_id.strip()) for rule_id in match[2].split(","))
                continue
            if pending and not line.strip():
                pytest.fail(f"{name}:{number}: an annotation must sit right above code")
            for kind, rule_id in pending:
                (expected if kind == "ruleid" else forbidden).add((rule_id, name, number))
            pending = []
        if pending:
            pytest.fail(f"{name}: the file ends with an annotation that describes no line")
    return Annotations(frozenset(expected), frozenset(forbidden))


def _rule_id(check_id: str) -> str:
    """Undo semgrep's prefixing of rule ids with the rules file's dotted directory path."""
    # As in the adapter, the longest known id that is a suffix wins.
    for rule_id in sorted(KNOWN_IDS, key=len, reverse=True):
        if check_id == rule_id or check_id.endswith(f".{rule_id}"):
            return rule_id
    return check_id


def _run_semgrep(semgrep: Path, home: Path, rules: Path, root: Path, targets: list[str]) -> Scan:
    """Scan the targets (paths relative to ``root``) with one rules file, as secpipe does."""
    # The flags are the ones secpipe's adapter passes. Explicitly named files are scanned even
    # under tests/, which semgrep skips in a directory walk; HOME keeps semgrep's settings file
    # out of the real home directory; --disable-version-check avoids a long wait for the
    # unreachable registry.
    argv = [
        str(semgrep),
        "scan",
        "--config",
        str(rules),
        "--json",
        "--metrics=off",
        "--disable-version-check",
        "--no-git-ignore",
        *(f"./{target}" for target in targets),
    ]
    env = {**os.environ, "HOME": str(home), "SEMGREP_SEND_METRICS": "off"}
    result = subprocess.run(
        argv, capture_output=True, text=True, env=env, cwd=root, timeout=SEMGREP_TIMEOUT
    )
    if result.returncode != 0:
        pytest.fail(
            f"semgrep failed: {argv}\nexit code {result.returncode}\n"
            f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
        )

    report = json.loads(result.stdout)
    hits = [
        (_rule_id(finding["check_id"]), _relative(root, finding["path"]), finding["start"]["line"])
        for finding in report["results"]
    ]
    scanned = frozenset(_relative(root, path) for path in report["paths"]["scanned"])
    return Scan(hits=hits, errors=report["errors"], scanned=scanned)


def _relative(root: Path, path: str) -> str:
    """Name a file that semgrep reported relative to the folder it ran in."""
    return (root / path).resolve().relative_to(root.resolve()).as_posix()


@pytest.fixture(scope="module")
def scan_cache() -> dict[str, Scan]:
    """Scans already made in this module, by language: each rules file runs only once."""
    return {}


@pytest.fixture
def scan(
    scanner: Callable[[str], Path],
    scan_cache: dict[str, Scan],
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[str], Scan]:
    """Scan one language's targets with its rules file, or return the earlier scan."""

    def run(language: str) -> Scan:
        if language not in scan_cache:
            # The targets are scanned from a copy: the credential and debug rules skip folders
            # named tests/, and the checked-in targets live under one.
            root = tmp_path_factory.mktemp("semgrep-targets")
            shutil.copytree(TARGETS_DIR / language, root / language)
            names = [path.relative_to(TARGETS_DIR).as_posix() for path in _targets(language)]
            home = tmp_path_factory.mktemp("semgrep-home")
            rules = RULES_DIR / f"{language}.yml"
            scan_cache[language] = _run_semgrep(scanner("semgrep"), home, rules, root, names)
        return scan_cache[language]

    return run


@pytest.mark.parametrize("language", LANGUAGES)
def test_rules_load_and_every_target_is_scanned(language: str, scan: Callable[[str], Scan]) -> None:
    """semgrep accepts the rules file and parses every target without errors."""
    result = scan(language)

    assert result.errors == []
    targets = {path.relative_to(TARGETS_DIR).as_posix() for path in _targets(language)}
    assert targets, f"no targets for {language}"
    assert result.scanned == targets


@pytest.mark.parametrize(
    ("language", "rule_id"),
    [pytest.param(language, rule["id"], id=rule["id"]) for language, rule in ALL_RULES],
)
def test_rule_reports_exactly_the_annotated_lines(
    language: str, rule_id: str, scan: Callable[[str], Scan]
) -> None:
    """A rule fires on each of its `ruleid` lines, once, and nowhere else in the targets."""
    annotations = _annotations(language)
    hits = [hit for hit in scan(language).hits if hit[0] == rule_id]
    found = set(hits)
    expected = {hit for hit in annotations.expected if hit[0] == rule_id}
    forbidden = {hit for hit in annotations.forbidden if hit[0] == rule_id}

    assert sorted(expected - found) == [], "missed: the rule did not fire on these lines"
    assert sorted(found & forbidden) == [], "false positives on lines marked ok"
    assert sorted(found - expected - forbidden) == [], "findings on unannotated lines"
    duplicates = sorted(hit for hit, count in Counter(hits).items() if count > 1)
    assert duplicates == [], "the rule reported the same line more than once"


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_finding_comes_from_an_unknown_rule(language: str, scan: Callable[[str], Scan]) -> None:
    """Every finding maps back to a rule id defined in the rules file."""
    unknown = sorted({hit for hit in scan(language).hits if hit[0] not in KNOWN_IDS})

    assert unknown == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_annotations_name_rules_of_their_language(language: str) -> None:
    """A typo in an annotation must not silently turn into an untested promise."""
    annotations = _annotations(language)
    language_ids = {rule["id"] for rule in RULES[language]}

    named = {hit[0] for hit in annotations.expected | annotations.forbidden}
    assert sorted(named - language_ids) == []


@pytest.mark.parametrize(
    ("language", "rule_id"),
    [pytest.param(language, rule["id"], id=rule["id"]) for language, rule in ALL_RULES],
)
def test_rule_has_positive_and_negative_examples(language: str, rule_id: str) -> None:
    """Each rule is shown at least one line it must report and one look-alike it must not."""
    annotations = _annotations(language)

    assert any(hit[0] == rule_id for hit in annotations.expected), "no `ruleid` example"
    assert any(hit[0] == rule_id for hit in annotations.forbidden), "no `ok` example"


@pytest.mark.parametrize(
    ("language", "rule"),
    [pytest.param(language, rule, id=rule["id"]) for language, rule in ALL_RULES],
)
def test_rule_follows_secpipe_conventions(language: str, rule: dict[str, Any]) -> None:
    """Ids, severities and metadata have the shape secpipe's semgrep adapter relies on."""
    match = RULE_ID.match(rule["id"])
    assert match, f"id {rule['id']!r} is not <language>.<category>.<name>"
    assert match["language"] == language
    # The adapter takes the category as the weakness class that merges semgrep's finding with
    # bandit's on the same line, so it must be one of the classes bandit's findings get.
    assert match["category"] in BANDIT_WEAKNESS_CLASSES
    assert rule["languages"] == LANGUAGES[language]
    assert rule["severity"] in {"ERROR", "WARNING", "INFO"}
    assert rule["message"].strip()

    metadata = rule["metadata"]
    assert sorted(REQUIRED_METADATA - metadata.keys()) == [], "missing metadata keys"
    assert 0 < len(metadata["title"]) < 70
    assert metadata["confidence"] in {"HIGH", "MEDIUM", "LOW"}
    assert metadata["category"] == "security"
    assert metadata["cwe"], "at least one CWE"
    assert all(CWE.match(cwe) for cwe in metadata["cwe"]), metadata["cwe"]
    assert metadata["owasp"], "at least one OWASP category"
    assert all(OWASP.match(category) for category in metadata["owasp"]), metadata["owasp"]
    assert metadata["references"], "at least one reference"
    assert all(url.startswith("https://") for url in metadata["references"])


def test_rule_ids_are_unique() -> None:
    """Rule ids are stable keys for secpipe's findings, so no two rules may share one."""
    counts = Counter(rule["id"] for _, rule in ALL_RULES)

    assert sorted(rule_id for rule_id, count in counts.items() if count > 1) == []


# Code of each planted weakness in the example app -> the rule that must report its line.
EXAMPLE_PLANTED = {
    "python": (
        EXAMPLE_APP / "app" / "server.py",
        {
            'subprocess.check_output(f"ping -c 1 {host}", shell=True)': (
                "python.injection.subprocess-shell-true"
            ),
            "connection.execute(f\"SELECT * FROM users WHERE name = '{name}'\")": (
                "python.injection.sql-string-format"
            ),
            "yaml.load(request.data)": "python.deserialization.yaml-unsafe-load",
            "pickle.loads(request.data)": "python.deserialization.pickle",
            "hashlib.md5(password.encode())": "python.crypto.weak-hash",
            "requests.get(url, verify=False, timeout=10)": "python.tls.http-verify-false",
            'app.run(host="0.0.0.0", debug=True)': "python.debug.flask-debug-true",
        },
    ),
    "javascript": (
        EXAMPLE_APP / "web" / "server.js",
        {
            'exec("tar czf /tmp/export.tgz " + req.query.dir': (
                "javascript.injection.child-process-exec"
            ),
            'crypto.createHash("md5")': "javascript.crypto.weak-hash",
            "rejectUnauthorized: false": "javascript.tls.reject-unauthorized-false",
            "eval(req.body.expression)": "javascript.code-injection.eval",
        },
    ),
}


@pytest.mark.parametrize("language", EXAMPLE_PLANTED)
def test_planted_weaknesses_of_the_example_app_are_found(
    language: str, tmp_path: Path, scanner: Callable[[str], Path]
) -> None:
    """The shipped rules catch every weakness planted in the example app, each on its line."""
    path, planted = EXAMPLE_PLANTED[language]

    # Lines are located by their code so that edits elsewhere in the file do not break the test.
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = set()
    for code, rule_id in planted.items():
        numbers = [number for number, line in enumerate(lines, start=1) if code in line]
        assert len(numbers) == 1, f"expected exactly one line with {code!r} in {path}"
        expected.add((rule_id, path.relative_to(REPO_ROOT).as_posix(), numbers[0]))

    # The whole rules folder, as secpipe's adapter passes it.
    target = path.relative_to(REPO_ROOT).as_posix()
    result = _run_semgrep(scanner("semgrep"), tmp_path, RULES_DIR, REPO_ROOT, [target])

    assert result.errors == []
    assert sorted(expected - set(result.hits)) == []
