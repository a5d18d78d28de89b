# ruff: noqa
# mypy: ignore-errors
"""A Django settings module inside a settings/ package (see ../../injection.py)."""

# ruleid: python.debug.django-debug-true
DEBUG = True
