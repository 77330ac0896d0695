"""Headless Chromium (Debian's /usr/bin/chromium) driven by Playwright, for report and UI tests.

Fails loudly when Chromium is missing: `.ci/run` installs it; a skipped browser test proves nothing.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("CAMPAIGN_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextmanager
def chromium_page(width: int = 1280, height: int = 900):
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise AssertionError(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium (apt-get install -y chromium)"
        )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


def screenshot_report(html: Path, name: str, chart_selector: str = ".chart svg") -> tuple[Path, list[dict]]:
    """Open a report file, return the screenshot path and the rendered size of every chart."""
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    with chromium_page() as page:
        page.goto(html.resolve().as_uri())
        boxes = [el.bounding_box() for el in page.query_selector_all(chart_selector)]
        page.screenshot(path=str(target), full_page=True)
    return target, [b for b in boxes if b]
