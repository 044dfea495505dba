"""`fangdu serve`: the web service on uvicorn, over the registry of ``--home``."""

from __future__ import annotations

import os

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
        False,
        "--demo",
        help="On first start with an empty registry, seed a demo library and "
        "demo accounts (their passwords are printed once).",
    ),
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Processes serving requests over the one database; "
        "each keeps the vector index current in memory from the evidence log.",
    ),
) -> None:
    """Serve the web pages, the JSON API (/api/v1) and the static evidence log (/log).

    Set FANGDU_PUBLIC_URL (the address certificates' QR codes point to) or
    FANGDU_ALLOWED_HOSTS; behind a reverse proxy, FANGDU_TRUSTED_PROXIES too. With several
    workers, one process owns the index files and the others follow the log in memory.
    """
    import uvicorn

    from fangdu.web import create_app
    from fangdu.web.config import WebSettings

    settings: Settings = ctx.obj
    web = WebSettings()
    if not web.host_allow_list():
        if not demo:
            render.error_line(
                render.stderr_console(),
                "set FANGDU_PUBLIC_URL (or "
                "FANGDU_ALLOWED_HOSTS): without it the Host header of any request "
                "would decide where certificates' QR codes point",
            )
            raise typer.Exit(EXIT_INPUT)
        # A demo answers only the names of this machine's loopback.
        web = web.model_copy(update={"allowed_hosts": sorted(LOOPBACK_NAMES | {host})})
    # The app believes X-Forwarded-* only from FANGDU_TRUSTED_PROXIES, not uvicorn's default.
    options = {
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": False,
        "server_header": False,
        "log_level": "info",
    }
    if workers == 1:
        uvicorn.run(create_app(settings, demo=demo, web=web), **options)
        return
    if demo:
        render.error_line(render.stderr_console(), "--demo seeds one process: use --workers 1")
        raise typer.Exit(EXIT_INPUT)
    # Worker processes build their app from the environment: the home chosen here goes there.
    os.environ["FANGDU_HOME"] = str(settings.resolved_home())
    uvicorn.run("fangdu.web.app:from_environment", factory=True, **options)
