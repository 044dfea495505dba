"""Settings of the web service only; the registry's own stay in ``fangdu.config``."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from fangdu.certificates.model import DEFAULT_ISSUER


class WebSettings(BaseSettings):
    """Read from ``FANGDU_*`` environment variables, like the registry's settings."""

    model_config = SettingsConfigDict(env_prefix="FANGDU_", extra="ignore")

    public_url: str | None = Field(
        default=None,
        description="absolute base URL the public reaches (certificates' QR codes point here); "
        "default: the URL of the request",
    )
    secure_cookies: bool | None = Field(
        default=None,
        description="mark cookies Secure; default: when the request came over https",
    )
    check_per_minute: int = Field(
        default=10, ge=1, description="anonymous AI checks per client and minute"
    )
    session_hours: int = Field(default=12, ge=1, description="how long a sign-in lasts")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host headers the service answers (FANGDU_ALLOWED_HOSTS, a JSON list; "
        "'*.example.cn' covers subdomains); default: the public URL's host. `fangdu serve` "
        "refuses to start without one or the other, outside --demo",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses of reverse proxies whose X-Forwarded-For/-Proto are believed "
        "(FANGDU_TRUSTED_PROXIES, a JSON list); default: none, the peer's address counts",
    )
    issuer: str = Field(
        default=DEFAULT_ISSUER,
        min_length=1,
        max_length=200,
        description="the institution named as issuer on certificates (FANGDU_ISSUER)",
    )

    def host_allow_list(self) -> list[str]:
        """The Host headers to accept; empty: any (only tests and a demo on loopback)."""
        hosts = list(self.allowed_hosts)
        if self.public_url:
            host = urlsplit(self.public_url).hostname
            if host and host not in hosts:
                hosts.append(host)
        return hosts
