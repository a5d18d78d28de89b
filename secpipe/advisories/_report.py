"""From "this pinned package is affected by that advisory" to a raw finding.

Shared by the offline audit and the pip-audit adapter, so both report the same title, rule id,
message and package block for the same advisory. An advisory that gives no severity is reported
as ``DEFAULT_SEVERITY`` (high): a known, published vulnerability in a shipped dependency is
treated as serious until someone rates it lower.
"""

from __future__ import annotations

from collections.abc import Sequence

from secpipe._findings import Advisory, Package, Severity
from secpipe._normalize import RawFinding
from secpipe.advisories._manifests import Dependency
from secpipe.advisories._match import Match

#: The severity of an advisory that carries no CVSS vector and no severity word.
DEFAULT_SEVERITY = Severity.HIGH

#: Longest advisory description kept in a finding's message.
_MAX_SUMMARY = 300


def dependency_finding(
    *,
    tool: str,
    dependency: Dependency,
    advisory_id: str,
    aliases: Sequence[str],
    fixed_versions: Sequence[str],
    summary: str,
    severity: Severity | None,
    references: Sequence[str] = (),
) -> RawFinding:
    """One raw finding for one advisory affecting one declared dependency.

    ``weakness`` is the advisory id, so two advisories on the same line stay two findings and
    the fingerprint follows the advisory. CWE ids are added after normalization by the gate:
    normalization merges findings on one line that share a CWE, which would merge advisories.
    """
    version = dependency.version or "?"
    # The message: what, which advisory, and the way out.
    fixes = (
        f"fixed in {', '.join(fixed_versions)}" if fixed_versions else "no fixed version is known"
    )
    text = " ".join(summary.split())
    if len(text) > _MAX_SUMMARY:
        text = text[: _MAX_SUMMARY - 1].rstrip() + "…"
    known_as = f" (also {', '.join(aliases)})" if aliases else ""
    message = f"{dependency.name} {version} is affected by {advisory_id}{known_as}; {fixes}."
    if text:
        message += f" {text}"

    return RawFinding(
        tool=tool,
        rule_id=advisory_id,
        title=f"{dependency.name} {version}: {advisory_id}",
        message=message,
        severity=severity or DEFAULT_SEVERITY,
        path=dependency.path,
        start_line=dependency.line,
        end_line=dependency.line,
        references=tuple(references),
        weakness=f"advisory:{advisory_id}",
        package=Package(
            name=dependency.name,
            version=version,
            fixed_versions=tuple(fixed_versions),
            advisories=(Advisory(id=advisory_id, aliases=tuple(aliases)),),
        ),
    )


def match_finding(*, tool: str, dependency: Dependency, match: Match) -> RawFinding:
    """The raw finding for an advisory the offline matcher found for ``dependency``."""
    return dependency_finding(
        tool=tool,
        dependency=dependency,
        advisory_id=match.id,
        aliases=match.aliases,
        fixed_versions=match.fixed_versions,
        summary=match.summary,
        severity=match.severity,
        references=match.references,
    )
