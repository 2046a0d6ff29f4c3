"""Sealing what a ``pragma/secret`` apply carries before anything stores it."""

from __future__ import annotations

from typing import Any

from pragma_os.secrets.sealing import Sealer, is_sealed

SECRET_TYPE = ("pragma", "secret")


def seal_secret_config(
    provider: str, resource: str, config: dict[str, Any], sealer: Sealer
) -> dict[str, Any]:
    """``config`` with each ``data`` value sealed when it is a ``pragma/secret``'s, else as it is."""
    data = config.get("data")
    if (provider, resource) != SECRET_TYPE or not isinstance(data, dict):
        return config
    sealed = {key: value if is_sealed(value) else sealer.seal(value) for key, value in data.items()}
    return {**config, "data": sealed}
