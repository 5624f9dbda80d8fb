"""Entity extraction speed on Reuters-21578: words per second on one and on two cores, cold cache.

    python -m bench.extraction_speed [--files N]

Runs the whole pipeline (model, gazetteer, rules, aliases) over the articles of
the first N Reuters files through EntityExtractor, as indexing does.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from search.entities import DEFAULT_ALIASES, Aliases, EntityExtractor, entity_text
from search.entities.model import load_model
from search.readers import ReadError, SourceFile, read_entries, reader_for

from .common import reuters_files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=3)
    options = parser.parse_args()
    articles = []
    for path in reuters_files()[:options.files]:
        data = path.read_bytes()
        articles += [e for e in read_entries(SourceFile(str(path), path.name, data), reader_for(path, data))
                     if not isinstance(e, ReadError)]
    words = sum(len(entity_text(article).split()) for article in articles)
    load_model()  # time extraction, not the one-off model load of this process
    for jobs in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            with EntityExtractor(Path(folder) / "cache.sqlite", Aliases.load(DEFAULT_ALIASES), jobs) as extractor:
                started = time.perf_counter()
                batches = [(None, articles[i:i + 500]) for i in range(0, len(articles), 500)]
                for _ in extractor.enrich_batches(batches):
                    pass
                seconds = time.perf_counter() - started
        print(f"jobs={jobs}: {len(articles)} articles, {words} words in {seconds:.1f} s = {words / seconds:,.0f} words/s"
              + (" (includes starting the worker processes)" if jobs > 1 else ""))


if __name__ == "__main__":
    main()
