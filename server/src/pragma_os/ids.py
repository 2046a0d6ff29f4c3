"""Identifiers the server mints: ``org_``, ``usr_``, ``tok_`` ... followed by random hex."""

from __future__ import annotations

import secrets


def new_id(prefix: str) -> str:
    """A new random id such as ``org_3f9a...``."""
    return f"{prefix}_{secrets.token_hex(12)}"
