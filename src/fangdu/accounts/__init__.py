"""Accounts for the web service: who signs in, with which role, and how they prove it."""

from fangdu.accounts.models import ROLES
from fangdu.accounts.service import Account, Accounts, AuthError, Throttled

__all__ = ["ROLES", "Account", "Accounts", "AuthError", "Throttled"]
