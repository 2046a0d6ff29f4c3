"""The uv command lines of a build, and reading uv's error output back as one line.

The install pins ``pragmatiks-sdk`` to the platform's own SDK: the SDK source is installed
next to the project and also given as an override, so whatever the project declares
(``pragmatiks-sdk``, ``pragmatiks-sdk>=9``, a ``[tool.uv.sources]`` entry) resolves to it and
never to a package of that name on an index.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path

SDK_DISTRIBUTION = "pragmatiks-sdk"


def venv_command(uv: Path, python: str, venv: Path) -> list[str]:
    """``uv venv`` for a fresh environment on ``python`` (a path or a version uv can find).

    Configuration files are ignored (the work directory's parents are not the operator's), no
    interpreter is downloaded (builds use a Python already on the machine), and what a
    previous attempt left at ``venv`` is replaced.
    """
    return [str(uv), "venv", "--no-config", "--no-python-downloads", "--clear", "--python", python, str(venv)]


def sdk_override(sdk_source: Path) -> str:
    """The override requirement that pins the SDK: ``pragmatiks-sdk @ file:///...``."""
    return f"{SDK_DISTRIBUTION} @ {sdk_source.resolve().as_uri()}\n"


def install_command(uv: Path, python: Path, *, project: Path, sdk_source: Path, overrides: Path) -> list[str]:
    """``uv pip install`` of the project and the platform's SDK into the environment of ``python``.

    Args:
        uv: The uv executable.
        python: The environment's interpreter.
        project: The project directory (holding ``pyproject.toml``).
        sdk_source: The platform's SDK: its source directory or a wheel.
        overrides: A file holding ``sdk_override(sdk_source)``.

    Both are installed non-editable, so the environment holds its own copy. ``--no-sources``
    ignores the project's ``[tool.uv.sources]`` (it could point the SDK elsewhere); files are
    copied out of the uv cache rather than hard-linked, so code that writes to its own
    environment cannot change the cache other builds share.
    """
    return [
        str(uv), "pip", "install",
        "--no-config", "--no-sources",
        "--python", str(python),
        "--overrides", str(overrides),
        "--link-mode", "copy",
        str(sdk_source.resolve()),
        str(project.resolve()),
    ]  # fmt: skip


async def default_cache_dir(uv: Path) -> Path:
    """The uv cache the server's user has: ``UV_CACHE_DIR``, else what ``uv cache dir`` says.

    Raises:
        OSError: uv cannot be run or does not answer.
    """
    if os.environ.get("UV_CACHE_DIR"):
        return Path(os.environ["UV_CACHE_DIR"])
    # uv itself is trusted; it needs only where the user's home and cache are.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "XDG_CACHE_HOME") if key in os.environ}
    process = await asyncio.create_subprocess_exec(
        str(uv), "cache", "dir", env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    stdout, stderr = await process.communicate()
    answer = stdout.decode().strip()
    if process.returncode != 0 or not answer:
        raise OSError(f"'uv cache dir' failed: {stderr.decode().strip() or process.returncode}")
    return Path(answer)


def error_summary(lines: Sequence[str]) -> str | None:
    """Condense uv's error report to one line: the ``error:`` headline and its deepest cause.

    When a build backend failed, its last line of stderr stands in for the cause, so a
    ``setup.py`` raising gives ``Failed to build `x @ ...`: RuntimeError: boom``. Returns
    ``None`` when ``lines`` hold no ``error:`` line.
    """
    headline: str | None = None
    detail: str | None = None
    in_stderr = False
    for line in lines:
        text = line.strip()
        lowered = text.lower()
        if lowered.startswith("error:"):
            headline, detail, in_stderr = text[len("error:") :].strip(), None, False
        elif headline is None:
            continue
        elif lowered.startswith(("cause:", "caused by:")):
            detail, in_stderr = text.split(":", 1)[1].strip() or detail, False
        elif text in ("[stderr]", "[stdout]"):
            in_stderr = text == "[stderr]"
        elif lowered.startswith("hint:"):
            in_stderr = False
        elif in_stderr and text:
            detail = text
    if headline is None:
        return None
    return f"{headline}: {detail}" if detail else headline
