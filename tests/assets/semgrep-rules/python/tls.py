# ruff: noqa
# mypy: ignore-errors
"""Targets for secpipe's Python TLS rules (see injection.py for the markers)."""

import ssl
import urllib.request

import aiohttp
import httpx
import requests
import urllib3


def http_clients(url):
    # ruleid: python.tls.http-verify-false
    requests.get(url, verify=False, timeout=10).json()
    # ruleid: python.tls.http-verify-false
    requests.request("POST", url, data={}, verify=False)
    # ruleid: python.tls.http-verify-false
    httpx.Client(verify=False)
    session = requests.Session()
    # ruleid: python.tls.http-verify-false
    session.verify = False
    # ruleid: python.tls.http-verify-false
    session.post(url, json={}, verify=False)
    # ruleid: python.tls.http-verify-false
    aiohttp.TCPConnector(ssl=False)
    # ok: python.tls.http-verify-false
    requests.get(url, timeout=10)
    # ok: python.tls.http-verify-false
    requests.get(url, verify="/etc/ssl/certs/internal-ca.pem", timeout=10)
    # ok: python.tls.http-verify-false
    requests.get(url, verify=True, timeout=10)
    # ok: python.tls.http-verify-false
    form.validate(verify=False)


def ssl_contexts(url):
    # ruleid: python.tls.unverified-ssl-context
    context = ssl._create_unverified_context()
    # ruleid: python.tls.unverified-ssl-context
    ssl._create_default_https_context = ssl._create_unverified_context
    custom = ssl.create_default_context()
    # ok: python.tls.unverified-ssl-context
    custom.check_hostname = False
    # ruleid: python.tls.unverified-ssl-context
    custom.verify_mode = ssl.CERT_NONE
    # ruleid: python.tls.unverified-ssl-context
    urllib3.PoolManager(cert_reqs="CERT_NONE")
    # ok: python.tls.unverified-ssl-context
    strict = ssl.create_default_context()
    # ok: python.tls.unverified-ssl-context
    strict.verify_mode = ssl.CERT_REQUIRED
    # ok: python.tls.unverified-ssl-context
    urllib3.PoolManager(cert_reqs="CERT_REQUIRED")
    return urllib.request.urlopen(url, context=context)
