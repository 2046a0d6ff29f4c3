"""Failures of tools as MCP tool errors: the API's message, never a traceback.

A domain error (``PragmaError``) keeps the message the API answers with, plus what else its
``detail`` holds (the field, the dependents …) as JSON; invalid arguments name the field and
the rule; anything else is logged here and answered as the API answers a 500.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from mcp.server.fastmcp.exceptions import ToolError
from pydantic import ValidationError

from pragma_os.errors import PragmaError

logger = logging.getLogger("pragma_os.mcp")

P = ParamSpec("P")
R = TypeVar("R")

UNEXPECTED = "Internal server error; the server log has the details."


def error_text(error: PragmaError) -> str:
    """The API's message of ``error``, and the rest of its ``detail`` as JSON when it has more."""
    if not error.extra:
        return error.message
    return f"{error.message} {json.dumps(error.extra, default=str, sort_keys=True)}"


def validation_text(error: ValidationError) -> str:
    """Each broken rule as ``field: rule``, without echoing the input (it may hold secrets)."""
    problems = []
    for entry in error.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in entry["loc"]) or "arguments"
        problems.append(f"{field}: {entry['msg'].removeprefix('Value error, ')}")
    return "; ".join(problems)


def tool_errors(tool: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """Run ``tool``, turning what it raises into a ``ToolError`` a client may show its user."""

    @functools.wraps(tool)
    async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await tool(*args, **kwargs)
        except ToolError:
            raise
        except PragmaError as error:
            raise ToolError(error_text(error)) from None
        except ValidationError as error:
            raise ToolError(validation_text(error)) from None
        except Exception:
            logger.exception("Unhandled error in MCP tool %s", tool.__name__)
            raise ToolError(UNEXPECTED) from None

    return guarded
