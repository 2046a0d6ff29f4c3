"""Token, context and URL discovery, in the order the SDK guide gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from pragma_sdk import PragmaClient
from pragma_sdk import credentials as creds


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for variable in ("PRAGMA_AUTH_TOKEN", "PRAGMA_CONTEXT", "PRAGMA_API_URL", "PRAGMA_AUTH_TOKEN_PRODUCTION"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    return tmp_path / "pragma"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_explicit_token_wins(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN", "prg_env")
    with PragmaClient(auth_token="prg_explicit") as client:
        assert client._settings.auth_token == "prg_explicit"


def test_context_variable_beats_generic_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN", "prg_generic")
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN_PRODUCTION", "prg_production")
    assert creds.discover_token("production") == "prg_production"
    assert creds.discover_token("staging") == "prg_generic"


def test_generic_variable_beats_credentials_file(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path
) -> None:
    write(clean_environment / "credentials", "default=prg_file\n")
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN", "prg_generic")
    assert creds.discover_token("default") == "prg_generic"


def test_credentials_file_is_read_per_context(clean_environment: Path) -> None:
    write(clean_environment / "credentials", "# comment\ndefault=prg_a\nproduction = prg_b\n")
    assert creds.discover_token("default") == "prg_a"
    assert creds.discover_token("production") == "prg_b"
    assert creds.discover_token("nowhere") is None


def test_context_comes_from_env_then_config(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    assert creds.current_context() == "default"
    write(clean_environment / "config.yaml", "current_context: staging\n")
    assert creds.current_context() == "staging"
    monkeypatch.setenv("PRAGMA_CONTEXT", "production")
    assert creds.current_context() == "production"
    assert creds.current_context("explicit") == "explicit"


def test_cli_config_file_supplies_context_and_api_url(clean_environment: Path) -> None:
    write(
        clean_environment / "config",
        "current_context: dev\ncontexts:\n  dev:\n    api_url: http://dev.example:9000\n",
    )
    write(clean_environment / "credentials", "dev=prg_dev\n")
    with PragmaClient() as client:
        assert client.base_url == "http://dev.example:9000"
        assert client._settings.auth_token == "prg_dev"


def test_base_url_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    with PragmaClient() as client:
        assert client.base_url == "http://localhost:8000"
    monkeypatch.setenv("PRAGMA_API_URL", "http://api.example:1234/")
    with PragmaClient() as client:
        assert client.base_url == "http://api.example:1234"
    with PragmaClient(base_url="http://explicit:1") as client:
        assert client.base_url == "http://explicit:1"


def test_require_auth_raises_value_error_with_instructions() -> None:
    with pytest.raises(ValueError, match="pragma auth login") as raised:
        PragmaClient(require_auth=True)
    assert "PRAGMA_AUTH_TOKEN" in str(raised.value)
    with pytest.raises(ValueError, match="No API token"):
        PragmaClient(auth_token=None, require_auth=True)


def test_auth_token_none_disables_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRAGMA_AUTH_TOKEN", "prg_env")
    with PragmaClient(auth_token=None) as client:
        assert client._settings.auth_token is None
        assert "Authorization" not in client._http.headers


def test_store_token_keeps_other_contexts_and_is_private(clean_environment: Path) -> None:
    write(clean_environment / "credentials", "production=prg_b\n")
    path = creds.store_token("default", "prg_a")
    assert path.read_text() == "production=prg_b\ndefault=prg_a\n"
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700  # created 755 above, tightened


def test_store_token_makes_a_new_config_folder_owner_only(clean_environment: Path) -> None:
    assert not clean_environment.exists()
    path = creds.store_token("default", "prg_a")
    assert path.stat().st_mode & 0o777 == 0o600
    assert clean_environment.stat().st_mode & 0o777 == 0o700
