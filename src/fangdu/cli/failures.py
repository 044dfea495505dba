"""Exit codes and the one place expected errors become a stderr line (shared by the commands).

0 success, 1 failure (not found, conflict, database), 2 usage or input error, 3 registration
refused because the image copies a work or earlier prior art, 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from sqlalchemy.exc import SQLAlchemyError

from fangdu.cli import render
from fangdu.errors import FangduError, InputError

EXIT_FAILURE, EXIT_INPUT, EXIT_REFUSED, EXIT_INTERRUPTED = 1, 2, 3, 130


@contextmanager
def failures() -> Iterator[None]:
    """Expected errors become one stderr line and an exit code; nothing else is caught."""
    err = render.stderr_console()
    try:
        yield
    except InputError as exc:
        render.error_line(err, str(exc))
        raise typer.Exit(EXIT_INPUT) from None
    except FangduError as exc:
        render.error_line(err, str(exc))
        raise typer.Exit(EXIT_FAILURE) from None
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        render.error_line(err, f"database: {detail}")
        raise typer.Exit(EXIT_FAILURE) from None
