"""``pragma files``, ``pragma resources reveal``, and how refusals are reported: several documents
applied all or none, every broken rule on its own line, a refused delete said once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from testing.fixtures.secrets import secret_body
from testing.fixtures.server import RunningServer

from .documents import tagged_item
from .running import SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)


def _reference(name: str) -> dict[str, str]:
    return {"provider": "testkit", "resource": "item", "name": name, "field": "outputs.value"}


def test_a_cycle_between_documents_applies_none_of_them(cli: Pragma, unique: str, tmp_path: Path) -> None:
    tag = f"run:{unique}"
    first, second = f"{unique}-a", f"{unique}-b"
    manifest = tmp_path / "cycle.yaml"
    manifest.write_text(
        yaml.safe_dump_all(
            [
                tagged_item(first, tag, echo=_reference(second)),
                tagged_item(second, tag, echo=_reference(first)),
            ]
        )
    )
    refused = cli("resources", "apply", str(manifest))
    assert refused.code == 1, str(refused)
    assert "Traceback" not in refused.err
    lines = refused.err.splitlines()
    assert lines[0] == "error: 1 of 2 resource(s) refused, nothing was applied (HTTP 422)", str(refused)
    assert lines[1].strip().startswith(f"testkit/item/{second} ({manifest}, document 2): dependencies: ")
    assert "cycle" in lines[1]
    assert cli.ok("resources", "list", "--tag", tag).err.strip() == "No resources found."

    # The same pair without the cycle is applied whole.
    manifest.write_text(
        yaml.safe_dump_all([tagged_item(first, tag, echo=_reference(second)), tagged_item(second, tag)])
    )
    applied = cli.ok("resources", "apply", str(manifest))
    assert f"testkit/item/{first} applied" in applied.out
    assert f"testkit/item/{second} applied" in applied.out


def test_every_broken_rule_of_a_config_is_shown(cli: Pragma, unique: str) -> None:
    document = {"provider": "pragma", "resource": "config", "name": unique, "config": {"data": 5, "extra": 1}}
    refused = cli("resources", "apply", "-", stdin=yaml.safe_dump(document))
    assert refused.code == 1
    lines = refused.err.splitlines()
    assert lines[0].startswith(f"error: cannot apply pragma/config/{unique}"), str(refused)
    assert "2 problems (HTTP 422)" in lines[0]
    details = [line.strip() for line in lines[1:]]
    assert len(details) == 2, str(refused)
    assert details[0].startswith("config: ")
    assert "extra" in details[0]
    assert details[1].startswith("config.data: ")
    assert "object" in details[1]


def test_a_refused_delete_says_why_once(cli: Pragma, unique: str) -> None:
    tag = f"run:{unique}"
    first, second = f"{unique}-a", f"{unique}-b"
    stack = yaml.safe_dump_all([tagged_item(first, tag), tagged_item(second, tag, echo=_reference(first))])
    cli.ok("resources", "apply", "-", "--draft", stdin=stack)
    blocked = cli("resources", "delete", "testkit/item", first)
    assert blocked.code == 1
    line = blocked.error_line()
    assert line.startswith(
        f"error: testkit/item/{first} cannot be deleted while other resources depend on it: "
    )
    assert f"testkit/item/{second}" in line
    assert line.count(f"testkit/item/{first}") == 1
    assert "HTTP 409" in line


def test_files_upload_list_url_download_and_delete(
    cli: Pragma, engine_server: RunningServer, unique: str, tmp_path: Path
) -> None:
    content = b"a,b\n1,2\n" * 1000
    source = tmp_path / "data.csv"
    source.write_bytes(content)
    name = f"{unique}-data.csv"
    uploaded = cli.ok("files", "upload", str(source), "--name", name)
    checksum = hashlib.sha256(content).hexdigest()
    assert uploaded.out.strip() == f"uploaded {name} ({len(content)} bytes, text/csv, sha256 {checksum})"
    as_json = json.loads(cli.ok("files", "upload", str(source), "--name", name, "-o", "json").out)
    assert as_json["checksum"] == checksum

    tracker = {"provider": "pragma", "resource": "file", "name": name, "config": {"content_type": "text/csv"}}
    cli.ok("resources", "apply", "-", "--wait", "--timeout", "60", stdin=yaml.safe_dump(tracker))
    listed = {item["name"]: item for item in json.loads(cli.ok("files", "list", "-o", "json").out)}
    assert listed[name]["size"] == len(content)
    assert listed[name]["state"] == "ready"
    table = cli.ok("files", "list").out
    assert any(line.split()[:2] == [name, str(len(content))] for line in table.splitlines()), table

    link = cli.ok("files", "url", name, "--expires-in", "600").out.strip()
    assert link.startswith(engine_server.url)
    target = tmp_path / "copy.csv"
    downloaded = cli.ok("files", "download", name, "--to", str(target))
    assert target.read_bytes() == content
    assert f"({len(content)} bytes)" in downloaded.err
    into_folder = tmp_path / "folder"
    into_folder.mkdir()
    cli.ok("files", "download", name, "--to", str(into_folder))
    assert (into_folder / name).read_bytes() == content
    assert cli.ok("files", "download", name, "--to", "-").out == content.decode()

    assert cli.ok("files", "delete", name).out.strip() == f"deleted {name}"
    missing = cli("files", "download", name, "--to", str(tmp_path / "gone.csv"))
    assert missing.code == 1
    assert "HTTP 404" in missing.error_line()
    assert not (tmp_path / "gone.csv").exists()


def test_reveal_shows_a_secret_and_the_server_audits_it(
    cli: Pragma, engine_server: RunningServer, unique: str
) -> None:
    cli.ok("resources", "apply", "-", stdin=yaml.safe_dump(secret_body(unique, password="hunter2 x")))
    described = cli.ok("resources", "get", "pragma/secret", unique, "-o", "json").out
    assert "hunter2" not in described

    assert cli.ok("resources", "reveal", "pragma/secret", unique, "password").out == "hunter2 x\n"
    table = cli.ok("resources", "reveal", "pragma/secret", unique).out
    assert table.splitlines()[1].split(maxsplit=1) == ["password", "hunter2 x"]
    as_json = json.loads(cli.ok("resources", "reveal", "pragma/secret", unique, "-o", "json").out)
    assert as_json["data"] == {"password": "hunter2 x"}
    assert (
        f"secret revealed: organization=default resource=resource:pragma_secret_{unique}"
        in engine_server.log()
    )
    target = f"resource:pragma_secret_{unique}"
    audited = json.loads(cli.ok("audit", "--action", "secret.reveal", "-n", "1000", "-o", "json").out)
    mine = [entry for entry in audited if entry["target"] == target]
    assert len(mine) == 3  # one per reveal above
    assert {entry["user"] for entry in mine} == {"admin@localhost"}
    assert "hunter2" not in json.dumps(audited)
    rows = [line.split() for line in cli.ok("audit", "-o", "wide").out.splitlines() if target in line]
    # Newest first: the three reveals, then the apply that created the secret.
    assert [row[1:5] for row in rows] == [
        *[["admin@localhost", "secret.reveal", target, "api"]] * 3,
        ["admin@localhost", "resource.apply", target, "api"],
    ], rows
    assert cli("audit", "--action", "nonsense").error_line().startswith("error: ")

    no_key = cli("resources", "reveal", "pragma/secret", unique, "user")
    assert no_key.code == 1
    assert "has no key 'user' (its keys: password)" in no_key.error_line()
    not_a_secret = cli("resources", "reveal", "testkit/item", unique)
    assert not_a_secret.code == 2
    assert "only a pragma/secret can be revealed" in not_a_secret.error_line()
    missing = cli("resources", "reveal", "pragma/secret", f"{unique}-nothing")
    assert missing.code == 1
    assert "HTTP 404" in missing.error_line()
