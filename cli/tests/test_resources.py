"""``pragma resources``: apply manifests, inspect, tag, delete, with the engine server's test provider."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from testing.fixtures.secrets import secret_body

from .documents import tagged_item
from .running import SQLITE_ONLY, Pragma

pytestmark = pytest.mark.parametrize("engine_server", SQLITE_ONLY, indirect=True)


@pytest.mark.smoke
def test_apply_inspect_tag_and_delete(cli: Pragma, unique: str, tmp_path: Path) -> None:
    tag = f"run:{unique}"
    one, two, three, four = (f"{unique}-{word}" for word in ("one", "two", "three", "four"))
    reference = {"provider": "testkit", "resource": "item", "name": one, "field": "outputs.value"}
    manifests = tmp_path / "stack.yaml"
    manifests.write_text(
        yaml.safe_dump_all(
            [tagged_item(one, tag, value="hello"), tagged_item(two, tag, value="world", echo=reference)]
        )
    )
    as_json = tmp_path / "three.json"
    as_json.write_text(json.dumps(tagged_item(three, tag, value="from json")))

    applied = cli.ok(
        "resources",
        "apply",
        str(manifests),
        str(as_json),
        "-",
        "--wait",
        stdin=yaml.safe_dump(tagged_item(four, tag, value="from stdin")),
    )
    for name in (one, two, three, four):
        assert f"testkit/item/{name} applied [PENDING]" in applied.out
        assert f"testkit/item/{name} ready" in applied.out

    table = cli.ok("resources", "list", "--provider", "testkit", "--tag", tag)
    lines = table.out.splitlines()
    assert lines[0].split() == ["PROVIDER/TYPE", "NAME", "STATE", "AGE", "MESSAGE"]
    assert len(lines) == 5
    assert all("[READY]" in line for line in lines[1:])
    assert max(len(line) for line in lines) <= 80
    assert (
        cli.ok("resources", "list", "--tag", tag, "--tag", "nothing-has-this").err.strip()
        == "No resources found."
    )
    listed = json.loads(cli.ok("resources", "list", "--tag", tag, "-o", "json").out)
    assert sorted(document["name"] for document in listed) == sorted([one, two, three, four])
    assert yaml.safe_load(cli.ok("-o", "yaml", "resources", "list", "--tag", tag).out) == listed

    document = json.loads(cli.ok("resources", "get", "testkit/item", two, "-o", "json").out)
    assert document["outputs"]["echo"] == "hello"
    assert document["lifecycle_state"] == "ready"
    assert two in cli.ok("resources", "get", "testkit/item").out

    described = cli.ok("resources", "describe", "testkit/item", two).out
    assert "Resolved config" in described
    assert f"testkit/item/{one} [READY]" in described.split("Dependencies")[1].split("Dependents")[0]
    about_one = json.loads(cli.ok("resources", "describe", "testkit/item", one, "-o", "json").out)
    assert about_one["dependents"] == [f"testkit/item/{two}"]
    assert about_one["resource"]["id"] == f"resource:testkit_item_{one}"

    cli.ok("resources", "tags", "add", "testkit/item", three, "env:prod", "team:data", tag)
    cli.ok("resources", "tags", "remove", "testkit/item", three, "team:data")
    assert json.loads(cli.ok("resources", "tags", "list", "testkit/item", three, "-o", "json").out) == [
        tag,
        "env:prod",
    ]
    assert "env:prod" in cli.ok("resources", "tags", "list", "testkit/item", three).out
    retagged = json.loads(cli.ok("resources", "get", "testkit/item", three, "-o", "json").out)
    assert retagged["generation"] == 1  # tags alone do not make the provider run again

    draft = cli.ok(
        "resources", "apply", "-", "--draft", stdin=yaml.safe_dump(tagged_item(f"{unique}-draft", tag))
    )
    assert "[DRAFT]" in draft.out
    cli.ok("resources", "delete", "testkit/item", f"{unique}-draft", "--wait")

    blocked = cli("resources", "delete", "testkit/item", one)
    assert blocked.code == 1
    line = blocked.error_line()
    assert "HTTP 409" in line
    assert two in line
    deleted = cli.ok("resources", "delete", "testkit/item", two, "--wait")
    assert f"testkit/item/{two} deleted" in deleted.out
    missing = cli("resources", "get", "testkit/item", two)
    assert missing.code == 1
    assert "not found (HTTP 404)" in missing.error_line()
    assert "pragma resources get testkit/item" in missing.error_line()
    unknown = cli("resources", "describe", "testkit/nothing", "nope")
    assert unknown.code == 1
    assert "HTTP 404" in unknown.error_line()
    assert cli("resources", "delete", "testkit/item", two).code == 1
    cli.ok("resources", "delete", "testkit/item", one)

    types = json.loads(cli.ok("resources", "types", "-o", "json").out)
    assert {"provider", "resource", "schema"} <= set(types[0])
    assert "pragma/secret" in cli.ok("resources", "types").out


def test_bad_manifests_apply_nothing(cli: Pragma, unique: str, tmp_path: Path) -> None:
    tag = f"run:{unique}"
    good = yaml.safe_dump(tagged_item(f"{unique}-good", tag))
    cases = {
        "broken.yaml": (good + "---\nprovider: [unclosed\n", "not valid YAML"),
        "bad-name.yaml": (
            good + "---\n" + yaml.safe_dump(tagged_item("Bad_Name", tag)),
            "must be a lowercase DNS label",
        ),
        "list.yaml": (good + "---\n- just\n- strings\n", "expected a resource"),
        "broken.json": ('{"provider": "testkit",', "not valid JSON"),
        "unknown-field.yaml": (good.replace("tags:", "colour: red\ntags:"), "colour"),
    }
    for name, (content, fragment) in cases.items():
        path = tmp_path / name
        path.write_text(content)
        result = cli("resources", "apply", str(path))
        assert result.code == 1, str(result)
        assert fragment in result.error_line(), str(result)
    missing = cli("resources", "apply", str(tmp_path / "missing.yaml"))
    assert missing.code == 1
    assert "no such file" in missing.error_line()
    assert cli.ok("resources", "list", "--tag", tag).err.strip() == "No resources found."
    both = cli("resources", "apply", "-", "--wait", "--draft", stdin=good)
    assert both.code == 2


def test_secret_data_and_file_content_read_local_files(cli: Pragma, unique: str, tmp_path: Path) -> None:
    tag = f"run:{unique}"
    (tmp_path / "key.txt").write_text("s3cret-value")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    secret = f"{unique}-key"
    manifests = [
        secret_body(secret, key="@key.txt"),
        tagged_item(
            f"{unique}-reader",
            tag,
            echo={"provider": "pragma", "resource": "secret", "name": secret, "field": "outputs.key"},
        ),
        {
            "provider": "pragma",
            "resource": "file",
            "name": f"{unique}-data",
            "config": {"content": "@data.csv"},
        },
    ]
    (tmp_path / "stack.yaml").write_text(yaml.safe_dump_all(manifests))
    cli.ok("resources", "apply", str(tmp_path / "stack.yaml"), "--wait", "--timeout", "120")
    reader = json.loads(cli.ok("resources", "get", "testkit/item", f"{unique}-reader", "-o", "json").out)
    assert reader["outputs"]["echo"] == "[redacted]"  # the API never shows a secret...
    # ...but sealing is deterministic: the same value applied literally changes nothing.
    cli.ok("resources", "apply", "-", stdin=yaml.safe_dump(secret_body(secret, key="s3cret-value")))
    assert (
        json.loads(cli.ok("resources", "get", "pragma/secret", secret, "-o", "json").out)["generation"] == 1
    )
    uploaded = json.loads(cli.ok("resources", "get", "pragma/file", f"{unique}-data", "-o", "json").out)
    assert uploaded["outputs"]["size"] == len("a,b\n1,2\n")
    assert uploaded["outputs"]["content_type"] == "text/csv"
    refused = cli("resources", "tags", "add", "pragma/secret", secret, "env:prod")
    assert refused.code == 1
    assert "redacted" in refused.error_line()

    (tmp_path / "escape.yaml").write_text(yaml.safe_dump(secret_body(secret, k="@../x")))
    escaping = cli("resources", "apply", str(tmp_path / "escape.yaml"))
    assert escaping.code == 1
    assert "without '..'" in escaping.error_line()
