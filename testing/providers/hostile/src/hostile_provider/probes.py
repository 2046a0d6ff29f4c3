"""Attacks on the sandbox, each reporting ``blocked: why`` or ``succeeded: what it got``.

An attack is ``{"kind": ..., ...}``: read, list or write a path, signal a pid, fork without
bound, allocate memory, or call the platform API with the worker's own token.
"""

from __future__ import annotations

import os
import signal
import time
import urllib.error
import urllib.request
from typing import Any

FORKS = 5000


def run(attack: dict[str, Any]) -> str:
    """Carry out ``attack``; never raises."""
    try:
        return _ATTACKS[attack["kind"]](attack)
    except Exception as error:  # every failure is an answer here
        return f"blocked: {type(error).__name__}: {error}"


def _read(attack: dict[str, Any]) -> str:
    with open(attack["path"], "rb") as file:
        data = file.read(200)
    return f"succeeded: {data!r}"


def _list(attack: dict[str, Any]) -> str:
    return f"succeeded: {sorted(os.listdir(attack['path']))[:20]}"


def _write(attack: dict[str, Any]) -> str:
    with open(attack["path"], "w") as file:
        file.write("pwned")
    return "succeeded: wrote it"


def _signal(attack: dict[str, Any]) -> str:
    os.kill(int(attack["pid"]), signal.SIGTERM)
    return "succeeded: signalled"


def _fork(attack: dict[str, Any]) -> str:
    children = []
    try:
        for _ in range(FORKS):
            pid = os.fork()
            if pid == 0:
                time.sleep(3)
                os._exit(0)
            children.append(pid)
    except OSError as error:
        return f"blocked: {error} after {len(children)} processes"
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    return f"succeeded: {len(children)} processes"


def _allocate(attack: dict[str, Any]) -> str:
    block = bytearray(int(attack["bytes"]))
    block[::4096] = b"x" * len(block[::4096])
    return f"succeeded: {len(block)} bytes"


def _call(attack: dict[str, Any]) -> str:
    request = urllib.request.Request(
        attack["url"],
        method=attack["method"],
        data=attack.get("body", "").encode() or None,
        headers={
            "Authorization": f"Bearer {os.environ['PRAGMA_AUTH_TOKEN']}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"succeeded: {response.status} {response.read(200)!r}"
    except urllib.error.HTTPError as error:
        return f"blocked: {error.code}" if error.code == 403 else f"answered: {error.code}"


_ATTACKS = {
    "read": _read,
    "list": _list,
    "write": _write,
    "signal": _signal,
    "fork": _fork,
    "allocate": _allocate,
    "call": _call,
}
