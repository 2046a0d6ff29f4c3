"""HTTP clients of the Pragmatiks API."""

from pragma_sdk.client._clients import AsyncPragmaClient, PragmaClient

__all__ = ["AsyncPragmaClient", "PragmaClient"]
