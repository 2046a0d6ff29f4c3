"""What ``pragma`` imports to start: ``--help`` and ``--version`` need no HTTP client and no pydantic."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.smoke

HEAVY = ("httpx", "pydantic", "pragma_sdk", "yaml", "pragma_cli.commands.resources")
PROBE = f"""
import json, sys
from pragma_cli.main import run
from pragma_cli.state import CliState
code = run(sys.argv[1:], CliState())
imported = [name for name in {HEAVY!r} if name in sys.modules]
print(json.dumps({{"code": code, "imported": imported}}), file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_starting_imports_no_client_library(args: list[str]) -> None:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert "pragma" in probe.stdout, probe.stderr
    report = json.loads(probe.stderr.strip().splitlines()[-1])
    assert report == {"code": 0, "imported": []}, probe.stderr
