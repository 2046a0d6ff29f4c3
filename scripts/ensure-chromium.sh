#!/usr/bin/env bash
# Installs Debian's chromium, the browser the console's tests drive with Playwright (the
# browser cannot be downloaded from elsewhere: never `playwright install`).
set -euo pipefail
if [ -n "${PRAGMA_CHROMIUM:-}" ] || command -v chromium >/dev/null; then
    exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium (for the web console's browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
    echo "warning: chromium is not installed; the console's browser tests will fail." >&2
    echo "         Install Debian's 'chromium' package, or point PRAGMA_CHROMIUM at a Chromium." >&2
fi
