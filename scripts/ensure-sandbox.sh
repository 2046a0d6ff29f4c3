#!/usr/bin/env bash
# Installs bubblewrap, the sandbox pushed provider code runs in, when it is missing.
# Without it (or without root) the server refuses to build and deploy pushed code.
set -euo pipefail
if command -v bwrap >/dev/null && command -v setpriv >/dev/null && command -v prlimit >/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing bubblewrap (the sandbox of pushed provider code)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap util-linux >/dev/null
else
    echo "warning: bubblewrap is not installed; pushed providers will be refused." >&2
    echo "         Install the 'bubblewrap' package (and run the server as root), or start" >&2
    echo "         'pragma-os serve --insecure-unsandboxed' for development only." >&2
fi
