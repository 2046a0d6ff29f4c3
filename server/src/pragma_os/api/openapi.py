"""What the OpenAPI document says about answers routes share: the error body of each status,
the bearer token, and the rules of the path parameters that the services check.

Each router lists the statuses all its routes can answer, and each route adds its own, with
``error_responses``. A 422 has one of two bodies: the list FastAPI answers for a request that
does not fit its models (``HTTPValidationError``, as in the reference API), or our
``ErrorResponse`` naming one field, for the rules checked beyond them (strict JSON, names and
ids in paths, cursors...). Every other error is an ``ErrorResponse``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.security import HTTPBearer

from pragma_os.builtin.sealing import SECRET_TYPE
from pragma_os.files import FILE_NAME_MAX_BYTES, FILE_NAME_PATTERN
from pragma_sdk.models import (
    BUILD_VERSION,
    NAME,
    PROVIDER,
    RESOURCE_ID,
    ErrorResponse,
    ProviderName,
    StringRule,
    ValidationFailure,
    resource_id,
)

Responses = dict[int | str, dict[str, Any]]

ERROR_DESCRIPTIONS: Mapping[int, str] = {
    400: "The request cannot be carried out as asked",
    401: "No valid API token (the answer carries WWW-Authenticate: Bearer)",
    403: "The credential does not allow this request (a worker token outside the worker routes)",
    404: "Not found, or another organization's",
    409: "The request clashes with stored state",
    413: "The request body is over the limit (limit_bytes)",
    422: (
        "A field breaks a rule: FastAPI's list of broken rules (HTTPValidationError), or one "
        "error naming the field (ErrorResponse)"
    ),
    431: "The request line and headers are over the limit; the connection closes",
    500: "Unexpected server error; the server log has the details, and the connection stays usable",
    503: "A service this request needs is not available right now",
}

COMMON_ERRORS = (422, 431, 500)
"""What any route can answer: a parameter that is not UTF-8 or holds NUL, headers over the
limit, an unexpected error."""
AUTHENTICATED_ERRORS = (401, 403, *COMMON_ERRORS)
"""What any route taking a user's token can answer: 401 without a valid one, 403 for a worker token."""
BODY_ERRORS = (413,)
"""What a route that reads a request body can answer too."""

BEARER = HTTPBearer(auto_error=False, description="An API token, sent as Authorization: Bearer <token>")
"""Declares the bearer token in the document; ``deps.get_principal`` reads and checks it."""


def error_responses(*statuses: int, descriptions: Mapping[int, str] | None = None) -> Responses:
    """The ``responses=`` of a router or route for these error statuses, with their bodies.

    ``descriptions`` says what a status means on this route, where that says more than the
    general description.
    """
    responses: Responses = {}
    for status in statuses:
        description = (descriptions or {}).get(status, ERROR_DESCRIPTIONS[status])
        model = ValidationFailure if status == 422 else ErrorResponse
        responses[status] = {"model": model, "description": description}
    return responses


def paged_answer(description: str, cursor_schema: Mapping[str, Any]) -> Responses:
    """The ``responses=`` 200 of a list answered a page at a time: ``X-Next-Cursor`` holds the
    cursor of the next page (a string of ``cursor_schema``) when more follow."""
    cursor = {
        "description": "When more follow: the cursor of the next page",
        "schema": {"type": "string", **cursor_schema},
    }
    return {200: {"description": description, "headers": {"X-Next-Cursor": cursor}}}


def without_bodies(responses: Responses) -> Responses:
    """``responses`` as a ``HEAD`` route answers them: the same statuses, without a body."""
    return {status: {"description": answer["description"]} for status, answer in responses.items()}


def event_stream_answer(description: str) -> dict[str, Any]:
    """A 200 answered with server-sent events, as ``responses=`` describes it."""
    return {"content": {"text/event-stream": {}}, "description": description}


ProviderId = Annotated[str, Path(description="The provider's name", json_schema_extra=PROVIDER.json_schema)]
"""A provider name in a path; the services check it (422 naming ``provider_id``)."""
ProviderFilter = Annotated[ProviderName | None, Query(description="Filter by provider name")]
"""An optional ``provider`` query parameter that narrows a list to one provider's items."""
VersionInPath = Annotated[
    str, Path(description="A build version, YYYYMMDD.HHMMSS", json_schema_extra=BUILD_VERSION.json_schema)
]
"""A build version in a path; the services check it (422 naming ``version``)."""
ResourceId = Annotated[
    str,
    Path(
        description="A resource id: resource:{provider}_{resource}_{name}",
        json_schema_extra=RESOURCE_ID.json_schema,
    ),
]
"""A resource id in a path; the routers check it (422 naming ``resource_id``)."""
_SECRET_ID_PREFIX = resource_id(*SECRET_TYPE, "")
_SECRET_ID = StringRule(
    len(_SECRET_ID_PREFIX) + NAME.max_length,
    f"must be the id of a {'/'.join(SECRET_TYPE)}",
    re.compile(re.escape(_SECRET_ID_PREFIX) + (NAME.pattern.pattern if NAME.pattern else ".+")),
)
SecretId = Annotated[
    str,
    Path(
        description=f"The id of a {'/'.join(SECRET_TYPE)}: {_SECRET_ID_PREFIX}{{name}}",
        json_schema_extra=_SECRET_ID.json_schema,
    ),
]
"""The id of a secret in a path: the id of any other resource is refused (422 naming ``resource_id``)."""
FileName = Annotated[
    str,
    Path(
        description=(
            f"The file's name: at most {FILE_NAME_MAX_BYTES} bytes of UTF-8 (a non-ASCII character "
            "takes 2 to 4), not starting with '.', without '/', '\\' or control characters; "
            "percent-encoded as one path segment"
        ),
        json_schema_extra={"minLength": 1, "maxLength": FILE_NAME_MAX_BYTES, "pattern": FILE_NAME_PATTERN},
    ),
]
"""A file name in a path; the file services check it (422 naming ``name``)."""
