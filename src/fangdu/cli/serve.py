"""`fangdu serve`: the web service on uvicorn, over the registry of ``--home``."""

from __future__ import annotations

import typer

from fangdu.config import Settings


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

    One worker process: the registry keeps its vector index in memory. Behind an https proxy
    set FANGDU_PUBLIC_URL (the address certificates' QR codes point to).
    """
    import uvicorn

    from fangdu.web import create_app

    settings: Settings = ctx.obj
    app = create_app(settings, demo=demo)
    # proxy_headers: behind a reverse proxy on this host, https and the client's address come
    # from X-Forwarded-* (uvicorn trusts only 127.0.0.1 for them by default).
    uvicorn.run(app, host=host, port=port, workers=1, proxy_headers=True,
                server_header=False, log_level="info")
