"""Live output: ``apply --wait`` in a real terminal, and ``resources watch`` until Ctrl-C."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import queue
import re
import select
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest
import yaml

from .running import PRAGMA, SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _run_in_terminal(pragma: Pragma, *args: str, timeout: float = 120) -> tuple[int, bytes]:
    """Run ``pragma`` on a pseudo-terminal of 80x24; returns its exit code and every byte it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    process = subprocess.Popen(
        [str(PRAGMA), *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**pragma.env, "TERM": "xterm-256color"},
        cwd=pragma.home,
    )
    os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:  # the terminal closed: the command ended
                    break
                if not chunk:
                    break
                output += chunk
            elif process.poll() is not None:
                break
        return process.wait(timeout=10), bytes(output)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()


def test_apply_wait_in_a_terminal_shows_live_progress(cli: Pragma, unique: str, tmp_path: Path) -> None:
    name = f"{unique}-slow"
    manifest = tmp_path / "slow.yaml"
    manifest.write_text(
        yaml.safe_dump({"provider": "testkit", "resource": "item", "name": name, "config": {"sleep": 2.5}})
    )
    code, raw = _run_in_terminal(cli, "resources", "apply", str(manifest), "--wait")
    text = ANSI.sub("", raw.decode(errors="replace"))
    assert code == 0, text
    final = text.index(f"testkit/item/{name} ready (")
    live = text[:final]
    assert "Waiting for 1 resource(s)" in live, text
    assert "[PROCESSING]" in live, text
    assert b"\x1b[2K" in raw, "the live table is redrawn in place"
    assert "Traceback" not in text


class _Lines:
    """Reads a process's output lines in a thread, so a test can wait for one with a deadline."""

    def __init__(self, stream: object) -> None:
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self._lines.put(line)

    def until(self, matches: object, timeout: float = 60) -> list[str]:
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.2)
            except queue.Empty:
                continue
            seen.append(line)
            if matches(line):  # type: ignore[operator]
                return seen
        raise AssertionError(f"no matching line within {timeout} s; saw {seen}")


def test_watch_streams_changes_until_interrupted(cli: Pragma, unique: str) -> None:
    name = f"{unique}-watched"
    item = {"provider": "testkit", "resource": "item", "name": name, "config": {"value": "v1"}}
    piped = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    as_json = cli.popen("resources", "watch", "--provider", "testkit", "--name", name, "-o", "json", **piped)
    as_lines = cli.popen("resources", "watch", "--provider", "testkit", **piped)
    try:
        events, lines = _Lines(as_json.stdout), _Lines(as_lines.stdout)
        cli.ok("resources", "apply", "-", stdin=yaml.safe_dump(item))

        def ready(line: str) -> bool:
            event = json.loads(line)
            return bool(event["data"].get("name") == name and event["data"].get("lifecycle_state") == "ready")

        seen = events.until(ready)
        assert all(json.loads(line)["event"] == "resource" for line in seen)
        lines.until(lambda line: name in line and "[READY]" in line)

        cli.ok("resources", "delete", "testkit/item", name)
        events.until(lambda line: json.loads(line)["event"] == "deleted")
        lines.until(lambda line: name in line and "[DELETED]" in line)
    finally:
        for process in (as_json, as_lines):
            process.send_signal(signal.SIGINT)
    for process in (as_json, as_lines):
        assert process.wait(timeout=30) == 130
        assert process.stderr is not None
        errors = process.stderr.read()
        assert errors.strip() == "interrupted", errors
