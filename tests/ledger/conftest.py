"""Fixtures for the evidence ledger: a local RFC 3161 time-stamp authority."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tsa import LocalTsa, openssl_binary, running_tsa


@pytest.fixture(scope="session")
def local_tsa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalTsa]:
    """One OpenSSL-backed TSA for the whole session (see tests/ledger/tsa.py)."""
    openssl = openssl_binary()
    if openssl is None:
        pytest.skip("the local TSA needs the `openssl` command line tool")
    with running_tsa(tmp_path_factory.mktemp("tsa"), openssl) as authority:
        yield authority
