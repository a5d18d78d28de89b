"""Reading a built image from the local Docker engine (``DOCKER_HOST`` honoured).

The image is exported with the engine's ``save`` (the ``docker save`` layout) into a temporary
file and read by the archive reader, so an image checked in the engine and the same image saved
to a tar give the same findings.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from secpipe.images._archive import ImageContents, ImageError, read_archive

#: Seconds to wait for the engine's answers.
_ENGINE_TIMEOUT_S = 120


def read_engine_image(reference: str, workdir: Path | None = None) -> ImageContents:
    """Export ``reference`` from the engine and read it; raises ImageError on any failure."""
    # The SDK is imported here: only a run that names engine images needs it.
    import docker  # type: ignore[import-untyped]
    import docker.errors  # type: ignore[import-untyped]

    # Reach the engine; an engine that is not running is one clear line, not a traceback.
    # A missing socket is caught first: docker-py leaks the socket of a failed unix connect.
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    if host.startswith("unix://") and not Path(host.removeprefix("unix://")).exists():
        raise ImageError(
            f"cannot reach the Docker engine: {host} does not exist (is it running? DOCKER_HOST"
            " names another engine)"
        )
    try:
        client = docker.from_env(timeout=_ENGINE_TIMEOUT_S)
    except docker.errors.DockerException as error:
        raise ImageError(f"cannot reach the Docker engine ({_short(error)})") from None
    try:
        client.ping()
    except docker.errors.DockerException as error:
        client.close()
        raise ImageError(f"cannot reach the Docker engine ({_short(error)})") from None

    # Find the image and stream its export to a file the archive reader can seek in.
    try:
        try:
            image = client.images.get(reference)
        except docker.errors.ImageNotFound:
            raise ImageError(f"{reference}: no such image in the Docker engine") from None
        with tempfile.TemporaryDirectory(prefix="secpipe-image-", dir=workdir) as folder:
            target = Path(folder) / "image.tar"
            with target.open("wb") as handle:
                for chunk in image.save(named=reference if reference in image.tags else False):
                    handle.write(chunk)
            return read_archive(target, reference)
    except docker.errors.DockerException as error:
        raise ImageError(f"{reference}: the Docker engine failed ({_short(error)})") from None
    finally:
        client.close()


def _short(error: Exception) -> str:
    return " ".join(str(error).split())[:300]
