"""`fangdu serve`: the web service on uvicorn, over the registry of ``--home``."""

from __future__ import annotations

import typer

from fangdu.cli import render
from fangdu.cli.failures import EXIT_INPUT
from fangdu.config import Settings

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    demo: bool = typer.Option(
        False, "--demo", help="On first start with an empty registry, seed a demo library and "
        "demo accounts (their passwords are printed once)."
    ),
) -> None:
    """Serve the web pages, the JSON API (/api/v1) and the static evidence log (/log).

    One worker process: the registry keeps its vector index in memory. Set FANGDU_PUBLIC_URL
    (the address certificates' QR codes point to) or FANGDU_ALLOWED_HOSTS; behind a reverse
    proxy, FANGDU_TRUSTED_PROXIES too.
    """
    import uvicorn

    from fangdu.web import create_app
    from fangdu.web.config import WebSettings

    settings: Settings = ctx.obj
    web = WebSettings()
    if not web.host_allow_list():
        if not demo:
            render.error_line(render.stderr_console(), "set FANGDU_PUBLIC_URL (or "
                              "FANGDU_ALLOWED_HOSTS): without it the Host header of any request "
                              "would decide where certificates' QR codes point")
            raise typer.Exit(EXIT_INPUT)
        # A demo answers only the names of this machine's loopback.
        web = web.model_copy(update={"allowed_hosts": sorted(LOOPBACK_NAMES | {host})})
    app = create_app(settings, demo=demo, web=web)
    # The app believes X-Forwarded-* only from FANGDU_TRUSTED_PROXIES, not uvicorn's default.
    uvicorn.run(app, host=host, port=port, workers=1, proxy_headers=False,
                server_header=False, log_level="info")
