"""Every page renders in Chinese and in English; the language switch; headers on everything."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from webtools import HTML

from fangdu.web.security import CONTENT_SECURITY_POLICY

PUBLIC_PAGES = ["/", "/check", "/verify", "/login", "/register-account", "/api"]
SIGNED_IN_PAGES = {
    "applicant": ["/apply", "/portfolio", "/account"],
    "reviewer": ["/review", "/account"],
    "admin": ["/admin/users", "/review", "/apply", "/portfolio"],
}
# A word each language's page must show, and one it must not (the other language's).
MARKERS = {
    "zh": ("纺织品花样登记", "Textile pattern registry"),
    "en": ("Textile pattern registry", "纺织品花样登记"),
}


def assert_language(html: str, lang: str) -> None:
    shown, hidden = MARKERS[lang]
    assert shown in html and hidden not in html
    assert f'<html lang="{"zh-Hans" if lang == "zh" else "en"}">' in html


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_public_pages_render_in_both_languages(site, lang):
    site.client.get(f"/lang/{lang}")
    for path in PUBLIC_PAGES:
        response = site.client.get(path, headers=HTML)
        assert response.status_code == 200, (path, response.text)
        assert_language(response.text, lang)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_signed_in_pages_render_in_both_languages(site, lang):
    site.client.get(f"/lang/{lang}")
    for role, paths in SIGNED_IN_PAGES.items():
        site.account(f"{role}-1", role)
        site.login(f"{role}-1")
        for path in paths:
            response = site.client.get(path, headers=HTML)
            assert response.status_code == 200, (role, path, response.text)
            assert_language(response.text, lang)
        site.logout()


def test_chinese_is_the_default_and_accept_language_is_honoured(site):
    assert_language(site.client.get("/", headers=HTML).text, "zh")
    english = site.client.get("/", headers={**HTML, "accept-language": "en-GB,en;q=0.9"})
    assert_language(english.text, "en")
    ranked = site.client.get("/", headers={**HTML, "accept-language": "fr, en;q=0.5, zh;q=0.8"})
    assert_language(ranked.text, "zh")


def test_the_switch_sets_a_cookie_and_returns_to_the_page(site):
    response = site.client.get("/lang/en?next=/check", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/check"
    cookie = response.headers["set-cookie"]
    assert "lang=en" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    # The cookie wins over the browser's languages.
    page = site.client.get("/check", headers={**HTML, "accept-language": "zh-CN"})
    assert_language(page.text, "en")


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)"]
)
def test_the_switch_never_redirects_off_site(site, target):
    response = site.client.get("/lang/zh", params={"next": target}, follow_redirects=False)
    assert response.headers["location"] == "/"


def test_unknown_language_goes_home(site):
    response = site.client.get("/lang/fr", follow_redirects=False)
    assert response.headers["location"] == "/" and "set-cookie" not in response.headers


@pytest.mark.parametrize(
    "path", ["/", "/static/fangdu.css", "/api/v1/log/checkpoint", "/nope", "/log/checkpoint"]
)
def test_security_headers_on_every_response(site, path):
    response = site.client.get(path)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "cache-control" in response.headers


def test_pages_are_not_cached_but_static_files_are(site):
    assert site.client.get("/").headers["cache-control"] == "no-store"
    assert "max-age" in site.client.get("/static/fangdu.css").headers["cache-control"]


def test_nothing_is_loaded_from_elsewhere(site):
    html = site.client.get("/", headers=HTML).text
    assert "http://" not in html and "https://" not in html
    assert "<script>" not in html and "style=" not in html  # the CSP allows neither


def test_error_pages_for_browsers_and_problems_for_programs(site):
    page = site.client.get("/nope", headers={**HTML, "accept-language": "en"})
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]
    assert "Not found" in page.text
    problem = site.client.get("/nope")
    assert problem.status_code == 404
    assert problem.headers["content-type"] == "application/problem+json"
    assert problem.json() == {"type": "about:blank", "title": "Not Found", "status": 404}


def test_home_counts_the_library(library_site):
    html = library_site.client.get("/", headers={**HTML, "accept-language": "en"}).text
    assert "4 registered works, 1 prior-art records" in html


def test_a_crash_is_a_bare_problem_with_the_headers(site, monkeypatch):
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("fangdu.web.records.log_tile", broken)
    client = TestClient(site.client.app, raise_server_exceptions=False)
    response = client.get("/log/tile/0/000.p/1")
    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
    }
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "a bug" not in response.text
