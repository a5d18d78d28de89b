"""The container gate: Dockerfiles, image archives and images in the local Docker engine.

- Dockerfiles (found by name in the gate's file list) go to checkov's ``dockerfile`` framework
  and to secpipe's own checks (tool ``dockerfile``); the same weakness from both on the same line
  is one finding.
- ``image_archives`` (``docker save`` or OCI layout tars) and ``images`` (names in the engine)
  get the config checks (tool ``image``) and, when an advisory database is configured (the
  gate's ``advisory_db`` or ``SECPIPE_ADVISORY_DB``), the offline audit of the Python packages
  in their layers (tool ``osv-offline``).

Anything that could not be scanned (a Dockerfile that does not parse, a corrupt archive, a
missing image, an engine that is not running) makes its tool an ``error`` naming it and why;
everything else is still scanned.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING

from secpipe._findings import Finding, GateStatus, ImageLocation, ToolRun
from secpipe._normalize import RawFinding, normalize
from secpipe._pipeline import ContainerGate as ContainerSettings
from secpipe._timings import timed
from secpipe._version import __version__
from secpipe.advisories import AdvisoryDatabase, AdvisoryDatabaseError, load_database
from secpipe.gates._dependencies import advisory_database
from secpipe.gates._interface import GateContext, GateOutcome, ToolGate
from secpipe.images import DockerfileError, check_dockerfile, is_dockerfile
from secpipe.images._dockerfile_checks import TOOL as DOCKERFILE_TOOL
from secpipe.images._image_checks import (
    PACKAGES_TOOL,
    ImageFinding,
    check_config,
    check_packages,
)
from secpipe.images._image_checks import (
    TOOL as IMAGE_TOOL,
)

if TYPE_CHECKING:
    from secpipe.images._archive import ImageContents

_Located = dict[tuple[str, str, str], ImageLocation]


class ContainerGate(ToolGate):
    """Dockerfiles and built images: root users, secrets, unpinned bases, vulnerable packages."""

    name = "container"
    description = "Dockerfiles and images: root user, secrets, unpinned base, vulnerable packages"
    tools = ("checkov",)

    def run(self, context: GateContext) -> GateOutcome:
        """Scan Dockerfiles with checkov and secpipe's checks, then the configured images."""
        outcome = GateOutcome(name=self.name)
        dockerfiles = tuple(path for path in context.files if is_dockerfile(path))
        raw: list[RawFinding] = []
        locations: _Located = {}

        # checkov over the Dockerfiles, in parallel with secpipe's own Dockerfile checks.
        tools = self.selected_tools(context.settings)
        narrowed = replace(context, files=dockerfiles)
        with ThreadPoolExecutor(max_workers=len(tools), thread_name_prefix=self.name) as pool:
            results = list(pool.map(lambda tool: self._run_tool(narrowed, tool), tools))
            native = self._dockerfile_checks(context, dockerfiles)
        for run, tool_findings, tool_warnings in results:
            outcome.tool_runs.append(run)
            outcome.warnings.extend(tool_warnings)
            raw.extend(tool_findings)
        outcome.tool_runs.append(native[0])
        raw.extend(native[1])

        # The images: archives and engine images share every check.
        image_findings = self._images(context, outcome)
        for item in image_findings:
            raw.append(item.raw)
            locations[(item.raw.path, item.raw.rule_id, item.raw.title)] = item.location

        # One normalization for everything, so checkov and native findings merge.
        findings, warnings = normalize(
            raw,
            gate=self.name,
            root=context.root,
            tool_order=(DOCKERFILE_TOOL, *tools, IMAGE_TOOL, PACKAGES_TOOL),
        )
        outcome.findings = [_locate(finding, locations) for finding in findings]
        outcome.warnings.extend(warnings)
        return outcome

    @timed("own check: dockerfile")
    def _dockerfile_checks(
        self, context: GateContext, dockerfiles: tuple[str, ...]
    ) -> tuple[ToolRun, list[RawFinding]]:
        started = time.monotonic()
        if not dockerfiles:
            return (
                ToolRun(
                    name=DOCKERFILE_TOOL,
                    status=GateStatus.SKIPPED,
                    duration_s=0.0,
                    error="no Dockerfiles",
                ),
                [],
            )

        # Each Dockerfile on its own: one that does not parse does not stop the others.
        raw: list[RawFinding] = []
        problems: list[str] = []
        for path in dockerfiles:
            try:
                text = (context.root / path).read_text(encoding="utf-8")
                raw.extend(check_dockerfile(path, text))
            except DockerfileError as error:
                problems.append(f"{path}:{error.line}: {error}; fix the Dockerfile")
            except (OSError, UnicodeDecodeError) as error:
                problems.append(f"{path}: cannot be read ({error})")
        run = ToolRun(
            name=DOCKERFILE_TOOL,
            version=__version__,
            status=GateStatus.ERROR if problems else GateStatus.PASSED,
            duration_s=round(time.monotonic() - started, 3),
            error=f"{len(problems)} Dockerfile(s) not scanned: {problems[0]}" if problems else None,
            skipped_files=tuple(problems),
        )
        return run, raw

    @timed("own check: images")
    def _images(self, context: GateContext, outcome: GateOutcome) -> list[ImageFinding]:
        settings = context.settings
        if not isinstance(settings, ContainerSettings):
            return []
        if not settings.images and not settings.image_archives:
            return []
        # Imported here: reading images needs tar and e-mail header parsing, Dockerfiles do not.
        from secpipe.images._archive import ImageError, read_archive
        from secpipe.images._engine import read_engine_image

        started = time.monotonic()

        # Read every image; what cannot be read is named in the tool's error.
        images: list[ImageContents] = []
        problems: list[str] = []
        for archive in settings.image_archives:
            try:
                contents = read_archive(context.root / archive)
            except ImageError as error:
                problems.append(f"{archive}: {error}")
                continue
            # An archive without a name inside is known by its path.
            contents.reference = contents.reference or archive
            images.append(contents)
        for reference in settings.images:
            try:
                images.append(read_engine_image(reference))
            except ImageError as error:
                problems.append(str(error))

        # The config checks, then the package audit when a database is configured.
        found = [item for image in images for item in check_config(image)]
        outcome.tool_runs.append(
            ToolRun(
                name=IMAGE_TOOL,
                status=GateStatus.ERROR if problems else GateStatus.PASSED,
                duration_s=round(time.monotonic() - started, 3),
                error=f"{len(problems)} image(s) not scanned: {problems[0]}" if problems else None,
                skipped_files=tuple(problems),
            )
        )
        found += self._audit(context, images, outcome)
        return found

    def _audit(
        self, context: GateContext, images: list[ImageContents], outcome: GateOutcome
    ) -> list[ImageFinding]:
        location = advisory_database(context.root, context.settings)
        if location is None:
            outcome.tool_runs.append(
                ToolRun(
                    name=PACKAGES_TOOL,
                    status=GateStatus.SKIPPED,
                    duration_s=0.0,
                    error="no advisory database configured (advisory_db or SECPIPE_ADVISORY_DB)",
                )
            )
            return []
        started = time.monotonic()
        try:
            database: AdvisoryDatabase = load_database(
                location, {package.name for image in images for package in image.packages}
            )
        except AdvisoryDatabaseError as error:
            outcome.tool_runs.append(
                ToolRun(
                    name=PACKAGES_TOOL, status=GateStatus.ERROR, duration_s=0.0, error=str(error)
                )
            )
            return []
        found = [item for image in images for item in check_packages(image, database)]
        outcome.tool_runs.append(
            ToolRun(
                name=PACKAGES_TOOL,
                version=f"{location} ({database.files_read} records)",
                status=GateStatus.PASSED,
                duration_s=round(time.monotonic() - started, 3),
            )
        )
        return found


def _locate(finding: Finding, locations: _Located) -> Finding:
    # Normalization knows nothing of images; the location is put back by path, rule and title.
    location = locations.get((finding.path, finding.rule_id, finding.title))
    return finding.model_copy(update={"image": location}) if location else finding
