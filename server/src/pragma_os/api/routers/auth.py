"""``GET /auth/me``: who the caller is."""

from __future__ import annotations

from pragma_os.api.deps import CurrentPrincipal
from pragma_os.api.routing import authenticated_router
from pragma_sdk.models import UserInfo

router = authenticated_router("/auth", "auth")


@router.get("/me", response_model=UserInfo)
async def get_current_user_info(principal: CurrentPrincipal) -> UserInfo:
    """The authenticated user and organization."""
    return UserInfo(
        user_id=principal.user_id or principal.token_id,
        email=principal.email,
        organization_id=principal.organization_id,
        organization_name=principal.organization_name,
    )
