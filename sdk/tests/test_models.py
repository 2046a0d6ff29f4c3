"""The wire models' rules: checked with their own messages, and stated in JSON Schema alike."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jsonschema_rs
import pytest
from pydantic import TypeAdapter, ValidationError

from pragma_sdk.models import (
    NAME,
    PROVIDER,
    RESOURCE_ID,
    RESOURCE_TYPE,
    TAG,
    DateTime,
    JsonInt,
    ResourceApply,
    StringRule,
    is_resource_id,
)

SAMPLES = [
    "a", "a-b", "a.b", "0", "-a", "a-", "A", "a_b", "a/b", "ab/cd", "a//b", "é", "a\n", "",
    "a" * 63, "a" * 64, "resource:a_b_c", "resource:a_b/c_d", "resource:", "resource:1", " a",
]  # fmt: skip


@pytest.mark.parametrize("rule", [NAME, PROVIDER, RESOURCE_TYPE, RESOURCE_ID, TAG])
def test_a_rule_and_its_json_schema_agree(rule: StringRule) -> None:
    # jsonschema_rs reads patterns as ECMA-262 does, where ``$`` ends the text (Python's ``re``,
    # and so the ``jsonschema`` package, let a final newline stand before it).
    validator = jsonschema_rs.Draft202012Validator({"type": "string", **rule.json_schema})
    for value in SAMPLES:
        assert rule.matches(value) == validator.is_valid(value), value


def test_a_broken_rule_names_the_rule() -> None:
    with pytest.raises(ValidationError, match="must start with a lowercase letter"):
        ResourceApply(provider="Upper", resource="a", name="a")
    assert ResourceApply.model_json_schema()["properties"]["provider"]["pattern"] == "^(?:[a-z][a-z0-9-]*)$"


def test_a_resource_id_is_one_path_segment() -> None:
    assert is_resource_id("resource:gcp_cloudsql_database_instance_db")
    assert not is_resource_id("resource:a_b/c_d")


@pytest.mark.parametrize(("value", "read"), [(5, 5), (5.0, 5), (-0.0, 0)])
def test_a_json_integer_is_what_json_schema_calls_one(value: Any, read: int) -> None:
    assert TypeAdapter(JsonInt).validate_python(value) == read


@pytest.mark.parametrize("value", [5.5, "5", True, None])
def test_a_json_integer_takes_nothing_else(value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(JsonInt).validate_python(value)


def test_a_date_time_is_rfc_3339_with_its_offset() -> None:
    adapter = TypeAdapter(DateTime)
    assert adapter.validate_python("2025-01-15T12:00:00Z") == datetime(2025, 1, 15, 12, tzinfo=UTC)
    bad = ["2025-01-15", "2025-01-15T12:00:00", "2025-01-15 12:00:00Z", 1736942400, "1736942400"]
    for value in [*bad, datetime(2025, 1, 15, 12)]:
        with pytest.raises(ValidationError, match="RFC 3339"):
            adapter.validate_python(value)
