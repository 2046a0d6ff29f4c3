"""Processes that tests and benchmarks start: a port for a server to listen on, and stopping one.

Light on purpose (no pytest, no server imports): the benchmarks' load generator imports it too.
"""

from __future__ import annotations

import socket
import subprocess


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process`` (SIGTERM, then SIGKILL after 15 s) and wait for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
