"""``pragma providers logs``: what a deployed provider's workers print, redacted; a build's log."""

from __future__ import annotations

import queue
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

from testing.fixtures.pipeline import deployed, pushed
from testing.fixtures.provider_projects import printing_project
from testing.fixtures.server import RunningServer

from .running import SQLITE_ONLY, Pragma, logged_in

pytestmark = pytest.mark.parametrize("server", SQLITE_ONLY, indirect=True)

WAIT_SECONDS = 60


def widget_manifest(provider: str, name: str, secret: str) -> str:
    return (
        f"provider: {provider}\nresource: widget\nname: {name}\nconfig:\n  token:\n"
        f"    {{provider: pragma, resource: secret, name: {secret}, field: outputs.token}}\n"
    )


def lines_until(process: subprocess.Popen[str], text: str) -> list[str]:
    """The lines ``process`` prints until one holds ``text``."""
    assert process.stdout is not None
    arrived: queue.Queue[str | None] = queue.Queue()
    stdout = process.stdout

    def read() -> None:
        for line in stdout:
            arrived.put(line.rstrip("\n"))
        arrived.put(None)

    threading.Thread(target=read, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + WAIT_SECONDS
    while not any(text in line for line in seen):
        line = arrived.get(timeout=max(deadline - time.monotonic(), 0.1))
        assert line is not None, f"the output ended before {text!r}: {seen}"
        seen.append(line)
    return seen


def test_logs_show_worker_output_redacted_follow_it_and_say_what_is_missing(
    pragma: Pragma, server: RunningServer, provider_name: str, tmp_path: Path
) -> None:
    cli = logged_in(pragma, server)
    value = f"cli-secret-{uuid.uuid4().hex}"
    secret = f"{provider_name}-token"
    cli.ok(
        "resources", "apply", "-", "--wait",
        stdin=f"provider: pragma\nresource: secret\nname: {secret}\nconfig:\n  data:\n    token: {value}\n",
    )  # fmt: skip
    with server.client() as client:
        build = pushed(client, provider_name, printing_project(tmp_path, provider_name))
        assert deployed(client, provider_name).healthy
    cli.ok("resources", "apply", "-", "--wait", stdin=widget_manifest(provider_name, "first", secret))

    deadline = time.monotonic() + WAIT_SECONDS
    while "handler first saw" not in (shown := cli.ok("providers", "logs", provider_name)).out:
        assert time.monotonic() < deadline, str(shown)
        time.sleep(0.2)
    assert "handler first saw [redacted]" in shown.out
    assert value not in shown.out
    assert f"[{provider_name}@{build.version}#0]" in shown.out
    assert len(cli.ok("providers", "logs", provider_name, "--tail", "1").out.splitlines()) == 1
    built = cli.ok("providers", "logs", provider_name, "--build", "--version", build.version)
    assert built.out.splitlines()[-1].startswith("==> build succeeded")

    missing = cli("providers", "logs", provider_name, "--version", "20200101.000000")
    assert missing.code == 1
    assert "HTTP 404" in missing.error_line()
    assert cli("providers", "logs", provider_name, "--tail", "-1").code == 2

    following = cli.popen(
        "providers", "logs", provider_name, "--follow", "--tail", "0",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        time.sleep(1.0)  # connected before the next line is printed
        cli.ok("resources", "apply", "-", "--wait", stdin=widget_manifest(provider_name, "second", secret))
        followed = lines_until(following, "handler second saw")
        assert followed[-1].endswith("handler second saw [redacted]"), followed
        following.send_signal(signal.SIGINT)
        assert following.wait(timeout=30) == 130
        assert following.stderr is not None
        stderr = following.stderr.read()
        assert "interrupted" in stderr
        assert "Traceback" not in stderr
    finally:
        if following.poll() is None:
            following.kill()
            following.wait()
    cli.ok("providers", "delete", provider_name, "--cascade", "--yes")
