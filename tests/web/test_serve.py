"""`fangdu serve` runs one uvicorn worker with the app over the chosen registry."""

from __future__ import annotations

import os

import typer
from fastapi import FastAPI
from typer.testing import CliRunner

from fangdu.cli import serve as serve_module


def test_serve_runs_uvicorn_with_the_app(monkeypatch, web_settings):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:  # as `fangdu`'s own callback: settings in ctx.obj
        ctx.obj = web_settings

    app.command()(serve_module.serve)
    result = CliRunner().invoke(app, ["serve", "--port", "8123", "--demo"])
    assert result.exit_code == 0, result.output
    [(served, options)] = calls
    assert isinstance(served, FastAPI) and served.state.demo
    assert options["port"] == 8123 and options["host"] == "127.0.0.1"
    assert options["workers"] == 1


def _serve(monkeypatch, web_settings, *args: str):
    calls = []
    monkeypatch.setattr("uvicorn.run", lambda app, **kwargs: calls.append((app, kwargs)))
    app = typer.Typer()

    @app.callback()
    def root(ctx: typer.Context) -> None:
        ctx.obj = web_settings

    app.command()(serve_module.serve)
    return CliRunner().invoke(app, ["serve", *args]), calls


def test_serve_refuses_to_start_without_a_public_url_or_allowed_hosts(monkeypatch, web_settings):
    result, calls = _serve(monkeypatch, web_settings)
    assert result.exit_code == 2 and not calls
    assert "FANGDU_PUBLIC_URL" in result.output


def test_serve_takes_the_public_url_and_believes_no_forwarded_headers(monkeypatch, web_settings):
    monkeypatch.setenv("FANGDU_PUBLIC_URL", "https://fangdu.example.cn")
    result, [(_app, options)] = _serve(monkeypatch, web_settings)
    assert result.exit_code == 0, result.output
    # uvicorn's own proxy handling (which trusts 127.0.0.1) is off: the app decides.
    assert options["proxy_headers"] is False


def test_serve_runs_several_workers_from_the_environment(monkeypatch, web_settings):
    monkeypatch.setenv("FANGDU_PUBLIC_URL", "https://fangdu.example.cn")
    monkeypatch.setenv("FANGDU_HOME", "restored after the test")
    result, [(target, options)] = _serve(monkeypatch, web_settings, "--workers", "3")
    assert result.exit_code == 0, result.output
    assert target == "fangdu.web.app:from_environment" and options["factory"]
    assert options["workers"] == 3
    assert os.environ["FANGDU_HOME"] == str(web_settings.resolved_home())


def test_a_demo_is_one_process(monkeypatch, web_settings):
    result, calls = _serve(monkeypatch, web_settings, "--demo", "--workers", "2")
    assert result.exit_code == 2 and not calls
