"""Redacting secret values from text a provider's code printed, in one pass of one expression.

A ``Redactor`` holds one compiled regular expression of every value (escaped, longest first,
so a value containing another is replaced whole). Besides each value as it is, it matches
each line of a multi-line value and the value as ``json.dumps`` and ``repr`` escape it, since
that is how secrets most often end up in printed dicts and tracebacks. Values shorter than
``MIN_REDACTED_LENGTH`` are left alone: they would match ordinary words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from pragma_os.secrets.sealing import REDACTED

MIN_REDACTED_LENGTH = 4
WITHHELD = "[line withheld: the server could not load the secrets to redact it]"


class Redactor:
    """Replaces every known secret value in a text by ``[redacted]``."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        variants = {variant for value in values for variant in _variants(value)}
        wanted = sorted((v for v in variants if len(v) >= MIN_REDACTED_LENGTH), key=lambda v: (-len(v), v))
        self._pattern = re.compile("|".join(map(re.escape, wanted))) if wanted else None
        self._replacement = REDACTED

    @classmethod
    def withholding(cls) -> Redactor:
        """A redactor that replaces whole lines, for when the secret values are not known."""
        redactor = cls()
        redactor._pattern = re.compile(r"[^\n]+")
        redactor._replacement = WITHHELD
        return redactor

    def redact(self, text: str) -> str:
        """``text`` with every secret value in it replaced."""
        if self._pattern is None:
            return text
        return self._pattern.sub(self._replacement, text)


def _variants(value: str) -> set[str]:
    """The forms of ``value`` to look for."""
    forms = {value, json.dumps(value)[1:-1], repr(value)[1:-1]}
    forms.update(line.strip("\r") for line in value.split("\n"))
    return {form for form in forms if form.strip()}
