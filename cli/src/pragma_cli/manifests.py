"""Resource manifests: YAML or JSON files (several documents each, ``-`` for stdin) read and
checked before anything is applied.

Two conveniences of the hosted platform's CLI: in a ``pragma/secret``'s ``data``, a value
``@path`` is replaced by that file's text (at most 10 MiB); a ``pragma/file`` with
``content: "@path"`` has the file uploaded (streamed, any size) before it is applied. Paths
are relative to the manifest's folder (the current folder for stdin) and may not leave it.
"""

from __future__ import annotations

import json
import mimetypes
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pragma_cli.errors import CliError
from pragma_cli.references import path_of
from pragma_sdk.models import ResourceApply

MAX_FILE_BYTES = 10 * 1024 * 1024
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")


class ManifestError(CliError):
    """A manifest cannot be read or is not a valid resource; nothing was applied."""


@dataclass(frozen=True)
class Upload:
    """A file to upload (streamed, any size) before its ``pragma/file`` resource is applied."""

    name: str
    source: Path
    content_type: str


@dataclass(frozen=True)
class Manifest:
    """One resource to apply, with where it came from."""

    body: dict[str, Any]
    origin: str
    upload: Upload | None = None

    @property
    def path(self) -> str:
        """``provider/type/name``."""
        return path_of(self.body["provider"], self.body["resource"], self.body["name"])


def _sources(arguments: list[str]) -> Iterator[tuple[str, str, Path]]:
    """``(label, text, base folder)`` of each file; a folder gives its manifests, in name order."""
    stdin_read = False
    for argument in arguments:
        if argument == "-":
            if stdin_read:
                raise ManifestError("'-' (stdin) can be given only once")
            stdin_read = True
            yield "<stdin>", sys.stdin.read(), Path.cwd()
            continue
        path = Path(argument)
        if path.is_dir():
            files = sorted(item for item in path.iterdir() if item.suffix in MANIFEST_SUFFIXES)
            if not files:
                raise ManifestError(f"{argument}: the folder holds no .yaml, .yml or .json file")
        else:
            files = [path]
        for file in files:
            try:
                text = file.read_text(encoding="utf-8")
            except FileNotFoundError as error:
                raise ManifestError(f"{file}: no such file") from error
            except (OSError, UnicodeDecodeError) as error:
                raise ManifestError(f"{file}: cannot read it ({error})") from error
            yield str(file), text, file.resolve().parent


def _documents(label: str, text: str) -> list[Any]:
    try:
        if label.endswith(".json"):
            parsed = json.loads(text)
            return parsed if isinstance(parsed, list) else [parsed]
        documents: list[Any] = []
        for document in yaml.safe_load_all(text):
            documents.extend(document if isinstance(document, list) else [document])
        return documents
    except json.JSONDecodeError as error:
        raise ManifestError(f"{label}: not valid JSON (line {error.lineno}: {error.msg})") from error
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        line = f"line {where.line + 1}: " if where is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ManifestError(f"{label}: not valid YAML ({line}{problem})") from error


def _referenced_file(value: str, base: Path, origin: str) -> Path:
    """The regular file ``@path`` names, which must stay inside ``base``."""
    relative = Path(value[1:])
    if not value[1:] or relative.is_absolute() or ".." in relative.parts:
        raise ManifestError(
            f"{origin}: {value!r} must be a path relative to the manifest's folder, without '..'"
        )
    candidate = base / relative
    try:
        resolved = candidate.resolve(strict=True)
    except OSError as error:
        raise ManifestError(f"{origin}: {value!r}: no such file ({candidate})") from error
    if not resolved.is_relative_to(base.resolve()):
        raise ManifestError(f"{origin}: {value!r} leads outside the manifest's folder")
    if not resolved.is_file():
        raise ManifestError(f"{origin}: {value!r} is not a regular file")
    return resolved


def _read_referenced(value: str, base: Path, origin: str) -> bytes:
    """The content of the file ``@path`` names, at most ``MAX_FILE_BYTES``."""
    path = _referenced_file(value, base, origin)
    try:
        with path.open("rb") as file:
            content = file.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise ManifestError(f"{origin}: cannot read {value!r} ({error.strerror})") from error
    if len(content) > MAX_FILE_BYTES:
        raise ManifestError(f"{origin}: {value!r} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    return content


def _expand_secret(body: dict[str, Any], base: Path, origin: str) -> None:
    data = (body.get("config") or {}).get("data")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if isinstance(value, str) and value.startswith("@"):
            content = _read_referenced(value, base, origin)
            try:
                data[key] = content.decode("utf-8")
            except UnicodeDecodeError as error:
                raise ManifestError(f"{origin}: data.{key}: {value!r} is not UTF-8 text") from error


def _file_upload(body: dict[str, Any], base: Path, origin: str) -> Upload | None:
    config = body.get("config")
    content = config.get("content") if isinstance(config, dict) else None
    if not isinstance(config, dict) or not isinstance(content, str) or not content.startswith("@"):
        return None
    source = _referenced_file(content, base, origin)
    del config["content"]
    content_type = config.get("content_type") or mimetypes.guess_type(source.name)[0]
    return Upload(
        name=str(config.get("file") or body["name"]),
        source=source,
        content_type=str(content_type or "application/octet-stream"),
    )


def _validation_summary(error: ValidationError) -> str:
    problems = error.errors()
    first = problems[0]
    location = ".".join(str(part) for part in first["loc"])
    text = str(first["msg"]).removeprefix("Value error, ")
    message = f"{location}: {text}" if location else text
    return message + (f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else "")


def _json_text(value: Any) -> str:
    """What YAML reads beyond JSON's types, as text: a timestamp as RFC 3339 writes it (with a
    ``T``, as the API sends one), anything else as ``str`` does."""
    return value.isoformat() if isinstance(value, date) else str(value)


def load_manifests(arguments: list[str], *, draft: bool = False) -> list[Manifest]:
    """Every resource in ``arguments`` (files, folders, ``-``), checked against the apply model.

    Raises:
        ManifestError: A file cannot be read or parsed, or a document is not a valid resource.
    """
    manifests: list[Manifest] = []
    for label, text, base in _sources(arguments):
        for number, document in enumerate(_documents(label, text), start=1):
            origin = f"{label}, document {number}"
            if document is None:
                continue
            if not isinstance(document, dict):
                raise ManifestError(
                    f"{origin}: expected a resource (a mapping), found {type(document).__name__}"
                )
            body = json.loads(json.dumps(document, default=_json_text))  # a deep copy with JSON types only
            try:
                ResourceApply.model_validate(body)
            except ValidationError as error:
                raise ManifestError(f"{origin}: {_validation_summary(error)}") from error
            if draft:
                body["lifecycle_state"] = "draft"
            upload = None
            if (body["provider"], body["resource"]) == ("pragma", "secret"):
                _expand_secret(body, base, origin)
            elif (body["provider"], body["resource"]) == ("pragma", "file"):
                upload = _file_upload(body, base, origin)
            manifests.append(Manifest(body=body, origin=origin, upload=upload))
    return manifests
