"""The ``fangdu`` command line (Typer + Rich), a thin layer over ``fangdu.registry``.

``main`` imports the registry only when called, so ``fangdu.cli.witness`` (what a witness
operator runs) can be imported without it.
"""


def main() -> None:
    from fangdu.cli.app import main as run

    run()
