"""A provider project on disk: its folder, its ``pyproject.toml`` and the provider id it pushes as.

The id is ``[tool.pragma] provider`` when set (``pragma providers init`` writes it), else the
project name without a ``-provider`` suffix (``mycloud-provider`` pushes as ``mycloud``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pragma_cli.errors import CliError

PROVIDER_ID = re.compile(r"[a-z][a-z0-9-]{0,62}")


@dataclass(frozen=True)
class ProviderProject:
    """A project folder holding a provider package."""

    directory: Path
    provider_id: str
    name: str


def _provider_id(data: dict[str, Any], pyproject: Path) -> str:
    tool = data.get("tool", {}).get("pragma", {})
    configured = tool.get("provider") if isinstance(tool, dict) else None
    if configured:
        candidate = str(configured)
    else:
        name = str(data.get("project", {}).get("name") or "")
        candidate = re.sub(r"[-_.]+provider$", "", name.lower()).replace("_", "-").replace(".", "-")
    if not PROVIDER_ID.fullmatch(candidate):
        raise CliError(
            f"{pyproject}: cannot tell the provider id ({candidate!r} is not a provider name)",
            'Add [tool.pragma] provider = "my-provider" to it, or pass --provider ID',
        )
    return candidate


def read_project(directory: Path, provider_id: str | None = None) -> ProviderProject:
    """The provider project in ``directory``.

    Raises:
        CliError: There is no readable ``pyproject.toml``, or no provider id can be found.
    """
    pyproject = directory / "pyproject.toml"
    try:
        data = tomllib.loads(pyproject.read_text())
    except FileNotFoundError as error:
        raise CliError(
            f"{directory.resolve()} is not a provider project: it has no pyproject.toml",
            "Run this in the project's folder or pass --package DIR; "
            "'pragma providers init NAME' creates a project",
        ) from error
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CliError(f"cannot read {pyproject}: {error}") from error
    name = str(data.get("project", {}).get("name") or directory.resolve().name)
    return ProviderProject(directory.resolve(), provider_id or _provider_id(data, pyproject), name)


def find_project(start: Path) -> ProviderProject | None:
    """The provider project holding ``start`` (this folder or a parent), if there is one."""
    for folder in [start.resolve(), *start.resolve().parents]:
        if (folder / "pyproject.toml").is_file():
            try:
                return read_project(folder)
            except CliError:
                return None
    return None
