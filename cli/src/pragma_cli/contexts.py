"""Contexts in ``~/.config/pragma/config`` and tokens in ``~/.config/pragma/credentials``.

The formats are the platform's (DESIGN §9): ``config`` is YAML with ``current_context`` and
``contexts: {name: {api_url: ...}}``; ``credentials`` holds ``context=token`` lines (mode
600). The SDK reads ``config`` and then ``config.yaml``, which wins; this module reads them the
same way, writes ``config``, and changes ``config.yaml`` too where it sets the same key, so a
change always takes effect. Keys it does not know (``auth_url``, ``project``...) are kept.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from pragma_cli.errors import CliError
from pragma_sdk import credentials


@dataclass(frozen=True)
class ContextInfo:
    """A context as ``get-contexts`` shows it."""

    name: str
    api_url: str
    current: bool
    configured: bool
    logged_in: bool


def cli_config_path() -> Path:
    """The CLI's config file (``config``), the one this module writes."""
    return credentials.config_dir() / "config"


def sdk_config_path() -> Path:
    """The SDK's config file (``config.yaml``), which wins where both set a key."""
    return credentials.config_dir() / "config.yaml"


def load(path: Path) -> dict[str, Any]:
    """The mapping a config file holds; empty when the file does not exist."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise CliError(f"cannot read {path}: {error.strerror}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CliError(f"{path} is not valid YAML ({error})", "Fix or remove that file") from error
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CliError(f"{path} must hold a YAML mapping", "Fix or remove that file")
    return data


def config_paths() -> tuple[Path, Path]:
    """The config files, in the order the SDK reads them (the later one wins)."""
    return cli_config_path(), sdk_config_path()


def _contexts(data: dict[str, Any]) -> dict[str, Any]:
    contexts = data.get("contexts")
    return contexts if isinstance(contexts, dict) else {}


def _write(path: Path, data: dict[str, Any], mode: int = 0o644) -> None:
    """Replace ``path`` atomically, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    try:
        with os.fdopen(handle, "w") as file:
            os.fchmod(file.fileno(), mode)
            yaml.safe_dump(data, file, sort_keys=False, default_flow_style=False)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def configured_contexts() -> dict[str, dict[str, Any]]:
    """Each context of the config files with its settings (``config.yaml`` wins)."""
    merged: dict[str, dict[str, Any]] = {}
    for path in (cli_config_path(), sdk_config_path()):
        for name, entry in _contexts(load(path)).items():
            merged[str(name)] = {**merged.get(str(name), {}), **(entry if isinstance(entry, dict) else {})}
    return merged


def list_contexts(current: str) -> list[ContextInfo]:
    """Every context that is configured or has a stored token, and ``current``."""
    configured = configured_contexts()
    tokens = credentials.read_credentials()
    names = sorted({*configured, *tokens, current})
    return [
        ContextInfo(
            name=name,
            api_url=str(configured.get(name, {}).get("api_url") or credentials.DEFAULT_API_URL),
            current=name == current,
            configured=name in configured,
            logged_in=name in tokens,
        )
        for name in names
    ]


def exists(name: str) -> bool:
    """Whether ``name`` is configured, has a token, or is the built-in ``default``."""
    return (
        name == credentials.DEFAULT_CONTEXT
        or name in configured_contexts()
        or name in (credentials.read_credentials())
    )


def use_context(name: str) -> None:
    """Make ``name`` the current context in the config files."""
    cli = load(cli_config_path())
    cli["current_context"] = name
    contexts = _contexts(cli)
    if name not in contexts and name not in configured_contexts():
        # The real CLI expects every context it switches to to have an entry.
        contexts[name] = {"api_url": credentials.DEFAULT_API_URL}
    cli["contexts"] = contexts
    _write(cli_config_path(), cli)
    sdk = load(sdk_config_path())
    if "current_context" in sdk:
        sdk["current_context"] = name
        _write(sdk_config_path(), sdk)


def set_context(name: str, api_url: str) -> None:
    """Create context ``name`` or change its API URL, keeping its other settings."""
    cli = load(cli_config_path())
    contexts = _contexts(cli)
    entry = contexts.get(name)
    contexts[name] = {**(entry if isinstance(entry, dict) else {}), "api_url": api_url}
    cli["contexts"] = contexts
    cli.setdefault("current_context", credentials.DEFAULT_CONTEXT)
    _write(cli_config_path(), cli)
    sdk = load(sdk_config_path())
    sdk_entry = _contexts(sdk).get(name)
    if isinstance(sdk_entry, dict) and "api_url" in sdk_entry:
        sdk_entry["api_url"] = api_url
        _write(sdk_config_path(), sdk)


def delete_context(name: str) -> bool:
    """Remove ``name`` from the config files; returns whether it was configured."""
    removed = False
    for path in (cli_config_path(), sdk_config_path()):
        data = load(path)
        contexts = _contexts(data)
        if name in contexts:
            del contexts[name]
            data["contexts"] = contexts
            _write(path, data)
            removed = True
    return removed
