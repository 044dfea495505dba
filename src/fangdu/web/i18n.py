"""Chinese first, English by a switch: Babel catalogues compiled in memory at start-up.

The catalogues are the ``.po`` files under ``locale/``; there is no build step (no ``.mo``
files): each is read and compiled into a :class:`babel.support.Translations` when the app
starts. ``python -m fangdu.web.catalogues`` updates the catalogues from the sources.

msgids are English; the ``en`` catalogue repeats them, so a missing entry in either language
is caught the same way.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

HERE = Path(__file__).parent
LOCALE_DIR = HERE / "locale"
DOMAIN = "messages"


@dataclass(frozen=True)
class Language:
    code: str  # what the switch link and the cookie say: /lang/<code>
    locale: str  # the catalogue's folder and Babel's locale
    html_lang: str  # <html lang="...">
    name: str  # how the switch names it, in the language itself


LANGUAGES = (
    Language("zh", "zh_Hans", "zh-Hans", "中文"),
    Language("en", "en", "en", "English"),
)
DEFAULT = LANGUAGES[0]
BY_CODE = {language.code: language for language in LANGUAGES}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


def catalogue_path(language: Language) -> Path:
    return LOCALE_DIR / language.locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalogue(language: Language) -> Catalog:
    with catalogue_path(language).open("rb") as handle:
        return read_po(handle, locale=language.locale, domain=DOMAIN)


def load_translations() -> dict[str, Translations]:
    """Every language's catalogue compiled in memory, by language code."""
    loaded = {}
    for language in LANGUAGES:
        buffer = io.BytesIO()
        write_mo(buffer, read_catalogue(language))
        buffer.seek(0)
        loaded[language.code] = Translations(buffer, domain=DOMAIN)
    return loaded


def negotiate(cookie: str | None, accept_language: str | None) -> Language:
    """The ``lang`` cookie if it names a language, else the best of Accept-Language, else zh."""
    if cookie in BY_CODE:
        return BY_CODE[cookie]
    ranked: list[tuple[float, int, Language]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        language = BY_CODE.get(tag.strip().lower().split("-")[0])
        if language is not None and quality > 0:
            ranked.append((-quality, position, language))
    return min(ranked, key=lambda r: (r[0], r[1]))[2] if ranked else DEFAULT


def babel_locale(language: Language) -> Locale:
    return Locale.parse(language.locale)
