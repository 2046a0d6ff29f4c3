"""Fixtures of the CLI tests: ``pragma`` with an empty home, or logged in to the engine server."""

from __future__ import annotations

from pathlib import Path

import pytest

from testing.fixtures.server import RunningServer

from .running import Pragma, logged_in


@pytest.fixture
def pragma(tmp_path: Path) -> Pragma:
    """``pragma`` with an empty home folder: no contexts, no tokens."""
    home = tmp_path / "home"
    home.mkdir()
    return Pragma(home)


@pytest.fixture
def cli(pragma: Pragma, engine_server: RunningServer) -> Pragma:
    """``pragma`` logged in to the engine server (workers for ``testkit`` and ``mycloud``)."""
    return logged_in(pragma, engine_server)
