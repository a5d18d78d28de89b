"""Checks on a built image: its config, and the Python packages installed in its layers.

Findings on an image have no repository file: their path is the pseudo-path ``image:<reference>``
with line 0, and an ``ImageLocation`` (reference, layer, file) that the gate attaches after
normalization. Secret values are masked and remembered in ``KNOWN_SECRETS``.

Severity table (tool ``image``):

| rule | severity |
|---|---|
| ``IMAGE_SECRET`` credential in ``Env``, ``Labels`` or build history | high |
| ``IMAGE_ROOT_USER`` config runs as root | medium |
| ``IMAGE_SENSITIVE_PORT`` remote-admin or database port exposed | medium |
| ``IMAGE_NO_HEALTHCHECK`` no ``HEALTHCHECK`` | low |
| advisory id (tool ``osv-offline``) vulnerable Python package | the advisory's, else high |
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from secpipe._findings import ImageLocation, Severity
from secpipe._normalize import RawFinding
from secpipe._redact import KNOWN_SECRETS, mask
from secpipe.advisories import AdvisoryDatabase, Dependency, find_matches, match_finding
from secpipe.images._dockerfile_checks import SECRET_NAME, SECRET_VALUE, SENSITIVE_PORTS

if TYPE_CHECKING:
    from secpipe.images._archive import ImageContents

#: The tool name of the config checks in reports.
TOOL = "image"

#: The tool name of the package audit (the same matcher as the dependencies gate).
PACKAGES_TOOL = "osv-offline"

_ASSIGNMENT = re.compile(r"(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>\"[^\"]*\"|'[^']*'|\S+)")


@dataclass(frozen=True)
class ImageFinding:
    """A raw finding on an image and where in the image it is."""

    raw: RawFinding
    location: ImageLocation


def image_path(reference: str) -> str:
    """The pseudo-path of an image's findings."""
    return f"image:{reference}"


def check_config(contents: ImageContents) -> list[ImageFinding]:
    """Root user, secrets in Env/Labels/history, sensitive ports, no healthcheck."""
    config = contents.config
    found: list[ImageFinding] = []

    # Who the process runs as: an empty User is root.
    user = config.user.split(":")[0].strip()
    if user in {"", "root", "0"}:
        shown = f"User is {config.user!r}" if config.user else "no User is set"
        found.append(
            _config_finding(
                contents,
                "IMAGE_ROOT_USER",
                "Image runs as root",
                f"The image config runs its process as root ({shown}). Set a non-root USER.",
                Severity.MEDIUM,
                "root-user",
            )
        )

    # Secrets: Env and Labels, then the commands of the build history (ARG values land there).
    sources = [("Env", *item.partition("=")[::2]) for item in config.env]
    sources += [("Label", key, value) for key, value in config.labels]
    for step in config.history:
        sources += [
            ("history", match["key"], match["value"].strip("'\""))
            for match in _ASSIGNMENT.finditer(step)
        ]
    reported: set[tuple[str, str]] = set()
    for source, key, value in sources:
        if not value or value.startswith("$") or (key, value) in reported:
            continue
        if SECRET_NAME.search(key) or SECRET_VALUE.match(value):
            reported.add((key, value))
            KNOWN_SECRETS.add(value)
            found.append(
                _config_finding(
                    contents,
                    "IMAGE_SECRET",
                    f"Secret in the image {source}",
                    f"{source} {key} holds a literal credential ({mask(value)}); anyone who pulls"
                    " the image can read it. Pass it at run time instead.",
                    Severity.HIGH,
                    f"secret:{key}",
                )
            )

    # Exposed ports that invite remote administration or direct database access.
    for port in config.exposed_ports:
        number = port.split("/")[0]
        if number.isdigit() and int(number) in SENSITIVE_PORTS:
            found.append(
                _config_finding(
                    contents,
                    "IMAGE_SENSITIVE_PORT",
                    f"Sensitive port {number} exposed",
                    f"The image exposes {port} ({SENSITIVE_PORTS[int(number)]}).",
                    Severity.MEDIUM,
                    f"sensitive-port:{number}",
                )
            )

    # No healthcheck: an orchestrator cannot tell a hung service from a working one.
    if not config.healthcheck:
        found.append(
            _config_finding(
                contents,
                "IMAGE_NO_HEALTHCHECK",
                "Image has no healthcheck",
                "The image config has no HEALTHCHECK.",
                Severity.LOW,
                "healthcheck",
            )
        )
    return found


def check_packages(contents: ImageContents, database: AdvisoryDatabase) -> list[ImageFinding]:
    """Every Python package in the layers that a known advisory affects."""
    found: list[ImageFinding] = []
    for package in contents.packages:
        dependency = Dependency(
            name=package.name,
            path=image_path(contents.reference),
            line=0,
            version=package.version,
        )
        for match in find_matches(database, package.name, package.version):
            raw = match_finding(tool=PACKAGES_TOOL, dependency=dependency, match=match)
            message = f"{raw.message} Installed at /{package.file} (layer {package.layer})."
            location = ImageLocation(
                reference=contents.reference, layer=package.layer, file=f"/{package.file}"
            )
            found.append(ImageFinding(replace(raw, message=message), location))
    return found


def _config_finding(
    contents: ImageContents,
    rule: str,
    title: str,
    message: str,
    severity: Severity,
    weakness: str,
) -> ImageFinding:
    raw = RawFinding(
        tool=TOOL,
        rule_id=rule,
        title=title,
        message=f"{contents.reference}: {message}",
        severity=severity,
        path=image_path(contents.reference),
        start_line=0,
        end_line=0,
        weakness=weakness,
    )
    return ImageFinding(raw, ImageLocation(reference=contents.reference))
