"""HTTP clients of the Pragmatiks API."""

from pragma_sdk.client._clients import AsyncPragmaClient, PragmaClient
from pragma_sdk.client._watch import WatchEvent

__all__ = ["AsyncPragmaClient", "PragmaClient", "WatchEvent"]
