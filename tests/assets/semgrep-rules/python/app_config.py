# ruff: noqa
# mypy: ignore-errors
"""Targets for secpipe's Python debug, credential and network rules (see injection.py)."""

import os
import socket

import psycopg2
import uvicorn
from flask import Flask

app = Flask(__name__)
# ruleid: python.debug.flask-debug-true
app.config["DEBUG"] = True
# ok: python.debug.django-debug-true
DEBUG = True

# ruleid: python.credentials.hardcoded
DB_PASSWORD = "s3cr3t-Pa55w0rd"
# ruleid: python.credentials.hardcoded
api_key = "AKIAIOSFODNN7EXAMPLEKEY"
# ruleid: python.credentials.hardcoded
github_token: str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a"
# ruleid: python.credentials.hardcoded
SECRET_KEY = b"django-insecure-9x!k@q1z"
# ok: python.credentials.hardcoded
password = ""
# ok: python.credentials.hardcoded
admin_password = "changeme"
# ok: python.credentials.hardcoded
token = "<your-token>"
# ok: python.credentials.hardcoded
API_TOKEN = "GITHUB_TOKEN"
# ok: python.credentials.hardcoded
password = os.environ["DB_PASSWORD"]
# ok: python.credentials.hardcoded
password_prompt = "Enter your password:"
# ok: python.credentials.hardcoded
PASSWORD_FIELD = "password"
# ok: python.credentials.hardcoded
secret = "Please set a secret"
# ok: python.credentials.hardcoded
token = "${API_TOKEN}"
# ok: python.credentials.hardcoded
token_url = "https://example.com/oauth/token"
# ok: python.credentials.hardcoded
password = "xxxxxxxx"
# ruleid: python.credentials.hardcoded
SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----
MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
-----END RSA PRIVATE KEY-----"""
# ok: python.credentials.hardcoded
VERIFY_KEY = "-----BEGIN PUBLIC KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n"
# ok: python.credentials.hardcoded
token = r"[-!#$%&'*+.^_`|~0-9a-zA-Z]+"
# ok: python.credentials.hardcoded
name_token = r"\w+(?=\()"


class Settings:
    def __init__(self):
        # ruleid: python.credentials.hardcoded
        self.client_secret = "a8f5f167f44f4964e6c998dee827110c"
        # ok: python.credentials.hardcoded
        self.client_secret = os.getenv("CLIENT_SECRET")


def connect(user):
    # ruleid: python.credentials.hardcoded
    psycopg2.connect(host="db", user=user, password="hunter2!")
    # ruleid: python.credentials.hardcoded
    headers = {"Authorization": "x", "api_key": "9f8e7d6c5b4a39281706"}
    # ok: python.credentials.hardcoded
    psycopg2.connect(host="db", user=user, password=os.environ["PGPASSWORD"])
    # ok: python.credentials.hardcoded
    fields = {"type": "password", "name": "password"}
    # ok: python.credentials.hardcoded
    render(password="{password}")
    return headers, fields


def serve():
    listener = socket.socket()
    # ruleid: python.network.bind-all-interfaces
    listener.bind(("0.0.0.0", 8080))
    # ok: python.network.bind-all-interfaces
    listener.bind(("127.0.0.1", 8080))
    # ruleid: python.network.bind-all-interfaces
    uvicorn.run("main:app", host="0.0.0.0", port=8000)
    # ok: python.network.bind-all-interfaces
    uvicorn.run("main:app", host="127.0.0.1", port=8000)
    # ok: python.debug.flask-debug-true
    app.run(debug=False)
    # ok: python.debug.flask-debug-true
    app.run(debug=os.environ.get("FLASK_DEBUG") == "1")


if __name__ == "__main__":
    # ruleid: python.debug.flask-debug-true, python.network.bind-all-interfaces
    app.run(host="0.0.0.0", debug=True)
