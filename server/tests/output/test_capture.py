"""Capturing real processes' output: stamped, redacted, cut and bounded, whatever they print."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from pragma_os.output import BoundedLog, CapturedOutput
from pragma_os.output.capture import MAX_LINE_BYTES
from pragma_os.output.log_file import previous_segment
from pragma_os.secrets.redaction import WITHHELD, Redactor

SECRET = "hunter2-the-secret"


async def knows_the_secret() -> Redactor:
    return Redactor([SECRET])


async def cannot_load() -> Redactor:
    raise ConnectionError("the database is down")


async def start(
    output: CapturedOutput, code: str, source: str = "w#0"
) -> tuple[asyncio.subprocess.Process, asyncio.Task[None]]:
    """Start ``code`` as a worker is started: its stdout and stderr into ``output``'s pipe.

    Returns the process and the task capturing its output.
    """
    with output.pipe(source) as pipe:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            code,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=pipe.writer,
            stderr=pipe.writer,
        )
    return process, pipe.capture(process)


async def run(output: CapturedOutput, code: str, source: str = "w#0") -> int:
    """Run ``code`` as a worker is run, until it exits and its output is captured; its exit code."""
    process, capturing = await start(output, code, source)
    code_ = await process.wait()
    await capturing
    return code_


def lines(log: Path) -> list[str]:
    text = "".join(path.read_text() for path in (previous_segment(log), log) if path.exists())
    return text.splitlines()


async def test_stdout_and_stderr_lines_are_stamped_redacted_and_framed_by_start_and_exit(
    tmp_path: Path,
) -> None:
    log = tmp_path / "worker.log"
    output = CapturedOutput(BoundedLog(log, 1024 * 1024), knows_the_secret)
    code = "import sys\nprint('token: " + SECRET + "')\nprint('oops', file=sys.stderr)\nsys.exit(3)"
    assert await run(output, code) == 3
    written = lines(log)
    assert [line.split(" ", 2)[2] for line in written] == [
        written[0].split(" ", 2)[2],
        "token: [redacted]",
        "oops",
        "==> exited with code 3",
    ]
    assert "==> started (pid " in written[0]
    assert all(line.split(" ")[1] == "[w#0]" for line in written)
    assert SECRET not in log.read_text()


async def test_lines_are_withheld_when_the_secrets_cannot_be_loaded(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    output = CapturedOutput(BoundedLog(log, 1024 * 1024), cannot_load)
    await run(output, f"print('token: {SECRET}')")
    assert any(line.endswith(WITHHELD) for line in lines(log))
    assert SECRET not in log.read_text()


async def test_a_process_printing_without_end_is_cut_bounded_and_rotated(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    limit = 256 * 1024
    output = CapturedOutput(BoundedLog(log, limit), knows_the_secret)
    code = (
        "import sys\n"
        f"line = 'x' * 70_000 + ' {SECRET}' + 'y' * 10_000 + '\\n'\n"
        "while True:\n    sys.stdout.write(line)\n    sys.stdout.write('short line\\n')\n"
    )
    process, capturing = await start(output, code)
    await asyncio.sleep(3)
    process.terminate()
    await process.wait()
    await asyncio.wait_for(capturing, 10)
    assert log.stat().st_size <= limit // 2 + 2 * MAX_LINE_BYTES
    assert previous_segment(log).stat().st_size <= limit // 2 + 2 * MAX_LINE_BYTES
    written = lines(log)
    assert any(line.endswith(f" [line cut at {MAX_LINE_BYTES} bytes]") for line in written)
    assert any(line.endswith("] short line") for line in written)
    assert any("this log keeps about its last 256 KiB" in line for line in written)
    assert all(len(line.encode()) < MAX_LINE_BYTES + 200 for line in written)
    assert written[-1].endswith(f"==> exited with code {-signal.SIGTERM}")


async def test_a_secret_straddling_the_cut_of_a_long_line_is_still_redacted(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    output = CapturedOutput(BoundedLog(log, 1024 * 1024), knows_the_secret)
    await run(output, f"print('x' * ({MAX_LINE_BYTES} - 5) + '{SECRET}' + 'y' * 100_000)")
    assert SECRET[:5] not in log.read_text()


async def test_a_child_left_holding_the_output_does_not_hold_up_the_exit(tmp_path: Path) -> None:
    log = tmp_path / "worker.log"
    output = CapturedOutput(BoundedLog(log, 1024 * 1024), knows_the_secret)
    code = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print('child', child.pid, flush=True)\n"
    )
    started = time.monotonic()
    assert await asyncio.wait_for(run(output, code), 15) == 0
    assert time.monotonic() - started < 10
    written = lines(log)
    child = int(next(line for line in written if "] child " in line).rsplit(" ", 1)[1])
    os.kill(child, signal.SIGKILL)
    assert written[-1].endswith("==> exited with code 0")


async def test_build_output_is_kept_bare_but_redacted(tmp_path: Path) -> None:
    log = tmp_path / "build.log"
    output = CapturedOutput(BoundedLog(log, 1024 * 1024), knows_the_secret, stamped=False)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        f"print('installing'); print('index token {SECRET}', end='')",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None
    await output.pump(process.stdout)
    await process.wait()
    output.note("build succeeded")
    assert log.read_text() == "installing\nindex token [redacted]\n==> build succeeded\n"
