"""``pragma config``: contexts in the platform's file formats, so an existing setup keeps working."""

from __future__ import annotations

import json
import stat

import yaml

from .running import Pragma


def test_contexts_round_trip_in_the_platform_files(pragma: Pragma) -> None:
    folder = pragma.home / ".config" / "pragma"
    folder.mkdir(parents=True)
    # A config written by the hosted platform's CLI: extra keys must survive our writes.
    (folder / "config").write_text(
        "current_context: default\n"
        "contexts:\n"
        "  default:\n    api_url: http://localhost:8000\n    project: demo\n"
    )
    (folder / "credentials").write_text("default=prg_default\nstaging=prg_staging\n")

    pragma.ok("config", "set-context", "prod", "--api-url", "https://pragma.example.com/")
    pragma.ok("config", "set-context", "staging", "--api-url", "http://staging:8000")
    assert pragma.ok("config", "current-context", "-o", "json").out.strip().startswith("{")
    assert json.loads(pragma.ok("config", "current-context", "-o", "json").out)["name"] == "default"

    switched = pragma.ok("config", "use-context", "prod")
    assert "Switched to context 'prod'" in switched.out
    written = yaml.safe_load((folder / "config").read_text())
    assert written["current_context"] == "prod"
    assert written["contexts"]["prod"] == {"api_url": "https://pragma.example.com"}
    assert written["contexts"]["default"]["project"] == "demo"

    current = pragma.ok("config", "current-context")
    assert "prod" in current.out
    assert "https://pragma.example.com" in current.out
    listed = json.loads(pragma.ok("config", "get-contexts", "-o", "json").out)
    by_name = {item["name"]: item for item in listed}
    assert by_name["prod"]["current"] is True
    assert by_name["prod"]["logged_in"] is False
    assert by_name["staging"]["logged_in"] is True
    assert by_name["staging"]["api_url"] == "http://staging:8000"
    table = pragma.ok("config", "get-contexts").out
    assert max(len(line) for line in table.splitlines()) <= 80
    assert any(line.startswith("*") and "prod" in line for line in table.splitlines())

    # PRAGMA_CONTEXT and --context win over the file, placed before or after the subcommand.
    assert (
        json.loads(
            pragma.ok("config", "current-context", "-o", "json", env={"PRAGMA_CONTEXT": "staging"}).out
        )["name"]
        == "staging"
    )
    assert (
        json.loads(pragma.ok("config", "current-context", "--context", "default", "-o", "json").out)["name"]
        == "default"
    )
    assert (
        json.loads(pragma.ok("-c", "staging", "config", "current-context", "-o", "json").out)["api_url"]
        == "http://staging:8000"
    )

    refused = pragma("config", "delete-context", "prod")
    assert refused.code == 1
    assert "is the current context" in refused.error_line()
    unknown = pragma("config", "use-context", "nowhere")
    assert unknown.code == 1
    assert "pragma config set-context nowhere" in unknown.error_line()
    missing_url = pragma("config", "set-context", "nowhere")
    assert missing_url.code == 2
    assert "--api-url" in missing_url.error_line()

    pragma.ok("config", "delete-context", "staging")
    assert "staging" not in yaml.safe_load((folder / "config").read_text())["contexts"]
    credentials = folder / "credentials"
    assert credentials.read_text() == "default=prg_default\n"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    gone = pragma("config", "delete-context", "staging")
    assert gone.code == 1
    assert "does not exist" in gone.error_line()


def test_the_sdk_config_file_is_updated_where_it_would_win(pragma: Pragma) -> None:
    folder = pragma.home / ".config" / "pragma"
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(
        "current_context: old\ncontexts:\n  old:\n    api_url: http://old:1\n"
    )
    pragma.ok("config", "set-context", "new", "--api-url", "http://new:2")
    pragma.ok("config", "use-context", "new")
    assert yaml.safe_load((folder / "config.yaml").read_text())["current_context"] == "new"
    assert json.loads(pragma.ok("config", "current-context", "-o", "json").out) == {
        "name": "new",
        "api_url": "http://new:2",
    }
