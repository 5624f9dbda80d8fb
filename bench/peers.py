"""The same 40 topic queries and relevance judgements as bench/relevance.py, answered by peers.

    python -m bench.peers [--index DIR]

The peers index the very articles of our index (title and body, read from its
stored fields) with their own English stemming and BM25, and every query's
words are AND-ed, as ours are:
- SQLite FTS5 (the `sqlite3` module's library): porter tokenizer, `bm25()`;
- tantivy (`pip install news-search[bench]`): the `en_stem` tokenizer, its BM25.
"""
from __future__ import annotations

import argparse
import sqlite3
from collections.abc import Callable
from pathlib import Path

from .common import DEFAULT_INDEX
from .relevance import CUTOFF, Bench, line


def articles(bench: Bench):
    """(document number, title, body) of every live article of our index."""
    for docnum, stored in bench.searcher._searcher.reader().iter_docs():
        yield docnum, stored.get("title") or "", stored.get("body") or ""


def sqlite_fts5(bench: Bench) -> Callable[[str], list[int]]:
    database = sqlite3.connect(":memory:")
    database.execute("CREATE VIRTUAL TABLE articles USING fts5(title, body, tokenize='porter')")
    database.executemany("INSERT INTO articles(rowid, title, body) VALUES (?, ?, ?)", articles(bench))

    def ranked(text: str) -> list[int]:
        words = " ".join(f'"{word}"' for word in text.split())
        rows = database.execute("SELECT rowid FROM articles WHERE articles MATCH ? ORDER BY bm25(articles) LIMIT ?",
                                (words, CUTOFF))
        return [rowid for (rowid,) in rows]
    return ranked


def tantivy_bm25(bench: Bench) -> Callable[[str], list[int]] | None:
    try:
        import tantivy
    except ImportError:
        return None
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("title", tokenizer_name="en_stem")
    builder.add_text_field("body", tokenizer_name="en_stem")
    builder.add_unsigned_field("docnum", stored=True)
    index = tantivy.Index(builder.build())
    writer = index.writer()
    for docnum, title, body in articles(bench):
        writer.add_document(tantivy.Document(docnum=docnum, title=title, body=body))
    writer.commit()
    index.reload()
    searcher = index.searcher()

    def ranked(text: str) -> list[int]:
        query = index.parse_query(text, ["title", "body"], conjunction_by_default=True)
        return [searcher.doc(address)["docnum"][0] for _, address in searcher.search(query, CUTOFF).hits]
    return ranked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=DEFAULT_INDEX)
    options = parser.parse_args()
    bench = Bench(options.index)
    print(f"{'ranking':44} MAP@100 / nDCG@10 on half A and half B of the 40 topics")
    print(line("news-search", bench.figures(bench.searches(), hits=True)))
    print(line("news-search with feedback", bench.figures(bench.searches(feedback=True), hits=True)))
    print(line("Whoosh 2.7.4 (BM25F, its own matchers)", bench.figures(bench.whoosh(), ours=False)))
    print(line("SQLite FTS5 (porter, bm25)", bench.figures(sqlite_fts5(bench), hits=True)))
    tantivy = tantivy_bm25(bench)
    if tantivy is None:
        print("tantivy: not installed (pip install news-search[bench])")
    else:
        print(line("tantivy (en_stem, BM25)", bench.figures(tantivy, hits=True)))


if __name__ == "__main__":
    main()
