# ruff: noqa
# mypy: ignore-errors
"""Targets for secpipe's Python injection rules (tests/tools/test_semgrep_rules.py).

`# ruleid: <id>` marks that the next line must be reported by that rule;
`# ok: <id>` marks that the next line must not be. Deliberately unsafe code: never run it.
"""

import asyncio
import os
import sqlite3
import subprocess
from subprocess import check_output

import pandas as pd
import sqlalchemy
from flask import request


def shell_commands(host, args):
    # ruleid: python.injection.subprocess-shell-true
    subprocess.check_output(f"ping -c 1 {host}", shell=True)
    # ruleid: python.injection.subprocess-shell-true
    subprocess.run("ls " + args, shell=True, check=True)
    # ruleid: python.injection.subprocess-shell-true
    check_output("nslookup %s" % host, shell=True)
    # ruleid: python.injection.subprocess-shell-true
    subprocess.Popen(request.args["cmd"], shell=True)
    # ok: python.injection.subprocess-shell-true
    subprocess.run("ls -l /tmp", shell=True)
    # ok: python.injection.subprocess-shell-true
    subprocess.run(["ping", "-c", "1", host])
    # ok: python.injection.subprocess-shell-true
    subprocess.run(["ping", "-c", "1", host], shell=False)


async def system_calls(name):
    # ruleid: python.injection.os-system
    os.system("rm -rf /tmp/" + name)
    # ruleid: python.injection.os-system
    os.popen(f"cat {name}").read()
    # ruleid: python.injection.os-system
    subprocess.getoutput("file " + name)
    # ruleid: python.injection.os-system
    await asyncio.create_subprocess_shell(name)
    # ok: python.injection.os-system
    os.system("clear")
    # ok: python.injection.os-system
    os.path.join("a", name)


def sql_queries(connection, name, order):
    cursor = connection.cursor()
    # ruleid: python.injection.sql-string-format
    connection.execute(f"SELECT * FROM users WHERE name = '{name}'")
    # ruleid: python.injection.sql-string-format
    cursor.execute("SELECT * FROM users WHERE name = '%s'" % name)
    # ruleid: python.injection.sql-string-format
    cursor.execute("DELETE FROM users WHERE name = '{}'".format(name))
    # ruleid: python.injection.sql-string-format
    cursor.execute("SELECT id FROM users ORDER BY " + order)
    # ruleid: python.injection.sql-string-format
    cursor.executemany("INSERT INTO log VALUES ('" + name + "')", [])
    query = f"UPDATE users SET name = '{name}' WHERE id = 1"
    # ruleid: python.injection.sql-string-format
    cursor.execute(query)
    # ruleid: python.injection.sql-string-format
    sqlalchemy.text(f"SELECT * FROM users WHERE name = '{name}'")
    # ruleid: python.injection.sql-string-format
    pd.read_sql("SELECT * FROM users WHERE name = '%s'" % name, connection)
    # ok: python.injection.sql-string-format
    cursor.execute("SELECT * FROM users WHERE name = ?", (name,))
    # ok: python.injection.sql-string-format
    cursor.execute("SELECT * FROM users WHERE name = %s", (name,))
    # ok: python.injection.sql-string-format
    cursor.execute(f"SELECT * FROM users")
    safe = "SELECT * FROM users WHERE name = :name"
    # ok: python.injection.sql-string-format
    cursor.execute(safe, {"name": name})
    # ok: python.injection.sql-string-format
    executor.execute(f"job-{name}")
    # ok: python.injection.sql-string-format
    sqlalchemy.text("SELECT * FROM users WHERE name = :name")
    # ok: python.injection.sql-string-format
    cursor.execute(psycopg2.sql.SQL("SELECT * FROM {}").format(psycopg2.sql.Identifier(order)))


def dynamic_code(expression, source):
    # ruleid: python.code-injection.eval-exec
    result = eval(expression)
    # ruleid: python.code-injection.eval-exec
    exec(source, {})
    # ruleid: python.code-injection.eval-exec
    eval(request.args.get("q"))
    # ok: python.code-injection.eval-exec
    eval("1 + 1")
    # ok: python.code-injection.eval-exec
    model.eval()
    import ast

    # ok: python.code-injection.eval-exec
    ast.literal_eval(expression)
    return result
