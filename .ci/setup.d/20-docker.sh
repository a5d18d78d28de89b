#!/bin/sh
# Install Debian's Docker engine for the image tests of the container gate.
# The tests start (and stop) their own throwaway daemon; nothing is started here.
# Idempotent: does nothing when dockerd is already installed.
set -eu
if command -v dockerd >/dev/null 2>&1; then
    exit 0
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
command -v dockerd >/dev/null
