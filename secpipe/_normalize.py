"""From what each tool reported to the one findings model.

Every adapter hands over ``RawFinding`` objects; this module makes their paths repository-relative
(dropping anything outside the scanned root), merges the same weakness reported by several tools
at the same place into one finding, and gives each finding a fingerprint that survives edits
elsewhere in the file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from pydantic import TypeAdapter

from secpipe._bulk import collector_paused
from secpipe._findings import Confidence, Finding, Package, Severity
from secpipe._paths import to_repo_relative
from secpipe._scales import SEVERITY_RANK
from secpipe._timings import timed

logger = logging.getLogger(__name__)

#: Bumped if the fingerprint recipe ever changes, so old baselines can be recognised.
FINGERPRINT_VERSION = "v1"


@dataclass(frozen=True)
class RawFinding:
    """A finding as one tool adapter understood it, before paths and duplicates are settled.

    ``weakness`` is a tool-independent class of the problem (``injection``, ``deserialization``…)
    when the adapter knows it: two tools reporting the same class on the same line are one
    finding, and the fingerprint uses the class, so it does not change with which tools ran.
    """

    tool: str
    rule_id: str
    title: str
    message: str
    severity: Severity
    path: str
    start_line: int
    end_line: int
    confidence: Confidence | None = None
    cwe: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    weakness: str | None = None
    package: Package | None = None


@dataclass
class _Group:
    members: list[RawFinding] = field(default_factory=list)

    def accepts(self, other: RawFinding) -> bool:
        # One tool's rule never merges with itself: two hits of one rule are two findings.
        for member in self.members:
            if member.tool == other.tool and member.rule_id == other.rule_id:
                return False
        first = self.members[0]
        if first.weakness is not None and first.weakness == other.weakness:
            return True
        return not set(first.cwe).isdisjoint(other.cwe)


@timed("normalize")
def normalize(
    raw: Iterable[RawFinding],
    *,
    gate: str,
    root: Path,
    tool_cwd: Path | None = None,
    tool_order: Sequence[str] = (),
) -> tuple[list[Finding], list[str]]:
    """Turn raw findings into findings; returns them (sorted) and warnings for the user.

    ``tool_order`` ranks the tools: when several report one weakness at the same severity, the
    first tool's wording (title, message, rule id) leads.
    """
    # Thousands of findings make many small objects; the cycle collector only slows that down.
    with collector_paused():
        return _normalize(raw, gate, root, tool_cwd, tool_order)


def _normalize(
    raw: Iterable[RawFinding],
    gate: str,
    root: Path,
    tool_cwd: Path | None,
    tool_order: Sequence[str],
) -> tuple[list[Finding], list[str]]:
    warnings: list[str] = []

    # Paths: every finding must point inside the scanned root, or it is dropped with a warning.
    # Resolving a path touches the file system, so each distinct reported path is resolved once.
    # In the same pass each finding joins the others reported at its place (file and line).
    relative_paths: dict[str, str | None] = {}
    places: dict[tuple[str, int], list[RawFinding]] = {}
    for finding in raw:
        if finding.path in relative_paths:
            relative = relative_paths[finding.path]
        else:
            relative = relative_paths[finding.path] = to_repo_relative(finding.path, root, tool_cwd)
        if relative is None:
            warnings.append(
                f"{finding.tool}: dropped a finding outside the scanned root: {finding.path}"
            )
            continue
        start = finding.start_line if finding.start_line > 0 else 0
        end = finding.end_line if finding.end_line > start else start
        # Most findings already say it right; copying them anyway costs more than all the rest.
        if relative != finding.path or start != finding.start_line or end != finding.end_line:
            finding = replace(finding, path=relative, start_line=start, end_line=end)
        here = places.get((relative, start))
        if here is None:
            places[(relative, start)] = [finding]
        else:
            here.append(finding)

    # Duplicates: the same weakness class (or CWE) at the same line from several tools is one.
    # Within a place, findings are taken in tool order (a stable sort: one tool's own order
    # stays), so which finding leads a group never depends on the order tools finished in.
    rank = {tool: index for index, tool in enumerate(tool_order)}
    merged: list[_Merged] = []
    for members in places.values():
        if len(members) == 1:
            merged.append(_alone(members[0]))
            continue
        members.sort(key=_tool_and_rule)
        groups: list[_Group] = []
        for finding in members:
            target = next((group for group in groups if group.accepts(finding)), None)
            if target is None:
                groups.append(_Group([finding]))
            else:
                target.members.append(finding)
        merged.extend(_merge(group, rank) for group in groups)
    findings = _fingerprint(merged, gate, root)
    findings.sort(key=_report_order)
    return findings, warnings


def _report_order(finding: Finding) -> tuple[int, str, int, str]:
    # Most severe first, then by place and rule.
    return (-SEVERITY_RANK[finding.severity], finding.path, finding.start_line, finding.rule_id)


def _tool_and_rule(finding: RawFinding) -> tuple[str, str]:
    return (finding.tool, finding.rule_id)


class _Merged(NamedTuple):
    """One finding after merging (a tuple: a frozen dataclass is slow to build by the 100,000)."""

    primary: RawFinding
    tools: tuple[str, ...]
    severity: Severity
    cwe: tuple[str, ...]
    references: tuple[str, ...]
    key: str


def _merge(group: _Group, rank: dict[str, int]) -> _Merged:
    # The most severe report leads; the others add their tool names, CWEs and references.
    members = group.members
    if len(members) == 1:
        return _alone(members[0])
    unranked = len(rank)
    members = sorted(
        members,
        key=lambda item: (-SEVERITY_RANK[item.severity], rank.get(item.tool, unranked), item.tool),
    )
    primary = members[0]
    cwe = _sorted_cwes({cwe for member in members for cwe in member.cwe})
    references = tuple(dict.fromkeys(ref for member in members for ref in member.references))
    classes = {member.weakness for member in members if member.weakness}
    key = min(classes) if classes else (cwe[0] if cwe else f"{primary.tool}:{primary.rule_id}")
    return _Merged(
        primary=primary,
        tools=tuple(sorted({member.tool for member in members})),
        severity=primary.severity,
        cwe=cwe,
        references=references,
        key=key,
    )


def _alone(finding: RawFinding) -> _Merged:
    # Most findings have no duplicate: the same result as a group of one, without the sets.
    cwe = finding.cwe if len(finding.cwe) < 2 else _sorted_cwes(set(finding.cwe))
    references = finding.references
    if len(references) > 1:
        references = tuple(dict.fromkeys(references))
    key = finding.weakness or (cwe[0] if cwe else f"{finding.tool}:{finding.rule_id}")
    return _Merged(finding, (finding.tool,), finding.severity, cwe, references, key)


def _sorted_cwes(cwes: set[str]) -> tuple[str, ...]:
    # "CWE-79" before "CWE-502": by number, not by text.
    if len(cwes) < 2:
        return tuple(cwes)
    return tuple(sorted(cwes, key=lambda text: int(text.split("-")[1])))


#: Validates every finding of a normalize call at once; cheaper than one model call each.
_FINDING_LIST = TypeAdapter(list[Finding])


def _fingerprint(merged: Sequence[_Merged], gate: str, root: Path) -> list[Finding]:
    """Give each finding an id built from what it is and the text it points at.

    The line number is left out on purpose, so adding lines elsewhere changes nothing; the
    occurrence number tells apart the same weakness on identical lines of one file.
    """
    lines = _LineCache(root)
    occurrences: dict[tuple[str, ...], int] = {}
    rows: list[dict[str, object]] = []
    ordered = sorted(
        merged, key=lambda item: (item.primary.path, item.primary.start_line, item.key)
    )
    sha256 = hashlib.sha256
    for item in ordered:
        raw = item.primary
        package_key = f"{raw.package.name}=={raw.package.version}" if raw.package else ""
        content = lines.text(raw.path, raw.start_line, raw.end_line)
        identity = (gate, item.key, raw.path, content, package_key)
        occurrence = occurrences.get(identity, 0)
        occurrences[identity] = occurrence + 1
        digest = sha256(
            "\0".join((FINGERPRINT_VERSION, *identity, str(occurrence))).encode()
        ).hexdigest()
        rows.append(
            {
                "fingerprint": digest[:32],
                "gate": gate,
                "tool": raw.tool,
                "tools": item.tools,
                "rule_id": raw.rule_id,
                "title": raw.title,
                "message": raw.message,
                "severity": item.severity,
                "confidence": raw.confidence,
                "path": raw.path,
                "start_line": raw.start_line,
                "end_line": raw.end_line,
                "cwe": item.cwe,
                "references": item.references,
                "package": raw.package,
            }
        )

    # Tools' text is checked against the model here, all findings in one native call.
    return _FINDING_LIST.validate_python(rows)


class _LineCache:
    """Reads each file once and answers "what text is at these lines", whitespace-normalized."""

    def __init__(self, root: Path):
        self._root = root
        self._files: dict[str, list[str]] = {}

    def text(self, path: str, start: int, end: int) -> str:
        if start <= 0:
            return ""
        if path not in self._files:
            try:
                raw = (self._root / path).read_bytes()
            except OSError:
                raw = b""
            self._files[path] = raw.decode("utf-8", errors="replace").splitlines()
        # Indentation and spacing changes are not a new weakness.
        if end <= start:
            lines = self._files[path]
            return " ".join(lines[start - 1].split()) if start <= len(lines) else ""
        content = self._files[path][start - 1 : end]
        return "\n".join(" ".join(line.split()) for line in content)
