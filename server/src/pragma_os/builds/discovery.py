"""Discover a built package's providers: the command that runs ``introspect`` in the build
environment, and the checks on what it reports.

The report comes from a process that ran pushed code, so it is validated as untrusted input
before the platform registers any resource type from it.
"""

from __future__ import annotations

import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pragma_os.builds import introspect
from pragma_os.builds.errors import BuildError, NoResourcesError, ProviderImportError, SchemaError
from pragma_sdk.models import ProviderName, ResourceType


@dataclass(frozen=True)
class Discovery:
    """What a package offers.

    Attributes:
        providers: Provider names, in discovery order.
        resource_types: One definition per type, as ``ResourceRegistration.definition()`` gives
            it: ``provider``, ``resource``, ``schema``, ``outputs_schema``, ``description``.
    """

    providers: list[str]
    resource_types: list[dict[str, Any]]


INTROSPECT_SCRIPT = Path(introspect.__file__).resolve()
"""The script the discovery step runs: a sandboxed build must be able to read it."""


def discovery_command(python: Path, package: str, result_file: Path) -> list[str]:
    """Run ``introspect`` on ``package`` with the environment's ``python``.

    ``-I`` keeps the interpreter isolated (no ``PYTHON*`` variables, no user site, and the
    script's directory, part of the server, is not put on ``sys.path``); ``-u`` streams output.
    """
    return [str(python), "-I", "-u", str(INTROSPECT_SCRIPT), package, str(result_file)]


class _Definition(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)

    provider: ProviderName
    resource: ResourceType
    schema_: dict[str, Any] = Field(alias="schema")
    outputs_schema: dict[str, Any]
    description: str | None


class _Success(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: Literal["ok"]
    providers: list[ProviderName]
    resource_types: list[_Definition]


class _Failure(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    status: Literal["error"]
    kind: Literal["import", "discovery", "schema"]
    message: str


_FAILURES: dict[str, type[BuildError]] = {
    "import": ProviderImportError,
    "discovery": NoResourcesError,
    "schema": SchemaError,
}
_MAX_MESSAGE = 500
_MAX_REPORT_BYTES = 64 * 1024 * 1024


def read_discovery(result_file: Path, *, package: str, returncode: int) -> Discovery:
    """Check the report ``introspect`` wrote and return what it found.

    Raises:
        ProviderImportError: Importing the package failed, or the process ended without a report.
        NoResourcesError: No ``Provider`` was found, or a provider has no resource types.
        SchemaError: A type's schemas could not be produced, or the report is malformed.
    """
    try:
        text = _read_report(result_file)
    except (OSError, UnicodeDecodeError):
        raise ProviderImportError(
            f"importing {package} ended without a report (exit code {returncode}); see the build log"
        ) from None
    try:
        document = json.loads(text)
        if isinstance(document, dict) and document.get("status") == "error":
            failure = _Failure.model_validate(document)
            raise _FAILURES[failure.kind](_one_line(_prefixed(failure.kind, package, failure.message)))
        report = _Success.model_validate(document)
    except (ValueError, ValidationError) as error:
        raise SchemaError(f"the build reported malformed resource types: {_one_line(str(error))}") from None
    if returncode != 0:
        raise ProviderImportError(f"importing {package} exited with code {returncode}; see the build log")
    return _checked(report)


def _read_report(result_file: Path) -> str:
    """The report's text; pushed code wrote the directory, so no link is followed (``ELOOP``)
    and nothing but a regular file of bounded size is read."""
    descriptor = os.open(result_file, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(descriptor, "rb") as report:
        if not stat.S_ISREG(os.fstat(report.fileno()).st_mode):
            raise OSError(f"{result_file.name} is not a regular file")
        return report.read(_MAX_REPORT_BYTES + 1)[:_MAX_REPORT_BYTES].decode("utf-8")


def _checked(report: _Success) -> Discovery:
    names = report.providers
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise NoResourcesError(f"several providers are named {duplicates[0]!r}")
    seen: set[tuple[str, str]] = set()
    for definition in report.resource_types:
        key = (definition.provider, definition.resource)
        if definition.provider not in names or key in seen:
            raise SchemaError(f"the build reported an unexpected resource type {'/'.join(key)}")
        seen.add(key)
    for name in names:
        if not any(provider == name for provider, _resource in seen):
            raise NoResourcesError(
                f"provider {name!r} registers no resource types; decorate a Resource subclass "
                'with @<provider>.resource("<type>")'
            )
    return Discovery(
        providers=list(names),
        resource_types=[definition.model_dump(by_alias=True) for definition in report.resource_types],
    )


def _prefixed(kind: str, package: str, message: str) -> str:
    if kind == "import":
        return f"importing {package} failed: {message}"
    if kind == "schema":
        return f"cannot produce the JSON schemas of {message}"
    return message


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_MESSAGE else line[: _MAX_MESSAGE - 3] + "..."
