"""Test code is scanned too when the gate's globs include it (semgrep alone would skip it)."""

import subprocess


def run_fixture(command: str) -> None:
    subprocess.call(command, shell=True)  # planted: CWE-78
