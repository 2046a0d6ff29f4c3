"""Read a pushed provider project's ``pyproject.toml``: its name, the package to import and
the Pythons it accepts.

The runner installs the project, then imports this package in the build environment to
discover its providers; the worker of the built version is started on the same package.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from pragma_os.builds.errors import InvalidProjectError, MissingPyprojectError

_IMPORT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
# Top-level directories that hold a project's tests, never its provider.
_NOT_THE_PACKAGE = frozenset({"tests", "test"})


@dataclass(frozen=True)
class ProviderProject:
    """A provider project ready to build.

    Attributes:
        root: The directory holding ``pyproject.toml``.
        name: ``[project].name``, or ``None`` when the table has none.
        package: The import name whose modules define the providers.
        requires_python: ``[project].requires-python`` (a version specifier), or ``None``.
    """

    root: Path
    name: str | None
    package: str
    requires_python: str | None = None


def read_project(root: Path) -> ProviderProject:
    """Read ``root/pyproject.toml`` and decide which package defines the providers.

    The package is, in order:

    1. ``[tool.pragma] package = "..."`` when set (any importable dotted name);
    2. ``[project].name`` normalized (lowercase, runs of ``-``, ``_``, ``.`` become ``_``)
       when a package directory (with ``__init__.py``) or a module of that name sits in
       ``src/`` or at the project root, as ``mycloud-provider`` gives ``mycloud_provider``;
    3. the only package directory in ``src/``, or else the only one at the project root
       (``tests`` and ``test`` do not count).

    Raises:
        MissingPyprojectError: ``root`` holds no ``pyproject.toml``.
        InvalidProjectError: It is not valid TOML, names an invalid package, or none of the
            rules finds exactly one package.
    """
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise MissingPyprojectError("no pyproject.toml at the top of the archive")
    try:
        document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise InvalidProjectError(f"pyproject.toml is not valid TOML: {error}") from None
    name = _table(document, "project").get("name")
    if name is not None and not isinstance(name, str):
        raise InvalidProjectError("pyproject.toml: [project] name must be a string")
    return ProviderProject(
        root=root,
        name=name,
        package=_package(root, document, name),
        requires_python=_requires_python(document),
    )


def _requires_python(document: dict[str, Any]) -> str | None:
    value = _table(document, "project").get("requires-python")
    if value is None:
        return None
    try:
        if not isinstance(value, str):
            raise InvalidSpecifier(repr(value))
        SpecifierSet(value)
    except InvalidSpecifier:
        raise InvalidProjectError(
            "pyproject.toml: [project] requires-python must be a version specifier "
            f"such as '>=3.11', not {value!r}"
        ) from None
    return value


def _package(root: Path, document: dict[str, Any], name: str | None) -> str:
    declared = _table(_table(document, "tool"), "pragma").get("package")
    if declared is not None:
        if not isinstance(declared, str) or not _IMPORT_NAME.fullmatch(declared):
            raise InvalidProjectError(
                f"pyproject.toml: [tool.pragma] package = {declared!r} is not an importable name"
            )
        return declared
    bases = [base for base in (root / "src", root) if base.is_dir()]
    if name is not None:
        normalized = re.sub(r"[-_.]+", "_", name).lower()
        for base in bases:
            if (base / normalized / "__init__.py").is_file() or (base / f"{normalized}.py").is_file():
                return normalized
    for base in bases:
        packages = sorted(
            entry.name
            for entry in base.iterdir()
            if entry.is_dir()
            and entry.name not in _NOT_THE_PACKAGE
            and _IMPORT_NAME.fullmatch(entry.name)
            and (entry / "__init__.py").is_file()
        )
        if len(packages) == 1:
            return packages[0]
        if packages:
            break
    raise InvalidProjectError(
        "cannot tell which package defines the providers: set [tool.pragma] package = "
        '"<import name>" in pyproject.toml'
    )


def _table(document: dict[str, Any], key: str) -> dict[str, Any]:
    value = document.get(key, {})
    if not isinstance(value, dict):
        raise InvalidProjectError(f"pyproject.toml: {key} must be a table")
    return value
