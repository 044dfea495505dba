"""One database for every context: the declarative base (`base`), engines and sessions
(`engine`), the list of contexts that own tables (`tables`) and the Alembic scripts that
migrate them all (`migrations`). Each context keeps its own models and repositories."""
