"""Where the SDK and CLI find the API URL, the current context and tokens.

Token discovery order: explicit token, ``PRAGMA_AUTH_TOKEN_{CONTEXT}``, ``PRAGMA_AUTH_TOKEN``,
then the credentials file (``~/.config/pragma/credentials``, ``context=token`` lines).
``XDG_CONFIG_HOME`` moves ``~/.config``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

DEFAULT_API_URL = "http://localhost:8000"
DEFAULT_CONTEXT = "default"


def config_dir() -> Path:
    """The folder holding ``config``, ``config.yaml`` and ``credentials``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "pragma"


def private_config_dir() -> Path:
    """``config_dir()``, created readable by its owner only (mode 700), since it holds tokens.

    An existing folder that others may read is made owner-only too.
    """
    folder = config_dir()
    folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.mkdir(mode=0o700, exist_ok=True)
    if folder.stat().st_mode & 0o077:
        folder.chmod(0o700)
    return folder


def credentials_path() -> Path:
    """The credentials file: one ``context=token`` line per context."""
    return config_dir() / "credentials"


def _read_config() -> dict[str, Any]:
    """Merge the CLI's ``config`` and the SDK's ``config.yaml`` (``config.yaml`` wins)."""
    merged: dict[str, Any] = {}
    for path in (config_dir() / "config", config_dir() / "config.yaml"):
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError):
            continue
        if isinstance(data, dict):
            contexts = {**merged.get("contexts", {}), **(data.get("contexts") or {})}
            merged.update(data)
            merged["contexts"] = contexts
    return merged


def current_context(explicit: str | None = None) -> str:
    """The context in force: explicit, ``PRAGMA_CONTEXT``, the config's ``current_context``."""
    if explicit:
        return explicit
    if from_env := os.environ.get("PRAGMA_CONTEXT"):
        return from_env
    configured = _read_config().get("current_context")
    return str(configured) if configured else DEFAULT_CONTEXT


def api_url(context: str) -> str:
    """The API URL: ``PRAGMA_API_URL``, the context's ``api_url``, or localhost:8000."""
    if from_env := os.environ.get("PRAGMA_API_URL"):
        return from_env
    entry = _read_config().get("contexts", {}).get(context)
    if isinstance(entry, dict) and entry.get("api_url"):
        return str(entry["api_url"])
    return DEFAULT_API_URL


def token_variable(context: str) -> str:
    """The environment variable holding the token of ``context``: ``PRAGMA_AUTH_TOKEN_{CONTEXT}``."""
    return "PRAGMA_AUTH_TOKEN_" + re.sub(r"[^A-Z0-9]", "_", context.upper())


def read_credentials() -> dict[str, str]:
    """All ``context=token`` pairs of the credentials file."""
    try:
        text = credentials_path().read_text()
    except OSError:
        return {}
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            pairs[key.strip()] = value.strip()
    return pairs


def discover_token(context: str) -> str | None:
    """Find a token for ``context`` in the environment, then in the credentials file."""
    for variable in (token_variable(context), "PRAGMA_AUTH_TOKEN"):
        if token := os.environ.get(variable):
            return token
    return read_credentials().get(context)


def store_token(context: str, token: str) -> Path:
    """Write ``context=token`` into the credentials file (mode 600), keeping other contexts."""
    pairs = read_credentials()
    pairs[context] = token
    return _write_credentials(pairs)


def remove_token(context: str) -> bool:
    """Remove the stored token of ``context``; returns whether there was one."""
    pairs = read_credentials()
    if context not in pairs:
        return False
    del pairs[context]
    _write_credentials(pairs)
    return True


def _write_credentials(pairs: dict[str, str]) -> Path:
    """Replace the credentials file atomically, readable by its owner only."""
    path = private_config_dir() / credentials_path().name
    content = "".join(f"{key}={value}\n" for key, value in pairs.items())
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".credentials-")
    try:
        os.fchmod(handle, 0o600)
        os.write(handle, content.encode())
    finally:
        os.close(handle)
    os.replace(temporary, path)
    return path


def missing_token_message(context: str) -> str:
    """What to tell a user who has no token for ``context``."""
    return (
        f"No API token found for context '{context}'. Run 'pragma auth login', set "
        f"PRAGMA_AUTH_TOKEN (or {token_variable(context)}), or pass auth_token=... "
        f"(checked {credentials_path()})."
    )
