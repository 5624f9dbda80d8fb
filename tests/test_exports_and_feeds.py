"""Every search as an export (CSV, JSON Lines) and an Atom feed; the article page's way back."""
from __future__ import annotations

import csv
import io
import json
import re

import feedparser
import pytest

from search import IndexStore, NewsIndex, SearchRequest, index_paths
from web import create_app

from .conftest import SEEDS, write_jsonl

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"click\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tTabbed"]


@pytest.fixture
def index_root(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    hostile = [{"id": f"f{n}", "title": formula, "source": formula, "date": "2024-05-0{}".format(n + 1),
                "body": f"Oil harbour note {n}, with a \"quote\", a comma, and a line\n\nbreak."}
               for n, formula in enumerate(FORMULAS)]
    stories = [{"id": f"s{n}", "title": f"Oil story {n}", "date": f"2024-0{1 + n % 4}-{1 + n % 28:02d}",
                "source": ["Wire A", "Wire B"][n % 2], "body": f"Oil prices moved on day {n} at the harbour."}
               for n in range(55)]
    write_jsonl(folder / "wire.jsonl", stories + hostile)
    store = IndexStore(tmp_path / "index")
    index_paths(store, [folder, SEEDS])
    return store.root


@pytest.fixture
def client(index_root):
    return create_app({"INDEX": str(index_root), "TESTING": True}).test_client()


def search_ids(index_root, **request) -> list[str]:
    index = NewsIndex(index_root)
    try:
        return [hit.id for hit in index.search(SearchRequest(per_page=1000, **request)).hits]
    finally:
        index.close()


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_an_export_holds_every_match_in_the_search_order(index_root, runner, sort):
    result = runner.invoke(__import__("cli").cli, ["--index", str(index_root), "export", "oil", "--sort", sort])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["id"] for row in rows] == search_ids(index_root, query="oil", sort=sort)
    assert len(rows) == 60 and "snippet" not in rows[0] and "body" not in rows[0]
    assert set(rows[0]) == {"id", "title", "date", "source", "distributor", "url", "path", "score", "people", "orgs",
                            "places", "copies", "copy_sources"}


def test_csv_opens_cleanly_in_a_spreadsheet(client, index_root):
    response = client.get("/api/export?q=oil&format=csv&body=1&sort=newest")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["X-Total-Count"] == "60" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeffid,title,date,")  # the byte-order mark spreadsheets read as UTF-8
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert [row["id"] for row in rows] == search_ids(index_root, query="oil", sort="newest")
    hostile = [row for row in rows if row["id"] in {hit for hit in search_ids(index_root, query="harbour note")}]
    assert sorted(row["title"] for row in hostile) == sorted(["'" + formula for formula in FORMULAS[:4]] + ["Tabbed"])
    assert all(not row[field].startswith(("=", "+", "-", "@", "\t")) for row in rows for field in row)
    assert any(row["body"].endswith("a line\n\nbreak.") for row in rows)  # newlines survive, quoted


def test_csv_joins_lists_with_semicolons(tmp_path, runner):
    seed_index = tmp_path / "seed-index"
    index_paths(IndexStore(seed_index), [SEEDS])
    output = tmp_path / "out.csv"
    result = runner.invoke(__import__("cli").cli, ["--index", str(seed_index), "export", "--format", "csv",
                                                   "--output", str(output)])
    assert result.exit_code == 0 and result.stdout == ""
    (row,) = csv.DictReader(io.StringIO(output.read_text(encoding="utf-8-sig"), newline=""))
    assert row["places"].split("; ")[:2] == ["South Korea", "North Korea"] and row["path"].startswith("seeds/")


def test_bad_export_requests_are_refused_before_anything_is_sent(client, runner, index_root):
    assert client.get("/api/export?format=xlsx").status_code == 400
    assert client.get("/api/export?q=oil+AND").get_json()["error"].startswith("AND needs")
    result = runner.invoke(__import__("cli").cli, ["--index", str(index_root), "export", "oil AND"])
    assert result.exit_code == 2 and result.stdout == ""


def test_every_search_is_an_atom_feed_of_its_newest_matches(client, index_root):
    response = client.get("/feed.atom?q=oil&sort=oldest")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10" and feed.feed.title == "news-search: oil"
    newest = search_ids(index_root, query="oil", sort="newest")[:50]
    assert [entry.id for entry in feed.entries] == [f"urn:news-search:article:{article_id}" for article_id in newest]
    assert len(feed.entries) == 50  # the newest 50 of 60, whatever the search's own order
    first = feed.entries[0]
    assert first.link.endswith(f"/articles/{newest[0]}") and first.updated.startswith("2024-05-05")
    assert first.title == "Tabbed" and first.author == "Tabbed"  # titles and sources are single clean lines
    assert "Oil harbour note 4" in first.summary


def test_search_pages_link_to_their_feed_and_exports_and_articles_back(client):
    page = client.get("/search?q=oil&source=Wire+A").get_data(as_text=True)
    assert re.search(r'<link rel="alternate" type="application/atom\+xml" [^>]*'
                     r'href="/feed.atom\?q=oil&amp;source=Wire\+A"', page)
    assert 'href="/api/export?q=oil&amp;source=Wire+A&amp;format=csv"' in page
    article_link = re.search(r'<h3><a href="(/articles/[^"]+)"', page).group(1)
    assert "back=q%3Doil%26source%3DWire%2BA" in article_link
    article = client.get(article_link.replace("&amp;", "&")).get_data(as_text=True)
    assert '<a href="/search?q=oil&amp;source=Wire+A">← back to the search</a>' in article
    sneaky = client.get("/articles/" + article_link.split("/articles/")[1].split("?")[0]
                        + "?back=q%3Doil%26next%3Dhttp%3A%2F%2Fevil.example").get_data(as_text=True)
    assert "evil.example" not in sneaky and '<a href="/search?q=oil">' in sneaky


def test_an_export_reads_on_while_commits_merge_its_segments_away(tmp_path):
    folder = tmp_path / "news"
    folder.mkdir()
    store = IndexStore(tmp_path / "index")

    def write(number: int) -> None:
        write_jsonl(folder / f"f{number:02d}.jsonl",
                    [{"id": f"{number}-{k}", "title": f"Oil {number} {k}", "date": "2024-01-02",
                      "body": f"Oil harbour story {number} {k}. " * 10} for k in range(100)])
    for number in range(5):
        write(number)
        index_paths(store, [folder], entities=False)
    index = NewsIndex(store.root)
    try:
        export = index.export(SearchRequest(query="oil"), body=True)
        first = [next(export.rows) for _ in range(5)]
        for number in range(5, 15):  # commits that merge the export's segments and delete their files
            write(number)
            index_paths(store, [folder], entities=False)
        for old in sorted(folder.glob("f0*.jsonl"))[:5]:
            old.unlink()
        index_paths(store, [folder], entities=False)
        rows = first + list(export.rows)
        assert export.total == len(rows) == len({row["id"] for row in rows}) == 500
    finally:
        index.close()
