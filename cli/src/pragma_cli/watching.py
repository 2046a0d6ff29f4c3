"""``pragma resources watch``: the server's stream of resource changes, shown as it comes."""

from __future__ import annotations

import json
import sys
from collections import deque
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.live import Live
from rich.text import Text

from pragma_cli import views
from pragma_cli.errors import doing
from pragma_cli.output import OutputFormat, jsonable, state_label, to_yaml
from pragma_cli.references import document_path
from pragma_cli.state import CliState


class Board:
    """The resources seen so far and the latest changes, for the live table."""

    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}
        self.recent: deque[Text] = deque(maxlen=5)

    def take(self, event: str, data: dict[str, Any]) -> Text | None:
        """Record one event; returns the line describing it."""
        identifier = str(data.get("id"))
        stamp = datetime.now(UTC).astimezone().strftime("%H:%M:%S")
        if event == "deleted":
            gone = self.documents.pop(identifier, None)
            path = document_path(gone) if gone else identifier
            line = Text.assemble(f"{stamp}  {path}  ", ("[DELETED]", "dim"))
        elif event == "resource":
            self.documents[identifier] = data
            line = Text.assemble(f"{stamp}  {document_path(data)}  ", state_label(data))
            message = views.message_of(data)
            if message:
                line.append("  ")
                line.append_text(message)
        else:
            return None
        self.recent.append(line)
        return line

    def render(self) -> RenderableType:
        """Heading, the table of resources, and the last changes."""
        documents = sorted(self.documents.values(), key=document_path)
        heading = Text(f"Watching {len(documents)} resource(s); Ctrl-C to stop", style="bold")
        parts: list[RenderableType] = [heading, views.resources_table(documents)]
        if self.recent:
            parts += [Text("Latest changes", style="bold"), *self.recent]
        return Group(*parts)


def watch_changes(
    state: CliState,
    fmt: OutputFormat,
    *,
    provider: str | None,
    resource: str | None,
    name: str | None,
    snapshot: bool,
) -> None:
    """Print resource changes until interrupted: live table, lines, JSON lines or YAML documents."""
    board = Board()
    with state.client() as client, doing("watch resources", context=state.context_name):
        events = client.watch_resources(provider, resource, name, snapshot=snapshot)
        if fmt is OutputFormat.TABLE and state.out.is_terminal:
            with Live(get_renderable=board.render, console=state.out, refresh_per_second=4) as live:
                live.refresh()
                for event in events:
                    board.take(event.event, event.data)
            return
        for event in events:
            if fmt is OutputFormat.JSON:
                sys.stdout.write(
                    json.dumps({"event": event.event, "id": event.id, "data": jsonable(event.data)})
                )
                sys.stdout.write("\n")
            elif fmt is OutputFormat.YAML:
                sys.stdout.write(
                    "---\n" + to_yaml({"event": event.event, "id": event.id, "data": event.data})
                )
            elif (line := board.take(event.event, event.data)) is not None:
                state.out.print(line, soft_wrap=True)
            sys.stdout.flush()
