"""Tables and detail views of resources, resource types and dead letters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from pragma_cli.failures import TRACEBACK_TAIL_LINES, retry_text, traceback_text
from pragma_cli.history_views import recent_history
from pragma_cli.output import (
    age,
    free_text,
    joined,
    new_table,
    short_time,
    squeeze,
    state_label,
    to_yaml,
)
from pragma_cli.references import dependents, document_path, owned, owners, references


def message_of(document: Mapping[str, Any]) -> Text:
    """What a resource table says beside the state: the error, or what it waits on."""
    if document.get("error"):
        return Text(" ".join(str(document["error"]).split()), style="red")
    waiting = document.get("waiting_on") or []
    if waiting:
        return Text(f"waiting on {joined(waiting)}", style="yellow")
    if document.get("message"):  # no worker of its provider has connected
        return Text(str(document["message"]), style="yellow")
    return Text("")


def resources_table(documents: list[dict[str, Any]], *, wide: bool = False) -> Table:
    """One row per resource: type, name, coloured state, age (since it was created), and the
    error or what it waits on; ``wide`` adds when it last changed and its tags, and wraps the
    message rather than cut it."""
    headers = ["PROVIDER/TYPE", "NAME", "STATE", "AGE", *(["UPDATED", "TAGS"] if wide else []), "MESSAGE"]
    table = new_table(*headers)
    free_text(table, len(headers) - 1, wrap=wide)
    for document in documents:
        extra = [age(document.get("updated_at")), joined(document.get("tags"))] if wide else []
        table.add_row(
            f"{document.get('provider')}/{document.get('resource')}",
            str(document.get("name")),
            state_label(document),
            age(document.get("created_at")),
            *extra,
            message_of(document),
        )
    return table


def types_table(types: list[dict[str, Any]]) -> Table:
    """One row per resource type, with the first line of its description."""
    table = new_table("PROVIDER/TYPE", "DESCRIPTION")
    squeeze(table, 1)
    for item in types:
        description = str(item.get("description") or "").strip().splitlines()
        table.add_row(
            f"{item.get('provider')}/{item.get('resource')}", description[0] if description else "-"
        )
    return table


def _section(title: str, body: RenderableType) -> RenderableType:
    return Group(Text(title, style="bold"), Padding(body, (0, 0, 0, 2)))


def _yaml_block(data: Any) -> Text:
    if data in (None, {}, []):
        return Text("-", style="dim")
    return Text(to_yaml(data).rstrip())


def _paths(targets: Mapping[str, str], states: Mapping[str, Mapping[str, Any]]) -> Text:
    """Resource paths (``targets``: id to path), one a line, each with its state when known."""
    if not targets:
        return Text("-", style="dim")
    lines = []
    for identifier, path in targets.items():
        known = states.get(identifier)
        suffix = state_label(known) if known is not None else Text("(not found)", style="dim")
        lines.append(Text.assemble(path, " ", suffix))
    return Text("\n").join(lines)


def describe_view(
    document: Mapping[str, Any],
    everything: list[dict[str, Any]],
    dead_letters: list[dict[str, Any]],
    history: list[dict[str, Any]],
    *,
    whole_traceback: bool = False,
) -> RenderableType:
    """Everything about one resource, what around it refers to it, and its latest transitions.

    The traceback of its last failure shows its last ``TRACEBACK_TAIL_LINES`` lines unless
    ``whole_traceback``.
    """
    by_id = {str(item["id"]): item for item in everything}
    facts = new_table("", "")
    facts.show_header = False
    facts.add_row("id", str(document.get("id")))
    facts.add_row("state", state_label(document))
    facts.add_row("tags", joined(document.get("tags")))
    facts.add_row(
        "generation",
        f"{document.get('generation', '-')} (processed: {document.get('observed_generation', '-')})",
    )
    facts.add_row("provisioned", "yes" if document.get("provisioned") else "no")
    facts.add_row(
        "created", f"{short_time(document.get('created_at'))} ({age(document.get('created_at'))} ago)"
    )
    facts.add_row(
        "updated", f"{short_time(document.get('updated_at'))} ({age(document.get('updated_at'))} ago)"
    )
    facts.add_row("waiting on", joined(document.get("waiting_on")))
    if document.get("message"):  # no worker of its provider has connected
        facts.add_row("message", Text(str(document["message"]), style="yellow"))
    error = Text(str(document["error"]), style="red") if document.get("error") else Text("-", style="dim")
    facts.add_row("error", error)
    if retrying := retry_text(document):
        facts.add_row("retry", Text(retrying, style="yellow"))
    resolved = document.get("resolved_config")
    parts: list[RenderableType] = [
        Text.assemble((document_path(document), "bold"), " ", state_label(document)),
        facts,
        _section("Config", _yaml_block(document.get("config"))),
    ]
    if document.get("error_traceback"):
        parts.append(_traceback_section(document, whole_traceback))
    if resolved is not None and resolved != document.get("config"):
        parts.append(_section("Resolved config (references filled in)", _yaml_block(resolved)))
    parts += [
        _section("Outputs", _yaml_block(document.get("outputs"))),
        _section("Owner", _paths(owners(document), by_id)),
        _section("Dependencies", _paths(references(document), by_id)),
        _section("Dependents", _paths(dependents(document, everything), by_id)),
        _section("Owns", _paths(owned(document, everything), by_id)),
        _section("Recent events", _events(document, dead_letters)),
        _section("Recent history ('pragma resources history' shows all)", recent_history(history)),
    ]
    return Group(*parts)


def _traceback_section(document: Mapping[str, Any], whole: bool) -> RenderableType:
    trace, cut = traceback_text(str(document["error_traceback"]), None if whole else TRACEBACK_TAIL_LINES)
    if cut:
        hint = (
            f"... {cut} earlier line(s); 'pragma resources describe {document.get('provider')}/"
            f"{document.get('resource')} {document.get('name')} --traceback' shows them all\n"
        )
        trace = Text.assemble((hint, "dim"), trace)
    return _section("Traceback of the last failure", trace)


def _events(document: Mapping[str, Any], dead_letters: list[dict[str, Any]]) -> Text:
    text = Text()
    if document.get("pending_event_id"):
        text.append(f"{document['pending_event_id']}  in flight ({state_label(document).plain})\n")
    for letter in dead_letters:
        text.append(
            f"{letter.get('event_id')}  {letter.get('event_type')} failed {age(letter.get('failed_at'))} ago "
            f"after {letter.get('attempt_count')} attempt(s), in the dead-letter queue: "
        )
        text.append(f"{letter.get('error') or letter.get('error_message')}\n", style="red")
    if not text:
        return Text("none", style="dim")
    text.rstrip()
    return text


def dead_letters_table(letters: list[dict[str, Any]], *, wide: bool = False) -> Table:
    """One row per dead letter: its event id (whole: ``show`` takes it), resource, event type,
    age and error; ``wide`` adds the attempts and wraps the error rather than cut it."""
    headers = ["EVENT", "RESOURCE", "TYPE", *(["ATTEMPTS"] if wide else []), "AGE", "ERROR"]
    table = new_table(*headers)
    free_text(table, len(headers) - 1, wrap=wide)
    for letter in letters:
        table.add_row(
            str(letter.get("event_id")),
            f"{letter.get('provider')}/{letter.get('resource_type')}/{letter.get('resource_name')}",
            str(letter.get("event_type")),
            *([str(letter.get("attempt_count", "-"))] if wide else []),
            age(letter.get("failed_at")),
            Text(
                " ".join(str(letter.get("error") or letter.get("error_message") or "").split()), style="red"
            ),
        )
    return table


def audit_table(entries: list[dict[str, Any]], *, wide: bool = False) -> Table:
    """One row per audit entry: when, who, what and to which thing; ``wide`` adds the token's
    name and the entry's detail."""
    headers = ["AGE", "USER", "ACTION", "TARGET", *(["TOKEN", "DETAIL"] if wide else [])]
    table = new_table(*headers)
    for entry in entries:
        detail = ", ".join(f"{key}={value}" for key, value in (entry.get("detail") or {}).items())
        table.add_row(
            age(entry.get("at")),
            str(entry.get("user") or "-"),
            str(entry.get("action")),
            str(entry.get("target")),
            *([str(entry.get("token_name") or "-"), detail or "-"] if wide else []),
        )
    return table


def dead_letter_view(letter: Mapping[str, Any]) -> RenderableType:
    """One dead letter in full: identity, error, and the event's payload."""
    facts = new_table("", "")
    facts.show_header = False
    for key in ("event_id", "resource_id", "event_type", "attempt_count", "failed_at"):
        facts.add_row(key.replace("_", " "), str(letter.get(key, "-")))
    facts.add_row("error", Text(str(letter.get("error") or letter.get("error_message")), style="red"))
    parts: list[RenderableType] = [facts]
    if letter.get("error_traceback"):
        parts.append(_section("Traceback", traceback_text(str(letter["error_traceback"]))[0]))
    parts.append(_section("Payload", _yaml_block(letter.get("payload"))))
    return Group(*parts)
