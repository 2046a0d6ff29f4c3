"""Strict parsing of JSON request bodies: what the store would not keep as sent is refused.

Python's ``json`` (what FastAPI parses bodies with) accepts ``NaN`` and ``Infinity``, reads
``1e400`` as infinity, keeps the last of duplicate keys, reads integers of any size and lone
surrogates (``"\\ud800"``); the store then kept ``null``, or failed with a 500. Here each is
an ``InvalidInputError`` naming where it is (``config.x``, ``depends_on.3``; ``body`` for
the whole body), and a body that is not JSON at all is a ``MalformedJSONError``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from pragma_os.errors import InvalidInputError

MAX_DEPTH = 100
"""Objects and arrays nest at most this deep (the store's JSON encoder stops at 254 levels,
and a stored config sits a few levels down in events and lease answers)."""
MIN_INTEGER = -(2**63)
MAX_INTEGER = 2**64 - 1
"""Integers the store keeps exactly, on SQLite and PostgreSQL alike: what a 64-bit signed or
unsigned integer holds (its JSON encoder handles no more; PostgreSQL hands back a float
with an integral value up to 2**64 as an integer)."""

INTEGER_RULE = (
    f"must be an integer from {MIN_INTEGER} to {MAX_INTEGER} (what a 64-bit signed or unsigned "
    "integer holds); send larger numbers as strings"
)
FINITE_RULE = (
    "must be a finite number: NaN, Infinity and numbers beyond the range of a 64-bit float "
    "(such as 1e400) are not accepted"
)
TEXT_RULE = "must be valid Unicode text: a lone surrogate such as \\ud800 is not a character"
NUL_RULE = "must not contain the NUL character (\\u0000)"
DUPLICATE_KEY_RULE = "appears more than once in the same JSON object"
DEPTH_RULE = f"must not nest objects and arrays more than {MAX_DEPTH} levels deep"

# Longer integer literals are out of range whatever their digits; not converting them spares
# the work (and Python's 4300-digit guard) on absurd input.
_LONGEST_INTEGER = len(str(MIN_INTEGER))
_SHOWN_KEY_CHARACTERS = 100


class MalformedJSONError(ValueError):
    """The body is not JSON: a syntax error, or bytes that are not UTF-8."""


class _OversizedInteger:
    """Stands for an integer literal too long to be in range, until the check finds where it is."""


_OVERSIZED = _OversizedInteger()


class _DuplicateKeys(dict[str, Any]):
    """An object that repeated ``key``; holds the last value, as ``json`` would."""

    key: str


class _BrokenRuleError(Exception):
    """A broken rule, collecting the path to the offending value on its way out."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule
        self.path: list[str | int] = []


def parse_json_body(raw: bytes) -> Any:
    """The JSON value of ``raw``, refusing what the store would not keep as sent.

    Raises:
        MalformedJSONError: ``raw`` is not UTF-8, or not JSON.
        InvalidInputError: Naming the field and the rule: a lone surrogate or NUL in a string
            or key, an integer beyond 64 bits, a non-finite number, a duplicate key, or
            nesting beyond ``MAX_DEPTH``.
    """
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MalformedJSONError(f"not UTF-8 at byte {error.start}") from None
    try:
        value = json.loads(text.removeprefix("\ufeff"), object_pairs_hook=_object, parse_int=_integer)
    except json.JSONDecodeError as error:
        raise MalformedJSONError(f"{error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise InvalidInputError("body", DEPTH_RULE) from None
    try:
        _check(value, 0)
    except _BrokenRuleError as refused:
        # How deep is a property of the whole body; its hundred-part path would say little.
        field = "body" if refused.rule == DEPTH_RULE else _field(refused.path)
        raise InvalidInputError(field, refused.rule) from None
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    value = dict(pairs)
    if len(value) == len(pairs):
        return value
    duplicates = _DuplicateKeys(value)
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            duplicates.key = key
            break
        seen.add(key)
    return duplicates


def _integer(literal: str) -> int | _OversizedInteger:
    return _OVERSIZED if len(literal) > _LONGEST_INTEGER else int(literal)


def _check(value: Any, depth: int) -> None:
    """Raise ``_BrokenRuleError`` for the first value in ``value`` that breaks a rule."""
    kind = type(value)
    if kind is str:
        _check_text(value)
    elif kind is int:
        if not MIN_INTEGER <= value <= MAX_INTEGER:
            raise _BrokenRuleError(INTEGER_RULE)
    elif kind is float:
        if not math.isfinite(value):
            raise _BrokenRuleError(FINITE_RULE)
    elif kind is _OversizedInteger:
        raise _BrokenRuleError(INTEGER_RULE)
    elif kind is list:
        if depth >= MAX_DEPTH:
            raise _BrokenRuleError(DEPTH_RULE)
        for index, item in enumerate(value):
            try:
                _check(item, depth + 1)
            except _BrokenRuleError as refused:
                refused.path.append(index)
                raise
    elif kind is _DuplicateKeys:
        duplicate = _BrokenRuleError(DUPLICATE_KEY_RULE)
        duplicate.path.append(value.key)
        raise duplicate
    elif kind is dict:
        if depth >= MAX_DEPTH:
            raise _BrokenRuleError(DEPTH_RULE)
        for key, item in value.items():
            try:
                _check_text(key)
                _check(item, depth + 1)
            except _BrokenRuleError as refused:
                refused.path.append(key)
                raise


def _check_text(text: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _BrokenRuleError(TEXT_RULE) from None
    if "\x00" in text:
        raise _BrokenRuleError(NUL_RULE)


def _field(reversed_path: list[str | int]) -> str:
    """``config.x`` from the path collected innermost first; keys shown escaped and shortened."""
    if not reversed_path:
        return "body"
    parts = []
    for part in reversed(reversed_path):
        shown = str(part).encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")
        if len(shown) > _SHOWN_KEY_CHARACTERS:
            shown = shown[:_SHOWN_KEY_CHARACTERS] + "..."
        parts.append(shown)
    return ".".join(parts)
