"""The worker runtime: runs a provider package's handlers for events leased from the platform.

``python -m pragma_sdk.worker --package mycloud_provider`` runs one; ``Worker`` embeds one.
"""

from pragma_sdk.worker._runtime import Worker

__all__ = ["Worker"]
