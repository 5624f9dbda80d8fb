"""Screenshots for the README: the search page (query "oil", and a query whose hits have copies), an article
page with its copies and related articles, a did-you-mean, each at 1280 px and at 400 px; and a search's Atom feed.

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
        shots = []
        for width, suffix in ((1280, ""), (400, "-narrow")):
            page = browser.new_page(viewport={"width": width, "height": 1000})
            for name, query in (("search-oil", "oil"), ("search-copies", "japanese investor gilt-edged"),
                                ("did-you-mean", "cofee prise")):
                page.goto(f"{base}/search?q={query}")
                shots.append(options.out / f"{name}{suffix}.png")
                page.screenshot(path=str(shots[-1]), full_page=width < 1000)
            page.goto(f"{base}/search?q=japanese investor gilt-edged")
            page.click(".hit h3 a >> nth=0")
            page.wait_for_url("**/articles/**")
            shots.append(options.out / f"article{suffix}.png")
            page.screenshot(path=str(shots[-1]), full_page=True)
            if not suffix:  # the Atom feed of a search, as the browser shows it
                page.goto(f"{base}/feed.atom?q=opec")
                shots.append(options.out / "feed.png")
                page.screenshot(path=str(shots[-1]))
            page.close()
        browser.close()
    print("wrote", ", ".join(str(shot) for shot in shots))


if __name__ == "__main__":
    main()
