"""Typed models from the guide's Typed Responses section."""

from __future__ import annotations

from pragma_sdk import Config, Outputs, Resource


class BucketConfig(Config):
    location: str
    storage_class: str = "STANDARD"


class BucketOutputs(Outputs):
    url: str
    created_at: str


def bucket_model(provider: str) -> type[Resource[BucketConfig, BucketOutputs]]:
    """The guide's ``Bucket`` class, bound to a test's own provider name."""

    class Bucket(Resource[BucketConfig, BucketOutputs]):
        pass

    Bucket.provider = provider
    Bucket.resource = "storage"
    return Bucket
