"""Authentication and tenancy: tokens, principals, organizations."""

from pragma_os.auth.principal import Principal
from pragma_os.auth.service import Authenticator

__all__ = ["Authenticator", "Principal"]
