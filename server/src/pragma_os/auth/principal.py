"""Who is calling: the tenant and user behind a token."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller; every query is scoped by ``organization_id``."""

    organization_id: str
    organization_name: str
    user_id: str | None
    email: str | None
    token_id: str
    provider_scope: str | None = None
