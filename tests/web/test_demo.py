"""`fangdu serve --demo`: a labelled library and accounts on first start, nothing after."""

from __future__ import annotations

import stat

from webtools import HTML

from fangdu.web import demo


def test_demo_seeds_once(make_site, monkeypatch, capsys):
    monkeypatch.setattr(demo, "PRINT_SIZE", 256)  # small prints: the test, not the demo
    site = make_site(demo=True)
    state = site.state
    works = list(state.registry.queries.list_works("registered"))
    assert len(works) == demo.PRINTS and {w.owner for w in works} == {demo.OWNER}
    assert len(list(state.registry.queries.list_prior_art())) == demo.PRIOR_ART
    assert {a.username: a.role for a in state.accounts.list()} == {
        "demo": "applicant",
        "reviewer": "reviewer",
        "admin": "admin",
    }
    printed = capsys.readouterr().out
    saved = site.settings.resolved_home() / demo.ACCOUNTS_FILE
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    for line in saved.read_text().splitlines()[1:]:
        _role, username, password = line.split()
        assert password in printed
        site.login(username, password)
        site.logout()
    assert "Demo" in site.client.get("/", headers={**HTML, "accept-language": "en"}).text

    # A second start of the same installation seeds nothing.
    again = make_site(demo=True)
    assert len(list(again.state.registry.queries.list_works())) == demo.PRINTS
    assert len(again.state.accounts.list()) == 3
    assert "demo accounts" not in capsys.readouterr().out


def test_demo_leaves_a_real_installation_alone(site, print_png):
    site.account("admin-1", "admin")
    assert not demo.seed_demo(site.state.registry, site.state.accounts, say=print)
    assert list(site.state.registry.queries.list_works()) == []
