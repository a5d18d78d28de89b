"""The commented starter pipeline file that ``secpipe init`` writes."""

from __future__ import annotations

from secpipe._pipeline import KNOWN_GATES

_TEMPLATE = """\
# secpipe pipeline file. Check it with `secpipe validate`; the full schema is printed by
# `secpipe schema pipeline` (point your editor's YAML language server at it for completion).
version: 1

# Stages run in this order; each names the gates it runs. Run one with `secpipe run --stage NAME`.
# Gates secpipe has: {gates}
stages:
  design:
    gates: [contract]
  commit:
    gates: [secrets, sast]
  build:
    gates: [dependencies, container]
  deploy:
    gates: [kubernetes]

# Per-gate settings. Globs are gitignore-like: `tests` matches that folder anywhere, `**` any depth.
gates:
  sast:
    tools: [semgrep, bandit]
    include: []             # empty: every file the tools understand
    exclude: []             # e.g. ["tests/**", "**/vendor/**"]
    timeout: 600            # seconds per tool before it is killed (a gate error)
    semgrep:
      rules: [builtin]      # add your own rule files or folders beside `builtin`
    bandit:
      skip: []              # bandit test ids to skip, e.g. [B101]
  dependencies:
    advisory_db: null       # an OSV database folder or zip for offline audits (else pip-audit)
    not_audited: error      # unpinned requirements make the gate an error; `warn` to allow
  container:
    images: []              # images in the local Docker engine, e.g. [myapp:1.2]
    image_archives: []      # `docker save` or OCI archives, e.g. [build/image.tar]
  contract:
    contracts: []           # OpenAPI files; empty: every file with `openapi:` or `swagger:`
    min_score: null         # fail a contract scoring under this (0-100)

# The pass/fail policy.
policy:
  fail_on: high             # critical | high | medium | low | info | never
  on_error: fail            # a gate that cannot run fails the pipeline (exit 3); `warn` to allow
  max_findings: {{}}          # e.g. {{medium: 10}}: fail when more than 10 medium findings
  gates: {{}}                 # per-gate overrides, e.g. {{sast: {{fail_on: medium}}}}
  stages: {{}}                # per-stage overrides, e.g. {{commit: {{fail_on: critical}}}}
"""


def starter_pipeline() -> str:
    """The text of a starter ``secpipe.yml`` listing every gate."""
    return _TEMPLATE.format(gates=", ".join(KNOWN_GATES))
