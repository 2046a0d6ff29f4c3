"""The Python interpreters builds may make environments from, and which one a project gets.

A project says which Pythons it runs on in ``[project] requires-python`` (providers written
for the public SDK say ``>=3.13``). The server builds with its own interpreter and with any
other the operator names (``pragma-os serve --build-python PATH|3.13``); a build takes the
server's own when the project accepts it, else the newest that the project accepts.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version
from uv import find_uv_bin

from pragma_os.builds.errors import UnsupportedPythonError

_PROBE = "import json, platform, sys; print(json.dumps([platform.python_version(), sys.base_prefix]))"
_PROBE_SECONDS = 30
_VERSION_REQUEST = re.compile(r"3\.\d+")


class InterpreterUnusableError(Exception):
    """A configured interpreter does not run."""


@dataclass(frozen=True)
class Interpreter:
    """One Python a build may use.

    Attributes:
        path: The executable, resolved.
        version: Its version, such as ``3.13.0``.
        prefix: Its installation (``sys.base_prefix``): what a sandbox must let builds and
            workers read.
    """

    path: Path
    version: str
    prefix: Path

    def to_argument(self) -> list[str]:
        """The interpreter as the build job takes it on its command line (JSON)."""
        return [str(self.path), self.version, str(self.prefix)]

    @classmethod
    def from_argument(cls, value: Sequence[str]) -> Interpreter:
        """The inverse of ``to_argument``."""
        path, version, prefix = value
        return cls(Path(path), version, Path(prefix))


def probe(request: str | Path) -> Interpreter:
    """The interpreter at a path, or an installed one of a version (``3.13``: pyenv's, else one
    uv finds), run once to learn its version and installation.

    Raises:
        InterpreterUnusableError: None is installed, it does not run, or it does not answer
            like a Python 3.
    """
    path = _locate(str(request)) if _VERSION_REQUEST.fullmatch(str(request)) else Path(request)
    try:
        answer = subprocess.run(
            [str(path), "-I", "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=_PROBE_SECONDS,
            check=True,
        )
        version, prefix = json.loads(answer.stdout)
        Version(version)
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        raise InterpreterUnusableError(f"{path} is not a usable Python interpreter: {error}") from None
    return Interpreter(path=path.resolve(), version=version, prefix=Path(prefix).resolve())


def _locate(version: str) -> Path:
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    installed = sorted(
        pyenv.glob(f"versions/{version}.*/bin/python{version}"),
        key=lambda path: Version(path.parents[1].name) if _is_version(path.parents[1].name) else Version("0"),
    )
    if installed:
        return installed[-1]
    try:
        found = subprocess.run(
            [find_uv_bin(), "python", "find", "--no-python-downloads", "--no-config", version],
            capture_output=True,
            text=True,
            timeout=_PROBE_SECONDS,
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise InterpreterUnusableError(f"cannot look for Python {version}: {error}") from None
    if found.returncode != 0 or not found.stdout.strip():
        raise InterpreterUnusableError(
            f"no Python {version} is installed (looked in {pyenv / 'versions'} and asked uv); "
            "install one or give its path"
        )
    return Path(found.stdout.strip())


def _is_version(text: str) -> bool:
    try:
        Version(text)
    except ValueError:
        return False
    return True


def choose(interpreters: Sequence[Interpreter], requires_python: str | None) -> Interpreter:
    """The interpreter a project with ``requires_python`` builds and runs on.

    ``interpreters`` starts with the server's own, which wins whenever the project accepts it.

    Raises:
        UnsupportedPythonError: The project accepts none of them.
    """
    if requires_python is None:
        return interpreters[0]
    accepted = SpecifierSet(requires_python)
    fitting = [item for item in interpreters if accepted.contains(item.version, prereleases=True)]
    if not fitting:
        versions = ", ".join(item.version for item in interpreters)
        raise UnsupportedPythonError(
            f"the project requires Python {requires_python} and this server builds with {versions}: "
            "ask the operator to add an interpreter with 'pragma-os serve --build-python PATH'"
        )
    if fitting[0] is interpreters[0]:
        return fitting[0]
    return max(fitting, key=lambda item: Version(item.version))
