"""The config and outputs changes a history entry shows: dotted paths, secrets redacted."""

from __future__ import annotations

from pragma_os.engine.history_diff import diff

SEALED_A = {"$sealed": "token-a"}
SEALED_B = {"$sealed": "token-b"}


def test_added_removed_and_changed_fields_by_dotted_path() -> None:
    before = {"size": 1, "spec": {"zone": "a", "old": True}, "same": "x"}
    after = {"size": 2, "spec": {"zone": "b", "new": [1, 2]}, "same": "x"}
    assert diff(before, after) == [
        {"path": "size", "change": "changed", "old": 1, "new": 2},
        {"path": "spec.new", "change": "added", "old": None, "new": [1, 2]},
        {"path": "spec.old", "change": "removed", "old": True, "new": None},
        {"path": "spec.zone", "change": "changed", "old": "a", "new": "b"},
    ]


def test_a_sealed_value_is_one_field_and_never_shown() -> None:
    changes = diff({"data": {"key": SEALED_A}}, {"data": {"key": SEALED_B}, "extra": {"x": SEALED_B}})
    assert changes == [
        {"path": "data.key", "change": "changed", "old": "[redacted]", "new": "[redacted]"},
        {"path": "extra", "change": "added", "old": None, "new": {"x": "[redacted]"}},
    ]
    assert "token" not in repr(changes)
    assert diff({"data": {"key": SEALED_A}}, {"data": {"key": SEALED_A}}) == []


def test_nothing_before_is_everything_added() -> None:
    assert diff(None, {"a": 1}) == [{"path": "a", "change": "added", "old": None, "new": 1}]
    assert diff({"a": 1}, None) == [{"path": "a", "change": "removed", "old": 1, "new": None}]
