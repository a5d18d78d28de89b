# ruff: noqa
# mypy: ignore-errors
"""Targets for secpipe's Python crypto and randomness rules (see injection.py for the markers)."""

import hashlib
import random
import secrets
import string
from random import choice

from Crypto.Cipher import AES, ARC4, DES
from Crypto.Hash import MD5
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def digests(password, data):
    # ruleid: python.crypto.weak-hash
    hashlib.md5(password.encode()).hexdigest()
    # ruleid: python.crypto.weak-hash
    hashlib.sha1(data).digest()
    # ruleid: python.crypto.weak-hash
    hashlib.new("md5", data)
    # ruleid: python.crypto.weak-hash
    hashlib.new("SHA1")
    # ruleid: python.crypto.weak-hash
    MD5.new(data)
    # ruleid: python.crypto.weak-hash
    hashes.Hash(hashes.SHA1())
    # ok: python.crypto.weak-hash
    hashlib.sha256(data).hexdigest()
    # ok: python.crypto.weak-hash
    hashlib.md5(data, usedforsecurity=False).hexdigest()
    # ok: python.crypto.weak-hash
    hashlib.new("sha256", data)
    # ok: python.crypto.weak-hash
    hashes.Hash(hashes.SHA256())


def ciphers(key, iv):
    # ruleid: python.crypto.weak-cipher
    DES.new(key, DES.MODE_CBC, iv)
    # ruleid: python.crypto.weak-cipher
    ARC4.new(key)
    # ruleid: python.crypto.weak-cipher
    AES.new(key, AES.MODE_ECB)
    # ruleid: python.crypto.weak-cipher
    Cipher(algorithms.AES(key), modes.ECB())
    # ruleid: python.crypto.weak-cipher
    Cipher(algorithms.TripleDES(key), modes.CBC(iv))
    # ok: python.crypto.weak-cipher
    AES.new(key, AES.MODE_GCM)
    # ok: python.crypto.weak-cipher
    Cipher(algorithms.AES(key), modes.GCM(iv))


def generate_reset_token():
    alphabet = string.ascii_letters + string.digits
    # ruleid: python.randomness.insecure-random
    return "".join(random.choice(alphabet) for _ in range(32))


class Account:
    def reset(self):
        # ruleid: python.randomness.insecure-random
        self.password = str(random.getrandbits(64))
        # ruleid: python.randomness.insecure-random
        api_key = "%032x" % random.randrange(16**32)
        # ruleid: python.randomness.insecure-random
        otp_code = choice("0123456789")
        # ok: python.randomness.insecure-random
        delay = random.uniform(0.5, 1.5)
        # ok: python.randomness.insecure-random
        winner = random.choice(["a", "b"])
        # ok: python.randomness.insecure-random
        session_token = secrets.token_urlsafe(32)
        return api_key, otp_code, delay, winner, session_token


def shuffle_deck(deck):
    # ok: python.randomness.insecure-random
    random.shuffle(deck)
