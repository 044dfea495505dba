"""Migrations are the schema: identical to the models on SQLite and PostgreSQL, re-runnable."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from fangdu.db.engine import (
    HEAD_REVISION,
    alembic_config,
    current_revision,
    make_engine,
    normalise_url,
    upgrade,
)
from fangdu.db.tables import all_metadata


def test_migrations_match_the_models(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        upgrade(engine)  # running it again (every CLI start does) changes nothing
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, all_metadata()) == []
    finally:
        engine.dispose()


def test_head_revision_constant_is_alembics_head(database_url):
    assert ScriptDirectory.from_config(alembic_config()).get_heads() == [HEAD_REVISION]
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == HEAD_REVISION
    finally:
        engine.dispose()


def test_constraints_follow_the_naming_convention(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        inspector = inspect(engine)
        assert inspector.get_pk_constraint("works")["name"] == "pk_works"
        uniques = {u["name"] for u in inspector.get_unique_constraints("works")}
        assert {"uq_works_image_sha256", "uq_works_registration_no"} <= uniques
        foreign = {f["name"] for f in inspector.get_foreign_keys("search_refs")}
        assert foreign == {
            "fk_search_refs_work_id_works",
            "fk_search_refs_prior_art_id_prior_art",
        }
        checks = {c["name"] for c in inspector.get_check_constraints("works")}
        assert {"ck_works_status", "ck_works_registration_no"} <= checks
    finally:
        engine.dispose()


def test_downgrade_to_base_and_up_again(database_url):
    engine = make_engine(database_url)
    try:
        upgrade(engine)
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)
        assert "works" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_plain_postgresql_urls_use_psycopg_3():
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"
