"""Reading one resource by type and name, with an error that says how to find the right name."""

from __future__ import annotations

from typing import Any

import httpx

from pragma_cli.errors import explain
from pragma_cli.references import path_of, split_type
from pragma_cli.state import CliState
from pragma_sdk import PragmaClient


def fetch_resource(state: CliState, client: PragmaClient, type_argument: str, name: str) -> dict[str, Any]:
    """The resource ``name`` of ``PROVIDER/TYPE``.

    Raises:
        UsageError: ``type_argument`` is not ``PROVIDER/TYPE``.
        CliError: The API refused; for a 404, the hint says how to list what exists.
    """
    provider, resource = split_type(type_argument)
    try:
        document = client.get_resource(provider, resource, name)
    except httpx.HTTPStatusError as error:
        failure = explain(error, f"get {path_of(provider, resource, name)}", context=state.context_name)
        if error.response.status_code == 404:
            failure.hint = f"See what exists with 'pragma resources get {provider}/{resource}'"
        raise failure from error
    assert isinstance(document, dict)
    return document
