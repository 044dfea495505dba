"""The verification page answers first, in one plain sentence, whether the certificate is
genuine, registered to whom and since when; the log's proof waits under "Technical details"
(issue 12, finding 18)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from fangdu.web.pages.common import BEIJING

JARGON = {
    "zh": ("根哈希", "检查点", "规模", "C2SP", "叶子哈希"),
    "en": ("Root hash", "Checkpoint", "Size", "C2SP", "Leaf hash"),
}
SUMMARY = {"zh": "技术细节", "en": "Technical details"}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_plain_answer_comes_before_the_proof(library_site, lang):
    site = library_site
    site.client.get(f"/lang/{lang}")
    work = next(site.state.registry.queries.list_works("registered"))
    html = site.client.get(f"/verify/{work.registration_no}").text
    main = html.split("<main", 1)[1]
    answer = re.search(r'<p class="answer">(.*?)</p>', main, re.S).group(1)
    registered_on = work.registered_at.replace(tzinfo=dt.UTC).astimezone(BEIJING).date()
    year = str(registered_on.year)
    for fact in (work.registration_no, work.title, "Keqiao Prints Co.", year):
        assert fact in answer, fact
    assert ("真实" if lang == "zh" else "genuine") in answer
    before, technical = main.split("<details", 1)
    assert f"<summary>{SUMMARY[lang]}</summary>" in technical
    assert "<details open" not in main  # folded until asked for
    for word in JARGON[lang]:
        assert word not in before, word
        assert word in technical, word


def test_a_record_that_does_not_check_out_says_so_plainly(library_site):
    site = library_site
    work = next(site.state.registry.queries.list_works("registered"))
    site.client.get("/lang/en")
    store = site.state.registry.ledger
    # Without a checkpoint nothing can be proven: the answer is no, in words.
    store.checkpoint = lambda: None  # type: ignore[method-assign]
    html = site.client.get(f"/verify/{work.registration_no}").text
    answer = re.search(r'<p class="answer">(.*?)</p>', html, re.S).group(1)
    assert "could not be confirmed" in answer and "Do not rely on it" in answer
    assert "checkpoint" not in answer.lower()
