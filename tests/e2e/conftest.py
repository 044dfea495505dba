"""End-to-end fixtures: the real service in a subprocess and Debian's Chromium driving it.

One server and one browser per module (they cost seconds); one browser context, that is one
person with their own cookies, per ``open_site`` call.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Generator, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from e2etools import (
    CHROMIUM,
    OTHER_LOCALE,
    LiveServer,
    launch_chromium,
    pdf_saving_context,
    running_server,
    switch_language,
)
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

# Phone-sized pages are the screenshot script's business; the tests use one desktop size.
VIEWPORT = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium: skipped without it locally, a failure in CI (which installs it)."""
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: the browser tests drive Debian's Chromium "
            "(apt-get install chromium; `make system-deps` installs it)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """``fangdu --home <tmp> serve --port <free> --demo``: the service a newcomer starts."""
    with running_server(tmp_path_factory.mktemp("fangdu-e2e") / "home") as server:
        yield server


@pytest.fixture(scope="module")
def playwright(chromium: Path) -> Iterator[Playwright]:
    # Module scope: Playwright's sync API owns an event loop while it runs; it is stopped
    # before the rest of the suite (which may use asyncio) goes on.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = launch_chromium(playwright)
    yield browser
    browser.close()


@pytest.fixture
def open_site(browser: Browser, live_server: LiveServer) -> Iterator[Callable[[str], Page]]:
    """``open_site(lang)``: a new person (own cookies) on the home page, switched to ``lang``
    by the header's link from a browser that prefers the other language."""
    contexts: list[BrowserContext] = []

    def open_(lang: str) -> Page:
        context = browser.new_context(locale=OTHER_LOCALE[lang], viewport=VIEWPORT)
        contexts.append(context)
        page = context.new_page()
        switch_language(page, live_server, lang)
        return page

    yield open_
    for context in contexts:
        context.close()


@pytest.fixture
def visitor(
    playwright: Playwright, live_server: LiveServer, tmp_path: Path
) -> Callable[[str], AbstractContextManager[Page]]:
    """``with visitor(lang) as page``: anyone, in a browser that saves PDFs it is sent (so
    a certificate link starts a real download)."""

    @contextlib.contextmanager
    def visit(lang: str) -> Iterator[Page]:
        with pdf_saving_context(
            playwright, tmp_path / f"profile-{lang}", locale=OTHER_LOCALE[lang], viewport=VIEWPORT
        ) as context:
            page = context.pages[0] if context.pages else context.new_page()
            switch_language(page, live_server, lang)
            yield page

    return visit


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """A failed browser test shows the end of the server's log: a 500 behind a page that never
    came is in there, not in Playwright's timeout."""
    report: pytest.TestReport = yield
    server = getattr(item, "funcargs", {}).get("live_server")
    if report.failed and isinstance(server, LiveServer):
        report.sections.append(("fangdu serve: the log's last lines", server.log_tail()))
    return report
