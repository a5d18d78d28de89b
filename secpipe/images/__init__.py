"""Container images and their recipes: Dockerfiles, image archives, the Docker engine.

Used by the ``container`` gate: ``_dockerfile`` reads Dockerfiles, ``_dockerfile_checks`` holds
secpipe's own Dockerfile checks.
"""

from __future__ import annotations

from secpipe.images._dockerfile import (
    DockerfileError,
    Instruction,
    is_dockerfile,
    key_values,
    parse,
    stages,
)
from secpipe.images._dockerfile_checks import check_dockerfile, final_from_line

__all__ = [
    "DockerfileError",
    "Instruction",
    "check_dockerfile",
    "final_from_line",
    "is_dockerfile",
    "key_values",
    "parse",
    "stages",
]
