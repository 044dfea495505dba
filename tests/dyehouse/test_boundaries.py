"""The bounded context stays bounded: no registry, ledger, web or similarity behind it."""

import subprocess
import sys

FORBIDDEN = ("fangdu.registry", "fangdu.ledger", "fangdu.web", "fangdu.similarity", "sqlalchemy")


def test_dyehouse_and_its_cli_import_nothing_of_the_registry() -> None:
    code = (
        "import sys, fangdu.dyehouse.bench, fangdu.dyehouse.replan, fangdu.cli.dyehouse\n"
        f"bad = [m for m in sys.modules if m.startswith({FORBIDDEN!r})]\n"
        "print(bad); assert not bad"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
