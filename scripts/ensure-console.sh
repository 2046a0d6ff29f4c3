#!/usr/bin/env bash
# Builds the web console (console/) into server/src/pragma_os/console_assets, which the server
# serves at /. Skipped when the build is up to date: a stamp holds a hash of the lockfile, the
# sources and the configs, so a repeated `make setup` or `make test` costs nothing.
# Installs Node.js and npm with apt-get when they are missing (as root), like ensure-sandbox.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
console=console
out=server/src/pragma_os/console_assets
stamp_of() {
    {
        sha256sum "$console/package-lock.json" "$console/package.json" "$console/index.html" \
            "$console/vite.config.ts" "$console/tsconfig.json"
        find "$console/src" -type f -print0 | sort -z | xargs -0 sha256sum
    } | sha256sum | cut -d' ' -f1
}
stamp=$(stamp_of)
if [ -f "$out/.build-stamp" ] && [ "$(cat "$out/.build-stamp")" = "$stamp" ] && [ -f "$out/index.html" ]; then
    exit 0
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "== installing Node.js and npm (to build the web console)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "error: the web console needs Node.js (20 or newer) and npm to build." >&2
        echo "       Install them ('apt-get install -y nodejs npm'), then run 'make setup' again." >&2
        exit 1
    fi
fi
if [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    echo "error: the web console's build (Vite 8) needs Node.js 20 or newer; this is $(node --version)." >&2
    echo "       Install a newer Node.js (for example from the nodejs package of a newer Debian), then run 'make setup' again." >&2
    exit 1
fi
lock=$(sha256sum "$console/package-lock.json" | cut -d' ' -f1)
if [ ! -f "$console/node_modules/.pragma-lock" ] || [ "$(cat "$console/node_modules/.pragma-lock")" != "$lock" ]; then
    echo "== installing the web console's packages (npm ci)"
    (cd "$console" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$lock" > "$console/node_modules/.pragma-lock"
fi
echo "== building the web console"
(cd "$console" && npm run --silent build -- --logLevel error)
echo "$stamp" > "$out/.build-stamp"
