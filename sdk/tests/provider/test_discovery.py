"""``discover_provider`` on the example package ``examples/mycloud``, and its JSON schemas."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from mycloud_provider import App, AppConfig, Database, DatabaseConfig, DatabaseOutputs

from pragma_sdk import Provider
from pragma_sdk.provider import ProviderDiscoveryError, ProviderHarness, discover_provider


@pytest.fixture
def packages(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - before:
            del sys.modules[name]


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))


async def test_example_package() -> None:
    provider = discover_provider("mycloud_provider")
    assert provider.name == "mycloud"
    assert set(provider.resources) == {"database", "app", "dns"}

    harness = ProviderHarness(provider)
    created = await harness.invoke_create(Database, "orders", DatabaseConfig(name="orders"))
    assert created.outputs == {"connection_url": "postgres://.../orders"}
    database = Database(
        name="orders", config=DatabaseConfig(name="orders"), outputs=DatabaseOutputs(**created.outputs)
    )
    config = {
        "database": {"__dependency__": True, "provider": "mycloud", "resource": "database", "name": "orders"},
        "image": "ghcr.io/acme/web:1",
    }
    harness.set_outputs("resource:mycloud_dns_web-dns", {"fqdn": "web.apps.mycloud.example"})
    app = await harness.invoke_create(App, "web", config, dependencies=[database])
    assert app.outputs == {"url": "https://web.apps.mycloud.example", "database_url": "postgres://.../orders"}
    (record,) = harness.applied
    assert record.owner_references[0].name == "web"
    invalid = await harness.invoke_create(App, "web", {**config, "replicas": 0}, dependencies=[database])
    assert invalid.failed
    assert invalid.permanent
    renamed = await harness.invoke_update(
        Database, "orders", {"name": "sales"}, {"name": "orders"}, outputs=created.outputs
    )
    assert renamed.outputs == {"connection_url": "postgres://.../sales"}
    assert AppConfig.model_fields["image"].is_required()


def test_example_schemas() -> None:
    definitions = {item["resource"]: item for item in discover_provider("mycloud_provider").resource_types()}
    json.dumps(definitions)  # JSON-serializable as the build stores it
    database = definitions["database"]
    assert database["provider"] == "mycloud"
    assert database["description"] == "A PostgreSQL database on mycloud."
    assert database["schema"]["required"] == ["name"]
    assert database["schema"]["properties"]["size_gb"] == {
        "default": 10,
        "title": "Size Gb",
        "type": "integer",
    }
    assert database["schema"]["additionalProperties"] is False
    assert database["outputs_schema"]["required"] == ["connection_url"]

    app = definitions["app"]["schema"]
    image = app["properties"]["image"]["anyOf"]
    assert image[0] == {"type": "string"}
    field_reference = app["$defs"][image[1]["$ref"].rsplit("/", 1)[-1]]
    assert field_reference["required"] == ["provider", "resource", "name", "field"]
    dependency = app["$defs"][app["properties"]["database"]["$ref"].rsplit("/", 1)[-1]]
    assert dependency["properties"]["__dependency__"]["const"] is True
    assert dependency["properties"]["resource"]["const"] == "database"
    assert "__dependency__" in dependency["required"]
    assert set(definitions["app"]["outputs_schema"]["required"]) == {"url", "database_url"}


def test_single_module_and_reexports(packages: Path) -> None:
    write(
        packages,
        {"solo_provider.py": 'from pragma_sdk import Provider\nsolo = Provider(name="solo")\nsame = solo\n'},
    )
    provider = discover_provider("solo_provider")
    assert isinstance(provider, Provider)
    assert provider.name == "solo"


def test_no_provider(packages: Path) -> None:
    write(packages, {"empty_pkg/__init__.py": "", "empty_pkg/things.py": "x = 1\n"})
    with pytest.raises(ProviderDiscoveryError, match="no Provider found at module level in empty_pkg"):
        discover_provider("empty_pkg")


def test_several_providers(packages: Path) -> None:
    write(
        packages,
        {
            "two_pkg/__init__.py": "",
            "two_pkg/a.py": 'from pragma_sdk import Provider\na = Provider(name="a")\n',
            "two_pkg/sub/__init__.py": "",
            "two_pkg/sub/b.py": 'from pragma_sdk import Provider\nb = Provider(name="b")\n',
        },
    )
    with pytest.raises(
        ProviderDiscoveryError, match=r"several providers found in two_pkg: 'a' at two_pkg\.a\.a; 'b'"
    ):
        discover_provider("two_pkg")


def test_broken_submodule_is_not_skipped(packages: Path) -> None:
    write(
        packages,
        {
            "broken_pkg/__init__.py": 'from pragma_sdk import Provider\np = Provider(name="p")\n',
            "broken_pkg/sub/__init__.py": "import missing_dependency_of_the_provider\n",
        },
    )
    with pytest.raises(ImportError, match="missing_dependency_of_the_provider"):
        discover_provider("broken_pkg")
