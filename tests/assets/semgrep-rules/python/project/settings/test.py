# ruff: noqa
# mypy: ignore-errors
"""Django settings for the test run (see ../../injection.py for the markers)."""

# ok: python.debug.django-debug-true
DEBUG = True
