"""The resource types of the built-in ``pragma`` provider: ``secret``, ``config`` and ``file``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ConfigDict

from pragma_os.builtin.context import organization, services
from pragma_os.files import download_url, sign_download_url
from pragma_sdk import Config, Outputs, Provider, Resource

pragma = Provider(name="pragma")

# How long the ``public_url`` of a ``pragma/file`` works without a token.
PUBLIC_URL_SECONDS = 7 * 24 * 3600


class KeyValues(Config):
    """Key-value data."""

    data: dict[str, Any] = {}


class KeyValueOutputs(Outputs):
    """The same keys and values, to reference as outputs.<key>."""

    model_config = ConfigDict(extra="allow")


class _KeyValueResource(Resource[KeyValues, KeyValueOutputs]):
    """Reports its data as its outputs, as it is (secret values arrive sealed and stay sealed:
    the engine opens them for the handlers of the resources that reference them)."""

    async def on_create(self) -> KeyValueOutputs:
        return KeyValueOutputs(**self.config.data)

    async def on_update(self, previous_config: KeyValues) -> KeyValueOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        return None


@pragma.resource("secret")
class Secret(_KeyValueResource):
    """Secret key-values, encrypted at rest and shown redacted.

    Reference a value as outputs.<key> (or config.data.<key>): the provider handling the
    referencing resource receives the real value; nobody else sees it.
    """


@pragma.resource("config")
class Settings(_KeyValueResource):
    """Plain key-values; reference one as outputs.<key> and changes reach the dependents."""


class FileConfig(Config):
    """Which uploaded file the resource tracks (by default the one named like the resource)."""

    file: str | None = None
    content_type: str | None = None


class FileOutputs(Outputs):
    """Where and what the file is."""

    url: str
    public_url: str
    size: int
    checksum: str
    content_type: str


@pragma.resource("file")
class File(Resource[FileConfig, FileOutputs]):
    """An uploaded file (POST /files/{name}/upload); deleting the resource deletes the file."""

    @property
    def file_name(self) -> str:
        """The uploaded file's name."""
        return self.config.file or self.name

    async def on_create(self) -> FileOutputs:
        found = await services().files.stat(organization(), self.file_name)
        if found is None:
            raise ValueError(
                f"no file named {self.file_name!r} was uploaded; upload it first "
                f"(POST /files/{self.file_name}/upload or client.upload_file) and apply again"
            )
        api_url = services().api_url
        expires_at = datetime.now(UTC) + timedelta(seconds=PUBLIC_URL_SECONDS)
        return FileOutputs(
            url=download_url(api_url, self.file_name),
            public_url=sign_download_url(
                services().signing_key, api_url, organization(), self.file_name, expires_at
            ),
            size=found.size,
            checksum=found.checksum,
            content_type=self.config.content_type or found.content_type,
        )

    async def on_update(self, previous_config: FileConfig) -> FileOutputs:
        return await self.on_create()

    async def on_delete(self) -> None:
        await services().files.delete(organization(), self.file_name)
