"""Runs inside a build's virtual environment: import the provider package and report its types.

``python -I introspect.py PACKAGE RESULT_FILE`` imports PACKAGE with all its modules,
discovers its providers and writes one JSON object to RESULT_FILE::

    {"status": "ok", "providers": ["mycloud"], "resource_types": [<definition>, ...]}
    {"status": "error", "kind": "import" | "discovery" | "schema", "message": "<one line>"}

A definition is ``ResourceRegistration.definition()``: provider, resource, schema,
outputs_schema, description. Tracebacks go to stderr, hence to the build log.

Only the standard library and ``pragma_sdk`` are installed where this runs: it must not
import anything of ``pragma_os``.
"""

from __future__ import annotations

import json
import sys
import traceback
from pathlib import Path
from typing import Any


def introspect(package: str) -> dict[str, Any]:
    """Import ``package``, discover its providers and return the result object."""
    from pragma_sdk.errors import ProviderDiscoveryError
    from pragma_sdk.provider import discover_providers

    try:
        providers = discover_providers(package)
    except ProviderDiscoveryError as error:
        return _failure("discovery", _first_line(str(error)))
    except ModuleNotFoundError as error:
        traceback.print_exc()
        if error.name == package:
            return _failure(
                "import",
                f"no module named {package!r} after installing the project; set "
                '[tool.pragma] package = "<import name>" in pyproject.toml',
            )
        return _failure("import", _exception_line(error))
    except (Exception, SystemExit) as error:
        traceback.print_exc()
        return _failure("import", _exception_line(error))
    resource_types = []
    for provider in providers:
        registrations = [provider.registrations[key] for key in sorted(provider.registrations)]
        for registration in registrations:
            try:
                definition = registration.definition()
                json.dumps(definition, allow_nan=False)
            except Exception as error:
                traceback.print_exc()
                return _failure(
                    "schema", f"{provider.name}/{registration.resource_type}: {_exception_line(error)}"
                )
            resource_types.append(definition)
        listed = ", ".join(registration.resource_type for registration in registrations) or "none"
        print(f"provider {provider.name}: resource types {listed}")
    return {
        "status": "ok",
        "providers": [provider.name for provider in providers],
        "resource_types": resource_types,
    }


def _failure(kind: str, message: str) -> dict[str, Any]:
    return {"status": "error", "kind": kind, "message": message}


def _exception_line(error: BaseException) -> str:
    text = _first_line(str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def main(argv: list[str]) -> int:
    """Run ``introspect`` on ``argv[0]`` and write the result to the file ``argv[1]``."""
    package, result_file = argv
    result = introspect(package)
    Path(result_file).write_text(json.dumps(result, allow_nan=False), encoding="utf-8")
    return 0 if result["status"] == "ok" else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
