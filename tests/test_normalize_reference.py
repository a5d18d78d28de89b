"""The fast normalize gives exactly what the plain, slow recipe gives, on a large mixed set.

The reference below is the original straightforward implementation (resolve every path, copy
every finding, build one model per finding). Any change that makes normalize faster must keep
grouping, merging, fingerprints, order and warnings identical, or every user's baseline breaks.
"""

from __future__ import annotations

import gc
import hashlib
import random
from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import pytest

from secpipe import _baseline
from secpipe._bulk import collector_paused
from secpipe._findings import Confidence, Finding, FindingStatus, Package, Severity
from secpipe._normalize import FINGERPRINT_VERSION, RawFinding, normalize
from secpipe._paths import to_repo_relative

_TOOLS = ("semgrep", "bandit", "other")
_ORDER = ("semgrep", "bandit")


def _reference(
    raw: list[RawFinding], gate: str, root: Path, tool_order: tuple[str, ...]
) -> tuple[list[Finding], list[str]]:
    # Paths, one resolution and one copy per finding.
    warnings = []
    located = []
    for item in raw:
        relative = to_repo_relative(item.path, root)
        if relative is None:
            warnings.append(f"{item.tool}: dropped a finding outside the scanned root: {item.path}")
            continue
        start = max(item.start_line, 0)
        located.append(
            replace(item, path=relative, start_line=start, end_line=max(item.end_line, start))
        )

    # Groups: same class or a shared CWE at one line, never one rule twice.
    groups: dict[tuple[str, int], list[list[RawFinding]]] = defaultdict(list)
    for item in sorted(located, key=lambda f: (f.path, f.start_line, f.tool, f.rule_id)):
        slots = groups[(item.path, item.start_line)]
        for group in slots:
            if any(m.tool == item.tool and m.rule_id == item.rule_id for m in group):
                continue
            first = group[0]
            if (first.weakness is not None and first.weakness == item.weakness) or (
                set(first.cwe) & set(item.cwe)
            ):
                group.append(item)
                break
        else:
            slots.append([item])

    # Merge each group.
    rank = {tool: index for index, tool in enumerate(tool_order)}
    merged = []
    for slots in groups.values():
        for group in slots:
            members = sorted(
                group, key=lambda m: (-m.severity.rank, rank.get(m.tool, len(rank)), m.tool)
            )
            primary = members[0]
            cwe = tuple(
                sorted({c for m in members for c in m.cwe}, key=lambda t: int(t.split("-")[1]))
            )
            references = tuple(dict.fromkeys(r for m in members for r in m.references))
            classes = sorted({m.weakness for m in members if m.weakness})
            key = (
                classes[0] if classes else (cwe[0] if cwe else f"{primary.tool}:{primary.rule_id}")
            )
            tools = tuple(sorted({m.tool for m in members}))
            merged.append((primary, tools, cwe, references, key))

    # Fingerprints, one model per finding.
    merged.sort(key=lambda entry: (entry[0].path, entry[0].start_line, entry[4]))
    occurrences: Counter[tuple[str, ...]] = Counter()
    findings = []
    for primary, tools, cwe, references, key in merged:
        content = ""
        if primary.start_line > 0:
            try:
                data = (root / primary.path).read_bytes()
            except OSError:
                data = b""
            lines = data.decode("utf-8", errors="replace").splitlines()
            picked = lines[primary.start_line - 1 : max(primary.end_line, primary.start_line)]
            content = "\n".join(" ".join(line.split()) for line in picked)
        package = primary.package
        package_key = f"{package.name}=={package.version}" if package else ""
        identity = (gate, key, primary.path, content, package_key)
        occurrence = occurrences[identity]
        occurrences[identity] += 1
        digest = hashlib.sha256(
            "\0".join((FINGERPRINT_VERSION, *identity, str(occurrence))).encode()
        ).hexdigest()
        findings.append(
            Finding(
                fingerprint=digest[:32],
                gate=gate,
                tool=primary.tool,
                tools=tools,
                rule_id=primary.rule_id,
                title=primary.title,
                message=primary.message,
                severity=primary.severity,
                confidence=primary.confidence,
                path=primary.path,
                start_line=primary.start_line,
                end_line=primary.end_line,
                cwe=cwe,
                references=references,
                package=package,
            )
        )
    findings.sort(key=lambda f: (-f.severity.rank, f.path, f.start_line, f.rule_id))
    return findings, warnings


def _mixed_findings(root: Path, count: int) -> list[RawFinding]:
    """Many tools, rules, classes and CWEs crowded onto few lines, with awkward paths."""
    chooser = random.Random(20240501)  # noqa: S311 - seeded test data, not a secret

    # Files with repeated lines, so the occurrence number matters.
    for number in range(6):
        path = root / "src" / f"m{number}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"call(x{line % 4})\n" for line in range(30)), encoding="utf-8")
    spellings = ("src/m{n}.py", "./src/m{n}.py", "{root}/src/m{n}.py", "../outside{n}.py")

    findings = []
    for _ in range(count):
        number = chooser.randrange(7)  # m6.py does not exist: content is empty
        line = chooser.randrange(-1, 32)
        tool = chooser.choice(_TOOLS)
        findings.append(
            RawFinding(
                tool=tool,
                rule_id=f"{tool}.rule-{chooser.randrange(5)}",
                title=f"Title {chooser.randrange(3)}",
                message=f"Message {chooser.randrange(50)}",
                severity=chooser.choice(list(Severity)),
                path=chooser.choice(spellings).format(n=number, root=root),
                start_line=line,
                end_line=line + chooser.choice((-1, 0, 0, 1, 2)),
                confidence=chooser.choice((None, *Confidence)),
                cwe=tuple(
                    f"CWE-{value}"
                    for value in chooser.sample((78, 89, 79, 200, 9), chooser.randrange(3))
                ),
                references=tuple(
                    f"https://example.test/{value}"
                    for value in chooser.sample(range(4), chooser.randrange(3))
                ),
                weakness=chooser.choice((None, None, "injection", "xss", "secret")),
                package=chooser.choice(
                    (None, None, None, Package(name="lib", version=str(chooser.randrange(2))))
                ),
            )
        )
    return findings


def test_normalize_matches_the_reference_on_a_large_mixed_set(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    raw = _mixed_findings(root, 6000)

    fast, fast_warnings = normalize(raw, gate="sast", root=root, tool_order=_ORDER)
    slow, slow_warnings = _reference(raw, "sast", root.resolve(), _ORDER)

    # Same findings (fingerprints included) in the same order, and the same warnings.
    assert [item.fingerprint for item in fast] == [item.fingerprint for item in slow]
    assert fast == slow
    assert fast_warnings == slow_warnings
    # The set really exercises merging, dropping and repeated lines.
    assert len(fast) < len(raw) - len(fast_warnings)
    assert fast_warnings
    assert any(len(item.tools) > 1 for item in fast)


def test_normalize_still_validates_what_tools_report(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    bad = RawFinding(
        tool="semgrep",
        rule_id="r",
        title="t",
        message="m",
        severity=Severity.LOW,
        path="a.py",
        start_line=1,
        end_line=1,
        cwe=("not-a-cwe",),
    )

    # A malformed CWE from a tool is refused, not written into the report.
    with pytest.raises(ValueError, match="CWE"):
        normalize([bad], gate="sast", root=tmp_path)


def test_collector_paused_restores_the_collector_and_nests() -> None:
    was_enabled = gc.isenabled()
    try:
        gc.enable()
        with collector_paused():
            assert not gc.isenabled()
            with collector_paused():
                assert not gc.isenabled()
            # An inner block ending does not switch the collector back on early.
            assert not gc.isenabled()
        assert gc.isenabled()

        # An error inside still restores it; a collector that was off stays off.
        with pytest.raises(RuntimeError), collector_paused():
            raise RuntimeError("boom")
        assert gc.isenabled()
        gc.disable()
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        if was_enabled:
            gc.enable()
        else:
            gc.disable()


def test_a_bulk_block_leaves_its_objects_out_of_the_next_collection() -> None:
    was_enabled = gc.isenabled()
    gc.enable()
    gc.unfreeze()
    try:
        # A small block: nothing is frozen.
        with collector_paused():
            small = [[index] for index in range(100)]
        assert gc.get_freeze_count() == 0

        # A bulk block: what it made (and everything older) is out of the collector's sight.
        with collector_paused():
            bulk = [[index] for index in range(200_000)]
        assert gc.get_freeze_count() >= len(bulk)
        assert gc.isenabled()

        # Reference counting still frees them.
        survivor = bulk[0]
        del bulk
        assert survivor == [0] and small
    finally:
        gc.unfreeze()
        if not was_enabled:
            gc.disable()


def test_mark_shares_findings_whose_status_is_right_and_resets_the_others() -> None:
    def finding(fingerprint: str, status: FindingStatus) -> Finding:
        return Finding(
            fingerprint=fingerprint,
            gate="sast",
            tool="semgrep",
            tools=("semgrep",),
            rule_id="r",
            title="t",
            message="m",
            severity=Severity.LOW,
            path="a.py",
            start_line=1,
            end_line=1,
            status=status,
        )

    fresh = finding("f1", FindingStatus.NEW)
    stale = finding("f2", FindingStatus.WAIVED)
    known = _baseline.Baseline(fingerprints=frozenset({"f3"}), source="b.json")
    listed = finding("f3", FindingStatus.NEW)

    # Without a baseline everything is new; a finding already new is not copied.
    marked = _baseline.mark([fresh, stale], None)
    assert [item.status for item in marked] == [FindingStatus.NEW, FindingStatus.NEW]
    assert marked[0] is fresh
    assert marked[1] == stale.model_copy(update={"status": FindingStatus.NEW})

    # With one, a known fingerprint becomes "baseline" whatever it was before.
    marked = _baseline.mark([fresh, listed], known)
    assert [item.status for item in marked] == [FindingStatus.NEW, FindingStatus.BASELINE]
