"""``Provider`` and ``@provider.resource``: registrations and the errors of the decorator."""

from __future__ import annotations

import dataclasses

import pytest

from pragma_sdk import Config, Outputs, Provider, Resource
from pragma_sdk.provider import ResourceRegistration


class DiskConfig(Config):
    size_gb: int


class DiskOutputs(Outputs):
    path: str


def test_registration_record() -> None:
    gcp = Provider(name="gcp")

    @gcp.resource("cloudsql/database_instance")
    class Instance(Resource[DiskConfig, DiskOutputs]):
        """A Cloud SQL instance.

        Details:
            indented details stay indented.
        """

    @gcp.resource("disk")
    class Disk(Resource[DiskConfig, DiskOutputs]):
        pass

    assert (Instance.provider, Instance.resource) == ("gcp", "cloudsql/database_instance")
    assert Instance(name="i", config=DiskConfig(size_gb=1)).id == "resource:gcp_cloudsql_database_instance_i"
    assert gcp.resources == {"cloudsql/database_instance": Instance, "disk": Disk}
    registration = gcp.registrations["cloudsql/database_instance"]
    assert registration == ResourceRegistration(
        provider="gcp",
        resource_type="cloudsql/database_instance",
        resource_class=Instance,
        config_class=DiskConfig,
        outputs_class=DiskOutputs,
        description="A Cloud SQL instance.\n\nDetails:\n    indented details stay indented.",
    )
    assert gcp.registrations["disk"].description is None
    assert list(gcp.registrations) == list(gcp.resources) == ["cloudsql/database_instance", "disk"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        registration.description = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        gcp.registrations["x"] = registration  # type: ignore[index]
    with pytest.raises(TypeError):
        gcp.resources["x"] = Disk  # type: ignore[index]
    assert gcp.registration("disk").resource_class is Disk
    with pytest.raises(LookupError, match="no resource type 'nope'"):
        gcp.registration("nope")
    assert "gcp" in repr(gcp)


@pytest.mark.parametrize("name", ["MyCloud", "1cloud", "my_cloud", "", "a" * 64])
def test_invalid_provider_name(name: str) -> None:
    with pytest.raises(ValueError, match="invalid provider name"):
        Provider(name=name)


@pytest.mark.parametrize("resource_type", ["Database", "db/", "/db", "1db", "db.x", "db//x", "", "a" * 254])
def test_invalid_resource_type(resource_type: str) -> None:
    with pytest.raises(ValueError, match=f"invalid resource type {resource_type!r}: it must be one or more"):
        Provider(name="p").resource(resource_type)


def test_duplicates_and_conflicts() -> None:
    provider = Provider(name="p")

    @provider.resource("disk")
    class Disk(Resource[DiskConfig, DiskOutputs]):
        pass

    class Other(Resource[DiskConfig, DiskOutputs]):
        pass

    with pytest.raises(ValueError, match=r"p/disk is already registered \(by Disk\)"):
        provider.resource("disk")(Other)
    with pytest.raises(ValueError, match="Disk is already registered as p/disk"):
        provider.resource("volume")(Disk)

    class Declared(Resource[DiskConfig, DiskOutputs]):
        provider = "aws"

    with pytest.raises(
        ValueError, match="Declared declares provider = 'aws' but is registered as p/declared"
    ):
        provider.resource("declared")(Declared)
    assert set(provider.resources) == {"disk"}


def test_only_concrete_resource_classes() -> None:
    provider = Provider(name="p")
    with pytest.raises(TypeError, match="decorates Resource subclasses only"):
        provider.resource("thing")(DiskConfig)  # type: ignore[type-var]

    class Unparametrized(Resource):  # type: ignore[type-arg]
        pass

    with pytest.raises(TypeError, match=r"must subclass Resource\[ConfigT, OutputsT\]"):
        provider.resource("thing")(Unparametrized)
