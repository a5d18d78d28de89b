"""Reading image archives (docker save and OCI layouts) and checking what they hold."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from secpipe._findings import Severity
from secpipe.advisories import load_database
from secpipe.images._archive import ImageError, read_archive
from secpipe.images._image_checks import check_config, check_packages

TOKEN = "ghp_imagetokenimagetoken0123456789abcd"


def layer_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize("layout", ["docker-save", "oci"])
def test_both_layouts_give_config_and_packages(
    layout: str, make_image: Callable[..., Path]
) -> None:
    contents = read_archive(make_image(layout))

    assert contents.reference == "shop/app:1.0"
    assert contents.config.user == ""
    assert contents.config.exposed_ports == ("22/tcp", "8080/tcp")
    assert [(p.name, p.version, p.file) for p in contents.packages] == [
        (
            "PyYAML",
            "5.3",
            "usr/local/lib/python3.11/site-packages/PyYAML-5.3.dist-info/METADATA",
        )
    ]


def test_config_checks_mask_the_token(make_image: Callable[..., Path]) -> None:
    contents = read_archive(make_image("docker-save"))

    found = {item.raw.rule_id: item for item in check_config(contents)}

    assert set(found) == {
        "IMAGE_ROOT_USER",
        "IMAGE_SECRET",
        "IMAGE_SENSITIVE_PORT",
        "IMAGE_NO_HEALTHCHECK",
    }
    assert TOKEN not in found["IMAGE_SECRET"].raw.message
    assert found["IMAGE_SECRET"].raw.severity is Severity.HIGH
    assert found["IMAGE_ROOT_USER"].raw.path == "image:shop/app:1.0"
    assert found["IMAGE_ROOT_USER"].location.reference == "shop/app:1.0"


def test_a_non_root_user_and_a_healthcheck_pass(make_image: Callable[..., Path]) -> None:
    config = {
        "config": {"User": "app", "Healthcheck": {"Test": ["CMD", "true"]}},
        "history": [{"created_by": "|1 DB_PASSWORD=s3cretpassw0rd /bin/sh -c make"}],
    }
    contents = read_archive(make_image("oci", config=config))

    found = [item.raw for item in check_config(contents)]

    # Only the build argument left in the history.
    assert [(f.rule_id, f.title) for f in found] == [
        ("IMAGE_SECRET", "Secret in the image history")
    ]
    assert "s3cretpassw0rd" not in found[0].message


def test_packages_are_audited_with_their_layer_and_file(
    make_image: Callable[..., Path], shared: Path
) -> None:
    contents = read_archive(make_image("oci"))
    database = load_database(shared / "advisory-db")

    found = check_packages(contents, database)

    assert found, "PyYAML 5.3 has known advisories in the shared database"
    first = found[0]
    assert first.raw.package is not None and first.raw.package.name == "PyYAML"
    assert first.location.file == (
        "/usr/local/lib/python3.11/site-packages/PyYAML-5.3.dist-info/METADATA"
    )
    assert first.location.layer is not None and first.location.layer.startswith("blobs/sha256/")


def test_a_later_layer_whiteout_removes_a_package(make_image: Callable[..., Path]) -> None:
    site = "usr/lib/python3/site-packages"
    first = layer_of({f"{site}/PyYAML-5.3.dist-info/METADATA": b"Name: PyYAML\nVersion: 5.3\n"})
    second = layer_of({f"{site}/.wh.PyYAML-5.3.dist-info": b""})

    contents = read_archive(make_image("docker-save", layers=[first, second]))

    assert contents.packages == []


def test_an_archive_without_tags_is_known_by_the_given_name(
    make_image: Callable[..., Path],
) -> None:
    assert read_archive(make_image("docker-save", tag=None)).reference == ""
    assert read_archive(make_image("oci", tag=None), "app.tar").reference == "app.tar"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"not a tar at all", "not a readable image archive"),
        (layer_of({"hello.txt": b"hi"}), "neither manifest.json"),
        (layer_of({"manifest.json": b"{"}), "not JSON"),
        (layer_of({"manifest.json": b'[{"Config": "c.json", "Layers": []}]'}), "c.json is missing"),
        (layer_of({"index.json": b'{"manifests": [{"digest": "md5:../x"}]}'}), "no valid digest"),
    ],
)
def test_corrupt_archives_are_one_clear_error(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.tar"
    path.write_bytes(content)

    with pytest.raises(ImageError, match=expected):
        read_archive(path)


def test_a_missing_archive_is_named() -> None:
    with pytest.raises(ImageError, match="no such file"):
        read_archive(Path("/nonexistent/image.tar"))
