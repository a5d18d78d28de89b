# ruff: noqa
# mypy: ignore-errors
"""Targets for secpipe's Python deserialization rules (see injection.py for the markers)."""

import json
import marshal
import pickle
import shelve
from pickle import loads as unpickle

import dill
import pandas
import yaml
from flask import request
from yaml import Loader, SafeLoader


def unpickling(path):
    # ruleid: python.deserialization.pickle
    session = pickle.loads(request.data)
    with open(path, "rb") as handle:
        # ruleid: python.deserialization.pickle
        state = pickle.load(handle)
    # ruleid: python.deserialization.pickle
    unpickle(request.data)
    # ruleid: python.deserialization.pickle
    dill.loads(request.data)
    # ruleid: python.deserialization.pickle
    db = shelve.open(path)
    # ruleid: python.deserialization.pickle
    frame = pandas.read_pickle(path)
    # ok: python.deserialization.pickle
    blob = pickle.dumps(state)
    # ok: python.deserialization.pickle
    data = json.loads(request.data)
    return session, db, frame, blob, data


def unmarshalling():
    # ruleid: python.deserialization.marshal
    code = marshal.loads(request.data)
    # ok: python.deserialization.marshal
    blob = marshal.dumps(code)
    return blob


def yaml_loading(stream):
    # ruleid: python.deserialization.yaml-unsafe-load
    config = yaml.load(request.data)
    # ruleid: python.deserialization.yaml-unsafe-load
    yaml.load(stream, Loader=yaml.Loader)
    # ruleid: python.deserialization.yaml-unsafe-load
    yaml.load(stream, Loader)
    # ruleid: python.deserialization.yaml-unsafe-load
    yaml.load(stream, Loader=yaml.CUnsafeLoader)
    # ruleid: python.deserialization.yaml-unsafe-load
    yaml.unsafe_load(stream)
    # ruleid: python.deserialization.yaml-unsafe-load
    list(yaml.load_all(stream, Loader=yaml.UnsafeLoader))
    # ok: python.deserialization.yaml-unsafe-load
    yaml.safe_load(stream)
    # ok: python.deserialization.yaml-unsafe-load
    yaml.load(stream, Loader=yaml.SafeLoader)
    # ok: python.deserialization.yaml-unsafe-load
    yaml.load(stream, Loader=yaml.CSafeLoader)
    # ok: python.deserialization.yaml-unsafe-load
    yaml.load(stream, SafeLoader)
    # ok: python.deserialization.yaml-unsafe-load
    yaml.load(stream, Loader=yaml.BaseLoader)
    # ok: python.deserialization.yaml-unsafe-load
    yaml.dump(config)


def ruamel_loading(stream):
    from ruamel.yaml import YAML

    yaml = YAML(typ="safe")
    # ok: python.deserialization.yaml-unsafe-load
    return yaml.load(stream)
