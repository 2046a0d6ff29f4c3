"""One build as its own process: ``python -m pragma_os.builds.job ARGS``.

The server starts this for each pushed version, with an environment holding none of its
secrets, in the version's directory. It unpacks the archive, runs the build, prints every
line of output to stdout (the server appends them to the build log) and writes the outcome
as JSON to ``--result``.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import time
from pathlib import Path

from pragma_os.builds.archive import ArchiveLimits, extract_archive
from pragma_os.builds.errors import BuildError
from pragma_os.builds.interpreters import Interpreter
from pragma_os.builds.runner import BuildOutcome, run_build
from pragma_os.sandbox.policy import SandboxIdentity


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pragma_os.builds.job", description=__doc__)
    parser.add_argument("--archive", type=Path, required=True, help="the pushed gzipped tarball")
    parser.add_argument("--work-dir", type=Path, required=True, help="the version's build directory")
    parser.add_argument("--result", type=Path, required=True, help="where to write the outcome (JSON)")
    parser.add_argument("--sdk-source", type=Path, required=True, help="the platform's SDK to install")
    parser.add_argument("--uv", type=Path, required=True, help="the uv executable")
    parser.add_argument(
        "--pythons", type=json.loads, required=True, help="JSON list of the interpreters builds may use"
    )
    parser.add_argument("--uv-cache-dir", type=Path, required=True, help="the uv cache builds share")
    parser.add_argument("--timeout", type=float, required=True, help="seconds for the whole build")
    parser.add_argument("--max-compressed-bytes", type=int, required=True)
    parser.add_argument("--max-unpacked-bytes", type=int, required=True)
    parser.add_argument("--max-files", type=int, required=True)
    parser.add_argument(
        "--sandbox-prefix", type=json.loads, default=[], help="JSON list put before every step's command"
    )
    parser.add_argument("--owner", type=_identity, default=None, help="UID:GID the sandboxed steps run as")
    parser.add_argument("--max-write-bytes", type=int, default=None, help="what the build may write")
    return parser


def _identity(text: str) -> SandboxIdentity:
    uid, _, gid = text.partition(":")
    return SandboxIdentity(uid=int(uid), gid=int(gid))


async def _log(line: str) -> None:
    print(line, flush=True)


async def build(arguments: argparse.Namespace) -> BuildOutcome:
    """Unpack and build; a failure is an outcome with its one-line reason."""
    started = time.monotonic()
    limits = ArchiveLimits(
        max_compressed_bytes=arguments.max_compressed_bytes,
        max_unpacked_bytes=arguments.max_unpacked_bytes,
        max_members=arguments.max_files,
    )
    await _log("==> unpacking the archive")
    try:
        extracted = await asyncio.to_thread(
            extract_archive, arguments.archive, arguments.work_dir / "source", limits
        )
    except BuildError as error:
        await _log(f"==> build failed: {error.message}")
        return BuildOutcome(success=False, error_message=error.message)
    await _log(f"==> unpacked {extracted.members} entries, {extracted.unpacked_bytes} bytes")
    return await run_build(
        extracted.project_root,
        arguments.work_dir,
        sdk_source=arguments.sdk_source,
        log=_log,
        timeout=max(arguments.timeout - (time.monotonic() - started), 1.0),
        uv=arguments.uv,
        pythons=[Interpreter.from_argument(item) for item in arguments.pythons],
        uv_cache_dir=arguments.uv_cache_dir,
        sandbox_prefix=arguments.sandbox_prefix,
        owner=arguments.owner,
        max_write_bytes=arguments.max_write_bytes,
    )


def main(argv: list[str] | None = None) -> int:
    """Run the build; exit 0 whenever an outcome was written, failed builds included."""
    arguments = _parser().parse_args(argv)
    outcome = asyncio.run(build(arguments))
    arguments.result.write_text(json.dumps(dataclasses.asdict(outcome)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
