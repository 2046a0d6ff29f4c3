"""``pragma providers init`` writes a project that passes its own lint and tests, also when it is
made inside this repository, as the README's quick start does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from .running import Pragma

REPOSITORY = Path(__file__).resolve().parents[2]
RUFF = Path(sys.executable).parent / "ruff"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _assert_lint_clean(project: Path, cwd: Path) -> None:
    target = str(project.relative_to(cwd)) if project.is_relative_to(cwd) else str(project)
    for check in (("check",), ("format", "--check")):
        linted = _run(str(RUFF), *check, "--no-cache", target, cwd=cwd)
        assert linted.returncode == 0, linted.stdout + linted.stderr


def test_generated_project_passes_its_lint_and_tests(pragma: Pragma, tmp_path: Path) -> None:
    project = tmp_path / "gizmo-provider"
    pragma.ok("providers", "init", "gizmo", "--output", str(project), "--defaults")

    _assert_lint_clean(project, cwd=project)
    tests = _run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=project)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "4 passed" in tests.stdout


def test_project_made_inside_this_repository_keeps_its_own_lint_settings(pragma: Pragma) -> None:
    # The quick start runs 'pragma providers init acme' in the clone; the repository's lint
    # settings (pragma_sdk first-party, for one) must not apply to the user's project.
    project = REPOSITORY / f".scaffold-lint-{pragma.home.name}"
    try:
        pragma.ok("providers", "init", "acme", "--output", str(project), "--defaults")
        _assert_lint_clean(project, cwd=REPOSITORY)
    finally:
        shutil.rmtree(project, ignore_errors=True)
