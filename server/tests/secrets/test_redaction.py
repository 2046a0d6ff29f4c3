"""Redacting secret values from printed text."""

from __future__ import annotations

import json

from pragma_os.secrets.redaction import MIN_REDACTED_LENGTH, Redactor


def test_every_value_is_replaced_the_longest_first() -> None:
    redactor = Redactor(["abcd", "abcdefgh", "zz"])
    assert redactor.redact("x abcdefgh y abcd z zz") == "x [redacted] y [redacted] z zz"
    assert len("zz") < MIN_REDACTED_LENGTH


def test_escaped_and_multi_line_forms_are_replaced_too() -> None:
    pem = "-----BEGIN KEY-----\nMIIEvQIBADANBgkq\n-----END KEY-----"
    quoted = 'pa"ss\\word'
    redactor = Redactor([pem, quoted])
    assert redactor.redact("key line MIIEvQIBADANBgkq!") == "key line [redacted]!"
    assert "MIIE" not in redactor.redact(json.dumps({"key": pem}))
    assert redactor.redact(json.dumps({"password": quoted})) == '{"password": "[redacted]"}'
    assert redactor.redact(repr({"password": quoted})) == "{'password': '[redacted]'}"


def test_regex_characters_in_values_are_literal() -> None:
    assert Redactor(["a.b*c"]).redact("a.b*c axbbc") == "[redacted] axbbc"
    assert Redactor().redact("nothing to hide") == "nothing to hide"
