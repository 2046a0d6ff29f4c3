"""Running the real ``pragma`` command in a subprocess, with its own HOME, as a user runs it."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

from testing.fixtures.server import RunningServer, isolated_env

PRAGMA = Path(sys.executable).parent / "pragma"
# The CLI is a client: which database the server uses does not matter to it, so its tests
# use the session's SQLite servers only.
SQLITE_ONLY = ["sqlite"]


@dataclass(frozen=True)
class Result:
    """What one run of ``pragma`` did."""

    args: tuple[str, ...]
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"pragma {' '.join(self.args)} -> {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"

    def error_line(self) -> str:
        """The ``error:`` line the run ended with, after checking it failed the way a user should see."""
        assert "Traceback" not in self.err, str(self)
        lines = [line for line in self.err.splitlines() if line.strip()]
        assert lines, str(self)
        assert lines[-1].startswith("error: "), str(self)
        return lines[-1]


class Pragma:
    """Runs the installed ``pragma`` command as a user would, in an isolated home folder."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = isolated_env(home, COLUMNS="80", TERM="dumb")

    def __call__(
        self,
        *args: str,
        stdin: str | None = None,
        cwd: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 180,
    ) -> Result:
        completed = subprocess.run(
            [str(PRAGMA), *args],
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            cwd=cwd or self.home,
            env={**self.env, **(env or {})},
            timeout=timeout,
            check=False,
        )
        return Result(tuple(args), completed.returncode, completed.stdout, completed.stderr)

    def ok(self, *args: str, **kwargs: object) -> Result:
        """Run and check it succeeded."""
        result = self(*args, **kwargs)  # type: ignore[arg-type]
        assert result.code == 0, str(result)
        assert "Traceback" not in result.err, str(result)
        return result

    def on_terminal(
        self, *args: str, columns: int, answer: str | None = None, timeout: float = 180
    ) -> Result:
        """Run with stdin and stdout on a terminal ``columns`` wide (a pseudo-terminal), as
        in an interactive shell; ``answer`` is typed in, as to a question. Colours are off and
        other escape codes removed, so ``out`` is the text a user reads."""
        parent, child = pty.openpty()
        fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
        env = {**self.env, "COLUMNS": str(columns), "TERM": "xterm", "NO_COLOR": "1"}
        process = subprocess.Popen(
            [str(PRAGMA), *args], stdin=child, stdout=child, stderr=subprocess.PIPE, env=env, cwd=self.home
        )
        os.close(child)
        if answer is not None:
            os.write(parent, answer.encode())
        output = bytearray()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([parent], [], [], 0.1)
            try:
                chunk = os.read(parent, 65536) if ready else b""
            except OSError:  # the command ended and closed the terminal
                break
            if ready and not chunk:
                break
            output += chunk
        os.close(parent)
        _, err = process.communicate(timeout=max(deadline - time.monotonic(), 1))
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", output.decode(errors="replace")).replace("\r\n", "\n")
        return Result(tuple(args), process.returncode, text, err.decode(errors="replace"))

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen[str]:
        """Start ``pragma`` and let the test talk to it."""
        return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
            [str(PRAGMA), *args], env=self.env, cwd=self.home, text=True, **kwargs
        )


def logged_in(pragma: Pragma, server: RunningServer) -> Pragma:
    """``pragma`` logged in to ``server`` as its bootstrap admin (context ``default``)."""
    pragma.ok("auth", "login", "--api-url", server.url, "--token", server.token)
    return pragma
