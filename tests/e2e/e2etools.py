"""Helpers of the end-to-end tests and of ``screenshots.py``: the real service in a subprocess,
Debian's Chromium driven by Playwright, the demo's prints and copies of them, the catalogues.

Nothing here is a pytest fixture, so the screenshot script uses the same server and browser.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from babel.support import Translations
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Playwright, expect

from fangdu.synth import make_print
from fangdu.web import demo
from fangdu.web.i18n import BY_CODE, load_translations

CHROMIUM = Path("/usr/bin/chromium")
LANGS = ("zh", "en")
# Each language's test starts from a browser that prefers the other language, so the switch
# link, not Accept-Language, is what puts the page into the language under test.
OTHER_LOCALE = {"zh": "en-US", "en": "zh-CN"}
SERVER_START_S = 90  # seeding the demo takes ~4 s; a loaded CI machine gets far more
NUMBER = re.compile(r"FD-\d{4}-\d{7}")

_TRANSLATIONS: dict[str, Translations] = {}


def gettext(lang: str) -> Callable[[str], str]:
    """The catalogue's ``gettext`` for ``lang``: tests find labels and buttons by the text the
    page shows in that language, from the catalogues the service uses (tests/web/test_i18n.py
    sees that they are complete); a changed wording does not break them."""
    if not _TRANSLATIONS:
        _TRANSLATIONS.update(load_translations())
    return _TRANSLATIONS[lang].gettext


# -- the service -------------------------------------------------------------------------------


@dataclass
class LiveServer:
    """``fangdu serve --demo`` running on 127.0.0.1, with the demo's accounts."""

    url: str
    home: Path
    log: Path
    process: subprocess.Popen[bytes]
    passwords: dict[str, str] = field(default_factory=dict)  # username -> password

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


# The service is on this machine: no http_proxy from the environment may stand in between.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def get_json(url: str) -> Any:
    with _DIRECT.open(url, timeout=30) as response:
        return json.load(response)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fangdu_command() -> list[str]:
    """The installed ``fangdu`` script beside this interpreter: what a newcomer runs."""
    script = Path(sys.executable).with_name("fangdu")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from fangdu.cli import main; sys.exit(main())"]


@contextlib.contextmanager
def running_server(home: Path, *, check_per_minute: int = 1000) -> Iterator[LiveServer]:
    """Start ``fangdu --home HOME serve --port P --demo``, wait until it answers, stop it after.

    The environment is the caller's without FANGDU_* (a developer's own settings must not
    leak in), plus a check rate limit that one browser doing many checks does not hit.
    """
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FANGDU_")}
    env.update(FANGDU_CHECK_PER_MINUTE=str(check_per_minute), PYTHONUNBUFFERED="1")
    log = home.parent / f"{home.name}-serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*_fangdu_command(), "--home", str(home), "serve", "--port", str(port), "--demo"],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", home, log, process)
    try:
        _wait_until_up(server)
        server.passwords = demo_passwords(home)
        yield server
    finally:
        process.terminate()  # uvicorn shuts down gracefully on SIGTERM
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_up(server: LiveServer) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"fangdu serve exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            with _DIRECT.open(server.url + "/log/checkpoint", timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"fangdu serve did not answer within {SERVER_START_S} s:\n{server.log_tail()}"
    )


def demo_passwords(home: Path) -> dict[str, str]:
    """username -> password from ``<home>/demo-accounts.txt`` (role, username, password)."""
    lines = (home / demo.ACCOUNTS_FILE).read_text(encoding="utf-8").splitlines()
    passwords = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            _role, username, password = line.split()
            passwords[username] = password
    return passwords


# -- images ------------------------------------------------------------------------------------


def demo_print(index: int) -> np.ndarray:
    """The pixels of the demo library's print ``index`` (0-based; work id ``index + 1``)."""
    assert 0 <= index < demo.PRINTS
    return make_print(index, size=demo.PRINT_SIZE, real_art=False).rgb


def demo_prior_art(index: int) -> np.ndarray:
    """The pixels of the demo's prior-art photo ``index`` (0-based)."""
    assert 0 <= index < demo.PRIOR_ART
    return make_print(500 + index, size=demo.PRINT_SIZE, real_art=False).rgb


def mirrored_crop(rgb: np.ndarray) -> np.ndarray:
    """What a copier does to a print: mirror it and cut off a margin."""
    height, width = rgb.shape[:2]
    return np.ascontiguousarray(np.fliplr(rgb)[height // 16 : -height // 16, width // 10 :])


def new_print(seed: int) -> np.ndarray:
    """A print that is nobody's yet (the demo uses seeds 0-11 and 500-501)."""
    assert seed >= 1000
    return make_print(seed, size=demo.PRINT_SIZE, real_art=False).rgb


def write_png(rgb: np.ndarray, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgb).save(path)
    return path


# -- the browser -------------------------------------------------------------------------------


def launch_args() -> list[str]:
    # Chromium's sandbox needs user namespaces a root process in a container does not get.
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=launch_args())


@contextlib.contextmanager
def pdf_saving_context(
    playwright: Playwright, profile: Path, **options: object
) -> Iterator[BrowserContext]:
    """A browser whose user chose "download PDFs" in its settings.

    Chromium's headless mode opens an inline PDF in its viewer, where no download happens and
    the page's bytes are the viewer's; this profile preference is how a person (and Playwright)
    gets the file itself. Only a persistent context reads a profile.
    """
    preferences = profile / "Default" / "Preferences"
    preferences.parent.mkdir(parents=True, exist_ok=True)
    preferences.write_text(json.dumps({"plugins": {"always_open_pdf_externally": True}}))
    context = playwright.chromium.launch_persistent_context(
        profile,
        executable_path=str(CHROMIUM),
        args=launch_args(),
        accept_downloads=True,
        **options,  # type: ignore[arg-type]
    )
    try:
        yield context
    finally:
        context.close()
        shutil.rmtree(profile, ignore_errors=True)


def switch_language(page: Page, server: LiveServer, lang: str, path: str = "/") -> None:
    """Open ``path`` and, if it is in the other language, follow the header's switch link."""
    page.goto(server.url + path)
    language = BY_CODE[lang]
    if page.locator("html").get_attribute("lang") != language.html_lang:
        page.locator("header .langs").get_by_role("link", name=language.name).click()
    expect(page.locator("html")).to_have_attribute("lang", language.html_lang)


def nav(page: Page, lang: str, label: str) -> Locator:
    """A link of the header's main navigation, by its English text."""
    _ = gettext(lang)
    return page.get_by_role("navigation", name=_("Main")).get_by_role(
        "link", name=_(label), exact=True
    )


def sign_in(page: Page, lang: str, username: str, password: str) -> None:
    """Sign in through the header's link and the form, as a person does."""
    _ = gettext(lang)
    page.locator("header").get_by_role("link", name=_("Sign in"), exact=True).click()
    page.get_by_label(_("Username"), exact=True).fill(username)
    page.get_by_label(_("Password"), exact=True).fill(password)
    page.get_by_role("button", name=_("Sign in"), exact=True).click()
    expect(page.locator("header .who")).to_contain_text(_("Sign out"))


APPLICATION = {
    "category": "floral",
    "colourways": "藏青, 米底红花",
    "owner": "柯桥花样工作室",
    "designers": "王芳, 李明",
    "created_on": "2026-03-01",
    "description": "手绘草图，Photoshop 分色 · hand-drawn, separated in Photoshop",
    "originality_statement": "本人原创，未抄袭他人作品。 My own work; it copies no one's.",
}


def fill_application(page: Page, lang: str, image: Path, title: str) -> None:
    """Fill in the application form (the page must be /apply)."""
    _ = gettext(lang)

    def field(label: str) -> Locator:
        return page.get_by_label(_(label), exact=True)

    field("Image of the design").set_input_files(image)
    field("Title").fill(title)
    field("Category").select_option(APPLICATION["category"])
    field("Colourways").fill(APPLICATION["colourways"])
    field("Owner (person or company)").fill(APPLICATION["owner"])
    field("Designers").fill(APPLICATION["designers"])
    field("Created on").fill(APPLICATION["created_on"])
    field("How the design was created").fill(APPLICATION["description"])
    field("Originality statement").fill(APPLICATION["originality_statement"])


def file_application(page: Page, lang: str, image: Path, title: str) -> int:
    """Fill in and send the application form (the page must be /apply); the work's id."""
    _ = gettext(lang)
    fill_application(page, lang, image, title)
    page.get_by_role("button", name=_("Check and file the application"), exact=True).click()
    page.wait_for_url(re.compile(r".*/applications/\d+$"))
    return int(page.url.rsplit("/", 1)[1])
