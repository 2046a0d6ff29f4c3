"""The environment of build steps holds only allow-listed variables, never the server's secrets."""

from __future__ import annotations

from pathlib import Path

from pragma_os.builds.environment import build_environment

SERVER_ENV = {
    "PATH": "/usr/bin",
    "LANG": "C.UTF-8",
    "HOME": "/home/server",
    "PRAGMA_DATABASE_URL": "postgresql://user:secret@db/pragma",
    "PRAGMA_SECRET_KEY": "s3cr3t",
    "DATABASE_URL": "postgresql://secret",
    "AWS_SECRET_ACCESS_KEY": "aws-secret",
    "GITHUB_TOKEN": "ghp_secret",
    "PYTHONPATH": "/srv/pragma",
    "UV_INDEX_URL": "https://mirror.example/simple",
    "UV_CACHE_DIR": "/srv/ignored-cache",
    "HTTPS_PROXY": "http://proxy:3128",
}


def test_import_steps_get_only_the_base_set(tmp_path: Path) -> None:
    env = build_environment(tmp_path, source=SERVER_ENV)
    assert env == {"PATH": "/usr/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "PYTHONUNBUFFERED": "1"}


def test_uv_steps_add_the_cache_and_the_operators_index_settings(tmp_path: Path) -> None:
    env = build_environment(tmp_path, uv_cache_dir=Path("/cache/uv"), source=SERVER_ENV)
    assert env["UV_CACHE_DIR"] == "/cache/uv"
    assert env["UV_INDEX_URL"] == "https://mirror.example/simple"
    assert env["HTTPS_PROXY"] == "http://proxy:3128"
    assert env["HOME"] == str(tmp_path)
    assert not {key for key in env if key.startswith("PRAGMA_")}
    secrets = {"s3cr3t", "aws-secret", "ghp_secret", "postgresql://secret", "/srv/pragma"}
    assert not secrets & set(env.values())
    assert not any("secret" in value for value in env.values())
