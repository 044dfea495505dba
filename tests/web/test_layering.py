"""The domain knows nothing of the web: only the web package (and `fangdu serve`) imports it or
any web framework."""

from __future__ import annotations

import ast
from pathlib import Path

import fangdu

SOURCE = Path(fangdu.__file__).parent
WEB_MODULES = ("fangdu.web", "fastapi", "starlette", "jinja2", "uvicorn", "multipart")


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_no_domain_module_imports_the_web():
    offenders = []
    for path in SOURCE.rglob("*.py"):
        relative = path.relative_to(SOURCE).as_posix()
        if relative.startswith("web/") or relative == "cli/serve.py":
            continue
        for name in imported_modules(path):
            if any(name == web or name.startswith(web + ".") for web in WEB_MODULES):
                offenders.append(f"{relative}: {name}")
    assert not offenders
