"""The web service (``fangdu serve``): pages in Chinese and English, the JSON API, the static
evidence log. It builds on the registry, the ledger, accounts and certificates; none of them
imports it."""

from fangdu.web.app import create_app

__all__ = ["create_app"]
