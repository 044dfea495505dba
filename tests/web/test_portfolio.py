""" "My works" shows what the account filed and what is registered to its party (issue 12
#16), without giving the party's works' originals to a name anyone can type."""

from __future__ import annotations

from webtools import HTML


def test_my_works_lists_the_partys_registered_works(library_site, print_png):
    site = library_site  # four prints registered to "Keqiao Prints Co." by the registry
    site.account("clerk", "applicant", party="Keqiao Prints Co.")
    site.account("stranger", "applicant", party="Another Studio")
    registered = [w for w in site.state.registry.queries.list_works("registered")]
    assert len(registered) == 4

    site.login("clerk")
    page = site.client.get("/portfolio", headers=HTML).text
    for work in registered:
        assert f"/verify/{work.registration_no}" in page
        assert f"/applications/{work.id}" not in page  # not an application of this account
    assert "Keqiao Prints Co." in page
    # A stated party is not proof: the originals stay with whoever filed them.
    assert site.client.get(f"/works/{registered[0].id}/original").status_code == 403
    site.logout()

    site.login("stranger")
    page = site.client.get("/portfolio", headers=HTML).text
    assert not any(w.registration_no in page for w in registered)
