"""A plan as ``pragma resources plan`` and ``apply --plan`` show it: each resource's action with
its changes as ``+``/``-``/``~`` lines, its references and refusals, then a tree of the ripple
(what runs again because of what) and the counts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from rich.tree import Tree

from pragma_cli.history_views import change_lines

_ACTIONS = {
    "create": ("+", "green", "will be created"),
    "update": ("~", "yellow", "will be updated"),
    "noop": ("=", "dim", "unchanged"),
    "delete": ("-", "red", "will be deleted"),
    "refused": ("!", "bold red", "refused"),
}
_EFFECTS = {
    "reruns": ("yellow", "runs again"),
    "may_rerun": ("cyan", "runs again if the outputs of {because} change"),
    "waits": ("dim", "waits for {because}, then runs with the new values"),
}


def _value(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _reference_line(reference: Mapping[str, Any]) -> Text:
    where = reference["target"] + (f".{reference['field']}" if reference.get("field") else "")
    status = reference["status"]
    text = Text(f"    -> {where}: ", style="dim")
    if status == "resolved":
        value = "" if reference.get("field") is None else _value(reference.get("value"))
        text.append(value or "exists")
        if reference.get("may_change"):
            text.append(" (may change: its handler runs first)", style="cyan")
    elif status == "after_run":
        text.append("known once its handler has run", style="cyan")
    else:
        text.append(status.replace("_", " "), style="bold red")
        if reference.get("rule"):
            text.append(f" ({reference['rule']})", style="red")
    text.append("\n")
    return text


def entry_text(entry: Mapping[str, Any]) -> Text:
    """One resource of the plan: its action, states, changes, references and problems."""
    symbol, style, words = _ACTIONS.get(entry["action"], ("?", "", entry["action"]))
    text = Text()
    text.append(f"{symbol} {entry['path']} ", style=style)
    text.append(words, style=style)
    states = f"{entry.get('from_state') or 'new'} -> {entry.get('to_state') or 'gone'}"
    if entry["action"] not in ("noop", "refused"):
        text.append(f"  ({states})", style="dim")
    if entry.get("note"):
        text.append(f"  {entry['note']}", style="dim")
    text.append("\n")
    changes = change_lines(entry.get("changes"))
    if changes:
        text.append_text(_indented(changes))
        text.append("\n")
    for reference in entry.get("references") or ():
        text.append_text(_reference_line(reference))
    if entry.get("waits_on"):
        text.append(f"    waits for {', '.join(entry['waits_on'])}\n", style="dim")
    for item in entry.get("cascade") or ():
        text.append(f"    {'  ' * (item['depth'] - 1)}- {item['path']} (owned: deleted first)\n", style="red")
    for problem in entry.get("errors") or ():
        field = f"{problem['field']}: " if problem.get("field") else ""
        text.append(f"    {field}{problem['rule']} (HTTP {problem['status']})\n", style="red")
    text.rstrip()
    return text


def _indented(text: Text) -> Text:
    indented = Text()
    for line in text.split("\n"):
        indented.append("    ")
        indented.append_text(line)
        indented.append("\n")
    indented.rstrip()
    return indented


def ripple_tree(plan: Mapping[str, Any]) -> Tree | None:
    """What runs again because of what: under each planned resource that runs, its dependents
    (and theirs), each saying whether it re-runs for sure or only if outputs change."""
    items = list(plan.get("ripple") or ())
    if not items:
        return None
    paths = {entry["resource_id"]: entry["path"] for entry in plan["entries"]}
    paths.update({item["resource_id"]: item["path"] for item in items})
    children: dict[str, list[Mapping[str, Any]]] = {}
    for item in items:
        for parent in item["because"][:1]:  # under its first cause; the others are named
            children.setdefault(parent, []).append(item)
    tree = Tree(Text("Ripple", style="bold"))
    # Under what runs by itself; a dependent that runs because of it hangs under its cause.
    roots = [
        entry
        for entry in plan["entries"]
        if entry["resource_id"] in children and entry["action"] in ("create", "update")
    ]

    def grow(branch: Tree, resource_id: str, seen: set[str]) -> None:
        for item in children.get(resource_id, []):
            if item["resource_id"] in seen:
                continue
            style, words = _EFFECTS[item["effect"]]
            because = ", ".join(paths.get(parent, parent) for parent in item["because"])
            label = Text(f"{item['path']} ", style=style)
            label.append(words.format(because=because), style=style)
            label.append(f"  (depth {item['depth']})", style="dim")
            grow(branch.add(label), item["resource_id"], seen | {item["resource_id"]})

    for root in roots:
        grow(tree.add(Text(root["path"], style="bold")), root["resource_id"], {root["resource_id"]})
    return tree


def summary_text(plan: Mapping[str, Any]) -> Text:
    """``Plan: 1 to create, 2 to update, ...`` with only the counts that are not zero."""
    summary = plan["summary"]
    parts = [
        f"{summary['creates']} to create",
        f"{summary['updates']} to update",
        f"{summary['deletes']} to delete",
        f"{summary['reruns']} to run again",
    ]
    if summary.get("may_reruns"):
        parts.append(f"{summary['may_reruns']} may run again")
    if summary.get("noops"):
        parts.append(f"{summary['noops']} unchanged")
    if summary.get("refused"):
        parts.append(f"{summary['refused']} refused")
    text = Text("Plan: ", style="bold")
    text.append(", ".join(parts) + ".")
    return text


def plan_view(plan: Mapping[str, Any]) -> RenderableType:
    """The whole plan, as people read it."""
    parts: list[RenderableType] = [entry_text(entry) for entry in plan["entries"]]
    tree = ripple_tree(plan)
    if tree is not None:
        parts.append(Text(""))
        parts.append(tree)
    parts.append(Text(""))
    parts.append(summary_text(plan))
    return Group(*parts)
