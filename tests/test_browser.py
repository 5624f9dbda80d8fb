"""End to end in a real headless Chromium (Debian's), driven by Playwright, against `news-search serve`."""
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import cli
from web.server import running_server

from .conftest import SEEDS, oil_stories, write_jsonl

CHROMIUM = "/usr/bin/chromium"
playwright_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing: make test installs Debian's chromium where it can")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", oil_stories(8))
    index = tmp_path / "index"
    assert CliRunner().invoke(cli, ["--index", str(index), "index", str(folder), str(SEEDS), "-q"]).exit_code == 0
    with running_server(index) as base:
        yield base


def test_search_facet_histogram_and_article_in_a_browser(server, tmp_path):
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             env={**os.environ, "HOME": str(tmp_path)})
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(server + "/")
        page.fill("input[name=q]", "oil")
        page.press("input[name=q]", "Enter")
        page.wait_for_url("**/search?q=oil")
        assert "8 articles match" in page.inner_text(".summary")
        page.screenshot(path=str(shots / "1-search.png"), full_page=True)

        page.click(".facet a:has-text('Wire A')")
        page.wait_for_url("**source=Wire+A**")
        assert "4 articles match" in page.inner_text(".summary")
        assert "source: Wire A" in page.inner_text(".chips")
        page.screenshot(path=str(shots / "2-facet.png"), full_page=True)

        page.click(".histogram a >> nth=0")
        page.wait_for_url("**from=2024-01**")
        assert "to=2024-01" in page.url
        page.screenshot(path=str(shots / "3-month.png"), full_page=True)

        page.click(".hit h3 a >> nth=0")
        page.wait_for_url("**/articles/**")
        assert page.inner_text("h1").startswith("Oil story")
        page.screenshot(path=str(shots / "4-article.png"), full_page=True)

        phone = browser.new_page(viewport={"width": 400, "height": 800})
        phone.goto(server + "/search?q=oil")
        button = phone.locator("header button").bounding_box()
        assert button["x"] + button["width"] <= 400  # the Search button is not clipped
        assert phone.evaluate("document.documentElement.scrollWidth") <= 400
        assert phone.locator(".results").bounding_box()["y"] < phone.locator(".facets").bounding_box()["y"]
        phone.screenshot(path=str(shots / "5-phone.png"), full_page=True)
        browser.close()
    assert sorted(path.name for path in shots.iterdir()) == ["1-search.png", "2-facet.png", "3-month.png",
                                                              "4-article.png", "5-phone.png"]
    keep = os.environ.get("NEWS_SEARCH_SCREENSHOTS")
    if keep:
        shutil.copytree(shots, keep, dirs_exist_ok=True)
