# ruff: noqa
# mypy: ignore-errors
"""A Django settings module: targets for python.debug.django-debug-true (see injection.py)."""

import os

# ruleid: python.debug.django-debug-true
DEBUG = True
# ok: python.debug.django-debug-true
DEBUG = os.environ.get("DJANGO_DEBUG") == "1"
ALLOWED_HOSTS = ["example.com"]


def enable_debug_for_tests(settings):
    # ok: python.debug.django-debug-true
    DEBUG = True
    return DEBUG
