"""Reading a container image from an archive, without an engine.

Two layouts are understood:
- the classic ``docker save`` layout: ``manifest.json`` naming the config JSON and the layer tars
  (newer Docker writes these under ``blobs/sha256/`` and adds an ``index.json`` too);
- the OCI image layout: ``index.json`` → image manifest → config and layer blobs under
  ``blobs/sha256/``, layers often gzip-compressed.

Nothing is extracted to disk: members are read in memory, so a hostile archive cannot write
anywhere. From the config secpipe keeps what its checks need; from the layers, the Python
packages (``*.dist-info/METADATA``), with whiteouts of later layers applied.
"""

from __future__ import annotations

import json
import posixpath
import re
import tarfile
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path
from typing import IO, Any

#: A package's metadata file inside a layer.
_METADATA = re.compile(r"(^|/)(site|dist)-packages/[^/]+\.dist-info/METADATA$")

#: Longest METADATA read (the headers come first; the long description is not needed).
_METADATA_LIMIT = 64 * 1024

_INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)


class ImageError(ValueError):
    """The image could not be read: a corrupt archive, a missing blob, an unknown layout."""


@dataclass(frozen=True)
class ImageConfig:
    """The parts of an image's config the checks look at."""

    user: str = ""
    env: tuple[str, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    exposed_ports: tuple[str, ...] = ()
    healthcheck: bool = False
    history: tuple[str, ...] = ()


@dataclass(frozen=True)
class InstalledPackage:
    """One Python distribution found in a layer."""

    name: str
    version: str
    layer: str
    file: str


@dataclass
class ImageContents:
    """What was read from one image."""

    reference: str
    config: ImageConfig
    packages: list[InstalledPackage] = field(default_factory=list)


def read_archive(path: Path, reference: str | None = None) -> ImageContents:
    """Read an image archive (either layout); ``reference`` overrides the name it carries."""
    try:
        with tarfile.open(path, mode="r:*") as archive:
            return _read(archive, reference or "")
    except FileNotFoundError:
        raise ImageError(f"{path}: no such file") from None
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ImageError(f"{path}: not a readable image archive ({error})") from None


def read_archive_stream(stream: IO[bytes], reference: str) -> ImageContents:
    """Read an image archive from an open, seekable binary file."""
    try:
        with tarfile.open(fileobj=stream, mode="r:*") as archive:
            return _read(archive, reference)
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ImageError(f"{reference}: not a readable image archive ({error})") from None


def _read(archive: tarfile.TarFile, reference: str) -> ImageContents:
    # The layout decides where the config and the layers are.
    names = set(archive.getnames())
    if "manifest.json" in names:
        config_name, layers, tags = _docker_save_layout(archive)
    elif "index.json" in names:
        config_name, layers, tags = _oci_layout(archive)
    else:
        raise ImageError("neither manifest.json (docker save) nor index.json (OCI layout) found")

    # The config, then every layer in order (later layers hide earlier files).
    config = _parse_config(_json_member(archive, config_name))
    contents = ImageContents(reference=reference or (tags[0] if tags else ""), config=config)
    found: dict[str, InstalledPackage] = {}
    for layer in layers:
        _read_layer(archive, layer, found)
    contents.packages = sorted(found.values(), key=lambda item: (item.name.lower(), item.file))
    return contents


def _docker_save_layout(archive: tarfile.TarFile) -> tuple[str, list[str], list[str]]:
    manifest = _json_member(archive, "manifest.json")
    if not isinstance(manifest, list) or not manifest or not isinstance(manifest[0], dict):
        raise ImageError("manifest.json is not a list of images")
    # TODO: check every image of a multi-image archive; only the first one is read for now.
    entry = manifest[0]
    config = entry.get("Config")
    layers = entry.get("Layers")
    if not isinstance(config, str) or not isinstance(layers, list):
        raise ImageError("manifest.json has no Config or Layers")
    tags = [tag for tag in entry.get("RepoTags") or [] if isinstance(tag, str)]
    return config, [str(layer) for layer in layers], tags


def _oci_layout(archive: tarfile.TarFile) -> tuple[str, list[str], list[str]]:
    # index.json may point at a nested index (multi-platform); follow it to an image manifest.
    index = _json_member(archive, "index.json")
    tags: list[str] = []
    for _depth in range(4):
        manifests = index.get("manifests") if isinstance(index, dict) else None
        if not isinstance(manifests, list) or not manifests or not isinstance(manifests[0], dict):
            raise ImageError("index.json lists no image manifest")
        descriptor = manifests[0]
        annotations = descriptor.get("annotations") or {}
        name = annotations.get("org.opencontainers.image.ref.name") or annotations.get(
            "io.containerd.image.name"
        )
        if isinstance(name, str) and name:
            tags.append(name)
        document = _json_member(archive, _blob(descriptor))
        if descriptor.get("mediaType") in _INDEX_TYPES or "manifests" in document:
            index = document
            continue
        config = document.get("config") if isinstance(document, dict) else None
        layers = document.get("layers") if isinstance(document, dict) else None
        if not isinstance(config, dict) or not isinstance(layers, list):
            raise ImageError("the image manifest has no config or layers")
        return _blob(config), [_blob(layer) for layer in layers], tags
    raise ImageError("index.json nests indexes too deeply")


def _blob(descriptor: Any) -> str:
    digest = descriptor.get("digest") if isinstance(descriptor, dict) else None
    if not isinstance(digest, str) or ":" not in digest:
        raise ImageError(f"a descriptor has no valid digest: {str(descriptor)[:80]}")
    algorithm, _, value = digest.partition(":")
    if not re.fullmatch(r"[a-z0-9]+", algorithm) or not re.fullmatch(r"[a-f0-9]+", value):
        raise ImageError(f"a descriptor has no valid digest: {digest[:80]}")
    return f"blobs/{algorithm}/{value}"


def _json_member(archive: tarfile.TarFile, name: str) -> Any:
    handle = _open_member(archive, name)
    try:
        return json.loads(handle.read())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ImageError(f"{name} in the archive is not JSON ({error})") from None


def _open_member(archive: tarfile.TarFile, name: str) -> IO[bytes]:
    try:
        handle = archive.extractfile(posixpath.normpath(name))
    except KeyError:
        raise ImageError(f"{name} is missing from the archive") from None
    if handle is None:
        raise ImageError(f"{name} in the archive is not a file")
    return handle


def _parse_config(document: Any) -> ImageConfig:
    # Docker's and OCI's configs share these keys; everything is optional.
    if not isinstance(document, dict):
        raise ImageError("the image config is not a JSON object")
    config = document.get("config") or document.get("Config") or {}
    if not isinstance(config, dict):
        config = {}
    labels = config.get("Labels") or {}
    history = document.get("history") or []
    healthcheck = config.get("Healthcheck") or {}
    test = healthcheck.get("Test") if isinstance(healthcheck, dict) else None
    return ImageConfig(
        user=str(config.get("User") or ""),
        env=tuple(str(item) for item in config.get("Env") or []),
        labels=tuple((str(key), str(value)) for key, value in dict(labels).items()),
        exposed_ports=tuple(str(port) for port in dict(config.get("ExposedPorts") or {})),
        healthcheck=bool(test) and test != ["NONE"],
        history=tuple(
            str(item.get("created_by", "")) for item in history if isinstance(item, dict)
        ),
    )


def _read_layer(archive: tarfile.TarFile, layer: str, found: dict[str, InstalledPackage]) -> None:
    # A layer is a tar (maybe gzip); whiteouts delete what earlier layers added.
    handle = _open_member(archive, layer)
    try:
        with tarfile.open(fileobj=handle, mode="r:*") as tar:
            for member in tar:
                name = member.name.removeprefix("./").lstrip("/")
                name = posixpath.normpath(name) if name else "."
                base = posixpath.basename(name)
                if base.startswith(".wh."):
                    _whiteout(found, posixpath.dirname(name), base[len(".wh.") :])
                    continue
                if member.isfile() and _METADATA.search(name):
                    package = _package(tar, member, layer, name)
                    if package is not None:
                        found[posixpath.dirname(name)] = package
    except (tarfile.TarError, OSError, EOFError) as error:
        raise ImageError(f"layer {layer} is not a readable tar ({error})") from None


def _whiteout(found: dict[str, InstalledPackage], folder: str, target: str) -> None:
    # ".wh..wh..opq" empties a folder; ".wh.NAME" removes NAME (and everything under it).
    prefix = folder if target == ".wh..opq" else posixpath.join(folder, target)
    for key in [key for key in found if key == prefix or key.startswith(prefix + "/")]:
        del found[key]


def _package(
    tar: tarfile.TarFile, member: tarfile.TarInfo, layer: str, name: str
) -> InstalledPackage | None:
    handle = tar.extractfile(member)
    if handle is None:
        return None
    text = handle.read(_METADATA_LIMIT).decode("utf-8", errors="replace")
    headers = HeaderParser().parsestr(text, headersonly=True)
    package, version = headers.get("Name"), headers.get("Version")
    if not package or not version:
        return None
    return InstalledPackage(name=package.strip(), version=version.strip(), layer=layer, file=name)
