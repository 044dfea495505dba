"""Accounts for the web service: who signs in, with which role, and how they prove it."""

from fangdu.accounts.models import ROLES
from fangdu.accounts.service import (
    TOKEN_SCOPES,
    Account,
    Accounts,
    ApiToken,
    AuthError,
    SignInAlert,
    Throttled,
)

__all__ = [
    "ROLES",
    "TOKEN_SCOPES",
    "Account",
    "Accounts",
    "ApiToken",
    "AuthError",
    "SignInAlert",
    "Throttled",
]
