"""The server key: seals secret values at rest and signs file URLs.

Given by ``PRAGMA_SECRET_KEY``, or generated once into ``<data dir>/secret.key`` (mode 600).
Every replica of a deployment must use the same key; losing it makes every sealed secret
unreadable (they must be applied again) and every signed URL invalid.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

KEY_FILE = "secret.key"
_KEY_BYTES = 32


class InvalidServerKeyError(ValueError):
    """The configured key is not 32 bytes of URL-safe base64."""


@dataclass(frozen=True)
class ServerKeys:
    """Keys derived from the one server key, one per purpose."""

    sealing_key: bytes
    signing_key: bytes

    @classmethod
    def from_master(cls, master: bytes) -> ServerKeys:
        """Derive the purpose keys, so a leak of one reveals nothing of the others."""
        # AES-SIV takes two AES keys: 64 bytes for AES-256.
        sealing = _derive(master, b"sealing-1") + _derive(master, b"sealing-2")
        return cls(sealing_key=sealing, signing_key=_derive(master, b"file-urls"))


def _derive(master: bytes, purpose: bytes) -> bytes:
    return hmac.new(master, b"pragma-os:" + purpose, hashlib.sha256).digest()


def load_server_keys(data_dir: Path, configured: str | None) -> ServerKeys:
    """The server's keys, from ``configured`` (``PRAGMA_SECRET_KEY``) or the data directory's key file.

    Raises:
        InvalidServerKeyError: ``configured`` or the key file does not hold a valid key.
    """
    if configured:
        return ServerKeys.from_master(_decode(configured, "PRAGMA_SECRET_KEY"))
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        encoded = base64.urlsafe_b64encode(os.urandom(_KEY_BYTES))
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process of this data directory wrote it first
        else:
            with os.fdopen(descriptor, "wb") as key_file:
                key_file.write(encoded + b"\n")
    return ServerKeys.from_master(_decode(path.read_text().strip(), str(path)))


def _decode(encoded: str, origin: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.encode())
    except ValueError as error:
        raise InvalidServerKeyError(f"{origin} is not URL-safe base64: {error}") from None
    if len(key) != _KEY_BYTES:
        raise InvalidServerKeyError(f"{origin} must decode to {_KEY_BYTES} bytes, not {len(key)}")
    return key


def new_key() -> str:
    """A fresh key for ``PRAGMA_SECRET_KEY``."""
    return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode()
