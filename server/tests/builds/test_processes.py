"""Build steps as subprocesses: output streamed line by line, deadlines, process groups killed."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import pytest

from pragma_os.builds.processes import BuildLog, StepTimeoutError, StepWriteLimitError, WriteBudget, run_step

ENV = {"PATH": os.environ["PATH"]}


class Lines:
    """A line sink that records when each line arrived."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []

    async def __call__(self, line: str) -> None:
        self.lines.append((time.monotonic(), line))

    @property
    def text(self) -> list[str]:
        return [line for _at, line in self.lines]


def deadline(seconds: float) -> float:
    return asyncio.get_running_loop().time() + seconds


def python(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", code]


def leaving_a_child(pid_file: Path, then: str = "") -> str:
    """Code that starts a child sleeping for a minute, writes its pid to ``pid_file``, then runs ``then``."""
    return (
        "import subprocess, sys, time;"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid));" + then
    )


async def test_lines_reach_the_sink_while_the_step_runs(tmp_path: Path) -> None:
    sink = Lines()
    code = "import sys, time; print('first'); sys.stderr.write('second\\n'); time.sleep(1.5); print('last')"
    result = await run_step(python(code), cwd=tmp_path, env=ENV, log=BuildLog(sink), deadline=deadline(30))
    ended = time.monotonic()
    assert result.returncode == 0
    assert sink.text == ["first", "second", "last"]
    assert ended - sink.lines[0][0] >= 1.0  # the first line came before the sleep, not at the end


async def test_runs_in_the_work_dir_with_the_given_environment(tmp_path: Path) -> None:
    sink = Lines()
    code = "import os; print(os.getcwd()); print(sorted(os.environ))"
    await run_step(python(code), cwd=tmp_path, env=ENV, log=BuildLog(sink), deadline=deadline(30))
    assert sink.text[0] == str(tmp_path)
    assert "PRAGMA" not in sink.text[1]


async def test_the_exit_code_and_the_tail_are_returned(tmp_path: Path) -> None:
    code = "import sys; [print(n) for n in range(500)]; sys.exit(3)"
    result = await run_step(python(code), cwd=tmp_path, env=ENV, log=BuildLog(Lines()), deadline=deadline(30))
    assert result.returncode == 3
    assert result.tail[-1] == "499"
    assert len(result.tail) == 200


async def test_a_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    code = leaving_a_child(pid_file, then="print('started', flush=True); time.sleep(60)")
    started = time.monotonic()
    with pytest.raises(StepTimeoutError):
        await run_step(python(code), cwd=tmp_path, env=ENV, log=BuildLog(Lines()), deadline=deadline(2))
    assert time.monotonic() - started < 10
    assert_dead(int(pid_file.read_text()))


async def test_processes_left_behind_by_a_finished_step_are_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    code = leaving_a_child(pid_file)
    started = time.monotonic()
    result = await run_step(python(code), cwd=tmp_path, env=ENV, log=BuildLog(Lines()), deadline=deadline(30))
    assert result.returncode == 0
    assert time.monotonic() - started < 10  # the leftover held the pipe; it did not hold the step
    assert_dead(int(pid_file.read_text()))


async def test_long_lines_are_split_and_the_log_is_capped(tmp_path: Path) -> None:
    sink = Lines()
    code = "print('x' * 20000); [print(n) for n in range(50)]"
    await run_step(
        python(code), cwd=tmp_path, env=ENV, log=BuildLog(sink, max_lines=10), deadline=deadline(30)
    )
    assert [len(line) for line in sink.text[:3]] == [8192, 8192, 3616]
    assert len(sink.text) == 11
    assert sink.text[-1] == "... build output truncated after 10 lines"


def assert_dead(pid: int) -> None:
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # Killed but not yet reaped by its new parent: a zombie counts as dead.
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
            return
        time.sleep(0.1)
    raise AssertionError(f"process {pid} is still running")


async def test_a_step_that_writes_past_the_budget_is_killed(tmp_path: Path) -> None:
    budget = WriteBudget.from_now(tmp_path, 64 * 1024**2)
    # Writes 1 MiB at a time, up to 4 GiB, far more than the budget allows.
    code = (
        "import os\n"
        "with open('big', 'wb') as f:\n"
        "    for _ in range(4096):\n"
        "        f.write(os.urandom(1024 * 1024))\n"
    )
    started = time.monotonic()
    with pytest.raises(StepWriteLimitError):
        await run_step(
            python(code), cwd=tmp_path, env=ENV, log=BuildLog(Lines()), deadline=deadline(120), budget=budget
        )
    assert time.monotonic() - started < 60
    assert (tmp_path / "big").stat().st_size < 2 * 1024**3
