"""``pragma resources plan`` and ``apply --plan``: the changes, the ripple tree and the counts,
as JSON or YAML too; applying a plan asks first (``--yes`` does not), and refuses when the
state changed since."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from .running import SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)


def item(name: str, **config: Any) -> dict[str, Any]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


def ref(name: str, field: str, provider: str = "testkit", resource: str = "item") -> dict[str, str]:
    return {"provider": provider, "resource": resource, "name": name, "field": field}


def graph(unique: str, *, password: str = "hunter2", db_value: str = "v1") -> list[dict[str, Any]]:
    """db, a secret, app (the secret's password and db's output) and dns (app's config value)."""
    return [
        item(f"{unique}-db", value=db_value),
        {
            "provider": "pragma",
            "resource": "secret",
            "name": f"{unique}-pw",
            "config": {"data": {"password": password}},
        },
        item(
            f"{unique}-app",
            value=ref(f"{unique}-pw", "config.data.password", "pragma", "secret"),
            echo=ref(f"{unique}-db", "outputs.value"),
        ),
        item(f"{unique}-dns", value="dns", echo=ref(f"{unique}-app", "config.value")),
    ]


def write(tmp_path: Path, documents: list[dict[str, Any]], name: str = "graph.yaml") -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump_all(documents))
    return str(path)


def test_plan_shows_changes_references_and_the_ripple_tree(cli: Pragma, unique: str, tmp_path: Path) -> None:
    cli.ok("resources", "apply", write(tmp_path, graph(unique)), "--wait")

    changed = write(tmp_path, graph(unique, password="hunter3", db_value="v2"), "changed.yaml")
    shown = cli.ok("resources", "plan", changed).out
    assert f"~ testkit/item/{unique}-db will be updated" in shown
    assert "~ config.value: v1 -> v2" in shown
    assert "~ config.data.password: [redacted] -> [redacted]" in shown
    assert "hunter" not in shown
    assert f"= testkit/item/{unique}-dns unchanged" in shown
    tree = shown.split("Ripple")[1]
    assert f"pragma/secret/{unique}-pw" in tree
    assert f"testkit/item/{unique}-app runs again" in tree
    assert f"testkit/item/{unique}-dns runs again" in tree
    assert "Plan: 0 to create, 2 to update, 0 to delete, 2 to run again, 2 unchanged." in shown

    as_json = json.loads(cli.ok("resources", "plan", changed, "-o", "json").out)
    assert [entry["action"] for entry in as_json["entries"]] == ["update", "update", "noop", "noop"]
    assert {item["resource_id"]: item["effect"] for item in as_json["ripple"]} == {
        f"resource:testkit_item_{unique}-app": "reruns",
        f"resource:testkit_item_{unique}-dns": "reruns",
    }
    as_yaml = yaml.safe_load(cli.ok("resources", "plan", changed, "-o", "yaml").out)
    assert as_yaml["summary"] == as_json["summary"]

    deleting = cli("resources", "plan", "--delete", f"testkit/item/{unique}-db")
    assert deleting.code == 1
    assert f"depend on it: testkit/item/{unique}-app" in deleting.out
    assert "refused by the plan" in deleting.error_line()


def test_apply_with_plan_asks_and_applies_the_plan(cli: Pragma, unique: str, tmp_path: Path) -> None:
    cli.ok("resources", "apply", write(tmp_path, graph(unique)), "--wait")
    changed = write(tmp_path, [item(f"{unique}-db", value="v2")], "db.yaml")

    unasked = cli("resources", "apply", changed, "--plan")  # stdin is no terminal: no one to ask
    assert unasked.code != 0
    assert "refusing to apply without confirmation" in unasked.err
    assert "Pass --yes" in unasked.err
    assert "~ config.value: v1 -> v2" in unasked.err  # the plan was shown first
    declined = cli.on_terminal("resources", "apply", changed, "--plan", columns=120, answer="n\n")
    assert declined.code == 1
    assert "nothing was applied" in declined.err
    got = json.loads(cli.ok("resources", "get", "testkit/item", f"{unique}-db", "-o", "json").out)
    assert got["config"]["value"] == "v1"

    accepted = cli.on_terminal("resources", "apply", changed, "--plan", columns=120, answer="y\n")
    assert accepted.code == 0, accepted
    assert "Apply this plan?" in accepted.out
    assert f"testkit/item/{unique}-db applied" in accepted.out

    again = write(tmp_path, [item(f"{unique}-db", value="v3")], "again.yaml")
    applied = cli.ok("resources", "apply", again, "--plan", "--yes", "-o", "json")
    assert json.loads(applied.out)[0]["config"]["value"] == "v3"
    assert "will be updated" in applied.err
