"""Reading bounded logs: whole, tailed across segments, followed across rotations."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

from pragma_os.output import BoundedLog, log_exists, stream_log
from pragma_os.output.log_file import previous_segment


async def collect(lines: AsyncIterator[bytes]) -> list[str]:
    return b"".join([chunk async for chunk in lines]).decode().splitlines()


def appended(path: Path, data: bytes) -> None:
    with open(path, "ab") as log:
        log.write(data)


def written(log: BoundedLog, first: int, last: int) -> None:
    for number in range(first, last):
        log.append(f"line {number}\n".encode())


async def test_the_whole_log_and_its_tail_span_both_segments(tmp_path: Path) -> None:
    path = tmp_path / "worker.log"
    assert not log_exists(path)
    log = BoundedLog(path, 200)  # segments of 100 bytes: about 12 lines each
    written(log, 0, 30)
    whole = await collect(stream_log(path))
    assert whole[-1] == "line 29"
    assert whole[0].startswith("==> this log keeps about its last 200 bytes")
    numbers = [int(line.split()[1]) for line in whole[1:]]  # the notice only at the top
    assert numbers == list(range(numbers[0], 30))
    assert await collect(stream_log(path, tail=3)) == ["line 27", "line 28", "line 29"]
    assert await collect(stream_log(path, tail=len(whole))) == whole
    assert await collect(stream_log(path, tail=1000)) == whole
    assert await collect(stream_log(path, tail=0)) == []


async def test_a_followed_log_loses_no_line_across_rotations(tmp_path: Path) -> None:
    path = tmp_path / "worker.log"
    log = BoundedLog(path, 400)  # segments of 200 bytes: the notice and about 15 lines
    written(log, 0, 5)
    seen: list[str] = []
    progressed = asyncio.Event()

    async def follow() -> None:
        async for chunk in stream_log(path, tail=2, follow=True, poll_seconds=0.01):
            seen.extend(chunk.decode().splitlines())
            progressed.set()
            if seen[-1] == "line 40":
                return

    async def read_up_to(line: str) -> None:
        while line not in seen:
            await progressed.wait()
            progressed.clear()

    following = asyncio.create_task(follow())
    await asyncio.wait_for(read_up_to("line 4"), 10)
    # Bursts of 1 to 3 lines, each read before the next: several lines and a rotation fall
    # between two polls, but the reader is never a whole segment behind, which no bounded
    # log can make up for.
    first = 5
    while first < 41:
        last = min(first + 1 + first % 3, 41)
        written(log, first, last)
        await asyncio.wait_for(read_up_to(f"line {last - 1}"), 10)
        first = last
    await asyncio.wait_for(following, 10)
    assert seen == [f"line {n}" for n in range(3, 41)]
    assert previous_segment(path).exists()  # it did rotate


async def test_a_follower_that_sees_a_new_segment_before_its_first_write_still_hides_its_notice(
    tmp_path: Path,
) -> None:
    path = tmp_path / "worker.log"
    written(BoundedLog(path, 400), 0, 3)
    seen: list[str] = []
    caught_up = asyncio.Event()

    async def follow() -> None:
        async for chunk in stream_log(path, follow=True, poll_seconds=0.005):
            seen.extend(chunk.decode().splitlines())
            caught_up.set()
            if seen[-1] == "line 3":
                return

    following = asyncio.create_task(follow())
    await asyncio.wait_for(caught_up.wait(), 10)
    # What BoundedLog.append does on a rotation, with the follower reading between its steps.
    os.replace(path, previous_segment(path))
    path.touch()
    await asyncio.sleep(0.05)
    appended(path, b"==> this log keeps about its last 400 bytes: older lines go as new ones come\nline 3\n")
    await asyncio.wait_for(following, 10)
    assert seen == ["line 0", "line 1", "line 2", "line 3"]


async def test_following_waits_for_a_log_not_written_yet_and_stops_when_told(tmp_path: Path) -> None:
    path = tmp_path / "build.log"
    going = True

    async def still_going() -> bool:
        return going

    async def follow() -> list[str]:
        return await collect(stream_log(path, follow=True, still_going=still_going, poll_seconds=0.01))

    following = asyncio.create_task(follow())
    await asyncio.sleep(0.1)
    with path.open("ab") as log:
        log.write(b"first\nsecond without newline")
    await asyncio.sleep(0.1)
    going = False
    assert await asyncio.wait_for(following, 5) == ["first", "second without newline"]
