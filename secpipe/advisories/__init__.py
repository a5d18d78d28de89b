"""Offline dependency audit: Python manifests, a local OSV database, and version matching.

Used by the ``dependencies`` gate when an advisory database is configured, so a dependency audit
needs no network: ``read_manifests`` finds what is pinned where, ``load_database`` reads OSV
records, and ``find_matches`` says which advisories affect one pinned version.
"""

from __future__ import annotations

from secpipe.advisories._manifests import (
    Dependency,
    ManifestScan,
    find_manifests,
    is_manifest,
    read_manifests,
)
from secpipe.advisories._match import (
    Match,
    find_matches,
    is_affected,
    merge_by_alias,
    preferred_id,
    sort_versions,
)
from secpipe.advisories._osv import (
    DATABASE_ENV_VAR,
    OFFLINE_HINT,
    AdvisoryDatabase,
    AdvisoryDatabaseError,
    AffectedPackage,
    Event,
    OsvRecord,
    cvss3_base_score,
    load_database,
    parse_record,
    severity_from_score,
)
from secpipe.advisories._report import DEFAULT_SEVERITY, dependency_finding, match_finding

__all__ = [
    "DATABASE_ENV_VAR",
    "DEFAULT_SEVERITY",
    "OFFLINE_HINT",
    "AdvisoryDatabase",
    "AdvisoryDatabaseError",
    "AffectedPackage",
    "Dependency",
    "Event",
    "ManifestScan",
    "Match",
    "OsvRecord",
    "cvss3_base_score",
    "dependency_finding",
    "find_manifests",
    "find_matches",
    "is_affected",
    "is_manifest",
    "load_database",
    "match_finding",
    "merge_by_alias",
    "parse_record",
    "preferred_id",
    "read_manifests",
    "severity_from_score",
    "sort_versions",
]
