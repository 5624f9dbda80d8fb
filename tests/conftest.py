"""Shared fixtures: small article folders written per test, and the real corpora when present."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from search import IndexStore, NewsIndex, index_paths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPORA = ROOT.parent / "shared" / "corpora"
SEED_FILE = SEEDS / "000_382df45f34618e6a.txt"


def needs_corpus(name: str):
    """Skip unless ../shared/corpora/<name> exists (it does in CI, not in a user's clone)."""
    return pytest.mark.skipif(not (CORPORA / name).exists(),
                              reason=f"needs ../shared/corpora/{name}, which only the project's CI has")


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")
    return path


def oil_stories(count: int) -> list[dict]:
    """JSON Lines records of short oil stories over three months and two sources."""
    return [{"id": f"n{n}", "title": f"Oil story {n}", "date": f"2024-0{1 + n % 3}-1{n}",
             "source": ["Wire A", "Wire B"][n % 2],
             "body": f"Oil prices moved on day {n} in Rotterdam as traders watched the harbour."} for n in range(count)]


@pytest.fixture
def store(tmp_path: Path) -> IndexStore:
    return IndexStore(tmp_path / "index")


@pytest.fixture
def articles_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    return folder


@pytest.fixture
def newsroom(tmp_path: Path, store: IndexStore) -> NewsIndex:
    """An index of a handful of JSON Lines articles with known dates, sources and words."""
    folder = tmp_path / "newsroom"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", [
        {"id": "oil-1", "title": "Oil prices rise", "date": "2024-01-15", "source": "Wire A",
         "body": "Crude oil prices rose on the stock exchange as shipping slowed."},
        {"id": "oil-2", "title": "Oil and gas output", "date": "2024-02-03", "source": "Wire B",
         "body": "Gas output fell while oil output held. The stock of the exchange was thin."},
        {"id": "gas-1", "title": "Gas storage", "date": "2024-02-20", "source": "Wire A",
         "body": "Gas storage levels were high after a mild winter."},
        {"id": "grain-1", "title": "Grain harvest", "date": "2023-12-31", "source": "Wire C",
         "body": "The grain harvest was the largest on record; ships were loading."},
        {"id": "undated", "title": "Undated oil note", "source": "Wire C",
         "body": "An oil note without a date."},
    ])
    index_paths(store, [folder])
    index = NewsIndex(store.root)
    yield index
    index.close()


@pytest.fixture
def index_records(tmp_path, store):
    """Index JSON Lines records (again, for a later run) and give a fresh view of the index."""
    folder = tmp_path / "news"
    folder.mkdir()
    opened = []

    def index(records: list[dict]) -> NewsIndex:
        write_jsonl(folder / "wire.jsonl", records)
        index_paths(store, [folder])
        opened.append(NewsIndex(store.root))
        return opened[-1]
    yield index
    for view in opened:
        view.close()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI (`CI` set, as the project's CI sets it) every test must run: a skipped one (chromium
    missing, ../shared absent, no tmpfs) proves nothing, so it fails the run, naming the reason."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("CI") and skipped and exitstatus == pytest.ExitCode.OK:
        reporter.ensure_newline()
        for report in skipped:
            reporter.write_line(f"not allowed in CI: {report.nodeid} skipped ({report.longrepr[-1]})", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
