"""Files: the log's tiles by strict path only, originals only as passive image types, no path
a client sends ever reaching the file system."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from webtools import HTML

from fangdu.ledger import tiles
from fangdu.ledger.entries import Event
from fangdu.ledger.merkle import HASH_SIZE, leaf_hash
from fangdu.registry import events


def test_tiles_and_entry_bundles_of_the_published_tree(library_site):
    client, store = library_site.client, library_site.state.registry.ledger
    size = store.size()
    level0 = client.get(f"/log/tile/0/000.p/{size}")
    assert level0.status_code == 200
    assert level0.headers["content-type"] == "application/octet-stream"
    assert level0.headers["cache-control"] == "no-cache"  # partial: it will grow
    entries = [store.entry(i) for i in range(size)]
    assert level0.content == b"".join(leaf_hash(e) for e in entries)
    bundle = client.get(f"/log/tile/entries/000.p/{size}")
    assert tiles.parse_entry_bundle(bundle.content) == entries
    # An older, narrower view of the same tile is its prefix.
    assert client.get("/log/tile/0/000.p/2").content == level0.content[: 2 * HASH_SIZE]
    # Beyond the published tree: nothing.
    assert client.get(f"/log/tile/0/000.p/{size + 1}").status_code == 404
    assert client.get("/log/tile/0/000").status_code == 404  # not full yet
    assert client.get("/log/tile/1/000.p/1").status_code == 404


def test_a_full_tile_is_cacheable_for_good(site):
    store = site.state.registry.ledger
    # 256 bare entries are quicker to log than 256 prints to fingerprint.
    source = events.provenance("test")
    with site.state.registry.unit_of_work() as repo:
        store.append_many(
            repo.session,
            [Event("prior_art", f"prior_art:{i}", {"i": i}, provenance=source) for i in range(256)],
            site.state.registry.keys.operator,
        )
    store.integrate()
    full = site.client.get("/log/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 256 * HASH_SIZE
    assert "immutable" in full.headers["cache-control"]
    assert site.client.get("/log/tile/1/000.p/1").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/log/tile/../../etc/passwd",
        "/log/tile/%2e%2e/%2e%2e/etc/passwd",
        "/log/tile/..%2f..%2fetc%2fpasswd",
        "/log/tile/0/../../../etc/passwd",
        "/log/tile/0/001/../000",
        "/log/tile/0/0",
        "/log/tile/0/000.p/0",
        "/log/tile/0/000.p/256",
        "/log/tile/0/x000/000",
        "/log/tile/entries/%00",
        "/log/tile//etc/passwd",
        "/log/tile/0/000.p/1/../../../fangdu.sqlite3",
        "/static/../fangdu.sqlite3",
        "/static/%2e%2e/%2e%2e/config.py",
        "/static/..%2fapp.py",
        "/works/..%2f..%2fkeys/original",
        "/works/1%2f..%2f2/original",
        "/verify/..%2f..%2fetc%2fpasswd",
        "/works/FD-2026-0000001%2f..%2f/certificate.pdf",
    ],
)
def test_path_traversal_finds_nothing(library_site, path):
    response = library_site.client.get(path)
    assert response.status_code in (400, 404, 422), (path, response.status_code)
    assert b"root:" not in response.content and b"SQLite format" not in response.content
    assert b"import " not in response.content


def test_originals_are_served_as_passive_images_only(library_site, print_png):
    site = library_site
    site.account("reviewer-1", "reviewer")
    site.login("reviewer-1")
    response = site.client.get("/works/1/original")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    number = site.state.registry.queries.show("1").registration_no
    assert response.headers["content-disposition"] == f'inline; filename="{number}.png"'
    assert response.content == site.state.registry.blobs.get(
        site.state.registry.queries.show("1").sha256
    )
    preview = site.client.get("/works/1/preview.jpg")
    assert preview.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(preview.content)).format == "JPEG"
    prior = site.client.get("/prior-art/1/preview.jpg")
    assert prior.status_code == 200 and prior.headers["content-type"] == "image/jpeg"


def test_the_public_gets_previews_of_registered_works_but_not_originals(library_site):
    client = library_site.client
    assert client.get("/works/1/preview.jpg").status_code == 200
    assert client.get("/works/1/original").status_code == 401  # sign in first
    assert client.get("/prior-art/1/preview.jpg").status_code == 401


def test_an_html_file_named_png_is_never_stored_nor_served(site):
    site.account("merchant", "applicant")
    site.login("merchant")
    html = b"<!doctype html><script>alert(1)</script>"
    response = site.post_form(
        "/apply",
        "/apply",
        {"title": "x", "owner": "y", "created_on": "2026-01-01", "originality_statement": "z"},
        files={"image": ("evil.png", html, "image/png")},
    )
    assert response.status_code == 422
    assert list(site.state.registry.queries.list_works()) == []
    assert not any(p.is_file() for p in site.settings.blobs_path.rglob("*"))


def test_pages_escape_what_people_typed(site, print_png):
    site.account("merchant", "applicant", display_name="<script>alert(1)</script>")
    site.login("merchant")
    filed = site.post_form(
        "/apply",
        "/apply",
        {
            "title": "<img src=x onerror=alert(1)>",
            "owner": "o",
            "created_on": "2026-01-01",
            "originality_statement": "<b>mine</b>",
        },
        files={"image": ("a.png", print_png(70), "image/png")},
    )
    assert filed.status_code == 200
    assert "<img src=x" not in filed.text and "&lt;img src=x onerror=alert(1)&gt;" in filed.text
    assert "<script>alert(1)" not in site.client.get("/", headers=HTML).text
