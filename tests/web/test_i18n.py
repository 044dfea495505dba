"""The catalogues: every message in the templates and the code translated, in both languages."""

from __future__ import annotations

import re

import pytest

from fangdu.web import i18n
from fangdu.web.catalogues import extract_messages

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.fixture(scope="module")
def extracted() -> dict[str, tuple[str, int]]:
    return {msgid: (filename, lineno) for msgid, filename, lineno in extract_messages()}


def test_the_extractor_sees_templates_and_code(extracted):
    files = {filename for filename, _ in extracted.values()}
    assert any(f.startswith("templates/") for f in files)
    assert any(f.endswith(".py") for f in files)
    assert len(extracted) > 200


@pytest.mark.parametrize("language", i18n.LANGUAGES, ids=lambda language: language.code)
def test_every_message_is_translated(extracted, language):
    catalogue = i18n.read_catalogue(language)
    missing = [
        f"{f}:{n}: {msgid!r}"
        for msgid, (f, n) in extracted.items()
        if catalogue.get(msgid) is None or not catalogue.get(msgid).string
    ]
    assert not missing, "untranslated (run python -m fangdu.web.catalogues):\n" + "\n".join(missing)


@pytest.mark.parametrize("language", i18n.LANGUAGES, ids=lambda language: language.code)
def test_no_stale_messages_and_the_same_placeholders(extracted, language):
    catalogue = i18n.read_catalogue(language)
    stale = [m.id for m in catalogue if m.id and m.id not in extracted]
    assert not stale, f"no longer used (run python -m fangdu.web.catalogues): {stale}"
    for message in catalogue:
        if message.id:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)
            ), message.id


def test_the_chinese_catalogue_is_chinese():
    catalogue = i18n.read_catalogue(i18n.BY_CODE["zh"])
    assert catalogue.get("Sign in").string == "登录"
    assert i18n.load_translations()["zh"].gettext("AI check") == "AI查重"


@pytest.mark.parametrize(
    "cookie, header, expected",
    [
        (None, None, "zh"),
        ("en", "zh-CN", "en"),
        ("fr", "en-US,en;q=0.9", "en"),
        (None, "de, en;q=0.3, zh-TW;q=0.5", "zh"),
        (None, "en;q=0, zh;q=0", "zh"),
        (None, "garbage;q=x, en", "en"),
        (None, "ja", "zh"),
    ],
)
def test_negotiation(cookie, header, expected):
    assert i18n.negotiate(cookie, header).code == expected
