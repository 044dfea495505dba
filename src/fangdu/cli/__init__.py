"""The ``fangdu`` command line (Typer + Rich), a thin layer over ``fangdu.registry``."""

from fangdu.cli.app import app, main

__all__ = ["app", "main"]
