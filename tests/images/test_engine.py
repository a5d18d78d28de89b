"""Images in a real Docker engine, and the same image saved to a tar, give the same findings.

The image is made with ``docker import`` of a tarball built here (no registry is reachable): a
script and a fake ``site-packages`` holding PyYAML 5.3, with config changes that run it as root,
put a token in its environment and expose SSH.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from secpipe._cli import main
from secpipe.images._archive import ImageError
from secpipe.images._engine import read_engine_image

REFERENCE = "secpipe-test/shop:1.0"
TOKEN = "ghp_enginetokenenginetoken0123456789ab"


@pytest.fixture(scope="module")
def engine_image(docker_engine: str, image_layer: bytes) -> str:
    import docker  # type: ignore[import-untyped]

    client = docker.DockerClient(base_url=docker_engine, timeout=60)
    try:
        client.api.import_image_from_data(
            image_layer,
            repository=REFERENCE.split(":")[0],
            tag=REFERENCE.split(":")[1],
            changes=[f"ENV API_TOKEN={TOKEN}", "EXPOSE 22", 'CMD ["/app/run.sh"]'],
        )
    finally:
        client.close()
    return docker_engine


def run(project: Path, out: Path, config: str) -> tuple[int, dict[str, Any]]:
    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  build:\n    gates: [container]\n"
        f"gates:\n  container:\n{config}policy:\n  fail_on: high\n"
    )
    code = main(["run", str(project), "--output-dir", str(out)])
    return code, json.loads((out / "findings.json").read_text())


def test_engine_image_and_its_saved_tar_give_the_same_findings(
    engine_image: str,
    tmp_path: Path,
    shared: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine_image)
    monkeypatch.setenv("SECPIPE_ADVISORY_DB", str(shared / "advisory-db"))
    project = tmp_path / "project"
    project.mkdir()

    # The image in the engine: runs as root and holds an old PyYAML.
    code, report = run(project, tmp_path / "engine", f"    images: [{REFERENCE}]\n")

    assert code == 1, capsys.readouterr().err
    rules = {f["rule_id"] for f in report["findings"]}
    assert {"IMAGE_ROOT_USER", "IMAGE_SECRET", "IMAGE_SENSITIVE_PORT"} <= rules
    vulnerable = [f for f in report["findings"] if f["package"]]
    assert vulnerable and {f["package"]["name"] for f in vulnerable} == {"PyYAML"}
    assert vulnerable[0]["image"]["reference"] == REFERENCE
    assert vulnerable[0]["image"]["file"].endswith("PyYAML-5.3.dist-info/METADATA")
    assert all(f["path"] == f"image:{REFERENCE}" for f in report["findings"])

    # The same image saved to a tar, checked with no engine at all.
    import docker

    client = docker.DockerClient(base_url=engine_image, timeout=60)
    try:
        with (project / "shop.tar").open("wb") as handle:
            for chunk in client.images.get(REFERENCE).save(named=REFERENCE):
                handle.write(chunk)
    finally:
        client.close()
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    code, saved = run(project, tmp_path / "saved", "    image_archives: [shop.tar]\n")

    assert code == 1
    assert [(f["fingerprint"], f["rule_id"], f["severity"]) for f in saved["findings"]] == [
        (f["fingerprint"], f["rule_id"], f["severity"]) for f in report["findings"]
    ]
    printed = capsys.readouterr()
    assert TOKEN not in printed.out + printed.err
    for folder in (tmp_path / "engine", tmp_path / "saved"):
        for path in folder.rglob("*"):
            if path.is_file():
                assert TOKEN not in path.read_text(errors="replace"), path


def test_a_missing_image_and_a_stopped_engine_are_clear_errors(
    engine_image: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine_image)
    with pytest.raises(ImageError, match="no-such/image:1: no such image"):
        read_engine_image("no-such/image:1")

    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    with pytest.raises(ImageError, match="cannot reach the Docker engine"):
        read_engine_image(REFERENCE)
