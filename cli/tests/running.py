"""Running the real ``pragma`` command in a subprocess, with its own HOME, as a user runs it."""

from __future__ import annotations

import subprocess
import sys
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

    def popen(self, *args: str, **kwargs: object) -> subprocess.Popen[str]:
        """Start ``pragma`` and let the test talk to it."""
        return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
            [str(PRAGMA), *args], env=self.env, cwd=self.home, text=True, **kwargs
        )


def logged_in(pragma: Pragma, server: RunningServer) -> Pragma:
    """``pragma`` logged in to ``server`` as its bootstrap admin (context ``default``)."""
    pragma.ok("auth", "login", "--api-url", server.url, "--token", server.token)
    return pragma
