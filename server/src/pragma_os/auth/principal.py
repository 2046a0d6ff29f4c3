"""Who is calling: the tenant and user behind a token, or a worker limited to its providers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller; every query is scoped by ``organization_id``.

    ``provider_scope`` is set on worker tokens (minted for a deployed release or a
    ``--provider-package`` worker): the comma-separated providers they may work for.
    """

    organization_id: str
    organization_name: str
    user_id: str | None
    email: str | None
    token_id: str
    provider_scope: str | None = None
    token_name: str | None = None

    @property
    def actor(self) -> str:
        """Who the caller is, as a resource's history names them: the user and the token's name."""
        token = f"token {self.token_name or self.token_id}"
        return f"{self.email} ({token})" if self.email else token

    @property
    def is_worker(self) -> bool:
        """Whether this is a worker token, allowed only on the worker routes of its providers."""
        return self.provider_scope is not None

    def may_serve(self, provider: str) -> bool:
        """Whether the caller may lease and report for ``provider`` (a user: any of its organization's)."""
        return self.provider_scope is None or provider in self.provider_scope.split(",")
