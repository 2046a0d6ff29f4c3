"""Typed models from the guide's Typed Responses section."""

from __future__ import annotations

from typing import TypeVar

from pragma_sdk import Config, Outputs, Resource

ConfigT = TypeVar("ConfigT", bound=Config)
OutputsT = TypeVar("OutputsT", bound=Outputs)


class BucketConfig(Config):
    location: str
    storage_class: str = "STANDARD"


class BucketOutputs(Outputs):
    url: str
    created_at: str


def typed_resource(
    config_class: type[ConfigT], outputs_class: type[OutputsT], provider_name: str, resource_type: str
) -> type[Resource[ConfigT, OutputsT]]:
    """A ``Resource`` class for ``provider_name``'s type ``resource_type``, made per test: each
    test has a provider of its own."""

    class Typed(Resource[config_class, outputs_class]):  # type: ignore[valid-type]
        provider = provider_name
        resource = resource_type

    return Typed


def bucket_model(provider: str) -> type[Resource[BucketConfig, BucketOutputs]]:
    """The guide's ``Bucket`` class, bound to a test's own provider name."""
    return typed_resource(BucketConfig, BucketOutputs, provider, "storage")
