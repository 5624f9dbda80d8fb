"""A sharded index (search/sharded.py): the same answers as one index of the same articles, here and on
a Dask cluster of real scheduler and worker processes."""
from __future__ import annotations

import dataclasses
import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from distributed import get_task_stream
from markupsafe import escape

from cli import cli
from search import IndexStore, NewsIndex, NewsSearchError, SearchRequest, index_paths
from search.article import Article
from search.cluster import ClusterError, DaskRunner, LocalRunner, _on_worker
from search.config import aliases_file
from search.entities import Aliases
from search.errors import IndexDamagedError, IndexLockedError
from search.index.writing import Batch
from search.inbox import Inbox, parse_articles
from search.inbox_writer import WriterProcess
from search.manifest import Manifest
from search.renaming import rename_across_index
from search.shard_layout import ShardLayout, shard_of
from search.sharded_inbox import ShardedInbox
from search import shard_runs
from search.report import IndexReport
from search.shard_runs import index_shards, settle_names
from search.sharded import ShardedIndex, open_index
from search.tokens import TokenStore
from search.watching import FolderWatcher
from web import create_app

from .conftest import CORPORA, SEEDS, needs_corpus, write_jsonl

WORDS = ("oil price crude opec saudi barrel market bank rate interest central dollar yen trade deficit "
         "tariff grain wheat harvest ship port strike union coffee cocoa export import growth shares "
         "profit quarter merger takeover bid court ruling minister election vote reform tax budget").split()
SOURCES = ("Wire A", "Wire B", "Harbour Daily", "Valley Post", "Capital Times")
# Words of a few subjects, each in a share of the articles only: what feedback picks up.
SUBJECTS = [words.split() for words in (
    "aluminium bauxite smelter ingot alloy", "cattle herd ranch beef dairy", "satellite orbit launch rocket payload",
    "vaccine clinic patient hospital dose", "railway freight wagon locomotive track",
    "copper mine ore shaft miners", "airline pilot runway cabin jet", "forest timber sawmill logging pulp",
    "fishing trawler catch salmon quota", "wine vineyard grape harvest cellar")]

# Every kind of query the parser gives: words, AND, OR, NOT, phrases (slop), prefixes, wildcards,
# ranges, fields, boosts, ANDMAYBE, names, and words no article holds.
QUERIES = ["oil", "oil price", "oil OR coffee", "oil NOT crude", '"interest rate"', '"oil market"~3', "ship*",
           "c?ff*", "[bank TO bid]", "title:oil", "body:wheat harvest", "opec^3 oil", "oil ANDMAYBE saudi",
           "(oil OR grain) AND NOT strike", "zebra", "tarif", "source:\"Wire A\"", "*"]


# Feedback (pseudo-relevance): words, a phrase, nearness, a filter, a deep page, and a word no article holds.
FEEDBACK_QUERIES = [("oil price", {}), ("grain", {"page": 2, "per_page": 5}), ('"interest rate"', {}),
                    ("market", {"sources": ("Wire A",)}), ("coffee OR cocoa", {"per_page": 3}), ("zebra", {})]


def requests() -> list[SearchRequest]:
    found = [SearchRequest(query=query) for query in QUERIES]
    found += [SearchRequest(query="oil", sort="newest", page=2, per_page=7), SearchRequest(query="", sort="oldest"),
              SearchRequest(query="", page=4, per_page=25), SearchRequest(query="oil price", page=3, per_page=5),
              SearchRequest.from_text(query="oil", date_from="2024-03", date_to="2024-05"),
              SearchRequest(query="market", sources=("Wire A", "Valley Post"), facet_limit=2),
              SearchRequest(query="market", sources=("Capital Times",), facets_leave_own_filter_out=True,
                            facet_limit=1)]
    found += [SearchRequest(query=query, feedback=True, **more) for query, more in FEEDBACK_QUERIES]
    # One hit per story, its copies in other shards: by relevance (with nearness), by date, deep pages,
    # a filter, and feedback.
    found += [SearchRequest(query="oil", collapse=True), SearchRequest(query="oil price", collapse=True, per_page=5),
              SearchRequest(query="", sort="newest", collapse=True, page=2, per_page=6),
              SearchRequest(query="", sort="oldest", collapse=True, page=3, per_page=9),
              SearchRequest(query="market", collapse=True, sources=("Wire A", "Valley Post")),
              SearchRequest(query="oil price", collapse=True, feedback=True, per_page=4, page=2)]
    found += [SearchRequest.from_text(query=query, date_from="2024-06-01", date_to="2024-06-10", sort=sort,
                                      collapse=True, per_page=4)  # the days of the copied stories
              for query, sort in (("", "oldest"), ("", "newest"), ("oil OR grain", "relevance"))]
    return found


def generated_files(folder: Path, files: int = 24, per_file: int = 15, seed: int = 7) -> Path:
    """Articles in many files (so that every shard gets some), of words with skewed frequencies."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    weights = [1 / (rank + 1) for rank in range(len(WORDS))]
    for number in range(files):
        records = []
        for row in range(per_file):
            words = rng.choices(WORDS, weights, k=rng.randint(8, 120))
            words += rng.choices(rng.choice(SUBJECTS), k=rng.choice((0, 0, 2, 5, 9)))
            rng.shuffle(words)
            records.append({"id": f"f{number}-{row}", "title": " ".join(rng.choices(WORDS, weights, k=4)).title(),
                            "date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                            "source": rng.choice(SOURCES), "body": " ".join(words) + "."})
        write_jsonl(folder / f"wire-{number:02d}.jsonl", records)
    return folder


def copied_stories(folder: Path, stories: int = 8, seed: int = 11) -> Path:
    """Stories republished by other outlets (a header and a footer of their own, the end cut, a word
    changed), each copy in a file of its own, so that copies of a story lie in different shards."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for story in range(stories):
        words = rng.choices(WORDS, k=rng.randint(90, 160))
        for copy, source in enumerate(rng.sample(SOURCES, rng.randint(2, 4))):
            body = words[:len(words) - 8 * copy]
            body = [*body[:5], rng.choice(WORDS), *body[6:]] if copy else body
            write_jsonl(folder / f"story-{story}-{copy}.jsonl", [{
                "id": f"s{story}-{copy}", "title": f"{source}: " + " ".join(words[:4]).title(),
                "date": f"2024-06-{story + 1 + copy % 2:02d}", "source": source,
                "body": f"({source} news service)\n\n{' '.join(body)}.\n\nRepublished by {source}."}])
    return folder


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """The same articles as one index and as four shards, enough of them for a subject space."""
    base = tmp_path_factory.mktemp("shards")
    paths = [generated_files(base / "articles", per_file=17), copied_stories(base / "copies"), SEEDS]
    index_paths(IndexStore(base / "single"), paths, entities=False)
    report = index_shards(base / "sharded", paths, 4, entities=False)
    copies = len(list((base / "copies").iterdir()))
    assert report.added == 24 + copies + len(list(SEEDS.iterdir())) and not report.errors
    return NewsIndex(base / "single"), open_index(base / "sharded"), base


def test_every_shard_holds_some_files_and_each_file_is_in_the_shard_its_name_hashes_to(pair):
    _, sharded, base = pair
    assert sharded.layout == ShardLayout(base / "sharded", 4)
    for number, root in enumerate(sharded.roots):
        names = [Path(key).name for key in IndexStore(root).manifest().files]
        assert names and all(shard_of(f"articles/{name}", 4) == number for name in names if name.startswith("wire"))


@pytest.mark.parametrize("request_", requests(), ids=repr)
def test_a_sharded_index_answers_exactly_as_one_index(pair, request_):
    single, sharded, _ = pair
    assert sharded.search(request_).to_dict() == single.search(request_).to_dict()


def test_the_comparison_sees_scores_pages_facets_and_suggestions(pair):
    single, _, _ = pair
    reordered = 0
    for query, more in FEEDBACK_QUERIES[:5]:  # feedback changes the scores, and some orders
        plain, rescored = (single.search(SearchRequest(query=query, feedback=feedback, **more)) for feedback in (0, 1))
        assert [hit.score for hit in plain.hits] != [hit.score for hit in rescored.hits], query
        reordered += [hit.id for hit in plain.hits] != [hit.id for hit in rescored.hits]
    assert reordered >= 2
    result = single.search(SearchRequest(query="oil price", page=2, per_page=5))
    assert result.total > 50 and len({hit.score for hit in result.hits}) > 1
    assert len(result.facets["source"]) == 5 and len(result.facets["month"]) == 12
    assert single.search(SearchRequest(query="tarif")).suggestion == "tariff"


@pytest.mark.parametrize("request_", [SearchRequest(query="oil price"), SearchRequest(query="", sort="oldest"),
                                      SearchRequest(query="market", sources=("Wire A",)),
                                      SearchRequest(query="oil price", feedback=True)], ids=repr)
def test_an_export_of_shards_is_the_single_indexs(pair, request_):
    single, sharded, _ = pair
    mine, theirs = sharded.export(request_, body=True), single.export(request_, body=True)
    assert mine.total == theirs.total > 20
    assert list(mine.rows) == list(theirs.rows)


def test_articles_and_figures_of_a_sharded_index(pair):
    single, sharded, base = pair
    hit = single.search(SearchRequest(query="oil")).hits[0]
    assert sharded.article(hit.id) == single.article(hit.id)
    assert sharded.article("0123456789abcdef") is None
    mine, theirs = sharded.stats().to_dict(), single.stats().to_dict()
    for varying in ("index_bytes", "last_indexed", "location"):
        del mine[varying], theirs[varying]
    assert mine == theirs


def test_a_second_run_keeps_the_count_and_sees_changes(pair, tmp_path):
    _, _, base = pair
    folder = generated_files(tmp_path / "articles", files=6, per_file=3, seed=1)
    index_shards(tmp_path / "sharded", [folder], 3, entities=False)
    (folder / "wire-00.jsonl").unlink()
    report = index_shards(tmp_path / "sharded", [folder], None, entities=False)
    assert (report.removed, report.unchanged) == (1, 5)
    assert open_index(tmp_path / "sharded").stats().articles == 15
    with pytest.raises(NewsSearchError, match="holds an index of 3 shards, not 2"):
        index_shards(tmp_path / "sharded", [folder], 2, entities=False)
    with pytest.raises(NewsSearchError, match="not sharded"):
        index_shards(base / "single", [folder], 2, entities=False)


def test_watching_a_sharded_index_indexes_changes_into_their_shards(tmp_path):
    folder = generated_files(tmp_path / "articles", files=6, per_file=2, seed=3)
    index_shards(tmp_path / "index", [folder], 3, entities=False)
    watcher = FolderWatcher(IndexStore(tmp_path / "index"), [folder], interval=0.1, entities=False)
    watcher.tick()
    (folder / "wire-00.jsonl").unlink()
    write_jsonl(folder / "late.jsonl", [{"id": "late", "title": "Zebra crossing", "body": "A zebra was seen."}])
    os.utime(folder / "late.jsonl", (time.time() - 60, time.time() - 60))  # old enough not to be held back
    batch = watcher.tick()
    assert (batch.report.added, batch.report.removed) == (1, 1)
    index = open_index(tmp_path / "index")
    assert [hit.title for hit in index.search(SearchRequest(query="zebra")).hits] == ["Zebra crossing"]
    assert index.stats().articles == 11
    number = shard_of("articles/late.jsonl", 3)
    assert any(key.endswith("late.jsonl") for key in IndexStore(index.roots[number]).manifest().files)


def test_a_rebuilt_folder_a_dry_run_a_lost_shard_and_an_edited_record(tmp_path):
    folder = generated_files(tmp_path / "articles", files=6, per_file=2, seed=5)
    report = index_shards(tmp_path / "index", [folder], 3, entities=False, dry_run=True)
    assert report.added == 6 and ShardLayout.of(tmp_path / "index") is None  # a dry run writes no shards
    index_shards(tmp_path / "index", [folder], 3, entities=False)
    index = open_index(tmp_path / "index")
    assert index.search(SearchRequest(query="zebrra")).suggestion is None
    write_jsonl(folder / "zebras.jsonl", [{"id": f"z{n}", "title": "Zebra", "body": "zebra herds"} for n in range(12)])
    index_shards(tmp_path / "index", [folder], None, entities=False)
    assert index.search(SearchRequest(query="zebrra")).suggestion == "zebra"  # new words, in a long-lived index
    shutil.rmtree(tmp_path / "index")  # the same folder built again from other files: no stale answers
    index_shards(tmp_path / "index", [folder / "zebras.jsonl"], 3, entities=False)
    assert index.search(SearchRequest()).total == 12
    shutil.rmtree(index.roots[1])
    with pytest.raises(NewsSearchError, match=r"shard-001 yet \(a shard of the sharded index at .*builds it again"):
        index.search(SearchRequest())
    (tmp_path / "index" / "shards.json").write_text('{"shards": 1}')
    with pytest.raises(NewsSearchError, match="says 1 shards, but shard-002 is there too"):
        ShardLayout.of(tmp_path / "index")
    (tmp_path / "index" / "shards.json").write_text('{"shards": true}')
    with pytest.raises(NewsSearchError, match="must be a whole number"):
        ShardLayout.of(tmp_path / "index")


def test_a_current_link_replaced_by_a_file_is_reported_as_damage(tmp_path):
    index_paths(IndexStore(tmp_path / "index"), [SEEDS], entities=False)
    (tmp_path / "index" / "current").unlink()
    (tmp_path / "index" / "current").write_text("garbage")
    with pytest.raises(IndexDamagedError, match="should be a link to the current generation"):
        NewsIndex(tmp_path / "index").search(SearchRequest())


def related_asked(single: NewsIndex) -> list[str]:
    """Articles to ask related ones of: the best and some later matches of a few searches, and the seed."""
    found = [hit.id for query in ("oil", "grain harvest", "court ruling", "North Korea")
             for hit in single.search(SearchRequest(query=query, per_page=40)).hits[::13]]
    assert len(found) >= 10
    return found


def test_related_articles_over_shards_are_the_single_indexs(pair):
    single, sharded, _ = pair
    assert single.searcher().subject_space() is not None  # so that closeness in subject is compared too
    for article_id in related_asked(single):
        mine, theirs = sharded.related(article_id, 7), single.related(article_id, 7)
        assert len(theirs.hits) == 7 and len({hit.score for hit in theirs.hits}) > 1
        assert mine.to_dict() == theirs.to_dict(), article_id
    assert sharded.related("0123456789abcdef") is None


def test_related_articles_over_shards_follow_a_sample_that_changed(tmp_path):
    articles = generated_files(tmp_path / "articles", per_file=20)
    index_paths(IndexStore(tmp_path / "single"), [articles], entities=False)
    index_shards(tmp_path / "sharded", [articles], 4, entities=False)
    sharded = open_index(tmp_path / "sharded")
    asked = related_asked(NewsIndex(tmp_path / "single"))
    before = [sharded.related(article_id, 7).to_dict() for article_id in asked]  # the shards' samples sent
    rewritten = articles / "wire-03.jsonl"  # 20 of the 480 sampled articles, their text changed
    rewritten.write_text(rewritten.read_text(encoding="utf-8").replace('"body": "', '"body": "harvest grain '),
                         encoding="utf-8")
    index_paths(IndexStore(tmp_path / "single"), [articles], entities=False)
    index_shards(tmp_path / "sharded", [articles], 4, entities=False)
    single = NewsIndex(tmp_path / "single")
    after = [sharded.related(article_id, 7).to_dict() for article_id in asked]
    assert after == [single.related(article_id, 7).to_dict() for article_id in asked]
    assert after != before


def test_a_dask_workers_shards_keep_their_searchers_from_task_to_task(pair):
    # A searcher is its thread's own: threads made anew for each task opened every shard again at each round.
    _, sharded, _ = pair
    indexes = {str(root): NewsIndex(root) for root in sharded.roots}
    calls = 10
    searchers = [_on_worker(lambda root: indexes[root].searcher(), list(indexes), ()) for _ in range(calls)]
    for number in range(len(indexes)):
        assert len({id(answers[number]) for answers in searchers}) <= calls // 2


def test_a_slow_task_on_a_dask_worker_does_not_hold_up_another():
    release = threading.Event()
    slow_roots = [f"slow-{number}" for number in range(2 * (os.cpu_count() or 1) + 2)]  # more than its threads

    def slow(root: str) -> str:
        release.wait(60)
        return root
    with ThreadPoolExecutor(max_workers=2) as task_threads:  # a worker running two tasks at once
        held_up = task_threads.submit(_on_worker, slow, slow_roots, ())
        quick = task_threads.submit(_on_worker, lambda root: root, ["a", "b"], ())
        try:
            assert quick.result(timeout=10) == ["a", "b"]
        finally:
            release.set()
        assert held_up.result() == slow_roots


def test_a_token_needs_the_shards_to_be_built(tmp_path):
    ShardLayout.create(tmp_path / "index", 2)
    result = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "token", "create", "feed"])
    assert result.exit_code == 1 and "(a shard of the sharded index at" in result.output
    assert not (tmp_path / "index" / "tokens.json").exists()


def test_related_articles_do_not_depend_on_deleted_articles_waiting_for_a_merge(tmp_path):
    """Files rewritten run after run: their old articles stay in Whoosh's counts until a merge, which
    each index (one, or each shard) makes at its own time (found by a hostile probe)."""
    folder = generated_files(tmp_path / "articles", files=5)
    words = "oil wheat bank rate dollar yen crude export grain tonnes profit shares merger talks strike".split()
    rng = random.Random(3)
    for version in range(4):
        for number in range(6):
            write_jsonl(folder / f"churn-{number}.jsonl",
                        [{"id": f"c{number}-{row}", "title": f"Churn {version} " + " ".join(rng.choices(words, k=2)),
                          "date": "2024-03-02", "source": "Churn", "body": " ".join(rng.choices(words, k=rng.randint(5, 40)))}
                         for row in range(rng.randint(5, 20))])
        index_paths(IndexStore(tmp_path / "single"), [folder, SEEDS], entities=False)
        index_shards(tmp_path / "sharded", [folder, SEEDS], 3, entities=False)
    index_paths(IndexStore(tmp_path / "fresh"), [folder, SEEDS], entities=False)  # the same articles, none deleted
    single, sharded, fresh = NewsIndex(tmp_path / "single"), open_index(tmp_path / "sharded"), NewsIndex(tmp_path / "fresh")
    reader = single.searcher()._searcher.reader()
    assert reader.doc_count_all() > reader.doc_count() + 50  # deleted articles Whoosh still counts
    everything = [row["id"] for row in fresh.export(SearchRequest()).rows]
    assert len(everything) > 100
    for article_id in everything[::3]:
        expected = fresh.related(article_id, 5).to_dict()
        assert single.related(article_id, 5).to_dict() == expected, article_id
        assert sharded.related(article_id, 5).to_dict() == expected, article_id


def test_copies_spread_over_shards_are_listed_and_left_out_of_related_articles_as_one_index_does(pair):
    single, sharded, base = pair
    spread = [story for story in range(8)
              if len({shard_of(f"copies/{file.name}", 4) for file in (base / "copies").glob(f"story-{story}-*")}) > 1]
    assert len(spread) >= 6  # most stories have copies in two shards or more
    copied = [hit.id for hit in single.search(SearchRequest(query="", per_page=500)).hits if hit.copies]
    assert len(copied) >= 20
    for article_id in copied:
        assert sharded.copies(article_id) == single.copies(article_id), article_id
        assert sharded.related(article_id, 5).to_dict() == single.related(article_id, 5).to_dict(), article_id
    assert sharded.copies("0123456789abcdef") is None


def test_a_damaged_file_of_groups_leaves_its_shard_grouping_its_own_articles_until_the_next_run(tmp_path, caplog):
    paths = [copied_stories(tmp_path / "copies", stories=4)]
    index_paths(IndexStore(tmp_path / "single"), paths, entities=False)
    index_shards(tmp_path / "sharded", paths, 2, entities=False)
    single, sharded = NewsIndex(tmp_path / "single"), open_index(tmp_path / "sharded")
    collapsed = SearchRequest(query="", collapse=True, per_page=50)
    assert sharded.search(collapsed).to_dict() == single.search(collapsed).to_dict()
    for damage in (lambda data: data[:-30], lambda data: data[:200] + bytes([data[200] ^ 1]) + data[201:]):
        kept = next(sharded.roots[1].glob("*/groups-across-*.npz"))
        kept.write_bytes(damage(kept.read_bytes()))
        found = sharded.search(collapsed)
        assert found.total == single.search(collapsed).total and found.groups > single.search(collapsed).groups
        assert "cannot be read" in caplog.text and kept.name in caplog.text
        index_shards(tmp_path / "sharded", paths, None, entities=False)  # a run, even of no change, settles again
        assert sharded.search(collapsed).to_dict() == single.search(collapsed).to_dict()


def test_the_pages_and_the_api_serve_a_sharded_index(pair):
    single, _, base = pair
    sharded_app = create_app({"INDEX": str(base / "sharded"), "TESTING": True}).test_client()
    single_app = create_app({"INDEX": str(base / "single"), "TESTING": True}).test_client()
    for query in ("q=oil+price&per_page=20&page=2", "q=&sort=oldest&source=Wire+A", "q=%22interest+rate%22"):
        assert sharded_app.get(f"/api/search?{query}").get_json() == single_app.get(f"/api/search?{query}").get_json()
    page = sharded_app.get("/search?q=oil+price")
    hit = single.search(SearchRequest(query="oil price")).hits[0]
    assert page.status_code == 200 and hit.title in page.get_data(as_text=True)
    assert sharded_app.get(f"/articles/{hit.id}").status_code == 200
    assert sharded_app.get(f"/api/articles/{hit.id}").get_json() == single_app.get(f"/api/articles/{hit.id}").get_json()
    assert sharded_app.get("/feed.atom?q=oil").status_code == 200
    related = sharded_app.get(f"/api/articles/{hit.id}/related?limit=5").get_json()
    assert related == single_app.get(f"/api/articles/{hit.id}/related?limit=5").get_json() and related["hits"]
    article_page = sharded_app.get(f"/articles/{hit.id}").get_data(as_text=True)
    assert all(escape(other["title"]) in article_page for other in related["hits"])
    collapsed = sharded_app.get("/api/search?q=&from=2024-06-01&to=2024-06-10&collapse=1").get_json()
    assert collapsed == single_app.get("/api/search?q=&from=2024-06-01&to=2024-06-10&collapse=1").get_json()
    assert collapsed["groups"] < collapsed["total"] and any(hit["copies"] for hit in collapsed["hits"])
    pages = [re.sub(r"in \d+ ms", "", app.get("/search?from=2024-06-01&to=2024-06-10").get_data(as_text=True))
             for app in (sharded_app, single_app)]  # one story once, "also in" its copies' sources
    assert pages[0] == pages[1] and "also in" in pages[0]


def test_the_command_line_builds_and_searches_shards(tmp_path):
    runner = CliRunner()
    built = runner.invoke(cli, ["--index", str(tmp_path / "index"), "index", "--shards", "2", "--no-entities", "-q",
                                str(SEEDS)])
    assert built.exit_code == 0, built.output
    found = runner.invoke(cli, ["--index", str(tmp_path / "index"), "search", "North Korea", "--json"])
    assert json.loads(found.stdout)["total"] == 1


# A real cluster: a scheduler and two worker processes, as `dask scheduler` and `dask worker` start them.

def _dask(*arguments: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + arguments[0], *arguments[1:]],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cluster")
    scheduler_file = folder / "scheduler.json"
    scheduler = _dask("scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address", ":0",
                      "--scheduler-file", str(scheduler_file), log=folder / "scheduler.log")
    workers = [_dask("worker", "--scheduler-file", str(scheduler_file), "--nthreads", "2", "--no-dashboard",
                     "--no-nanny", "--death-timeout", "60", log=folder / f"worker-{n}.log") for n in range(2)]
    try:
        for _ in range(300):
            if scheduler_file.exists() and json.loads(scheduler_file.read_text() or "{}").get("address"):
                break
            time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        runner = DaskRunner(address)
        runner._client.wait_for_workers(2, timeout=60)
        yield address, runner, workers
        runner.close()
    finally:
        for process in [*workers, scheduler]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in [*workers, scheduler]:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def test_on_a_cluster_every_query_gets_the_single_indexs_answer(pair, cluster):
    single, _, base = pair
    _, runner, _ = cluster
    sharded = ShardedIndex(ShardLayout.of(base / "sharded"), runner)
    for request in requests():
        assert sharded.search(request).to_dict() == single.search(request).to_dict(), request
    for article_id in related_asked(single)[:4]:
        assert sharded.related(article_id).to_dict() == single.related(article_id).to_dict(), article_id
    worked = runner._client.run(lambda: sorted(sys.modules.get("search.shard_calls")._open_indexes))
    assert sum(len(opened) for opened in worked.values()) >= 4  # the shards were opened by the workers
    with get_task_stream(runner._client) as stream:
        sharded.search(SearchRequest(query="oil price"))
    assert len(stream.data) <= 3 * 2  # three rounds of one task per worker, not one per shard (4)


def test_a_cluster_builds_the_shards(pair, cluster, tmp_path):
    single, _, base = pair
    address, _, _ = cluster
    result = CliRunner().invoke(cli, ["--cluster", address, "--index", str(tmp_path / "index"), "index", "--shards",
                                      "3", "--no-entities", "-q", str(base / "articles"), str(base / "copies"),
                                      str(SEEDS)])
    assert result.exit_code == 0, result.output
    assert f"{24 + len(list((base / 'copies').iterdir())) + len(list(SEEDS.iterdir()))} added" in result.output
    found = CliRunner().invoke(cli, ["--index", str(tmp_path / "index"), "search", "oil price", "--json"],
                               env={"NEWS_SEARCH_CLUSTER": address})
    assert found.exit_code == 0, found.output
    single_result = single.search(SearchRequest(query="oil price"))
    assert [json.loads(found.stdout)[key] for key in ("total", "groups")] == [single_result.total, single_result.groups]


def test_a_worker_that_holds_a_shard_on_its_own_disk_gets_that_shards_tasks(pair, cluster, tmp_path):
    single, _, base = pair
    address, runner, _ = cluster
    shutil.copytree(base / "sharded", tmp_path / "sharded", symlinks=True)  # a path no worker has opened yet
    holder = _dask("worker", address, "--nthreads", "1", "--no-dashboard", "--no-nanny", "--resources",
                   "shard-000=1", log=tmp_path / "holder.log")
    try:
        runner._client.wait_for_workers(3, timeout=60)
        sharded = ShardedIndex(ShardLayout.of(tmp_path / "sharded"), runner)
        for request in requests()[:6]:
            assert sharded.search(request).to_dict() == single.search(request).to_dict(), request
        opened = runner._client.run(lambda: sorted(getattr(sys.modules.get("search.shard_calls"), "_open_indexes", {})))
        declared = {worker: info.get("resources") or {} for worker, info in
                    runner._client.scheduler_info()["workers"].items()}
        shard_zero = str(tmp_path / "sharded" / "shard-000")
        assert [worker for worker, roots in opened.items() if shard_zero in roots] == \
            [worker for worker, resources in declared.items() if "shard-000" in resources]
    finally:  # the holder leaves the scheduler before the next test, which counts on two workers
        os.killpg(holder.pid, signal.SIGTERM)
        holder.wait(30)
        deadline = time.monotonic() + 30
        while len(runner._client.scheduler_info()["workers"]) > 2 and time.monotonic() < deadline:
            time.sleep(0.2)


def test_a_lost_worker_is_replaced_by_the_other_and_no_worker_is_a_clear_error(pair, cluster, monkeypatch):
    single, _, base = pair
    address, runner, workers = cluster
    sharded = ShardedIndex(ShardLayout.of(base / "sharded"), runner)
    request = SearchRequest(query="oil price")
    os.killpg(workers[0].pid, signal.SIGKILL)
    assert sharded.search(request).to_dict() == single.search(request).to_dict()
    os.killpg(workers[1].pid, signal.SIGKILL)
    monkeypatch.setenv("NEWS_SEARCH_TIME_LIMIT", "1")
    started = time.monotonic()
    # The scheduler may or may not have dropped the killed workers yet: either way the shards are named.
    with pytest.raises(ClusterError, match="(did not answer|has no workers) for shard-000, shard-001, shard-002, "
                                           "shard-003"):
        sharded.search(request)
    assert time.monotonic() - started < 10


def test_an_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(ClusterError, match="could not reach the Dask scheduler at tcp://127.0.0.1:9"):
        DaskRunner("tcp://127.0.0.1:9", connect_timeout=1)


def test_a_handshake_that_goes_wrong_is_tried_again(monkeypatch):
    """distributed's Client once failed its first message with a bare AssertionError in CI."""
    import distributed
    attempts = []

    def client(address, **options):
        attempts.append(address)
        if len(attempts) < 3:
            raise AssertionError
        return "connected"
    monkeypatch.setattr(distributed, "Client", client)
    assert DaskRunner("tcp://127.0.0.1:8786")._client == "connected" and len(attempts) == 3
    attempts.clear()
    monkeypatch.setattr(distributed, "Client", lambda address, **options: attempts.append(address) or 1 / 0)
    with pytest.raises(ClusterError, match="could not reach the Dask scheduler at tcp://127.0.0.1:8786: division"):
        DaskRunner("tcp://127.0.0.1:8786")
    assert len(attempts) == 1  # other failures are not tried again


@needs_corpus("reuters21578")
def test_reuters_in_four_shards_answers_the_benchmark_queries_and_related_articles_as_one_index(tmp_path):
    from bench.queries import QUERIES as BENCHMARK
    files = sorted((CORPORA / "reuters21578").glob("reut2-00*.sgm"))[:4]
    index_paths(IndexStore(tmp_path / "single"), files, entities=False)
    index_shards(tmp_path / "sharded", files, 4, entities=False)
    single, sharded = NewsIndex(tmp_path / "single"), ShardedIndex(ShardLayout.of(tmp_path / "sharded"), LocalRunner())
    assert sorted(len(IndexStore(root).manifest().files) for root in sharded.roots) != [0, 0, 0, 4]
    for values in BENCHMARK:  # Reuters re-sent some stories in other files: copies in other shards
        for request in (SearchRequest.from_text(**values), SearchRequest.from_text(**values, collapse=True)):
            assert sharded.search(request).to_dict() == single.search(request).to_dict(), request
    assert len(single.searcher().subject_sample()) == 2000  # a full sample for the subject space
    for hit in single.search(SearchRequest(query="wheat")).hits[:4]:
        assert sharded.related(hit.id, 10).to_dict() == single.related(hit.id, 10).to_dict(), hit.id


# Articles posted over HTTP: each to one shard, indexed by the server's one writer process for all shards.

def _posted(number: int, title: str = "") -> dict:
    words = random.Random(number).choices(WORDS, k=30)
    return {"id": f"posted-{number}", "title": title or f"Posted {' '.join(words[:3])}", "date": "2024-06-01",
            "source": "Wire P", "body": " ".join(words) + "."}


def _post(client, secret: str, records: list[dict]):
    return client.post("/api/articles", data="".join(json.dumps(record) + "\n" for record in records),
                       headers={"Authorization": f"Bearer {secret}"}, content_type="application/x-ndjson")


def _until(condition, timeout: float = 120) -> None:
    """Wait until `condition()` holds (the writers index in processes of their own)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the posted articles were not indexed in time"
        time.sleep(0.3)


def _until_agreeing(sharded, single, requests: list[SearchRequest], timeout: float = 120) -> None:
    """Wait until the shards answer `requests` as the single index does, or `timeout` passes (the asserts
    that follow then show the difference): a writer settles names and copies over all shards a moment after
    the articles themselves are searchable."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(sharded.search(request).to_dict() != single.search(request).to_dict()
                                              for request in requests):
        time.sleep(0.3)


def test_articles_posted_to_shards_are_searched_as_one_index_searches_them(tmp_path):
    paths = [generated_files(tmp_path / "articles", files=8, per_file=5), SEEDS]
    index_paths(IndexStore(tmp_path / "single"), paths, entities=False)
    index_shards(tmp_path / "sharded", paths, 3, entities=False)
    made = CliRunner().invoke(cli, ["--index", str(tmp_path / "sharded"), "token", "create", "wire"])
    assert made.exit_code == 0, made.output
    secrets = {"sharded": made.stdout.strip(), "single": TokenStore(tmp_path / "single").create("wire")}
    apps = {name: create_app({"INDEX": str(tmp_path / name), "TESTING": True}).test_client() for name in secrets}
    sharded = open_index(tmp_path / "sharded")
    with WriterProcess(tmp_path / "sharded"), WriterProcess(tmp_path / "single"):
        for name, app in apps.items():
            answer = _post(app, secrets[name], [_posted(number) for number in range(40)])
            assert answer.status_code == 202 and answer.get_json()["accepted"] == 40
        assert sum(1 for root in sharded.roots if Inbox(root).waiting() or (root / "posted").exists()) == 3
        single = NewsIndex(tmp_path / "single")
        _until(lambda: single.stats().posted_articles == sharded.stats().posted_articles == 40)
        requests = [SearchRequest(query="posted"), SearchRequest(query="oil price"),
                    SearchRequest(query="", sources=("Wire P",), per_page=50)]
        _until_agreeing(sharded, single, requests)
        for request in requests:
            assert sharded.search(request).to_dict() == single.search(request).to_dict(), request
        # Copies of one story, posted under their own ids (so in several shards), grouped over all of them.
        story = " ".join(random.Random(99).choices(WORDS, k=80))
        copies = [{"id": f"copy-{n}", "title": f"Copy {n}", "date": "2024-06-02", "source": f"Outlet {n}",
                   "body": f"{story} Outlet {n} footer."} for n in range(6)]
        for name, app in apps.items():
            assert _post(app, secrets[name], copies).status_code == 202
        copied = SearchRequest(query="", sources=tuple(f"Outlet {n}" for n in range(6)), collapse=True)
        _until(lambda: sharded.search(copied).groups == single.search(copied).groups == 1)
        _until_agreeing(sharded, single, [copied])
        assert sharded.search(copied).to_dict() == single.search(copied).to_dict()
        held = [NewsIndex(root).search(dataclasses.replace(copied, collapse=False)).total for root in sharded.roots]
        assert sum(held) == 6 and sorted(held)[-2] > 0  # in two shards or more
        # Posted again with another title: replaced, not doubled; removed: gone from every shard.
        gone = single.search(SearchRequest(query="posted", per_page=1)).hits[0].id
        for name, app in apps.items():
            assert _post(app, secrets[name], [_posted(3, title="Replaced headline")]).status_code == 202
            assert app.delete(f"/api/articles/{gone}",
                              headers={"Authorization": f"Bearer {secrets[name]}"}).status_code == 202
        request = SearchRequest(query="", sources=("Wire P",), per_page=50)
        _until(lambda: sharded.search(request).total == single.search(request).total == 39 and
               sharded.search(SearchRequest(query="replaced headline")).total == 1)
        _until_agreeing(sharded, single, [request])
        assert sharded.search(request).to_dict() == single.search(request).to_dict()
        assert sharded.search(SearchRequest(query="replaced headline")).total == 1
        assert sharded.article(gone) is None
    assert apps["sharded"].delete(f"/api/articles/{gone}", headers={"Authorization": f"Bearer {secrets['sharded']}"}
                                  ).status_code == 404


def test_a_post_to_shards_is_taken_whole_or_not_at_all(tmp_path, monkeypatch):
    index_shards(tmp_path / "sharded", [SEEDS], 3, entities=False)
    inbox = ShardedInbox(ShardLayout.of(tmp_path / "sharded"))
    articles = parse_articles("".join(json.dumps(_posted(number)) + "\n" for number in range(30)), lines=True)
    written = []
    real = Inbox.staged

    def full_disk_on_the_third(self, part):
        if len(written) == 2:
            raise NewsSearchError(f"could not write to the inbox at {self.folder}: No space left on device")
        written.append(real(self, part))
        return written[-1]

    monkeypatch.setattr(Inbox, "staged", full_disk_on_the_third)
    with pytest.raises(NewsSearchError, match="No space left on device"):
        inbox.accept(articles)
    assert len(written) == 2 and not any(batch.hidden.exists() or batch.path.exists() for batch in written)
    assert not any(one.waiting() for one in inbox.inboxes)
    monkeypatch.setattr(Inbox, "staged", real)
    inbox.accept(articles)
    assert sum(len(one.waiting()) for one in inbox.inboxes) == 3


def test_a_post_to_shards_that_fails_once_written_says_how_far_it_got_and_leaves_no_debris(tmp_path, monkeypatch):
    index_shards(tmp_path / "sharded", [SEEDS], 3, entities=False)
    inbox = ShardedInbox(ShardLayout.of(tmp_path / "sharded"))
    articles = parse_articles("".join(json.dumps(_posted(number)) + "\n" for number in range(30)), lines=True)
    real, renamed = os.replace, []

    def failing_second(source, target):
        if renamed:
            raise OSError(errno.EIO, "Input/output error")
        renamed.append(target)
        real(source, target)

    monkeypatch.setattr(os, "replace", failing_second)
    with pytest.raises(NewsSearchError, match="Input/output error; 1 of 3 shards took their articles: send the "
                                              "request again"):
        inbox.accept(articles)
    monkeypatch.setattr(os, "replace", real)
    assert [len(one.waiting()) for one in inbox.inboxes].count(1) == 1
    assert not [name for one in inbox.inboxes for name in os.listdir(one.folder) if name.endswith(".tmp")]
    inbox.accept(articles)  # sent again: every shard has its part, the first shard's twice (the same files)
    assert sum(len(one.waiting()) for one in inbox.inboxes) == 4


# Names settled over all shards (search/entities/across.py): what one index of their articles shows.

def _named(number: int, **entities) -> Article:
    return Article(id=f"n{number}", file=f"/news/{number}.txt", path=f"{number}.txt", title=f"Story {number}",
                   body=f"Body of story {number}.", **{kind: tuple(names) for kind, names in entities.items()})


def _written(store: IndexStore, articles: list[Article]) -> None:
    generation = store.new_generation()
    with Batch(store, generation) as batch:
        for article in articles:
            batch.add(article)
        batch.manifest = Manifest(files={})
    store.make_current(generation)


def test_names_are_settled_over_all_shards_as_one_index_settles_them(tmp_path):
    first = [_named(1, people=["Qaboos bin Said", "Qaboos"], orgs=["Exxon"]),
             _named(2, people=["Qaboos"], orgs=["Exxon Corp", "Opec"], places=["Pittsburgh"])]
    second = [_named(3, orgs=["Pittsburgh"]), _named(4, orgs=["Pittsburgh", "OPEC"]), _named(5, orgs=["OPEC"])]
    single = IndexStore(tmp_path / "single")
    layout = ShardLayout.create(tmp_path / "sharded", 2)
    # One index of all the articles, and each shard alone: as an index run leaves them.
    for store, articles in [(single, first + second), *zip(map(IndexStore, layout.shard_roots()), (first, second))]:
        _written(store, articles)
        rename_across_index(store, store.current_generation(), store.manifest(), Aliases.load(aliases_file(store.root)))
    sharded = open_index(tmp_path / "sharded")
    assert sharded.article("n2").places == ("Pittsburgh",) and "Opec" in sharded.article("n2").orgs
    assert settle_names(layout.shard_roots()) == 1
    one = NewsIndex(single.root)
    for number in range(1, 6):
        assert sharded.article(f"n{number}") == one.article(f"n{number}")
    assert one.article("n2").orgs == ("Exxon", "OPEC", "Pittsburgh") and not one.article("n2").places
    assert all(IndexStore(shard).manifest().names == single.manifest().names for shard in layout.shard_roots())
    for request in (SearchRequest(orgs=("opec",)), SearchRequest(query="person:qaboos"),
                    SearchRequest(orgs=("exxon corp",))):
        assert sharded.search(request).to_dict() == one.search(request).to_dict()
    assert settle_names(layout.shard_roots()) == 0  # settled: nothing to write again


def test_a_run_stopped_by_a_busy_shard_still_settles_the_names_it_changed(tmp_path, monkeypatch):
    layout = ShardLayout.create(tmp_path / "sharded", 2)
    first, second = map(IndexStore, layout.shard_roots())
    _written(first, [_named(1, people=["Mcdonald Smith"]), _named(2, people=["Mcdonald Smith"])])
    _written(second, [_named(3, people=["McDonald Smith"])])
    settle_names(layout.shard_roots())
    sharded = open_index(tmp_path / "sharded")
    assert sharded.article("n3").people == ("Mcdonald Smith",)  # two articles to one

    def run(store, paths, **options):  # the first shard's run adds two articles of the other spelling
        if store.root != first.root:
            return index_paths(store, paths, **options)
        with Batch(store, store.current_generation()) as batch:
            for number in (4, 5):
                batch.add(_named(number, people=["McDonald Smith"]))
            batch.manifest = store.manifest()
        return IndexReport()

    monkeypatch.setattr(shard_runs, "index_paths", run)
    with second.write_lock():  # the second shard is busy (another writer) for the whole run
        with pytest.raises(IndexLockedError, match="shard-001 is being written by"):
            index_shards(tmp_path / "sharded", [], None, entities=False, lock_timeout=0.2)
        assert [sharded.article(f"n{number}").people for number in (1, 2, 4, 5)] == [("McDonald Smith",)] * 4
    assert settle_names(layout.shard_roots()) == 1 and sharded.article("n3").people == ("McDonald Smith",)


def test_the_alias_file_of_a_sharded_index_is_one_for_all_its_shards(tmp_path):
    layout = ShardLayout.create(tmp_path / "sharded", 2)
    assert {aliases_file(root) for root in layout.shard_roots()} == {tmp_path / "sharded" / "aliases.toml"}
    assert aliases_file(tmp_path / "single") == tmp_path / "single" / "aliases.toml"
