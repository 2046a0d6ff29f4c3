"""How a resource's failures read on the command line: where its retries stand, its traceback.

``describe``, ``dead-letter show`` and ``apply --wait`` show them; the data is the API's
``retry`` and ``error_traceback`` of a resource (and ``error_traceback`` of a dead letter).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from pragma_cli.output import parse_time

TRACEBACK_TAIL_LINES = 20
"""How many last lines of a traceback ``describe`` shows unless asked for all."""


def retry_text(document: Mapping[str, Any], now: datetime | None = None) -> str:
    """``attempt 3/5 in 4 s`` while a retry waits, ``attempt 3/5 running`` while it runs, else ``""``."""
    retry = document.get("retry")
    if not isinstance(retry, Mapping) or document.get("lifecycle_state") not in ("pending", "processing"):
        return ""
    counted = f"attempt {retry.get('attempt')}/{retry.get('max_attempts')}"
    due = parse_time(retry.get("next_attempt_at"))
    if due is None or document.get("lifecycle_state") == "processing":
        return f"{counted} running"
    seconds = math.ceil(max(0.0, (due - (now or datetime.now(UTC))).total_seconds()))
    return f"{counted} in {seconds} s" if seconds else f"{counted} due now"


def traceback_text(trace: str, last: int | None = None) -> tuple[Text, int]:
    """The traceback (its ``last`` lines when given) and how many earlier lines were left out."""
    lines = trace.rstrip("\n").splitlines()
    cut = max(0, len(lines) - last) if last is not None else 0
    return Text("\n".join(lines[cut:]), style="red"), cut
