"""The command without a server: version, usage errors, completions, a server that is down."""

from __future__ import annotations

import pytest

from pragma_cli import __version__
from testing.processes import free_port

from .running import PRAGMA, Pragma

pytestmark = pytest.mark.smoke


def test_version_prints_and_exits_zero(pragma: Pragma) -> None:
    assert PRAGMA.exists(), "the pragma command is not installed"
    result = pragma.ok("--version")
    assert result.out.strip() == f"pragma {__version__}"


def test_usage_errors_exit_2_with_one_line(pragma: Pragma) -> None:
    cases = {
        ("resources", "lst"): "No such command 'lst'",
        ("resources", "list", "--bogus"): "No such option: --bogus",
        ("resources", "get", "no-slash"): "expected PROVIDER/TYPE",
        ("resources", "list", "-o", "xml"): "'xml' is not one of",
        ("ops", "dead-letter", "retry"): "give either an EVENT_ID or --all",
        ("ops", "dead-letter", "delete", "evt_1", "--all"): "exactly one of",
        ("completions", "tcsh"): "tcsh",
        ("providers", "delete", "someone"): "refusing to delete without confirmation",
    }
    for args, fragment in cases.items():
        result = pragma(*args)
        assert result.code == 2, str(result)
        line = result.error_line()
        assert fragment in line, str(result)
        assert len([text for text in result.err.splitlines() if text.strip()]) == 1, str(result)
    bare = pragma("resources")
    assert bare.code == 2
    assert "list" in bare.out + bare.err
    assert "Traceback" not in bare.err


def test_help_lists_every_group(pragma: Pragma) -> None:
    result = pragma.ok("--help")
    for group in ("auth", "config", "resources", "providers", "ops", "completions"):
        assert group in result.out
    assert "--context" in result.out
    assert "--output" in result.out


def test_completion_scripts_and_completing(pragma: Pragma) -> None:
    for shell, marker in (
        ("bash", "complete -o default"),
        ("zsh", "#compdef pragma"),
        ("fish", "complete --command"),
    ):
        script = pragma.ok("completions", shell).out
        assert marker in script
        assert "_PRAGMA_COMPLETE" in script
    completed = pragma(
        env={"_PRAGMA_COMPLETE": "complete_bash", "COMP_WORDS": "pragma reso", "COMP_CWORD": "1"}
    )
    assert completed.out.split() == ["resources"], str(completed)
    completed = pragma(
        env={
            "_PRAGMA_COMPLETE": "complete_bash",
            "COMP_WORDS": "pragma ops dead-letter re",
            "COMP_CWORD": "3",
        }
    )
    assert sorted(completed.out.split()) == ["retry"], str(completed)


def test_server_down_is_one_line_and_debug_shows_the_traceback(pragma: Pragma) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = pragma("resources", "list", "--api-url", url, "--token", "prg_whatever")
    assert result.code == 1, str(result)
    line = result.error_line()
    assert f"cannot reach the API at {url}" in line
    assert "pragma-os serve" in line
    debug = pragma("--debug", "providers", "list", "--api-url", url, "-t", "prg_whatever")
    assert debug.code == 1
    assert "Traceback" in debug.err
    assert "ConnectError" in debug.err


def test_not_logged_in_says_how_to_log_in(pragma: Pragma) -> None:
    result = pragma("resources", "list", "--api-url", f"http://127.0.0.1:{free_port()}")
    assert result.code == 1
    assert "no API token for context 'default'" in result.error_line()
    assert "pragma auth login" in result.error_line()
