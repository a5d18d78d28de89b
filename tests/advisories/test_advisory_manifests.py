"""Reading Python manifests: each format, includes and cycles, line numbers, bad lines."""

from __future__ import annotations

import json
from pathlib import Path

from secpipe.advisories import find_manifests, read_manifests


def write(root: Path, name: str, text: str) -> str:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return name


def pins(scan_root: Path, *files: str) -> dict[str, tuple[str | None, str]]:
    scan = read_manifests(scan_root, files)
    return {dep.name: (dep.version, dep.where) for dep in scan.dependencies}


def test_finds_manifests_by_name_only() -> None:
    files = [
        "requirements.txt",
        "requirements-dev.txt",
        "sub/requirements/base.txt",
        "docs/requirements.in",
        "pyproject.toml",
        "web/poetry.lock",
        "Pipfile.lock",
        "uv.lock",
        "src/app.py",
        "notes.txt",
    ]
    assert find_manifests(files) == [
        "Pipfile.lock",
        "pyproject.toml",
        "requirements-dev.txt",
        "requirements.txt",
        "uv.lock",
        "web/poetry.lock",
    ]


def test_requirements_keep_the_declaring_line(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        "# pinned for production\n"
        "--index-url https://pypi.org/simple\n"
        "\n"
        "requests==2.19.0  # http\n"
        "PyYAML==5.3 \\\n"
        "    --hash=sha256:abc\n"
        "Django==2.2.0 ; python_version >= '3'\n"
        "Jinja2===2.10\n",
    )
    assert pins(tmp_path, "requirements.txt") == {
        "requests": ("2.19.0", "requirements.txt:4"),
        "PyYAML": ("5.3", "requirements.txt:5"),
        "Django": ("2.2.0", "requirements.txt:7"),
        "Jinja2": ("2.10", "requirements.txt:8"),
    }


def test_unpinned_and_bad_lines_are_not_audited_with_the_reason(tmp_path: Path) -> None:
    write(
        tmp_path,
        "requirements.txt",
        "flask>=2.0\nclick\nrequests==2.*\nthis is not ++ a requirement\n"
        "-e git+https://example.invalid/x.git#egg=x\nurllib3==1.26.0\n",
    )
    scan = read_manifests(tmp_path, ["requirements.txt"])

    assert [dep.name for dep in scan.pinned] == ["urllib3"]
    lines = scan.not_audited
    assert len(lines) == 5
    assert lines[0].startswith("requirements.txt:1: flask: not pinned to one version (>=2.0)")
    assert lines[1].startswith("requirements.txt:2: click: not pinned to one version (no version)")
    assert lines[2].startswith("requirements.txt:3: requests: not pinned")
    assert lines[3].startswith("requirements.txt:4: 'this is not ++ a requirement': not a PEP 508")
    assert lines[4].startswith("requirements.txt:5: ") and "editable" in lines[4]


def test_includes_are_relative_to_the_including_file_and_cycles_end(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r reqs/base.txt\nflask==2.0.0\n")
    write(tmp_path, "reqs/base.txt", "requests==2.19.0\n--requirement ../requirements.txt\n")
    write(tmp_path, "requirements-dev.txt", "--requirement=reqs/base.txt\npytest==8.0.0\n")

    scan = read_manifests(tmp_path, ["requirements.txt", "requirements-dev.txt"])

    # base.txt is read once although two files include it, and the cycle back ends.
    assert sorted(dep.where for dep in scan.dependencies) == [
        "reqs/base.txt:1",
        "requirements-dev.txt:2",
        "requirements.txt:2",
    ]
    assert scan.problems == []


def test_missing_and_escaping_includes_are_problems(tmp_path: Path) -> None:
    write(tmp_path, "requirements.txt", "-r missing.txt\n-r ../../etc/passwd\nflask==2.0.0\n")
    scan = read_manifests(tmp_path, ["requirements.txt"])
    assert [dep.name for dep in scan.pinned] == ["flask"]
    assert scan.problems[0] == ("requirements.txt:1: the included file missing.txt does not exist")
    assert scan.problems[1].startswith("requirements.txt:2: the included file ../../etc/passwd")


def test_pyproject_dependencies_and_extras(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        '[project]\nname = "demo"\ndependencies = [\n    "requests==2.19.0",\n'
        '    "click>=8",\n]\n\n[project.optional-dependencies]\n'
        'yaml = ["PyYAML==5.3"]\n',
    )
    scan = read_manifests(tmp_path, ["pyproject.toml"])
    assert [(d.name, d.version, d.line) for d in scan.dependencies] == [
        ("requests", "2.19.0", 4),
        ("click", None, 5),
        ("PyYAML", "5.3", 9),
    ]


def test_pyproject_next_to_a_lock_file_is_audited_through_the_lock(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[project]\nname = "demo"\ndependencies = ["flask>=2"]\n')
    write(
        tmp_path,
        "poetry.lock",
        '[[package]]\nname = "flask"\nversion = "2.0.0"\n\n'
        '[[package]]\nname = "mylib"\nversion = "0.1"\n\n[package.source]\ntype = "git"\n'
        'url = "https://example.invalid/mylib.git"\n',
    )
    scan = read_manifests(tmp_path, ["pyproject.toml", "poetry.lock"])
    assert scan.manifests == ["poetry.lock"]
    assert [(d.name, d.version, d.line) for d in scan.pinned] == [("flask", "2.0.0", 2)]
    assert scan.not_audited == [
        "poetry.lock:6: mylib: installed from a git source; it has no PyPI version to audit"
    ]


def test_uv_lock_skips_the_project_itself(tmp_path: Path) -> None:
    write(
        tmp_path,
        "uv.lock",
        'version = 1\n\n[[package]]\nname = "demo"\nversion = "0.1.0"\n'
        'source = { editable = "." }\n\n[[package]]\nname = "jinja2"\nversion = "2.10"\n'
        'source = { registry = "https://pypi.org/simple" }\n',
    )
    scan = read_manifests(tmp_path, ["uv.lock"])
    assert [(d.name, d.version, d.where) for d in scan.dependencies] == [
        ("jinja2", "2.10", "uv.lock:9")
    ]


def test_pipfile_lock_sections_and_lines(tmp_path: Path) -> None:
    data = {
        "_meta": {"hash": {"sha256": "x"}},
        "default": {"requests": {"version": "==2.19.0", "hashes": []}},
        "develop": {"pytest": {"version": "*"}, "local": {"path": "."}},
    }
    write(tmp_path, "Pipfile.lock", json.dumps(data, indent=4))
    scan = read_manifests(tmp_path, ["Pipfile.lock"])
    assert [(d.name, d.version, d.line) for d in scan.pinned] == [("requests", "2.19.0", 8)]
    assert [line.split(": ")[1] for line in scan.not_audited] == ["pytest", "local"]


def test_manifests_that_do_not_parse_name_the_file(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", "[project\n")
    write(tmp_path, "Pipfile.lock", "{not json")
    (tmp_path / "requirements.txt").write_bytes(b"flask==2.0.0\n\xff\xfe\n")
    scan = read_manifests(tmp_path, ["pyproject.toml", "Pipfile.lock", "requirements.txt"])
    assert scan.dependencies == []
    assert len(scan.problems) == 3
    assert scan.problems[0].startswith("Pipfile.lock:1: not valid JSON")
    assert scan.problems[1].startswith("pyproject.toml: not valid TOML")
    assert "line 1" in scan.problems[1]
    assert scan.problems[2] == "requirements.txt: not UTF-8 text; save it as UTF-8 to audit it"
