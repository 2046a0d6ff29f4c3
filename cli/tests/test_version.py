"""The ``pragma`` command, run as a user runs it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from pragma_cli import __version__


def test_version_prints_and_exits_zero() -> None:
    beside_python = Path(sys.executable).parent / "pragma"
    executable = str(beside_python) if beside_python.exists() else shutil.which("pragma")
    assert executable, "the pragma command is not installed"
    result = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"pragma {__version__}"
