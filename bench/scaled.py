"""Ten copies of Reuters-21578 (215,770 articles) as JSON Lines, and their index built with the real CLI.

    python -m bench.scaled [--copies 10] [--index DIR] [--no-entities]

Copy k of each story gets the id `<article id>-<k>` and its date moved k whole
years later, so the copies spread over 1987 to 1996 like a growing archive.
Stories that have only a title (Reuters' BRIEFs) use the title as their text,
since a JSON Lines record needs one. The corpus is written under bench/out/
once; the index is built from scratch each run.

The copies' texts are Reuters' own, so their entities come from the mention
cache that `python -m bench.build` filled (copied into the new index when
present): this measures indexing at scale, not the entity model ten times over.
Then time searches with `python -m bench.queries --index bench/out/reuters-x10-index`.
"""
from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from search.article import Article
from search.readers import ReadError, SourceFile, read_entries, reader_for

from .build import run_index
from .common import DEFAULT_INDEX, ROOT, peak_rss_mb, reuters_files

OUT = ROOT / "bench" / "out"


def reuters_articles(path: Path) -> list[Article]:
    data = path.read_bytes()
    entries = read_entries(SourceFile(str(path.resolve()), str(path), data), reader_for(path, data))
    return [entry for entry in entries if not isinstance(entry, ReadError)]


def copy_record(article: Article, copy: int) -> dict:
    date = article.date.replace(year=article.date.year + copy) if article.date else None
    return {"id": f"{article.id}-{copy}", "title": article.title, "body": article.body or article.title,
            "date": date.isoformat() if date else None, "source": article.source}


def write_corpus(folder: Path, copies: int) -> int:
    """Write the copies (unless a complete set is already there); returns the number of records."""
    done = folder / "complete"
    if done.exists():
        return int(done.read_text())
    shutil.rmtree(folder, ignore_errors=True)
    records = 0
    for path in reuters_files():
        articles = reuters_articles(path)
        for copy in range(copies):
            target = folder / f"copy{copy:02d}" / f"{path.stem}.jsonl"
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8") as out:
                for article in articles:
                    out.write(json.dumps(copy_record(article, copy), ensure_ascii=False) + "\n")
            records += len(articles)
    done.write_text(str(records))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--index", type=Path, default=OUT / "reuters-x10-index")
    parser.add_argument("--no-entities", action="store_true", help="Build without entities.")
    options = parser.parse_args()

    corpus = OUT / f"reuters-x{options.copies}"
    records = write_corpus(corpus, options.copies)
    print(f"corpus          {records} articles in {corpus}")
    shutil.rmtree(options.index, ignore_errors=True)
    cache = DEFAULT_INDEX / "mentions.sqlite"
    if cache.exists() and not options.no_entities:
        options.index.mkdir(parents=True)
        shutil.copy(cache, options.index / "mentions.sqlite")
    extra = ["--no-entities"] if options.no_entities else []
    seconds, report = run_index(options.index, [corpus], *extra)
    size = sum(f.stat().st_size for f in (options.index / "current").resolve().iterdir())
    print(f"full build      {seconds:7.1f} s  {report['articles'] / seconds:6.0f} docs/s  "
          f"{report['articles']} articles, index {size / 2**20:.1f} MB, peak RSS {peak_rss_mb(children=True):.0f} MB"
          f"{' (no entities)' if options.no_entities else ''}")
    seconds, report = run_index(options.index, [corpus], *extra)
    print(f"no-change run   {seconds:7.2f} s  unchanged={report['unchanged']}")


if __name__ == "__main__":
    main()
