"""Following a provider through the pipeline: its build (from the streamed build log) and its
deployment, with a spinner on a terminal and plain lines elsewhere.

The SDK offers no stream of deployment changes, so the rollout is followed by asking for its
status twice a second; the build is followed on its log stream, which ends with the build.
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from rich.markup import escape
from rich.status import Status

from pragma_cli.errors import CliError, doing
from pragma_cli.state import CliState
from pragma_sdk import BuildStatus, DeploymentStatus, PragmaClient
from pragma_sdk.models import BuildInfo, ProviderStatus

DEPLOY_POLL_SECONDS = 0.5
LOG_TAIL_LINES = 15


class Progress(Protocol):
    """Where a long step reports what it is doing."""

    def update(self, text: str) -> None:
        """Say what is happening now."""


class _Spinner:
    def __init__(self, status: Status) -> None:
        self._status = status

    def update(self, text: str) -> None:
        self._status.update(escape(text))


class _Lines:
    def __init__(self, state: CliState) -> None:
        self._state = state
        self._last = ""

    def update(self, text: str) -> None:
        if text != self._last:
            self._state.err.print(escape(text), soft_wrap=True)
            self._last = text


@contextmanager
def progress(state: CliState, text: str) -> Iterator[Progress]:
    """A spinner with ``text`` on a terminal; elsewhere, a line each time the text changes."""
    if state.err.is_terminal:
        with state.err.status(escape(text)) as status:
            yield _Spinner(status)
    else:
        lines = _Lines(state)
        lines.update(text)
        yield lines


def follow_build(
    state: CliState, client: PragmaClient, provider_id: str, version: str, *, show_logs: bool
) -> BuildInfo:
    """Follow a build to its end on its log stream; with ``show_logs`` print every line.

    Raises:
        CliError: The build failed; says why, with the end of its log when it was not shown.
    """
    tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
    action = f"follow the build of {provider_id} {version}"
    try:
        with (
            doing(action, context=state.context_name),
            client.stream_build_logs(provider_id, version) as response,
        ):
            if show_logs:
                for line in response.iter_lines():
                    sys.stdout.write(line + "\n")
                    sys.stdout.flush()
            else:
                with progress(state, f"Building {provider_id} {version}") as step:
                    for line in response.iter_lines():
                        tail.append(line)
                        if state.err.is_terminal and line.strip():
                            step.update(f"Building {provider_id} {version}: {line.strip()[:60]}")
        with doing(action, context=state.context_name):
            build = client.get_build_status(provider_id, version)
    except KeyboardInterrupt:
        state.err.print(
            f"The build goes on on the server; see it with 'pragma providers builds {escape(provider_id)}'.",
            soft_wrap=True,
        )
        raise
    if build.status == BuildStatus.FAILED:
        if tail and not show_logs:
            state.err.print("End of the build log:", style="bold")
            for line in tail:
                state.err.print(escape(line), soft_wrap=True)
        hint = "Fix the project and push again" + ("" if show_logs else " ('--logs' shows the whole log)")
        raise CliError(
            f"the build of {provider_id} {version} failed: {build.error_message or 'no reason given'}", hint
        )
    return build


def follow_deployment(
    state: CliState, client: PragmaClient, provider_id: str, version: str | None, timeout: float | None
) -> ProviderStatus:
    """Wait until the rollout of ``provider_id`` is available or failed.

    Raises:
        CliError: It failed, or it was still rolling out after ``timeout`` seconds.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    label = f"{provider_id} {version or ''}".strip()
    with progress(state, f"Deploying {label}") as step:
        while True:
            with doing(f"get the deployment of {provider_id}", context=state.context_name):
                status = client.get_deployment_status(provider_id)
            if status.status not in (DeploymentStatus.PENDING, DeploymentStatus.PROGRESSING):
                break
            if deadline is not None and time.monotonic() > deadline:
                raise CliError(
                    f"{label} was still {status.status} after {timeout:g} s",
                    f"It goes on; check it with 'pragma providers status {provider_id}'",
                )
            step.update(f"Deploying {provider_id} {status.version or version or ''}: {status.status}")
            time.sleep(DEPLOY_POLL_SECONDS)
    if status.status == DeploymentStatus.FAILED:
        failed = f"the deployment of {provider_id} {status.version or ''} failed".replace("  ", " ")
        raise CliError(
            f"{failed}: {status.error}" if status.error else failed,
            "The previous version keeps running",
        )
    return status
