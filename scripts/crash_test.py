"""Kill -9 `news-search index` at random moments and check that nothing is lost.

    python scripts/crash_test.py [--rounds 20] [--seed 1] [--workdir DIR]

Copies Reuters-21578 from ../shared/corpora, builds its index (without
entities, to keep rounds short), then each round starts either an update
(three stories edited in three files) or an `index --rebuild`, and kills it
with SIGKILL at a random moment within its usual duration. After each kill:

- the index opens and answers a search;
- it holds exactly as many articles as its manifest records (they agree);
- it holds the round's three edited titles all or not at all (the new state
  or the previous one);
- a rerun finishes, after which the index holds every story once (21,577
  articles, no id twice), the three edits, and the manifest still agrees.
"""
from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from search import IndexStore, NewsIndex, SearchRequest

ROOT = Path(__file__).resolve().parent.parent

REUTERS = ROOT.parent / "shared" / "corpora" / "reuters21578"
ALL_STORIES = 21577


def news_search(index: Path, *arguments: str) -> list[str]:
    return [sys.executable, str(ROOT / "cli.py"), "--index", str(index), *arguments]


def run(command: list[str]) -> tuple[float, str]:
    started = time.monotonic()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    if finished.returncode not in (0, 3):
        raise SystemExit(f"{' '.join(command)} failed ({finished.returncode}): {finished.stderr}")
    return time.monotonic() - started, finished.stderr


def state(index: Path, round_number: int = 0) -> tuple[int, int, int, int]:
    """(articles the index holds, articles its manifest records, distinct ids, titles edited in the round)."""
    store = IndexStore(index)
    news = NewsIndex(index)
    try:
        searcher = news.searcher()
        searcher.search(SearchRequest.from_text(query="oil prices"))
        total = searcher.search(SearchRequest()).total
        ids = {stored["id"] for _, stored in searcher._searcher.reader().iter_docs()}
        recorded = sum(record.articles for record in store.manifest().files.values())
        edited = searcher.search(SearchRequest.from_text(query=f'title:"round {round_number}"')).total
        return total, recorded, len(ids), edited
    finally:
        news.close()


def edit_three_stories(corpus: Path, rng: random.Random, round_number: int) -> None:
    for path in rng.sample(sorted(corpus.glob("*.sgm")), 3):
        data = path.read_bytes()
        position = data.find(b"<TITLE>", rng.randrange(len(data) // 2))
        if position < 0:
            position = data.find(b"<TITLE>")
        end = position + len(b"<TITLE>")
        path.write_bytes(data[:end] + f"ROUND {round_number} ".encode() + data[end:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    workdir = Path(options.workdir or tempfile.mkdtemp(prefix="crash-test-"))
    corpus, index = workdir / "reuters", workdir / "index"
    shutil.rmtree(workdir, ignore_errors=True)
    corpus.mkdir(parents=True)
    for path in sorted(REUTERS.glob("reut2-*.sgm")):
        shutil.copy(path, corpus)

    build_seconds, _ = run(news_search(index, "index", "--no-entities", "-q", str(corpus)))
    edit_three_stories(corpus, rng, 0)
    update_seconds, _ = run(news_search(index, "index", "--no-entities", "-q", str(corpus)))
    print(f"setup: build {build_seconds:.1f} s, update of three files {update_seconds:.1f} s; state {state(index)}")

    good = 0
    for round_number in range(1, options.rounds + 1):
        rebuild = rng.random() < 0.4
        edit_three_stories(corpus, rng, round_number)
        arguments = ["index", "--no-entities", "-q", *(["--rebuild"] if rebuild else []), str(corpus)]
        delay = rng.uniform(0.3, (build_seconds if rebuild else update_seconds) * 1.1)
        process = subprocess.Popen(news_search(index, *arguments), stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        finished_first = process.poll() is not None
        if not finished_first:
            subprocess.run(["pkill", "-KILL", "-s", str(process.pid)], check=False)  # the writer and its workers
            process.send_signal(signal.SIGKILL)
        process.wait()
        after_kill = state(index, round_number)
        _, note = run(news_search(index, *(argument for argument in arguments if argument != "-q")))
        after_rerun = state(index, round_number)
        ok = (after_kill[0] == after_kill[1] == after_kill[2] and after_kill[3] in (0, 3)
              and after_rerun == (ALL_STORIES, ALL_STORIES, ALL_STORIES, 3))
        good += ok
        what = "rebuild" if rebuild else "update "
        print(f"round {round_number:2d}: {what} killed at {delay:5.1f} s"
              f"{' (had already finished)' if finished_first else ''}: index/manifest/ids/edits {after_kill}, "
              f"after rerun {after_rerun} {'ok' if ok else 'WRONG'}"
              f"{'; rerun noted: ' + note.strip().splitlines()[0] if 'note:' in note else ''}")
    print(f"\n{good}/{options.rounds} rounds: the index opened, agreed with its manifest, and a rerun completed it")
    shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if good == options.rounds else 1)


if __name__ == "__main__":
    main()
