"""Why a resource failed, and when it is done: ``apply --wait`` after a dependency changed,
tracebacks in ``describe`` and ``dead-letter show``, retries counted while they wait."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from testing.fixtures.server import ENGINE_ENV, RunningServer, start_server

from .running import SQLITE_ONLY, Pragma, logged_in


def _item(name: str, **config: object) -> dict[str, object]:
    return {"provider": "testkit", "resource": "item", "name": name, "config": config}


@pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)
def test_apply_wait_waits_for_the_update_a_changed_dependency_causes(
    cli: Pragma, unique: str, tmp_path: Path
) -> None:
    dependency, dependent = f"{unique}-dep", f"{unique}-app"
    echo = {"provider": "testkit", "resource": "item", "name": dependency, "field": "outputs.value"}
    manifest = tmp_path / "stack.yaml"

    def write(value: str) -> None:
        # The dependency's handler takes a second, so its update is still running when the
        # dependent is applied, as with real infrastructure.
        manifest.write_text(
            yaml.safe_dump_all(
                [
                    _item(dependency, value=value, sleep=1.0),
                    _item(dependent, echo=echo, fail_on_echo="v2", permanent=True),
                ]
            )
        )

    write("v1")
    first = cli.ok("resources", "apply", str(manifest), "--wait")
    assert f"testkit/item/{dependent} ready" in first.out

    # Only the dependency changes: the dependent is ready (from v1) when the apply answers,
    # and its update only starts once the dependency has its new output.
    write("v2")
    second = cli("resources", "apply", str(manifest), "--wait")
    assert second.code == 1, str(second)
    assert f"testkit/item/{dependency} ready" in second.out
    assert f"testkit/item/{dependent} ready" not in second.out
    assert f"testkit/item/{dependent} failed: ValueError: refusing echo 'v2'" in second.out
    assert second.error_line() == "error: 1 of 2 resource(s) failed"

    # Why it failed: the traceback, from the handler down to the function that raised.
    described = cli.ok("resources", "describe", "testkit/item", dependent).out
    trace = described.split("Traceback of the last failure")[1]
    assert "in _refuse" in trace
    assert "ValueError: refusing echo 'v2'" in trace
    letters = json.loads(cli.ok("ops", "dead-letter", "list", "--provider", "testkit", "-o", "json").out)
    (letter,) = [letter for letter in letters if letter["resource_name"] == dependent]
    shown = cli.ok("ops", "dead-letter", "show", letter["event_id"]).out
    assert "Traceback (most recent call last):" in shown
    assert "in on_update" in shown
    assert "in _refuse" in shown


@pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)
def test_describe_shows_the_end_of_a_long_traceback_and_all_of_it_on_request(
    cli: Pragma, unique: str
) -> None:
    name = f"{unique}-deep"
    # A failure raised deep in a recursion: a traceback longer than describe shows by default.
    applied = cli("resources", "apply", "-", "--wait", stdin=yaml.safe_dump(_item(name, fail_depth=40)))
    assert applied.code == 1, str(applied)
    short = cli.ok("resources", "describe", "testkit/item", name).out
    section = short.split("Traceback of the last failure")[1].split("Outputs")[0]
    hint = f"earlier line(s); 'pragma resources describe testkit/item {name} --traceback' shows them all"
    assert hint in " ".join(section.split())
    assert "Traceback (most recent call last):" not in section
    assert "ValueError: gave up at depth 0" in section
    whole = cli.ok("resources", "describe", "testkit/item", name, "--traceback").out
    assert "Traceback (most recent call last):" in whole
    assert whole.count("in _dive") > section.count("in _dive")


@pytest.fixture
def slow_retries(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server whose retries wait a minute or two, so that a waiting retry can be looked at."""
    root = tmp_path_factory.mktemp("slow-retries")
    env = {**ENGINE_ENV, "PRAGMA_RETRY_BASE_SECONDS": "120", "PRAGMA_RETRY_MAX_SECONDS": "120"}
    server = start_server(
        root,
        f"sqlite+aiosqlite:///{root / 'pragma.db'}",
        extra_args=("--provider-package", "testkit_provider"),
        extra_env=env,
    )
    yield server
    server.stop()


def test_a_waiting_retry_says_which_attempt_comes_and_when(
    pragma: Pragma, slow_retries: RunningServer, unique: str, tmp_path: Path
) -> None:
    cli = logged_in(pragma, slow_retries)
    name = f"{unique}-flaky"
    manifest = tmp_path / "flaky.yaml"
    manifest.write_text(yaml.safe_dump(_item(name, fail_attempts=3)))
    waiting = cli.popen(
        "resources", "apply", str(manifest), "--wait", stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        assert waiting.stdout is not None
        seen = []
        for line in waiting.stdout:
            seen.append(line)
            if "attempt 2/5 in" in line:
                break
        assert re.search(
            rf"testkit/item/{name} .*RuntimeError: transient failure on attempt 1 \(attempt 2/5 in \d+ s\)",
            seen[-1],
        ), "".join(seen)
    finally:
        waiting.kill()
        waiting.wait()

    described = cli.ok("resources", "describe", "testkit/item", name).out
    assert re.search(r"retry\s+attempt 2/5 in \d+ s", described), described
    document = json.loads(cli.ok("resources", "get", "testkit/item", name, "-o", "json").out)
    assert document["retry"]["attempt"] == 2
    assert document["retry"]["max_attempts"] == 5
    assert document["retry"]["next_attempt_at"] is not None
