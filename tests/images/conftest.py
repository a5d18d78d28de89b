"""Fixtures for the image tests: hand-made image archives, and a throwaway Docker engine.

``make_image`` writes an image in the ``docker save`` layout or the OCI layout from a config and
a few files. ``docker_engine`` starts Debian's ``dockerd`` with its own data, exec and socket
folders (vfs storage, no networking), yields its ``DOCKER_HOST`` and stops it by its pid; it
skips only outside CI when ``dockerd`` is not installed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

#: The fake site-packages of the test image: an old PyYAML with known advisories.
SITE_PACKAGES = "usr/local/lib/python3.11/site-packages"
PYYAML_METADATA = b"Metadata-Version: 2.1\nName: PyYAML\nVersion: 5.3\nSummary: YAML parser\n\n"

#: The config of the test image: runs as root, a token in Env, SSH exposed, no healthcheck.
TEST_CONFIG: dict[str, Any] = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "Env": ["PATH=/usr/bin", "API_TOKEN=ghp_imagetokenimagetoken0123456789abcd"],
        "ExposedPorts": {"22/tcp": {}, "8080/tcp": {}},
        "Labels": {"team": "shop"},
    },
    "rootfs": {"type": "layers", "diff_ids": []},
    "history": [{"created_by": "/bin/sh -c #(nop) ADD file:abc in / "}],
}


def layer(files: dict[str, bytes], *, compress: bool = False) -> bytes:
    """A layer tar holding ``files`` (paths without a leading slash)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buffer.getvalue()
    return gzip.compress(raw) if compress else raw


def image_files() -> dict[str, bytes]:
    """The files of the test image: a shell script and the old PyYAML's metadata."""
    return {
        "app/run.sh": b"#!/bin/sh\necho hi\n",
        f"{SITE_PACKAGES}/PyYAML-5.3.dist-info/METADATA": PYYAML_METADATA,
        f"{SITE_PACKAGES}/yaml/__init__.py": b"",
    }


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_docker_save(
    path: Path, config: dict[str, Any], layers: list[bytes], tag: str | None
) -> Path:
    """An archive in the classic ``docker save`` layout."""
    config_bytes = json.dumps(config).encode()
    config_name = f"{_digest(config_bytes)}.json"
    names = [f"{_digest(data)}/layer.tar" for data in layers]
    manifest = [{"Config": config_name, "RepoTags": [tag] if tag else None, "Layers": names}]
    with tarfile.open(path, "w") as tar:
        _add(tar, "manifest.json", json.dumps(manifest).encode())
        _add(tar, config_name, config_bytes)
        for name, data in zip(names, layers, strict=True):
            _add(tar, name, data)
    return path


def write_oci_layout(
    path: Path, config: dict[str, Any], layers: list[bytes], tag: str | None
) -> Path:
    """An archive in the OCI image layout, gzip layers, with a nested index like buildx writes."""
    blobs: dict[str, bytes] = {}

    def blob(data: bytes, media_type: str) -> dict[str, Any]:
        blobs[_digest(data)] = data
        return {"mediaType": media_type, "digest": f"sha256:{_digest(data)}", "size": len(data)}

    config_descriptor = blob(
        json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json"
    )
    layer_descriptors = [
        blob(gzip.compress(data), "application/vnd.oci.image.layer.v1.tar+gzip") for data in layers
    ]
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": config_descriptor,
        "layers": layer_descriptors,
    }
    manifest_descriptor = blob(
        json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json"
    )
    inner_index = {"schemaVersion": 2, "manifests": [manifest_descriptor]}
    index_descriptor = blob(
        json.dumps(inner_index).encode(), "application/vnd.oci.image.index.v1+json"
    )
    if tag:
        index_descriptor["annotations"] = {"org.opencontainers.image.ref.name": tag}
    with tarfile.open(path, "w") as tar:
        _add(tar, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
        _add(
            tar,
            "index.json",
            json.dumps({"schemaVersion": 2, "manifests": [index_descriptor]}).encode(),
        )
        for digest, data in blobs.items():
            _add(tar, f"blobs/sha256/{digest}", data)
    return path


@pytest.fixture
def make_image(tmp_path: Path) -> Callable[..., Path]:
    """``make_image(layout, name, config=, layers=, tag=)`` → the archive's path."""

    def make(
        layout: str,
        name: str = "image.tar",
        *,
        config: dict[str, Any] | None = None,
        layers: list[bytes] | None = None,
        tag: str | None = "shop/app:1.0",
    ) -> Path:
        writer = write_docker_save if layout == "docker-save" else write_oci_layout
        chosen = layers if layers is not None else [layer(image_files())]
        return writer(tmp_path / name, config or TEST_CONFIG, chosen, tag)

    return make


@pytest.fixture(scope="session")
def image_layer() -> bytes:
    """The one layer of the test image, as an uncompressed tar (for ``docker import``)."""
    return layer(image_files())


@pytest.fixture(scope="session")
def docker_engine() -> Iterator[str]:
    """A running throwaway ``dockerd``; yields its ``DOCKER_HOST`` (``unix://…``)."""
    dockerd = shutil.which("dockerd")
    if dockerd is None:
        if os.environ.get("CI"):
            pytest.fail("dockerd is not installed (.ci/setup.d/20-docker.sh installs it)")
        pytest.skip("dockerd is not installed (apt-get install docker.io); CI runs this test")
    if os.geteuid() != 0 and not os.environ.get("CI"):
        pytest.skip("dockerd needs root here; CI runs this test")

    # Short paths: a unix socket path must stay under 108 bytes.
    folder = Path(tempfile.mkdtemp(prefix="spd-", dir="/tmp"))
    socket = folder / "d.sock"
    log = (folder / "dockerd.log").open("wb")
    argv = [
        dockerd,
        "--storage-driver=vfs",
        "--iptables=false",
        "--ip6tables=false",
        "--bridge=none",
        f"--data-root={folder / 'data'}",
        f"--exec-root={folder / 'exec'}",
        f"--pidfile={folder / 'pid'}",
        f"--host=unix://{socket}",
    ]
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    host = f"unix://{socket}"
    try:
        # Ready when the API answers a ping.
        deadline = time.monotonic() + 60
        import docker  # type: ignore[import-untyped]

        while True:
            if process.poll() is not None:
                pytest.fail(f"dockerd exited {process.returncode}: see {folder / 'dockerd.log'}")
            if not socket.exists():
                if time.monotonic() > deadline:
                    pytest.fail(f"dockerd made no socket in 60 s: see {folder / 'dockerd.log'}")
                time.sleep(0.2)
                continue
            client = docker.DockerClient(base_url=host, timeout=5)
            try:
                client.ping()
                break
            except docker.errors.DockerException:
                if time.monotonic() > deadline:
                    pytest.fail(f"dockerd did not answer in 60 s: see {folder / 'dockerd.log'}")
                time.sleep(0.3)
            finally:
                client.close()
        yield host
    finally:
        # Stop it by its own pid, wait, and clean up its folders.
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)
