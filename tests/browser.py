"""Real headless Chromium for page tests: the app served by uvicorn on loopback, screenshots kept as artifacts."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from tests.conftest import ROOT, unavailable

ARTIFACTS = ROOT / "test-artifacts"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium() -> str:
    path = os.environ.get("YUQING_CHROMIUM", "/usr/bin/chromium")
    if os.access(path, os.X_OK):
        return path
    unavailable(f"Chromium not available at {path}: set YUQING_CHROMIUM (.ci/run installs chromium)")


@contextmanager
def serve(app) -> Iterator[str]:
    """The app on a free loopback port in a thread; yields its base URL."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def browser_page(width: int = 1280, height: int = 1000):
    """A page in a fresh headless Chromium; a script dialog (an escaped title that ran after all) fails the test."""
    from playwright.sync_api import sync_playwright

    executable = chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            yield page
        finally:
            browser.close()
    assert dialogs == [], f"a script ran on the page: {dialogs}"


# Draws one character and the glyph of a code point no font has (the "tofu" box), in the chart's fonts, and says
# whether they differ: a label whose characters all match the box would show as empty boxes to the reader.
GLYPH_CHECK = """([chars, family]) => {
  const draw = (ch) => {
    const canvas = document.createElement('canvas'); canvas.width = 40; canvas.height = 40;
    const ctx = canvas.getContext('2d'); ctx.font = `28px ${family}`; ctx.fillText(ch, 4, 32);
    return Array.from(ctx.getImageData(0, 0, 40, 40).data).join(',');
  };
  const tofu = draw(String.fromCodePoint(0x10FFFD));
  return chars.filter((ch) => draw(ch) === tofu);
}"""


def boxes_in(page, text: str) -> list[str]:
    """The CJK characters of ``text`` that the page's chart fonts cannot draw."""
    from web.chart import FONTS

    chars = sorted({ch for ch in text if "\u4e00" <= ch <= "\u9fff"})
    return page.evaluate(GLYPH_CHECK, [chars, FONTS])
