"""The HTML reader: metadata field by field on small pages, charsets, compression, and bad pages."""
import datetime as dt
import gzip
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from search import NewsIndex, SearchRequest, index_paths
from search.readers import ReadError, SourceFile, html, read_entries, reader_for
from search.readers.html_metadata import parse_page_date, read_metadata

BODY = "".join(f"<p>Paragraph {n} of the story about the harbour in Rotterdam, with enough words to count as text "
               f"that a reader would want to keep in the index.</p>" for n in range(1, 6))


def page(head: str = "", body: str = BODY, lang: str = 'lang="en"') -> str:
    return (f"<!DOCTYPE html><html {lang}><head>{head}</head><body><nav><a href='/'>Home</a> <a href='/x'>World</a>"
            f"</nav><article>{body}</article><footer>Copyright 2024 Example Media. All rights reserved.</footer>"
            f"</body></html>")


def metadata(head: str, body: str = BODY, **kwargs):
    return read_metadata(BeautifulSoup(page(head, body, **kwargs), "lxml"))


def read(data: bytes, name: str = "page.html"):
    entries = list(read_entries(SourceFile(f"/x/{name}", name, data), html))
    return [e for e in entries if not isinstance(e, ReadError)], [e for e in entries if isinstance(e, ReadError)]


JSON_LD = """<script type="application/ld+json">{"@context": "https://schema.org", "@graph": [
  {"@type": "WebSite", "name": "Not this"},
  {"@type": "NewsArticle", "headline": "Harbour reopens after storm", "datePublished": "2024-03-01T23:30:00-05:00",
   "author": [{"@type": "Person", "name": "Ann Lee"}, {"@type": "Person", "name": "Bo Chen"}],
   "publisher": {"@type": "Organization", "name": "Harbour Times"}, "inLanguage": "en-GB"}]}</script>"""


def test_json_ld_gives_title_date_in_utc_source_and_authors():
    found = metadata(JSON_LD + '<meta property="og:title" content="Other title">', lang="")
    assert (found.title, found.date, found.source, found.author, found.language) == (
        "Harbour reopens after storm", dt.date(2024, 3, 2), "Harbour Times", "Ann Lee, Bo Chen", "en-GB")


def test_opengraph_and_article_meta_tags():
    found = metadata('<meta property="og:title" content="OG title"><meta property="og:site_name" content="OG Site">'
                     '<meta property="article:published_time" content="2024-02-29T10:00:00Z">'
                     '<meta property="og:url" content="https://news.example.com/a">'
                     '<meta name="author" content="https://facebook.com/someone">')
    assert (found.title, found.date, found.source, found.url, found.author) == (
        "OG title", dt.date(2024, 2, 29), "OG Site", "https://news.example.com/a", None)


def test_h1_then_title_without_the_site_suffix():
    assert metadata("<title>Page title | Example News</title>", body="<h1>Heading title</h1>" + BODY).title == \
        "Heading title"
    assert metadata("<title>Page title | Example News</title>").title == "Page title"
    assert metadata("<title>Storm - latest - Example</title>").title == "Storm - latest"


@pytest.mark.parametrize("head, body, expected", [
    ('<meta name="pubdate" content="20240105">', BODY, dt.date(2024, 1, 5)),
    ('<meta name="date" content="Tue, 05 Mar 2024 09:00:00 EST">', BODY, dt.date(2024, 3, 5)),
    ("", '<time datetime="2024-04-07">7 April</time>' + BODY, dt.date(2024, 4, 7)),
    ('<link rel="canonical" href="https://site.example/2023/12/31/story-slug/">', BODY, dt.date(2023, 12, 31)),
    ('<meta name="date" content="not a date">', BODY, None),
])
def test_dates_from_meta_names_time_elements_and_the_url(head, body, expected):
    assert metadata(head, body).date == expected


def test_source_falls_back_to_the_site_of_the_canonical_url():
    found = metadata('<link rel="canonical" href="https://www.example.co.uk/news/1">')
    assert (found.source, found.url, found.language) == ("example.co.uk", "https://www.example.co.uk/news/1", "en")


@pytest.mark.parametrize("value, expected", [
    ("2024-10-19", dt.date(2024, 10, 19)), ("October 19, 2024", dt.date(2024, 10, 19)),
    ("2024-10-19T23:00:00-04:00", dt.date(2024, 10, 20)), ("Monday", None), ("", None), ("0001-01-01", None),
])
def test_page_dates(value, expected):
    assert parse_page_date(value) == expected


def test_the_body_is_the_article_not_the_navigation_or_footer():
    (article,), errors = read(page(JSON_LD).encode())
    assert errors == []
    assert article.body.startswith("Paragraph 1 of the story") and article.body.count("\n\n") == 4
    assert "Home" not in article.body and "Copyright" not in article.body
    assert (article.title, article.source, article.labels["author"]) == (
        "Harbour reopens after storm", "Harbour Times", ("Ann Lee, Bo Chen",))


def test_declared_charset_is_honoured():
    data = page('<meta charset="windows-1252">', body=BODY + "<p>Caf\u00e9 cr\u00e8me \u2013 na\u00efve.</p>"
                ).encode("cp1252")
    (article,), _ = read(data)
    assert "Café crème – naïve." in article.body


def test_undeclared_charset_is_detected_and_a_bom_wins():
    (article,), _ = read(page(body=BODY + "<p>Zürich and Göteborg façade.</p>").encode("utf-8"))
    assert "Zürich and Göteborg façade." in article.body
    (article,), _ = read("\ufeff".encode("utf-16-le") + page().encode("utf-16-le"))
    assert article.body.startswith("Paragraph 1")


def test_gzipped_pages_are_read_and_bombs_refused(monkeypatch):
    (article,), _ = read(gzip.compress(page().encode()), "page.html.gz")
    assert article.body.startswith("Paragraph 1")
    monkeypatch.setattr(html, "MAX_PAGE_BYTES", 1000)
    _, (error,) = read(gzip.compress(b"<html>" + b" " * 100_000), "bomb.html.gz")
    assert "inflates to more than 0 MB" in error.message
    _, (error,) = read(b"\x1f\x8b\x08\x00broken", "bad.html.gz")
    assert error.message.startswith("broken gzip data")


@pytest.mark.parametrize("data, message", [
    (b"", "empty page"),
    (b"Just some words in a file that claims to be a page.", "not an HTML page"),
    (page(body="<nav><a href='/'>Home</a></nav>").encode(), "no article body found"),
])
def test_pages_without_an_article_are_reported_not_indexed(data, message):
    articles, (error,) = read(data)
    assert articles == [] and message in error.message and error.path == "page.html"


def test_registry_knows_html_endings_and_sniffs_pages():
    assert reader_for(Path("a.html.gz"), b"") is html
    assert reader_for(Path("a.HTM"), b"") is html
    assert reader_for(Path("saved"), b"<!DOCTYPE html><html>") is html


def test_html_articles_get_entities_and_are_searchable(store, articles_dir):
    (articles_dir / "story.html").write_text(page(JSON_LD, body="<p>Mayor Ahmed Aboutaleb said the harbour in "
                                                                "Rotterdam reopened on Friday after the storm.</p>" + BODY))
    report = index_paths(store, [articles_dir])
    assert (report.added, report.failed) == (1, 0)
    hit, = NewsIndex(store.root).search(SearchRequest(query="harbour reopened")).hits
    assert (hit.title, hit.date, hit.source) == ("Harbour reopens after storm", "2024-03-02", "Harbour Times")
    assert "Ahmed Aboutaleb" in hit.people and "Rotterdam" in hit.places


def test_character_references_in_page_metadata_are_decoded():
    page = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", "headline": '
            '"Chelsea activate &#163;71m clause &amp; sign keeper", "publisher": {"name": "AT&amp;T News"}}'
            '</script><meta name="author" content="Ana &amp;amp; Bo"></head><body></body></html>')
    metadata = read_metadata(BeautifulSoup(page, "html.parser"))
    assert (metadata.title, metadata.source, metadata.author) == (
        "Chelsea activate £71m clause & sign keeper", "AT&T News", "Ana & Bo")
