"""``pragma-os admin``: finds the server's database as ``serve`` does (flag, variable, default),
and refuses to make a new one where there is none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx

from testing.fixtures.db import create_postgres_database, drop_postgres_database
from testing.fixtures.server import RunningServer, start_server


def _admin(server_env: dict[str, str], cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pragma_os", "admin", *args],
        cwd=cwd,
        env={**server_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _authenticates(server: RunningServer, token: str) -> bool:
    me = httpx.get(f"{server.url}/auth/me", headers={"Authorization": f"Bearer {token}"})
    return me.status_code == 200 and me.json()["organization_name"] == "acme"


def test_admin_commands_elsewhere_refuse_to_make_a_database_and_find_the_servers_by_its_data_dir(
    tmp_path: Path,
) -> None:
    # A server on its default SQLite file, in its data directory.
    server = start_server(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'data' / 'pragma.db'}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    try:
        for args in (("create-org", "acme"), ("create-token", "--org", "acme", "--email", "a@acme.example")):
            refused = _admin(server.env, elsewhere, *args)
            assert refused.returncode == 1, refused
            lines = refused.stderr.strip().splitlines()
            assert len(lines) == 1, refused.stderr
            assert lines[0].startswith(
                f"error: no pragma-os database at {elsewhere / '.pragma' / 'pragma.db'};"
            )
            assert "--data-dir DIR or PRAGMA_DATA_DIR" in lines[0]
            assert refused.stdout == ""
            assert not (elsewhere / ".pragma").exists()

        # The variable serve reads, then the flag serve takes: both reach the server's database.
        created = _admin(server.env, elsewhere, "create-org", "acme", PRAGMA_DATA_DIR=str(server.data_dir))
        assert created.returncode == 0, created.stderr
        issued = _admin(
            server.env,
            elsewhere,
            "create-token", "--org", "acme", "--email", "a@acme.example",
            "--data-dir", str(server.data_dir),
        )  # fmt: skip
        assert issued.returncode == 0, issued.stderr
        assert _authenticates(server, issued.stdout.strip())
    finally:
        server.stop()


def test_admin_commands_refuse_a_database_no_server_ran_on(tmp_path: Path) -> None:
    url = create_postgres_database()
    try:
        refused = _admin({}, tmp_path, "create-org", "acme", "--database-url", url, PATH="/usr/bin:/bin")
        assert refused.returncode == 1, refused
        line = refused.stderr.strip()
        assert line.startswith("error: the database postgresql+asyncpg://"), line
        assert "holds no pragma-os data; run this where 'pragma-os serve' runs" in line
        assert "\n" not in line
    finally:
        drop_postgres_database(url)
