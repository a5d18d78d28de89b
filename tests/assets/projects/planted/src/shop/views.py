"""A tiny shop backend with planted weaknesses; each planted line says which CWE it is."""

import hashlib
import pickle
import sqlite3
import subprocess

import requests
import yaml
from flask import Flask, request

app = Flask(__name__)


@app.route("/export")
def export():
    name = request.args["name"]
    subprocess.run(f"tar czf /tmp/{name}.tgz /srv/data", shell=True)  # planted: CWE-78
    return "ok"


def find_order(db: sqlite3.Connection, order_id: str):
    return db.execute(f"SELECT * FROM orders WHERE id = {order_id}").fetchone()  # planted: CWE-89


def import_settings(blob: bytes):
    return yaml.load(blob)  # planted: CWE-502|CWE-20


def restore_cart(blob: bytes):
    return pickle.loads(blob)  # planted: CWE-502


def token_for(user: str) -> str:
    return hashlib.md5(user.encode()).hexdigest()  # planted: CWE-327|CWE-328


def price_feed():
    return requests.get("https://prices.example/feed", verify=False, timeout=5)  # planted: CWE-295


if __name__ == "__main__":
    app.run(debug=True)  # planted: CWE-489|CWE-94|CWE-215|CWE-11
