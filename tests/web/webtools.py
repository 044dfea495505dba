"""Helpers of the web tests: a running site and what a browser does with it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from fangdu.accounts import Account
from fangdu.config import Settings
from fangdu.registry.schemas import RegistrationRequest
from fangdu.web.state import AppState

PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


# Argon2 at its cheapest: the tests sign in often; the real parameters are the service's.
CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@dataclass
class Site:
    """A running app and what tests do with it."""

    client: TestClient
    settings: Settings

    @property
    def state(self) -> AppState:
        return self.client.app.state.fangdu

    def account(self, username: str, role: str, **kwargs: str) -> Account:
        """An account as the operator creates it: a party given here is verified at once
        (a self-registered one is only a claim: ``register``)."""
        if kwargs.get("party"):
            kwargs.setdefault("vouched_by", "command line")
        return self.state.accounts.create(username, PASSWORD, role, **kwargs)

    def page_token(self, path: str) -> str:
        """The CSRF token in the forms of the page at ``path``."""
        response = self.client.get(path, headers=HTML)
        assert response.status_code == 200, response.text
        match = _CSRF.search(response.text)
        assert match, f"no form with a CSRF token on {path}"
        return match.group(1)

    def post_form(
        self,
        page: str,
        action: str,
        data: dict[str, str] | None = None,
        files: dict | None = None,
        **kwargs,
    ):
        """Submit a form the way a browser does: with the token of the page it is on."""
        token = self.page_token(page)
        return self.client.post(
            action, data={"csrf_token": token, **(data or {})}, files=files, headers=HTML, **kwargs
        )

    def login(self, username: str, password: str = PASSWORD) -> None:
        response = self.post_form(
            "/login", "/login", {"username": username, "password": password}, follow_redirects=False
        )
        assert response.status_code == 303, response.text

    def logout(self) -> None:
        self.post_form("/", "/logout", follow_redirects=False)

    def import_prints(self, paths: list[Path], **kwargs) -> None:
        self.state.registry.filing.import_files(paths, jobs=1, **kwargs)

    def file_application(self, png: bytes, account: Account, title: str = "缠枝莲") -> int:
        """An application filed straight through the registry (as the web form would)."""
        outcome = self.state.registry.filing.register(
            png,
            RegistrationRequest(
                title=title,
                owner="柯桥花样工作室",
                submitted_by=account.subject,
                originality_statement="mine",
            ),
            review_required=True,
            channel="web",
        )
        return outcome.work.id
