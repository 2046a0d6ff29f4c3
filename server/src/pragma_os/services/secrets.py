"""Revealing a secret to its own organization: explicit, and written to the audit log."""

from __future__ import annotations

import logging
from typing import Any

from pragma_os.auth import Principal
from pragma_os.builtin.sealing import SECRET_TYPE
from pragma_os.errors import InvalidInputError, NotFoundError
from pragma_os.secrets.sealing import Sealer, UnsealError
from pragma_os.services import audit
from pragma_os.store import Database
from pragma_os.store import resources as store
from pragma_sdk.models import AuditAction

audit_log = logging.getLogger("pragma_os.audit")


async def reveal_secret(
    database: Database, sealer: Sealer, principal: Principal, resource_id: str
) -> dict[str, Any]:
    """The plaintext data of a ``pragma/secret``; every call is logged and audited with who asked.

    Raises:
        NotFoundError: No such resource in the caller's organization.
        InvalidInputError: It is not a ``pragma/secret``, or its values cannot be opened.
    """
    async with database.reading() as connection:
        row = await store.get_resource(connection, principal.organization_id, resource_id)
    if row is None:
        raise NotFoundError(f"Resource '{resource_id}' not found.", resource_id=resource_id)
    if (row["provider"], row["resource"]) != SECRET_TYPE:
        raise InvalidInputError("resource_id", "only pragma/secret resources have values to reveal")
    try:
        data = sealer.open_all(row["config"].get("data") or {})
    except UnsealError as error:
        raise InvalidInputError("resource_id", f"{error}; apply the secret again") from None
    async with database.transaction() as connection:
        await audit.record(connection, principal, AuditAction.SECRET_REVEAL, resource_id)
    audit_log.warning(
        "secret revealed: organization=%s resource=%s user=%s token=%s",
        principal.organization_name,
        resource_id,
        principal.email or principal.user_id,
        principal.token_id,
    )
    return {"id": row["id"], "name": row["name"], "data": data}
