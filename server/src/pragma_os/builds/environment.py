"""The environment build subprocesses run with: an allow-list, never the server's own.

Pushed code runs during a build (build backends while installing, module bodies while
importing), so the server's database URL, keys and tokens must not reach it. Nothing is
inherited unless named here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# Locale and search path: harmless and needed by nearly every tool.
_BASE = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")

# How uv reaches packages: the operator's index, proxy and TLS settings. Build backends run
# under uv and can read these too, so index URLs should not carry credentials.
_UV_SETTINGS = (
    "UV_INDEX",
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "UV_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "UV_INDEX_STRATEGY",
    "UV_OFFLINE",
    "UV_NATIVE_TLS",
    "UV_HTTP_TIMEOUT",
    "UV_CONCURRENT_DOWNLOADS",
    "UV_CONCURRENT_BUILDS",
    "UV_CONCURRENT_INSTALLS",
    "UV_PYTHON_INSTALL_DIR",
    "UV_PYTHON_PREFERENCE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "NO_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "no_proxy",
)


def build_environment(
    work_dir: Path, *, uv_cache_dir: Path | None = None, source: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Return the environment of one build step.

    Args:
        work_dir: The build's directory; it becomes ``HOME``, so tools write their dot files
            there and not into the server user's home.
        uv_cache_dir: For uv steps: the shared uv cache (kept so repeat builds are fast); the
            operator's uv index, proxy and TLS settings are passed along too. ``None`` for
            steps that run pushed code without uv (the import), which get only the base set.
        source: The environment to pick from; ``os.environ`` when omitted.

    Returns:
        ``PATH``, locale, ``TMPDIR``, ``HOME=work_dir``, unbuffered Python output, and for uv
        steps ``UV_CACHE_DIR``, no progress bars, no colors and the uv settings above.
    """
    source = os.environ if source is None else source
    env = {key: source[key] for key in _BASE if key in source}
    env["HOME"] = str(work_dir)
    # Lines reach the build log as they are printed, not when a buffer fills.
    env["PYTHONUNBUFFERED"] = "1"
    if uv_cache_dir is not None:
        env.update({key: source[key] for key in _UV_SETTINGS if key in source})
        env["UV_CACHE_DIR"] = str(uv_cache_dir)
        env["UV_NO_PROGRESS"] = "1"
        env["NO_COLOR"] = "1"
    return env
