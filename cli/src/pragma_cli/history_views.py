"""A resource's history as ``pragma resources history`` and ``describe`` show it: one row per
lifecycle transition, newest first, with config and outputs changes as ``+``/``-``/``~`` lines."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.table import Table
from rich.text import Text

from pragma_cli.output import age, free_text, new_table, short_time

_CAUSES = {
    "apply": "applied",
    "apply_draft": "applied as draft",
    "delete": "delete asked",
    "lease": "handed to a worker",
    "wait": "waiting",
    "success": "handler succeeded",
    "follow_up": "handler succeeded, more to do",
    "dependency_change": "dependency changed",
    "retryable_failure": "handler failed, will retry",
    "failure": "handler failed for good",
    "unresolvable": "references unresolvable",
    "dead_letter_retry": "dead letter retried",
    "remove": "removed",
}
_FAILURES = frozenset({"retryable_failure", "failure", "unresolvable"})


def cause_text(entry: Mapping[str, Any]) -> str:
    """Why the resource moved, in words (the API's ``cause`` when it is a new one)."""
    cause = str(entry.get("cause"))
    return _CAUSES.get(cause, cause)


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def change_lines(changes: list[Mapping[str, Any]] | None, prefix: str = "") -> Text:
    """``+ key: value`` for an added field, ``- key: value`` for a removed one, ``~ key: old -> new``."""
    text = Text()
    for change in changes or ():
        path = f"{prefix}{change.get('path')}"
        kind = change.get("change")
        if kind == "added":
            text.append(f"+ {path}: {_value(change.get('new'))}\n", style="green")
        elif kind == "removed":
            text.append(f"- {path}: {_value(change.get('old'))}\n", style="red")
        else:
            text.append(
                f"~ {path}: {_value(change.get('old'))} -> {_value(change.get('new'))}\n", style="yellow"
            )
    text.rstrip()
    return text


def detail_text(entry: Mapping[str, Any]) -> Text:
    """What else the entry says: dependency or owner, attempt and duration, error, changes."""
    text = Text()
    facts = []
    if entry.get("caused_by"):
        by = "from dependency" if entry.get("cause") == "dependency_change" else "with owner"
        facts.append(f"{by} {entry['caused_by']}")
    if entry.get("attempt") is not None and entry.get("cause") != "lease":
        facts.append(f"attempt {entry['attempt']}")
    if entry.get("duration_ms") is not None:
        facts.append(f"took {entry['duration_ms'] / 1000:.2f}s")
    if facts:
        text.append(", ".join(facts) + "\n", style="dim")
    if entry.get("error"):
        text.append(" ".join(str(entry["error"]).split()) + "\n", style="red")
    for key, prefix in (("config_changes", "config."), ("outputs_changes", "outputs.")):
        lines = change_lines(entry.get(key), prefix)
        if lines:
            text.append_text(lines)
            text.append("\n")
    text.rstrip()
    return text


def _states(entry: Mapping[str, Any]) -> str:
    return f"{entry.get('from_state') or 'new'} -> {entry.get('to_state') or 'gone'}"


def history_table(entries: list[dict[str, Any]]) -> Table:
    """One row per transition, newest first: time, cause, states, generation, who, and the detail."""
    table = new_table("TIME", "CAUSE", "STATE", "GEN", "BY", "DETAIL")
    free_text(table, 5, wrap=True)
    for entry in entries:
        table.add_row(
            short_time(entry.get("at")),
            cause_text(entry),
            _states(entry),
            str(entry["generation"]) if entry.get("generation") is not None else "-",
            str(entry.get("actor") or "engine"),
            detail_text(entry),
        )
    return table


def recent_history(entries: list[dict[str, Any]]) -> Text:
    """The last few transitions, one line each, for ``describe``."""
    text = Text()
    for entry in entries:
        text.append(f"{age(entry.get('at'))} ago  {cause_text(entry)}  {_states(entry)}")
        if entry.get("actor"):
            text.append(f"  by {entry['actor']}", style="dim")
        if entry.get("error"):
            text.append(f"  {' '.join(str(entry['error']).split())}", style="red")
        text.append("\n")
    text.rstrip()
    return text
