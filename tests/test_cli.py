import json
import urllib.request

import pytest
from click.testing import CliRunner

from cli import cli
from web.server import running_server

from .conftest import SEEDS, write_jsonl

SEED_HIT_KEYS = ["id", "title", "date", "source", "distributor", "url", "path", "score", "snippet",
                 "people", "orgs", "places", "copies", "copy_sources"]


@pytest.fixture
def run(runner, tmp_path):
    """Invoke the CLI on an index in tmp_path; returns the result."""
    def invoke(*args, expect=0):
        result = runner.invoke(cli, ["--index", str(tmp_path / "index"), *args], catch_exceptions=False)
        assert result.exit_code == expect, result.output
        return result
    return invoke


@pytest.mark.parametrize("command", [[], ["index"], ["search"], ["show"], ["stats"], ["serve"]])
def test_help(runner, command):
    result = runner.invoke(cli, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: cli" in result.output or "Usage: " in result.output
    assert ("Example:" in result.output) == (command != ["stats"])


def test_index_then_search_seed_as_json(run):
    assert run("index", str(SEEDS), "--json").stdout.startswith("{")
    data = json.loads(run("search", "North Korea", "--json").stdout)
    assert list(data) == ["query", "total", "page", "per_page", "hits", "facets", "groups", "suggestion"]
    assert (data["query"], data["total"], data["page"], data["per_page"]) == ("North Korea", 1, 1, 10)
    hit, = data["hits"]
    assert list(hit) == SEED_HIT_KEYS
    assert (hit["date"], hit["source"], hit["distributor"], hit["url"]) == ("2024-10-19", "Khaama Press", "MENAFN", None)
    assert hit["path"].endswith("seeds/000_382df45f34618e6a.txt")
    assert "<mark>North</mark> <mark>Korea</mark>" in hit["snippet"]
    assert list(data["facets"]) == ["source", "people", "orgs", "places", "month"]
    assert data["facets"]["source"] == [{"value": "Khaama Press", "count": 1}]
    assert data["facets"]["month"] == [{"value": "2024-10", "count": 1}]
    two = json.loads(run("search", "North Korea", "--facet-size", "2", "--json").stdout)
    assert len(two["facets"]["places"]) == 2 < len(data["facets"]["places"])


def test_index_json_summary_and_exit_status_3_on_problems(run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "good.jsonl", [{"title": "Fine", "body": "Fine text."}])
    (folder / "broken.csv").write_text('title,text\n"unclosed,x\n')
    result = run("index", str(folder), "--json", expect=3)
    data = json.loads(result.stdout)
    assert {k: data[k] for k in ("added", "updated", "removed", "unchanged", "failed")} == {
        "added": 1, "updated": 0, "removed": 0, "unchanged": 0, "failed": 1}
    error, = data["errors"]
    assert error["path"].endswith("broken.csv")
    assert (error["line"], error["error"]) == (2, "the row has 1 fields; the header row names 2")


def test_index_text_summary_is_one_line_and_problems_go_to_stderr(run, tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "a.txt").write_text("Title\n\nBody text.")
    result = run("index", str(folder), expect=3)
    assert result.stdout == "Files: 1 added, 0 updated, 0 removed, 0 unchanged, 1 failed; 1 article indexed, 1 problem reported\n"
    assert "empty.txt: empty file" in result.stderr
    again = run("index", str(folder), "--quiet", expect=3)
    assert again.stderr == ""


def test_dry_run_lists_actions(run, tmp_path):
    result = run("index", str(SEEDS), "--dry-run")
    assert result.stdout.splitlines() == [
        "add     seeds/000_382df45f34618e6a.txt",
        "Dry run: 1 to add, 0 to update, 0 to remove, 0 unchanged; nothing was written"]
    run("stats", expect=1)


def test_search_without_an_index_says_how_to_make_one(run, tmp_path):
    result = run("search", "oil", expect=1)
    assert f"there is no index at {tmp_path / 'index'} yet" in result.stderr
    assert "news-search --index" in result.stderr and "index PATH..." in result.stderr


@pytest.mark.parametrize("args, message", [
    (["search", "colour:red"], "unknown field 'colour'"),
    (["search", "oil", "--from", "2024-13"], "not a real date"),
    (["search", "oil", "--sort", "random"], "Invalid value for '--sort'"),
    (["search", "oil", "--limit", "0"], "Invalid value for '--limit'"),
    (["search", "oil", "--limit", "1001"], "Invalid value for '--limit'"),
    (["search", "oil", "--facet-size", "0"], "Invalid value for '--facet-size'"),
    (["index", "/no/such/folder"], "does not exist"),
])
def test_usage_errors_exit_2_with_the_reason(run, args, message):
    run("index", str(SEEDS), "--quiet")
    result = run(*args, expect=2)
    assert message in result.stderr


def test_search_text_output(run):
    run("index", str(SEEDS), "--quiet")
    lines = run("search", "Zelensky").stdout.splitlines()
    assert lines[0] == '1 article matches "Zelensky" (page 1 of 1)'
    assert lines[2].startswith("  1. South Korea's intelligence agency")
    assert lines[3].startswith("     2024-10-19 · Khaama Press via MENAFN · ")
    assert "Volodymyr Zelensky" in lines[4] and "<mark>" not in lines[4]
    assert "Source: Khaama Press (1)" in lines


def test_show_prints_the_whole_article(run):
    run("index", str(SEEDS), "--quiet")
    article_id = json.loads(run("search", "", "--json").stdout)["hits"][0]["id"]
    data = json.loads(run("show", article_id, "--json").stdout)
    assert list(data)[:12] == ["id", "title", "date", "source", "distributor", "url", "path", "people", "orgs",
                               "places", "body", "labels"]
    assert data["body"].startswith("South Korea's intelligence agency") and "\n\nThe agency suggested" in data["body"]
    text = run("show", article_id).stdout
    assert "Khaama Press" in text and "The agency suggested" in text
    assert "no article with id 'nope'" in run("show", "nope", expect=1).stderr


def test_stats_json(run):
    run("index", str(SEEDS), "--quiet")
    data = json.loads(run("stats", "--json").stdout)
    assert {k: data[k] for k in ("articles", "first_date", "last_date", "sources", "files")} == {
        "articles": 1, "first_date": "2024-10-19", "last_date": "2024-10-19", "sources": 1, "files": 1}
    assert data["index_bytes"] > 0 and data["last_indexed"].endswith("+00:00")


def test_index_location_comes_from_the_environment(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWS_SEARCH_INDEX", str(tmp_path / "from-env"))
    assert runner.invoke(cli, ["index", str(SEEDS), "--quiet"]).exit_code == 0
    assert (tmp_path / "from-env" / "current").exists()


def test_a_locked_index_fails_with_the_holder(run, tmp_path, monkeypatch):
    from search import IndexStore
    monkeypatch.setenv("NEWS_SEARCH_LOCK_WAIT", "0.2")
    run("index", str(SEEDS), "--quiet")
    with IndexStore(tmp_path / "index").write_lock():
        result = run("index", str(SEEDS), expect=1)
    assert "is being written by pid" in result.stderr


def test_seed_entities_as_show_prints_them(run):
    run("index", str(SEEDS), "--quiet")
    article_id = json.loads(run("search", "", "--json").stdout)["hits"][0]["id"]
    data = json.loads(run("show", article_id, "--json").stdout)
    assert data["people"] == ["Yoon Suk-yeol", "Volodymyr Zelensky"]
    assert "National Intelligence Service" in data["orgs"] and "NIS" not in data["orgs"]
    assert "Reuters" not in data["orgs"]
    assert {"North Korea", "South Korea", "Russia", "Ukraine", "Donetsk"} <= set(data["places"])


@pytest.mark.parametrize("args, total", [
    (["--person", "Volodymyr Zelensky"], 1),
    (["--person", "volodymyr zelensky", "--person", "Nobody"], 1),
    (["--person", "Volodymyr Zelensky", "--place", "Narnia"], 0),
    (["--org", "National Intelligence Service", "--place", "donetsk"], 1),
    (["--org", "NIS"], 0),
])
def test_entity_filters(run, args, total):
    run("index", str(SEEDS), "--quiet")
    assert json.loads(run("search", "", *args, "--json").stdout)["total"] == total


def test_entity_facets_and_field_queries(run):
    run("index", str(SEEDS), "--quiet")
    data = json.loads(run("search", 'person:"yoon suk-yeol" AND place:donetsk', "--json").stdout)
    assert data["total"] == 1
    assert data["facets"]["people"] == [{"value": "Volodymyr Zelensky", "count": 1}, {"value": "Yoon Suk-yeol", "count": 1}]
    assert {"value": "Donetsk", "count": 1} in data["facets"]["places"]


def test_serve_answers_over_http_and_sees_new_articles(tmp_path):
    index = tmp_path / "index"
    assert CliRunner().invoke(cli, ["--index", str(index), "index", str(SEEDS), "--quiet"]).exit_code == 0
    with running_server(index) as base:
        assert _get_json(f"{base}/api/search?q=korea")["total"] == 1
        with urllib.request.urlopen(f"{base}/search?q=korea", timeout=10) as response:
            assert response.status == 200 and response.headers["Server"] == "news-search"
            assert "<mark>Korea</mark>" in response.read().decode()
        (tmp_path / "new.txt").write_text("Zeppelin news\n\nA zeppelin was seen.")
        CliRunner().invoke(cli, ["--index", str(index), "index", str(tmp_path / "new.txt"), "--quiet"])
        assert _get_json(f"{base}/api/search?q=zeppelin")["total"] == 1


def test_serve_without_an_index_says_how_to_make_one(run, tmp_path):
    assert "there is no index at" in run("serve", expect=1).stderr


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())
