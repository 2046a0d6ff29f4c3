"""Tables at any width: names, states, ages and ids stay whole; only messages are cut or wrapped."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from .documents import broken_item
from .running import SQLITE_ONLY, Pragma, Result

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)

WIDTHS = (80, 120, 150)
HEADERS = ("PROVIDER/TYPE", "NAME", "STATE", "AGE", "MESSAGE")


def _long_name(prefix: str) -> str:
    """A resource name of the longest kind the API takes (63 characters)."""
    return (prefix + "-" + "x" * 63)[:63]


def _waiting_on_many(unique: str) -> tuple[dict[str, object], str]:
    """A resource waiting on three missing resources with long names, and its message."""
    missing = [f"testkit/item/{unique}-missing-dependency-with-a-rather-long-name-{n}" for n in range(3)]
    document = {
        "provider": "testkit",
        "resource": "item",
        "name": _long_name(f"{unique}-waits"),
        "config": {"value": "ok"},
        "depends_on": missing,
    }
    return document, "waiting on " + ", ".join(sorted(missing))


def _row(result: Result, name: str) -> list[str]:
    """The lines of ``result``'s table that belong to the row of ``name``: its first line and
    the lines of wrapped text that follow it."""
    lines = result.out.splitlines()
    start = next(index for index, line in enumerate(lines) if f" {name} " in f" {line} ")
    continued = []
    for line in lines[start + 1 :]:
        if not line.startswith(" "):
            break
        continued.append(line)
    return [lines[start], *continued]


def _squashed(text: str) -> str:
    return "".join(text.split())


def test_resource_list_keeps_identity_whole_and_only_cuts_the_message(cli: Pragma, unique: str) -> None:
    waiting, message = _waiting_on_many(unique)
    name = str(waiting["name"])
    cli.ok("resources", "apply", "-", stdin=yaml.safe_dump(waiting))

    piped = [
        cli.ok("resources", "list", "--provider", "testkit", env={"COLUMNS": str(width)}) for width in WIDTHS
    ]
    for result in piped:
        header = result.out.splitlines()[0]
        assert header.split() == list(HEADERS), str(result)
        (line,) = _row(result, name)  # one line per row, nothing wrapped
        assert line.split()[:3] == ["testkit/item", name, "[PENDING]"], str(result)
        assert line.rstrip().endswith(message), str(result)  # nothing cut either

    for width in WIDTHS:
        shown = cli.on_terminal("resources", "list", "--provider", "testkit", columns=width)
        assert shown.code == 0, str(shown)
        header = shown.out.splitlines()[0]
        assert header.split() == list(HEADERS), str(shown)
        (line,) = _row(shown, name)
        cells = line.split()
        assert cells[:3] == ["testkit/item", name, "[PENDING]"], str(shown)
        if width >= 120:  # at 80 columns, type, name, state and age alone are wider: they win
            assert len(line.rstrip()) <= width, str(shown)
        assert "waiting" in line
        assert line.rstrip().endswith("…"), str(shown)  # the message is what gets cut

    wide = cli.on_terminal("resources", "list", "--provider", "testkit", "-o", "wide", columns=120)
    assert wide.code == 0, str(wide)
    assert wide.out.splitlines()[0].split() == [*HEADERS[:4], "UPDATED", "TAGS", "MESSAGE"]
    lines = _row(wide, name)
    assert len(lines) > 1, str(wide)  # wrapped, not cut
    start = lines[0].index("waiting on")
    assert _squashed("".join(line[start:] for line in lines)) == _squashed(message), str(wide)

    documents = json.loads(cli.ok("resources", "list", "--provider", "testkit", "-o", "json").out)
    assert name in [document["name"] for document in documents]
    as_yaml = yaml.safe_load(cli.ok("resources", "list", "--provider", "testkit", "-o", "yaml").out)
    assert name in [document["name"] for document in as_yaml]


def _seconds(age: str) -> int:
    return int(age[:-1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[age[-1]]


def test_age_is_the_time_since_creation(cli: Pragma, unique: str) -> None:
    item = {"provider": "testkit", "resource": "item", "name": f"{unique}-aged", "config": {"value": "one"}}
    cli.ok("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(item))
    time.sleep(2.5)  # so that creation and the update below are whole seconds apart
    item["config"] = {"value": "two"}
    cli.ok("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(item))
    wide = cli.ok("resources", "get", "testkit/item", f"{unique}-aged", "-o", "wide")
    header, line = wide.out.splitlines()[:2]
    cells = dict(zip(header.split(), line.split(), strict=False))
    assert _seconds(cells["AGE"]) >= _seconds(cells["UPDATED"]) + 2, str(wide)
    plain = cli.ok("resources", "get", "testkit/item", f"{unique}-aged")
    header, line = plain.out.splitlines()[:2]
    assert _seconds(dict(zip(header.split(), line.split(), strict=False))["AGE"]) >= 2, str(plain)


def test_dead_letter_ids_are_whole_and_show_takes_them(cli: Pragma, unique: str) -> None:
    name = _long_name(f"{unique}-dead")
    failed = cli("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(broken_item(name)))
    assert failed.code == 1, str(failed)
    path = f"testkit/item/{name}"
    for result in (
        cli.ok("ops", "dead-letter", "list", "--provider", "testkit"),
        *(cli.on_terminal("ops", "dead-letter", "list", "--provider", "testkit", columns=w) for w in WIDTHS),
    ):
        assert result.code == 0, str(result)
        assert result.out.splitlines()[0].split() == ["EVENT", "RESOURCE", "TYPE", "AGE", "ERROR"]
        (line,) = _row(result, path)
        event_id, resource = line.split()[:2]
        assert resource == path, str(result)
        shown = cli.ok("ops", "dead-letter", "show", event_id)
        assert "bad item on attempt 1" in shown.out
        assert path.split("/")[-1] in shown.out
    wide = cli.ok("ops", "dead-letter", "list", "--provider", "testkit", "-o", "wide")
    assert wide.out.splitlines()[0].split() == ["EVENT", "RESOURCE", "TYPE", "ATTEMPTS", "AGE", "ERROR"]


def test_other_tables_keep_whole_lines_when_piped(cli: Pragma) -> None:
    types = cli.ok("resources", "types", env={"COLUMNS": "40"})
    assert types.out.splitlines()[0].split() == ["PROVIDER/TYPE", "DESCRIPTION"]
    assert any(
        line.startswith("testkit/item ") and line.rstrip().endswith("config says.")
        for line in types.out.splitlines()
    ), str(types)
    contexts = cli.ok("config", "get-contexts", env={"COLUMNS": "30"})
    assert contexts.out.splitlines()[0].split() == ["CURRENT", "NAME", "API", "URL", "TOKEN"]
    assert contexts.out.splitlines()[1].split()[-1] == "stored", str(contexts)
