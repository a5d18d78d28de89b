"""A small web service with planted security weaknesses, for secpipe's examples and tests.

Every weakness below is deliberate. Do not copy this code.
"""

import hashlib
import pickle
import sqlite3
import subprocess

import requests
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/ping")
def ping():
    host = request.args.get("host", "localhost")
    return subprocess.check_output(f"ping -c 1 {host}", shell=True)


@app.route("/user")
def user():
    name = request.args.get("name", "")
    connection = sqlite3.connect("app.db")
    rows = connection.execute(f"SELECT * FROM users WHERE name = '{name}'").fetchall()
    return {"rows": rows}


@app.route("/config", methods=["POST"])
def load_config():
    return {"config": yaml.load(request.data)}


@app.route("/session", methods=["POST"])
def restore_session():
    return {"session": pickle.loads(request.data)}


def password_digest(password):
    return hashlib.md5(password.encode()).hexdigest()


def fetch_profile(url):
    return requests.get(url, verify=False, timeout=10).json()


if __name__ == "__main__":
    app.run(host="0.0.0.0", debug=True)
