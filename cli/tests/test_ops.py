"""``apply --wait`` with a failing resource, and ``pragma ops dead-letter`` on what it leaves."""

from __future__ import annotations

import json

import pytest
import yaml

from .documents import broken_item
from .running import SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)


def test_failures_and_the_dead_letter_queue(cli: Pragma, unique: str) -> None:
    fine = {"provider": "testkit", "resource": "item", "name": f"{unique}-fine", "config": {"value": "ok"}}
    broken, other = f"{unique}-broken", f"{unique}-other"
    waited = cli("resources", "apply", "-", "--wait", stdin=yaml.safe_dump_all([fine, broken_item(broken)]))
    assert waited.code == 1, str(waited)
    assert f"testkit/item/{unique}-fine ready" in waited.out
    assert f"testkit/item/{broken} failed: ValueError: bad item on attempt 1" in waited.out
    assert waited.error_line() == "error: 1 of 2 resource(s) failed"
    as_json = cli("resources", "apply", "-", "--wait", "-o", "json", stdin=yaml.safe_dump(broken_item(other)))
    assert as_json.code == 1
    assert json.loads(as_json.out)[0]["lifecycle_state"] == "failed"

    letters = json.loads(cli.ok("ops", "dead-letter", "list", "--provider", "testkit", "-o", "json").out)
    mine = {
        letter["resource_name"]: letter for letter in letters if letter["resource_name"] in (broken, other)
    }
    assert set(mine) == {broken, other}
    event_id = mine[broken]["event_id"]
    table = cli.ok("ops", "dead-letter", "list").out
    assert event_id in table  # ids are never cut: they are what the other commands take
    assert all(line.startswith("evt_") for line in table.splitlines()[1:])  # piped: a line per letter
    shown = cli.ok("ops", "dead-letter", "show", event_id)
    assert "bad item on attempt 1" in shown.out
    assert "Payload" in shown.out
    assert (
        json.loads(cli.ok("ops", "dead-letter", "show", event_id, "-o", "json").out)["event_id"] == event_id
    )
    described = cli.ok("resources", "describe", "testkit/item", broken).out
    assert event_id in described.split("Recent events")[1]

    cli.ok("ops", "dead-letter", "retry", event_id)
    unknown = cli("ops", "dead-letter", "show", "evt_000000000000000000000000")
    assert unknown.code == 1
    assert "HTTP 404" in unknown.error_line()

    cli.ok("ops", "dead-letter", "delete", mine[other]["event_id"])
    audited = json.loads(cli.ok("audit", "-n", "200", "-o", "json").out)
    retry, discard = (
        next(entry for entry in audited if entry["target"] == target)
        for target in (event_id, mine[other]["event_id"])
    )
    assert (retry["action"], retry["detail"]) == (
        "dead_letter.retry",
        {"resource_id": f"resource:testkit_item_{broken}"},
    )
    assert discard["action"] == "dead_letter.discard"
    retried = cli.ok("ops", "dead-letter", "retry", "--all")
    assert "Retried" in retried.out
    deleted = cli.ok("ops", "dead-letter", "delete", "--provider", "testkit")
    assert "Deleted" in deleted.out
    cli.ok("ops", "dead-letter", "delete", "--all", "--yes")
    for name in (broken, other, f"{unique}-fine"):
        cli.ok("resources", "delete", "testkit/item", name, "--wait")


def _letters(cli: Pragma) -> list[str]:
    return [
        letter["event_id"] for letter in json.loads(cli.ok("ops", "dead-letter", "list", "-o", "json").out)
    ]


def test_deleting_every_dead_letter_asks_first(cli: Pragma, unique: str) -> None:
    failed = cli("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(broken_item(f"{unique}-asked")))
    assert failed.code == 1, str(failed)
    assert _letters(cli)

    refused = cli("ops", "dead-letter", "delete", "--all")  # stdin is not a terminal: no one to ask
    assert refused.code == 2, str(refused)
    assert "--yes" in refused.error_line()
    declined = cli.on_terminal("ops", "dead-letter", "delete", "--all", columns=80, answer="n\n")
    assert declined.code == 1, str(declined)
    assert "Discard every dead letter" in declined.out
    # (the space before it is the end of the question, which the terminal's line reader writes to stderr)
    assert declined.err.strip() == "error: cancelled; nothing was deleted", str(declined)
    assert _letters(cli)

    accepted = cli.on_terminal("ops", "dead-letter", "delete", "--all", columns=80, answer="y\n")
    assert accepted.code == 0, str(accepted)
    assert "Deleted" in accepted.out
    assert _letters(cli) == []

    cli("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(broken_item(f"{unique}-unasked")))
    assert _letters(cli)
    assert "Deleted" in cli.ok("ops", "dead-letter", "delete", "--all", "-y").out
    assert _letters(cli) == []
    for name in (f"{unique}-asked", f"{unique}-unasked"):
        cli.ok("resources", "delete", "testkit/item", name, "--wait")
