"""Keep the message catalogues in step with the sources: ``python -m fangdu.web.catalogues``.

Extracts every translatable message of the templates and the Python files of the web package
and merges them into both catalogues: translations of messages still used are kept, messages no
longer used are dropped, new ones get an empty translation (which the tests refuse until
somebody translates them). Prints what is untranslated.
"""

from __future__ import annotations

from collections.abc import Iterator

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from fangdu.web.i18n import DOMAIN, HERE, LANGUAGES, catalogue_path, read_catalogue

# The keywords Babel looks for in Python files: `_` where a request's gettext is at hand,
# `N_` for module-level strings translated later, when shown. No plural forms: Chinese has
# none, and the English texts are phrased so they need none.
KEYWORDS = {"_": None, "gettext": None, "N_": None}
METHOD_MAP = [
    ("templates/**.html", "jinja2.ext:babel_extract"),
    ("**.py", "python"),
]
OPTIONS_MAP = {
    "templates/**.html": {"trimmed": "true", "newstyle_gettext": "true", "silent": "false"}
}


def extract_messages() -> Iterator[tuple[str, str, int]]:
    """(msgid, file, line) of every translatable message of the web package."""
    for filename, lineno, message, _comments, _context in extract_from_dir(
        HERE, METHOD_MAP, OPTIONS_MAP, keywords=KEYWORDS
    ):
        if isinstance(message, tuple):
            raise ValueError(f"{filename}:{lineno}: plural forms are not used: rephrase")
        if message:
            yield message, filename, lineno


def update_catalogues() -> dict[str, list[str]]:
    """Merge the extracted messages into both catalogues; the untranslated msgids per language.

    Translations of msgids that are still used are kept; msgids no longer used are dropped.
    """
    wanted: dict[str, list[tuple[str, int]]] = {}
    for msgid, filename, lineno in extract_messages():
        wanted.setdefault(msgid, []).append((filename, lineno))
    missing: dict[str, list[str]] = {}
    for language in LANGUAGES:
        old = read_catalogue(language)
        # The old header's dates: re-running with nothing new changes nothing.
        new = Catalog(
            locale=language.locale,
            domain=DOMAIN,
            project="fangdu",
            version="0.1",
            copyright_holder="the Fangdu authors",
            last_translator="Fangdu",
            language_team=language.name,
            creation_date=old.creation_date,
            revision_date=old.revision_date,
            fuzzy=False,
        )
        for msgid in sorted(wanted):
            existing = old.get(msgid)
            string = existing.string if existing is not None else ""
            new.add(msgid, string, locations=sorted(set(wanted[msgid])))
        missing[language.code] = [m for m in sorted(wanted) if not new.get(m).string]
        with catalogue_path(language).open("wb") as handle:
            write_po(handle, new, width=100, omit_header=False, sort_output=True)
    return missing


def main() -> None:
    for code, msgids in update_catalogues().items():
        print(f"{code}: {len(msgids)} untranslated")
        for msgid in msgids:
            print(f"  {msgid!r}")


if __name__ == "__main__":
    main()
