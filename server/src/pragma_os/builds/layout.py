"""Where a built version keeps its files, and the worker command that runs it.

A build writes everything under its ``work_dir``; a deployment starts workers from the same
directory, so both sides read the paths from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def venv_dir(work_dir: Path) -> Path:
    """The version's virtual environment."""
    return work_dir / "venv"


def venv_python(work_dir: Path) -> Path:
    """The Python interpreter of the version's virtual environment."""
    return venv_dir(work_dir) / "bin" / "python"


def worker_command(
    work_dir: Path, package: str, api_url: str, *, extra_args: Sequence[str] = ()
) -> list[str]:
    """The command line of a worker for a built version.

    Args:
        work_dir: The version's build directory (``run_build``'s ``work_dir``).
        package: The import name the build discovered the providers in (``BuildOutcome.package``).
        api_url: Where the worker reaches the API.
        extra_args: More flags of ``python -m pragma_sdk.worker``, such as ``--concurrency 10``.

    The worker expects its token in ``PRAGMA_AUTH_TOKEN``.
    """
    return [
        str(venv_python(work_dir)), "-m", "pragma_sdk.worker",
        "--package", package,
        "--api-url", api_url,
        *extra_args,
    ]  # fmt: skip
