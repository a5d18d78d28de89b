# ruff: noqa
# mypy: ignore-errors
"""Test code: credentials and debug mode are left alone here (see ../injection.py)."""

import pickle

from flask import Flask

app = Flask(__name__)
# ok: python.debug.flask-debug-true
app.config["DEBUG"] = True
# ok: python.credentials.hardcoded
ADMIN_PASSWORD = "admin123!"


def load(blob):
    # ruleid: python.deserialization.pickle
    return pickle.loads(blob)
