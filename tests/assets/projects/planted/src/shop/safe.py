"""The same operations done safely: no finding of high severity belongs here."""

import hashlib
import subprocess

import yaml


def export(name: str) -> None:
    subprocess.run(["tar", "czf", f"/tmp/{name}.tgz", "/srv/data"], check=True)


def import_settings(blob: bytes):
    return yaml.safe_load(blob)


def token_for(user: str) -> str:
    return hashlib.sha256(user.encode()).hexdigest()
