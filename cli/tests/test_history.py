"""``pragma resources history``: a resource's transitions, newest first, with its changes; and
the last few in ``describe``."""

from __future__ import annotations

import json

import pytest
import yaml

from .running import SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)


def item(name: str, **config: object) -> dict[str, object]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def test_history_shows_each_transition_and_the_changes(cli: Pragma, unique: str) -> None:
    name = f"{unique}-h"
    cli.ok("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(item(name, value="one")))
    cli.ok("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(item(name, value="two", sleep=0.01)))

    entries = json.loads(cli.ok("resources", "history", "testkit/item", name, "-o", "json").out)
    assert [entry["cause"] for entry in entries] == ["success", "lease", "apply", "success", "lease", "apply"]
    assert entries[2]["config_changes"] == [
        {"path": "sleep", "change": "added", "old": None, "new": 0.01},
        {"path": "value", "change": "changed", "old": "one", "new": "two"},
    ]

    table = cli.ok("resources", "history", "testkit/item", name).out
    lines = table.splitlines()
    assert lines[0].split() == ["TIME", "CAUSE", "STATE", "GEN", "BY", "DETAIL"]
    assert "handler succeeded" in lines[1]  # newest first
    assert "~ config.value: one -> two" in table
    assert "+ config.sleep: 0.01" in table
    assert "~ outputs.value: one -> two" in table
    assert "pending -> processing" in table
    assert "new -> pending" in table

    newest = json.loads(cli.ok("resources", "history", "testkit/item", name, "-n", "2", "-o", "json").out)
    assert newest == entries[:2]

    described = cli.ok("resources", "describe", "testkit/item", name).out
    recent = described.split("Recent history")[1]
    assert "handler succeeded" in recent
    assert "applied" in recent
    as_json = json.loads(cli.ok("resources", "describe", "testkit/item", name, "-o", "json").out)
    assert [entry["id"] for entry in as_json["history"]] == [entry["id"] for entry in entries[:5]]


def test_history_of_an_unknown_resource_fails_naming_it(cli: Pragma, unique: str) -> None:
    result = cli("resources", "history", "testkit/item", f"{unique}-nothing")
    assert result.code == 1
    assert "HTTP 404" in result.error_line()
