"""Sealed values: secrets as they are stored, copied by references and shown to people.

A secret value is stored as ``{"$sealed": "<token>"}``, encrypted with the server's sealing
key (AES-SIV: deterministic, so applying the same secret again changes nothing; the price is
that equal values have equal tokens). References copy the sealed value as it is, so a
dependent's resolved config holds it sealed too. A string interpolated from secrets is sealed
as a whole and also keeps the tokens of those secrets (``{"$sealed": ..., "$secrets":
[...]}``), so that a provider quoting only a secret's part of it is caught too. A sealed
value is opened only where a provider needs it: in the events handed to a worker.
Everywhere else (API documents, the watch stream, dead letters, errors) it shows as
``REDACTED``.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Collection, Iterable, Iterator
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from pragma_sdk.references import walk

SEALED_KEY = "$sealed"
SECRETS_KEY = "$secrets"
REDACTED = "[redacted]"
# Plaintexts shorter than this are not searched for in text a provider sends back: they
# would match ordinary words.
_MIN_CONCEALED_LENGTH = 4


class UnsealError(ValueError):
    """A sealed value could not be opened: it was sealed with another server key."""


def is_sealed(value: Any) -> bool:
    """Whether ``value`` is a sealed value."""
    if not isinstance(value, dict) or SEALED_KEY not in value:
        return False
    return len(value) == 1 or (len(value) == 2 and isinstance(value.get(SECRETS_KEY), list))


def redact(value: Any) -> Any:
    """``value`` with every sealed value replaced by ``REDACTED``; ``value`` itself when it has none."""
    return _replace_sealed(value, lambda _sealed: REDACTED)


def _replace_sealed(value: Any, replace: Callable[[dict[str, Any]], Any]) -> Any:
    """``value`` with ``replace(sealed)`` for each sealed value; copies only what changes, so a
    value without any comes back as it is."""
    if isinstance(value, dict):
        if is_sealed(value):
            return replace(value)
        changed = None
        for key, item in value.items():
            new = _replace_sealed(item, replace)
            if new is not item:
                changed = changed if changed is not None else dict(value)
                changed[key] = new
        return value if changed is None else changed
    if isinstance(value, list):
        items = [_replace_sealed(item, replace) for item in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def contains_sealed(value: Any) -> bool:
    """Whether a sealed value occurs anywhere in ``value``."""
    if isinstance(value, dict):
        return is_sealed(value) or any(contains_sealed(item) for item in value.values())
    if isinstance(value, list):
        return any(contains_sealed(item) for item in value)
    return False


class Sealer:
    """Seals and opens values with the server's sealing key."""

    def __init__(self, sealing_key: bytes) -> None:
        self._cipher = AESSIV(sealing_key)

    def seal(self, value: Any) -> dict[str, str]:
        """The sealed form of a JSON value."""
        token = base64.urlsafe_b64encode(self._cipher.encrypt(orjson.dumps(value), None)).decode()
        return {SEALED_KEY: token}

    def seal_derived(self, value: Any, sources: Any) -> dict[str, Any]:
        """The sealed form of ``value``, made from the secrets sealed in ``sources``.

        It keeps their tokens: what a provider sends back is then scrubbed of each secret,
        not only of ``value`` whole. Deterministic like ``seal``, so an unchanged input
        resolves to an unchanged sealed value.
        """
        tokens: dict[str, None] = {}  # ordered and without repeats
        for sealed in _sealed_in(sources):
            for token in sealed.get(SECRETS_KEY) or [sealed[SEALED_KEY]]:
                tokens[token] = None
        return {**self.seal(value), SECRETS_KEY: list(tokens)}

    def open(self, sealed: dict[str, Any]) -> Any:
        """The value inside a sealed value.

        Raises:
            UnsealError: It was sealed with another key, or altered.
        """
        try:
            return orjson.loads(self._cipher.decrypt(base64.urlsafe_b64decode(sealed[SEALED_KEY]), None))
        except (InvalidTag, ValueError, TypeError) as error:
            raise UnsealError("a secret value cannot be opened with this server's key") from error

    def open_all(self, value: Any) -> Any:
        """``value`` with every sealed value opened; ``value`` itself when it has none."""
        return _replace_sealed(value, self.open)

    def plaintexts(self, value: Any) -> dict[str, dict[str, Any]]:
        """The strings sealed anywhere in ``value`` (and in what those were made from), each
        with the sealed value that stands for it, to keep them out of what a provider sends back."""
        found: dict[str, dict[str, Any]] = {}
        for sealed in _sealed_in(value):
            made_from = [{SEALED_KEY: token} for token in sealed.get(SECRETS_KEY, [])]
            for each in (sealed, *made_from):
                try:
                    opened = self.open(each)
                except UnsealError:
                    continue
                for leaf in leaves(opened):
                    if isinstance(leaf, str):
                        found.setdefault(leaf, each if leaf == opened else self.seal(leaf))
        return found

    def conceal(self, value: Any, plaintexts: dict[str, dict[str, Any]]) -> Any:
        """``value`` (a provider's outputs) with secret strings sealed again.

        A string that is a secret becomes its sealed value (still referencable); a string
        that contains one has it replaced by ``REDACTED``.
        """
        if isinstance(value, str):
            if value in plaintexts:
                return dict(plaintexts[value])
            return scrub(value, plaintexts)
        if isinstance(value, dict):
            return {key: self.conceal(item, plaintexts) for key, item in value.items()}
        if isinstance(value, list):
            return [self.conceal(item, plaintexts) for item in value]
        return value


def scrub(text: str, plaintexts: Collection[str]) -> str:
    """``text`` with every secret in it replaced by ``REDACTED``."""
    for plaintext in sorted(plaintexts, key=len, reverse=True):
        if len(plaintext) >= _MIN_CONCEALED_LENGTH and plaintext in text:
            text = text.replace(plaintext, REDACTED)
    return text


def _sealed_in(value: Any) -> Iterable[dict[str, Any]]:
    if isinstance(value, dict):
        if is_sealed(value):
            yield value
            return
        for item in value.values():
            yield from _sealed_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _sealed_in(item)


def leaves(value: Any) -> Iterator[Any]:
    """The values inside a JSON value that are neither objects nor arrays, in order."""
    return (item for item in walk(value) if not isinstance(item, dict | list))
