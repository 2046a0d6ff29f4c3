"""What ``pragma`` imports to start: ``--help`` and ``--version`` need no HTTP client and no pydantic;
commands that only read the local config need no HTTP client."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.smoke

HEAVY = ("httpx", "pydantic", "pragma_sdk", "yaml", "pragma_cli.commands.resources")
CLIENT = ("httpx", "pragma_sdk.client", "pragma_sdk.models", "pragma_cli.commands.resources")
PROBE = """
import json, sys
from pragma_cli.main import run
from pragma_cli.state import CliState
watched = json.loads(sys.argv[1])
code = run(sys.argv[2:], CliState())
imported = [name for name in watched if name in sys.modules]
print(json.dumps({"code": code, "imported": imported}), file=sys.stderr)
"""


def _imports(args: list[str], watched: tuple[str, ...], home: Path) -> dict[str, object]:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(watched), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert "Traceback" not in probe.stderr, probe.stderr
    report: dict[str, object] = json.loads(probe.stderr.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_starting_imports_no_client_library(args: list[str], tmp_path: Path) -> None:
    assert _imports(args, HEAVY, tmp_path) == {"code": 0, "imported": []}


def test_reading_the_local_config_imports_no_client_library(tmp_path: Path) -> None:
    # No context is configured in an empty home: the command says so, from the files alone.
    report = _imports(["config", "get-contexts"], CLIENT, tmp_path)
    assert report["imported"] == []
