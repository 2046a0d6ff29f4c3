"""Which values ``mark_dependencies`` marks, on schemas the SDK registers (unit level; the
end-to-end path is in ``server/tests/engine/test_dependency_fields.py``)."""

from __future__ import annotations

from typing import Any, ClassVar

from pragma_os.services.dependency_fields import dependency_types, mark_dependencies
from pragma_sdk import Config, Dependency, Field, Outputs, Resource


class Empty(Config):
    pass


class Database(Resource[Empty, Outputs]):
    provider: ClassVar[str] = "mycloud"
    resource: ClassVar[str] = "database"


class Cache(Resource[Empty, Outputs]):
    provider: ClassVar[str] = "mycloud"
    resource: ClassVar[str] = "cache"


class AppConfig(Config):
    database: Dependency[Database]
    store: Dependency[Database] | Dependency[Cache]
    replicas_of: list[Dependency[Database]] = []
    by_region: dict[str, Dependency[Cache]] = {}
    backup: Dependency[Database] | None = None
    image: Field[str] = "nginx"
    labels: dict[str, Any] = {}


SCHEMA = AppConfig.model_json_schema(mode="validation")


def ref(resource: str, name: str) -> dict[str, str]:
    return {"provider": "mycloud", "resource": resource, "name": name}


def marked(resource: str, name: str) -> dict[str, Any]:
    return {"__dependency__": True, **ref(resource, name)}


def test_dependency_fields_get_the_marker_wherever_the_schema_puts_them() -> None:
    config = {
        "database": ref("database", "a"),
        "store": ref("cache", "c"),
        "replicas_of": [ref("database", "b"), marked("database", "d")],
        "by_region": {"eu": ref("cache", "e")},
        "backup": ref("database", "f"),
        "image": {**ref("database", "a"), "field": "outputs.image"},
        "labels": ref("database", "not-a-dependency"),
    }
    assert mark_dependencies(SCHEMA, config) == {
        "database": marked("database", "a"),
        "store": marked("cache", "c"),
        "replicas_of": [marked("database", "b"), marked("database", "d")],
        "by_region": {"eu": marked("cache", "e")},
        "backup": marked("database", "f"),
        "image": {**ref("database", "a"), "field": "outputs.image"},  # a field reference stays one
        "labels": ref("database", "not-a-dependency"),  # plain data: the schema does not say dependency
    }


def test_a_config_without_anything_to_mark_is_returned_as_it_is() -> None:
    config = {"database": marked("database", "a"), "store": marked("cache", "c"), "backup": None}
    assert mark_dependencies(SCHEMA, config) is config


def test_dependency_types_name_what_a_field_takes() -> None:
    properties = SCHEMA["properties"]
    assert dependency_types(properties["database"], SCHEMA) == ["mycloud/database"]
    assert dependency_types(properties["store"], SCHEMA) == ["mycloud/database", "mycloud/cache"]
    assert dependency_types(properties["image"], SCHEMA) == []
