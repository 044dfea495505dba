"""Regenerate docs/screenshots/*.png: the main pages of a fresh demo, in Chinese and English.

    .venv/bin/python tests/e2e/screenshots.py [--out docs/screenshots]

Starts ``fangdu serve --demo`` on a temporary home and drives Debian's Chromium through the
same steps as the browser tests: a check, two applications by the demo applicant (an
original design, and a copy of a demo prior-art photo that the reviewer sees flagged), the
review queue and page, an approval, the verification page, the portfolio. Desktop pages are
1280 px wide; home and check also at 390 x 844 (a phone). Each PNG is shrunk until it is at
most MAX_BYTES. docs/WEB.md shows them.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pypdfium2 as pdfium
from e2etools import (
    CHROMIUM,
    LANGS,
    LiveServer,
    demo_print,
    demo_prior_art,
    file_application,
    fill_application,
    gettext,
    launch_chromium,
    mirrored_crop,
    nav,
    new_print,
    running_server,
    sign_in,
    switch_language,
    write_png,
)
from PIL import Image
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
# A person who reads the language (the tests start from the other one, to use the switch).
# The browser's own widgets (file chooser, date field) stay in English: Debian's Chromium
# has only its en-US resources unless chromium-l10n is installed.
LOCALE = {"zh": "zh-CN", "en": "en-US"}
MAX_BYTES = 300_000
MIN_WIDTH = 480  # never shrink below this: text must stay readable


def fit_png(image: Image.Image) -> bytes:
    """PNG bytes of at most MAX_BYTES: fewer colours first (flat colours and text lose little),
    a smaller picture only when that is not enough."""
    while True:
        for colours in (256, 128, 64):
            data = _png(
                image.quantize(colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            )
            if len(data) <= MAX_BYTES:
                break
        if len(data) <= MAX_BYTES or image.width <= MIN_WIDTH:
            break
        image = image.resize(
            (round(image.width * 0.85), round(image.height * 0.85)), Image.Resampling.LANCZOS
        )
    return data


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


class Shooter:
    def __init__(self, browser: Browser, server: LiveServer, out: Path, work: Path) -> None:
        self.browser, self.server, self.out, self.work = browser, server, out, work
        self.saved: list[Path] = []

    @contextmanager
    def person(self, lang: str, device: dict[str, object] = DESKTOP) -> Iterator[Page]:
        context = self.browser.new_context(locale=LOCALE[lang], **device)  # type: ignore[arg-type]
        try:
            page = context.new_page()
            switch_language(page, self.server, lang)
            yield page
        finally:
            context.close()

    def shot(self, page: Page, name: str) -> None:
        """The whole page, as ``<name>.png``."""
        page.mouse.move(0, 0)  # no hover effect where the last click was
        png = page.screenshot(full_page=True, animations="disabled", caret="hide")
        self.save(Image.open(io.BytesIO(png)).convert("RGB"), name)

    def save(self, image: Image.Image, name: str) -> None:
        path = self.out / f"{name}.png"
        path.write_bytes(fit_png(image))
        self.saved.append(path)
        print(f"{path.name:<28} {path.stat().st_size // 1000:>4} kB")

    def public_pages(self, lang: str) -> None:
        _ = gettext(lang)
        copy = write_png(mirrored_crop(demo_print(3)), self.work / "牡丹-copy.png")
        for device, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
            with self.person(lang, device) as page:
                self.shot(page, f"home-{lang}{suffix}")
                page.goto(self.server.url + "/check")
                page.get_by_label(_("Image or photo"), exact=True).set_input_files(copy)
                page.get_by_role("button", name=_("Check"), exact=True).click()
                expect(page.get_by_role("heading", level=2)).to_contain_text(copy.name)
                page.wait_for_load_state("networkidle")
                self.shot(page, f"check-{lang}{suffix}")
        with self.person(lang) as page:
            page.locator("header").get_by_role("link", name=_("Sign in"), exact=True).click()
            self.shot(page, f"login-{lang}")

    def workflow(self, lang: str, index: int) -> None:
        _ = gettext(lang)
        passwords = self.server.passwords
        original = write_png(new_print(3000 + index), self.work / f"original-{lang}.png")
        copied = write_png(mirrored_crop(demo_prior_art(index)), self.work / f"copied-{lang}.png")
        with self.person(lang) as applicant, self.person(lang) as reviewer:
            sign_in(applicant, lang, "demo", passwords["demo"])
            nav(applicant, lang, "Apply").click()
            title = "缠枝莲 Lotus scroll" if lang == "zh" else "Lotus scroll 缠枝莲"
            fill_application(applicant, lang, original, title)
            self.shot(applicant, f"apply-{lang}")
            registered = file_application(applicant, lang, original, title)
            nav(applicant, lang, "Apply").click()
            flagged = file_application(applicant, lang, copied, "集市花布 Market print")
            self.shot(applicant, f"application-{lang}")

            sign_in(reviewer, lang, "reviewer", passwords["reviewer"])
            nav(reviewer, lang, "Review").click()
            self.shot(reviewer, f"review-queue-{lang}")
            reviewer.get_by_role("link", name=f"W-{flagged}", exact=True).click()
            reviewer.wait_for_load_state("networkidle")
            self.shot(reviewer, f"review-detail-{lang}")
            reviewer.goto(f"{self.server.url}/review/{registered}")
            reviewer.get_by_role("button", name=_("Approve and register"), exact=True).click()
            link = reviewer.get_by_role("link", name=_("Public verification page"), exact=True)
            verify_path = link.get_attribute("href")
            assert verify_path is not None

            nav(applicant, lang, "My works").click()
            applicant.wait_for_load_state("networkidle")
            self.shot(applicant, f"portfolio-{lang}")

        with self.person(lang) as visitor:  # what anyone scanning the QR code sees
            visitor.goto(self.server.url + verify_path)
            visitor.wait_for_load_state("networkidle")
            self.shot(visitor, f"verify-{lang}")
            if lang == LANGS[0]:  # the certificate is one bilingual document
                number = verify_path.rsplit("/", 1)[1]
                pdf = visitor.request.get(f"{self.server.url}/works/{number}/certificate.pdf")
                self.certificate(pdf.body())

    def certificate(self, pdf: bytes) -> None:
        """Page 1 of a certificate, as ``certificate.png``."""
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[0]
            try:
                image = page.render(scale=1.5).to_pil().convert("RGB")  # A4 at 108 dpi
            finally:
                page.close()
        finally:
            document.close()
        self.save(image, "certificate")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="fangdu-screenshots-") as tmp,
        running_server(Path(tmp) / "home") as server,
        sync_playwright() as playwright,
    ):
        browser = launch_chromium(playwright)
        shooter = Shooter(browser, server, args.out, Path(tmp))
        for index, lang in enumerate(LANGS):
            shooter.public_pages(lang)
            shooter.workflow(lang, index)
        browser.close()
    print(f"{len(shooter.saved)} screenshots in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
