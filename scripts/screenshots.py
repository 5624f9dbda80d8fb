"""Screenshots of the search page (query "oil") and of the first hit's article page, for the README.

    python scripts/screenshots.py [--index bench/out/reuters-index] [--out docs]

Starts `news-search serve` on a free port and drives Debian's Chromium with Playwright.
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from web.server import running_server

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "bench" / "out" / "reuters-index")
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    options = parser.parse_args()
    with running_server(options.index) as base, sync_playwright() as playwright, \
            tempfile.TemporaryDirectory() as home:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS,
                                             env={"HOME": home})
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(f"{base}/search?q=oil")
        page.screenshot(path=str(options.out / "search-oil.png"))
        page.click(".hit h3 a >> nth=0")
        page.wait_for_url("**/articles/**")
        page.screenshot(path=str(options.out / "article.png"))
        browser.close()
    print(f"wrote {options.out / 'search-oil.png'} and {options.out / 'article.png'}")


if __name__ == "__main__":
    main()
