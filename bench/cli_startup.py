"""How long the ``pragma`` command takes to start, next to ``python -c pass``.

    .venv/bin/python bench/cli_startup.py              # 10 runs of each command
    .venv/bin/python bench/cli_startup.py --runs 30

Runs each command in a fresh process with its own empty home folder (nothing on the network:
``pragma config current-context`` reads only the config files) and prints the median, the
fastest and the slowest wall time of each.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = Path(sys.executable)
PRAGMA = PYTHON.parent / "pragma"
COMMANDS = {
    "python -c pass": [str(PYTHON), "-c", "pass"],
    "pragma --version": [str(PRAGMA), "--version"],
    "pragma --help": [str(PRAGMA), "--help"],
    "pragma resources --help": [str(PRAGMA), "resources", "--help"],
    "pragma config current-context": [str(PRAGMA), "config", "current-context"],
}


def wall_times(command: list[str], runs: int, env: dict[str, str]) -> list[float]:
    """Seconds each of ``runs`` runs of ``command`` took, from start to exit."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each command (default 10)")
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as home:
        env = {key: value for key, value in os.environ.items() if not key.startswith("PRAGMA_")}
        env.update(HOME=home, XDG_CONFIG_HOME=str(Path(home) / ".config"), COLUMNS="80")
        for command in COMMANDS.values():  # once each, so every run finds its .pyc files written
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        print(f"{'command':32} {'median':>8} {'fastest':>8} {'slowest':>8}   ({runs} runs each)")
        for label, command in COMMANDS.items():
            times = wall_times(command, runs, env)
            print(f"{label:32} {statistics.median(times):7.3f}s {min(times):7.3f}s {max(times):7.3f}s")


if __name__ == "__main__":
    main()
