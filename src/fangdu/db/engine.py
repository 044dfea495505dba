"""Engines, sessions and schema revisions for every context's tables (Alembic scripts in
`fangdu.db.migrations`)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from fangdu.errors import FangduError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The newest migration. Every command starts by checking the schema; comparing with this
# constant spares it importing Alembic (a third of a second) when nothing is to be done.
# A test checks that it is Alembic's head.
HEAD_REVISION = "0014"


def normalise_url(url: str) -> str:
    """``postgresql://`` would pick psycopg2, which we do not ship; use psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, read_only: bool = False) -> Engine:
    """The engine for ``url``; ``read_only`` connections can write nothing (SQLite opens the
    file read-only, PostgreSQL starts every transaction read-only)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        if read_only:
            return _read_only_sqlite(url)
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if read_only:
        parsed = make_url(url)
        # Added to the URL's own options (a search_path, say), not instead of them.
        options = " ".join(
            filter(None, [parsed.query.get("options"), "-c default_transaction_read_only=on"])
        )
        return create_engine(parsed.update_query_dict({"options": options}), pool_pre_ping=True)
    return create_engine(url, pool_pre_ping=True)


class SchemaMismatch(FangduError):
    """The database's schema is not this program's: one line saying what to run."""


def require_current_schema(engine: Engine) -> None:
    """For readers, which never migrate: refuse a database of another schema revision."""
    revision = current_revision(engine)
    if revision is None:
        raise SchemaMismatch(
            "no Fangdu registry here yet: import or register something first "
            "(or run `fangdu db upgrade`)"
        )
    if revision != HEAD_REVISION:
        raise SchemaMismatch(
            f"the database schema is at revision {revision}; this Fangdu needs "
            f"{HEAD_REVISION}: run `fangdu db upgrade`"
        )


def _read_only_sqlite(url: str) -> Engine:
    database = make_url(url).database
    if not database or database == ":memory:" or not Path(database).exists():
        raise SchemaMismatch(
            f"no Fangdu registry at {database}: import or register something first"
        )
    path = Path(database).resolve()
    # A reader in a folder it may not write cannot create WAL's shared-memory file: it reads
    # the file as it stands (SQLite's immutable mode; no writer can change it there either).
    immutable = "&immutable=1" if not os.access(path.parent, os.W_OK) else ""
    engine = create_engine(
        f"sqlite:///file:{quote(str(path))}?mode=ro&uri=true{immutable}",
        connect_args={"timeout": 30},
    )
    event.listen(engine, "connect", _sqlite_read_pragmas)
    return engine


def _sqlite_read_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only = ON")
    cursor.close()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    # WAL lets `check` read while an `import` writes; NORMAL is durable at each commit in WAL.
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def alembic_config(engine: Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op when it is already there."""
    if revision == "head" and current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with engine.begin() as connection:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
