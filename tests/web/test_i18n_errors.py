"""What a person reads is in their language: error pages and the API index (issue 12 #15)."""

from __future__ import annotations

import re

from webtools import HTML

from fangdu.web.config import WebSettings

ASCII_SENTENCE = re.compile(r"[A-Za-z]{3,} [a-z]{2,} [a-z]{2,}")


def visible_text(html: str) -> str:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_a_missing_record_is_explained_in_chinese(site):
    site.account("merchant", "applicant")
    site.login("merchant")
    page = site.client.get("/applications/999999", headers=HTML)
    assert page.status_code == 404
    text = visible_text(page.text)
    assert "no work" not in text and "没有" in text
    assert not ASCII_SENTENCE.search(text), text


def test_the_check_limit_says_when_to_retry_in_chinese(make_site, print_png):
    site = make_site(web=WebSettings(check_per_minute=1))
    files = {"image": ("q.png", print_png(5), "image/png")}
    site.post_form("/check", "/check", files=files)
    page = site.post_form("/check", "/check", files=files)
    assert page.status_code == 429
    text = visible_text(page.text)
    assert "try again" not in text
    seconds = page.headers["retry-after"]
    assert f"{seconds} 秒后再试" in text


def test_the_api_index_lists_the_operations_in_chinese(site):
    page = site.client.get("/api", headers=HTML)
    assert "检查一幅图像" in page.text
    assert "Check an image against registered works" not in page.text
    site.client.get("/lang/en")
    assert "Check an image against registered works" in site.client.get("/api", headers=HTML).text


def test_openapi_and_docs_are_where_fastapi_users_look(site):
    spec = site.client.get("/openapi.json")
    assert spec.status_code == 200 and spec.json()["openapi"].startswith("3.")
    assert site.client.get("/docs", follow_redirects=False).headers["location"] == "/api"
