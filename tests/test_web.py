"""The web front end through Flask's test client: routes, errors, escaping, facets, freshness."""
import re

import pytest

from search import Article, IndexStore, index_paths
from search.index.writing import Batch
from web import create_app

from .conftest import SEEDS, oil_stories, write_jsonl

XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
       "<svg onload=alert(1)>", "'><a href=javascript:alert(1)>x</a>"]
XSS_URL = "javascript:alert(document.cookie)"
JAVASCRIPT_LINK = re.compile(r"<a\b[^>]*\bhref\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)
MARKUP_PAYLOADS = [payload for payload in XSS if any(ch in payload for ch in "<>\"")]


@pytest.fixture
def index_dir(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", oil_stories(6) + [{"id": f"x{n}", "title": payload, "source": payload, "url": XSS_URL, "date": "2024-05-01",
          "body": f"Harbour news {payload} with oil and more {payload} text."} for n, payload in enumerate(XSS)])
    store = IndexStore(tmp_path / "index")
    index_paths(store, [folder, SEEDS])
    with Batch(store, store.current_generation()) as batch:  # entity names only the model could give otherwise
        batch.add(Article(id="evil-entities", file="/nowhere", path="evil", title="Entity names", body="Oil harbour.",
                          people=tuple(XSS), orgs=tuple(XSS), places=tuple(XSS)))
    return store.root


@pytest.fixture
def client(index_dir):
    return create_app({"INDEX": str(index_dir), "TESTING": True}).test_client()


def test_search_page_lists_hits_with_facets_histogram_and_headers(client):
    response = client.get("/search?q=oil")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Oil story 0" in page and "<mark>Oil</mark>" in page
    assert 'href="/search?q=oil&amp;source=Wire+A"' in page
    assert page.count('<rect class="bar"') == 4  # January to March, and May
    assert page.count('<rect class="empty"') == 1 and "<title>Apr 2024: 0</title>" in page  # April: an empty slot
    assert "Search syntax" in page
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_home_page_browses_newest_first(client):
    page = client.get("/").get_data(as_text=True)
    titles = re.findall(r'<h3><a href="/articles/[^"]+">([^<]+)</a>', page)
    assert titles[0].startswith("South Korea") and len(titles) == 10


def test_histogram_bars_narrow_to_their_month(client):
    page = client.get("/search?q=oil+story").get_data(as_text=True)
    assert '<a href="/search?q=oil+story&amp;from=2024-01&amp;to=2024-01"><g><title>Jan 2024: 2</title>' in page
    counts = re.findall(r'<text class="count"[^>]*>(\d+)</text>', page)
    assert counts and "2" in counts  # written above the bars, no hovering needed


def test_multi_select_keeps_the_other_sources_on_offer(client):
    page = client.get("/search?q=oil+story&source=Wire+A").get_data(as_text=True)
    assert re.search(r'class="selected"[^>]*>\s*<span class="check">☑</span> Wire A</a>\s*<span class="count">3', page)
    assert 'href="/search?q=oil+story&amp;source=Wire+A&amp;source=Wire+B"' in page
    assert "3 articles" in page
    both = client.get("/search?q=oil+story&source=Wire+A&source=Wire+B").get_data(as_text=True)
    assert "6 articles" in both
    assert 'href="/search?q=oil+story&amp;source=Wire+B" title="Remove this filter">source: Wire A ✕' in both


def test_article_page_shows_the_text_and_links_entities(client):
    article_id = client.get("/api/search?q=zelensky").get_json()["hits"][0]["id"]
    page = client.get(f"/articles/{article_id}").get_data(as_text=True)
    assert "<p>The agency suggested that these forces" in page
    assert 'href="/search?person=Volodymyr+Zelensky"' in page
    assert 'href="/search?place=Donetsk"' in page


def test_api_matches_the_contract(client):
    data = client.get("/api/search?q=north+korea&per_page=5").get_json()
    assert list(data) == ["query", "total", "page", "per_page", "hits", "facets", "groups", "suggestion"]
    assert (data["total"], data["per_page"]) == (1, 5)
    assert list(data["facets"]) == ["source", "people", "orgs", "places", "month"]
    article = client.get(f"/api/articles/{data['hits'][0]['id']}").get_json()
    assert article["source"] == "Khaama Press" and article["body"].startswith("South Korea")
    stats = client.get("/api/stats").get_json()
    assert stats["articles"] == 13 and "location" not in stats


def test_openapi_describes_every_api_route_and_validates_a_real_response(client):
    jsonschema = pytest.importorskip("jsonschema")
    spec = client.get("/api/openapi.json").get_json()
    assert set(spec["paths"]) == {"/api/search", "/api/articles", "/api/articles/{id}", "/api/articles/{id}/related",
                                  "/api/export", "/api/stats"}
    for path, schema in (("/api/search?q=korea", "SearchResult"), ("/api/stats", "Stats"),
                         ("/api/articles/evil-entities", "Article"), ("/api/search?page=0", "Error"),
                         ("/api/articles/evil-entities/related", "Related"),
                         ("/api/search?q=korea&collapse=1", "SearchResult")):
        jsonschema.validate(client.get(path).get_json(), {"$ref": f"#/components/schemas/{schema}",
                                                          "components": spec["components"]})


def test_api_facets_count_all_matches(client):
    data = client.get("/api/search?q=oil+story&source=Wire+A").get_json()
    assert data["facets"]["source"] == [{"value": "Wire A", "count": 3}]


@pytest.mark.parametrize("query, message", [
    ("q=colour:red", "unknown field 'colour'"), ("page=0", "page must be between 1 and 10000"),
    ("page=abc", "page must be a whole number"),
    ("from=2024-13", "not a real date"), ("from=2024-03&to=2024-01", "the date range is empty"),
    ("sort=random", "unknown sort"), ("q=" + "x" * 3000, "the limit is 2000"),
    ("q=korea&feedback=yes", "feedback must be 1 or 0"), ("q=korea&collapse=2", "collapse must be 1 or 0"),
])
def test_bad_parameters_are_400s_with_a_reason(client, query, message):
    api = client.get(f"/api/search?{query}")
    assert api.status_code == 400 and message in api.get_json()["error"]
    page = client.get(f"/search?{query}")
    assert page.status_code == 400 and message.replace("'", "&#39;") in page.get_data(as_text=True)


def test_api_pages_hold_at_most_100_hits(client):
    assert client.get("/api/search?per_page=100").status_code == 200
    assert client.get("/api/search?per_page=101").get_json() == {"error": "per_page must be between 1 and 100, not 101"}


def test_unknown_things_are_404s(client):
    assert client.get("/api/articles/nope").get_json() == {"error": "no article with id 'nope'"}
    assert client.get("/articles/nope").status_code == 404
    assert client.get("/no/such/page").status_code == 404
    assert client.get("/api/nothing").get_json()["error"]


def test_writes_are_only_the_token_guarded_article_endpoints(client):
    assert client.post("/api/search").status_code == 405
    assert client.put("/api/articles/x").status_code == 405
    assert "DELETE" in client.put("/api/articles/x").headers["Allow"]
    assert client.delete("/api/articles/x").status_code == 401
    assert client.post("/api/articles", json={"title": "t", "body": "b"}).status_code == 401


def test_a_missing_index_is_a_503_not_a_500(tmp_path):
    client = create_app({"INDEX": str(tmp_path / "none")}).test_client()
    assert client.get("/api/search").status_code == 503
    assert client.get("/api/search").get_json() == {"error": "the search index has not been built yet"}
    assert client.get("/").status_code == 503


@pytest.mark.parametrize("path", ["/search?q=harbour", "/search?q=harbour&page=2", "/search?q=entity+names",
                                  "/api/search?q=harbour&per_page=20"])
def test_nothing_from_articles_comes_back_unescaped(client, path):
    body = client.get(path).get_data(as_text=True)
    assert client.get(path).status_code == 200
    for payload in MARKUP_PAYLOADS:
        assert payload not in body
    assert "<script" not in body.lower() and "<svg onload" not in body.lower()
    assert not JAVASCRIPT_LINK.search(body)


def test_article_pages_escape_everything_and_never_link_javascript(client):
    ids = [hit["id"] for hit in client.get("/api/search?q=harbour+news&per_page=20").get_json()["hits"]]
    assert len(ids) == 5
    for article_id in ids + ["evil-entities"]:
        body = client.get(f"/articles/{article_id}").get_data(as_text=True)
        assert "<script>" not in body and "<svg onload" not in body and "<img src=x" not in body
        assert not JAVASCRIPT_LINK.search(body) and "original</a>" not in body


@pytest.mark.parametrize("payload", MARKUP_PAYLOADS)
def test_queries_are_escaped_on_the_page_and_in_the_api(client, payload):
    for path in ("/search", "/api/search"):
        response = client.get(path, query_string={"q": payload})
        assert response.status_code in (200, 400)
        assert payload not in response.get_data(as_text=True)


def test_articles_indexed_while_the_app_runs_appear_without_a_restart(client, index_dir, tmp_path):
    assert client.get("/api/search?q=zeppelin").get_json()["total"] == 0
    folder = tmp_path / "later"
    folder.mkdir()
    (folder / "z.txt").write_text("Zeppelin returns\n\nA zeppelin flew over the harbour.")
    index_paths(IndexStore(index_dir), [folder])
    assert client.get("/api/search?q=zeppelin").get_json()["total"] == 1


def test_page_links_keep_the_search_and_mark_the_current_page(client):
    assert client.get("/api/search?q=harbour").get_json()["total"] == 12
    page = client.get("/search?q=harbour&page=2").get_data(as_text=True)
    nav = re.search(r'<nav class="pages".*?</nav>', page, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)">(\d+)</a>|<strong aria-current="page">(\d+)</strong>', nav)
    assert [(href, label or current) for href, label, current in links] == [
        ("/search?q=harbour&amp;page=1", "1"), ("", "2")]


def test_feedback_reranks_the_same_matches_and_the_page_offers_it(client):
    plain = client.get("/api/search?q=korea").get_json()
    ranked = client.get("/api/search?q=korea&feedback=1").get_json()
    assert ranked["total"] == plain["total"] and ranked["facets"] == plain["facets"]
    assert {hit["id"] for hit in ranked["hits"]} == {hit["id"] for hit in plain["hits"]}
    page = client.get("/search?q=korea").get_data(as_text=True)
    assert 'href="/search?q=korea&amp;feedback=1"' in page
    assert "with feedback ✕" in client.get("/search?q=korea&feedback=1").get_data(as_text=True)


def test_facet_size_sets_the_values_per_facet(client):
    one = client.get("/api/search?q=korea&facet_size=1").get_json()
    assert all(len(values) <= 1 for values in one["facets"].values())
    assert len(client.get("/api/search?q=korea").get_json()["facets"]["places"]) > 1
    for bad in ("0", "1001", "x"):
        response = client.get(f"/api/search?q=korea&facet_size={bad}")
        assert response.status_code == 400 and "facet_size" in response.get_json()["error"]


def test_a_selected_value_outside_the_top_ones_stays_in_the_sidebar_checked(client):
    page = client.get("/search?q=oil&facet_size=1&source=Wire+B").get_data(as_text=True)
    boxes = re.findall(r'<span class="check">(.)</span> ([^<]+)</a>', page)
    assert ("☑", "Wire B") in boxes
    api = client.get("/api/search?q=oil&facet_size=1&source=Wire+B").get_json()
    assert len(api["facets"]["source"]) == 1  # the API lists the top values only


def test_quick_date_links_use_relative_dates(client):
    page = client.get("/search?q=oil&from=2024-01").get_data(as_text=True)
    for back in ("1d", "7d", "1m", "1y"):
        assert f'href="/search?q=oil&amp;from={back}"' in page
    assert client.get("/search?q=oil&from=7d").status_code == 200
    assert "<strong>week</strong>" in client.get("/search?q=oil&from=7d").get_data(as_text=True)


def test_an_error_page_keeps_the_query_in_the_box(client):
    response = client.get("/search?q=colour:red")
    assert response.status_code == 400
    assert 'name="q" value="colour:red"' in response.get_data(as_text=True)
