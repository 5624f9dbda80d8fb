"""Related articles on Reuters: how many of each article's five related ones share one of its TOPICS labels.

    python -m bench.related [--index DIR] [--articles 400] [--seed 1]

A sample of articles with TOPICS labels (the same sample for every method) is given
related articles by news-search and by Whoosh's own `more_like` (body, the article
itself left out). Four figures for each:

- P@5: the share of the first five related articles that carry at least one of the
  article's labels; an article with no related one counts 0. A related article
  without labels counts as wrong.
- judged P@5: the same over the first five related articles whose topics Reuters'
  indexers judged, the others passed over (a "condensed list", as Sakai measures
  rankings with incomplete judgements, SIGIR 2007). The corpus README says a story
  marked TOPICS="NO" may lack labels only because nobody assigned them (one marked
  "BYPASS" was never indexed), while one marked TOPICS="YES" with none is a true
  negative; so stories with TOPICS="YES" or any TOPICS label are judged, the rest are not.
- pool-judged P@5: P@5 with the unjudged stories judged by reading, as TREC judges the
  pool of its runs' first results (`gold/reuters-related-pool.json`; `gold/README.md` says
  which lists were pooled and how): such a story counts as right when it was read to carry
  one of the article's labels; one outside the pool (another sample, a changed ranking)
  counts as wrong.
- corrected: the same, with the stories read yes counted at the rate that the readers'
  answers on judged control pairs allow (a reader said yes to some pairs Reuters did not
  label alike).

Halves A and B split the sample by position (even, odd): the settings were chosen
looking at A only.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from search import NewsIndex
from search.article import article_id

from .common import DEFAULT_INDEX

POOL = Path(__file__).parent / "gold" / "reuters-related-pool.json"
RELATED = 5
ASKED = 20  # related articles asked for, so that five judged ones are usually among them
_STORY_ATTRIBUTES = re.compile(r"<REUTERS\b([^>]*)>")
_ATTRIBUTE = re.compile(r'(\w+)="([^"]*)"')

Related = Callable[[str], list[str]]


def stored_articles(index: NewsIndex) -> list[dict]:
    return list(index.searcher()._searcher.all_stored_fields())


def labelled_sample(stored: list[dict], count: int, seed: int) -> list[tuple[str, set[str]]]:
    labelled = [(fields["id"], set((fields.get("labels") or {}).get("topics", ()))) for fields in stored]
    labelled = sorted((article_id, topics) for article_id, topics in labelled if topics)
    return random.Random(seed).sample(labelled, count)


def judged_ids(stored: list[dict]) -> set[str]:
    """The articles whose topics were judged: TOPICS="YES" in their SGML file, or labelled."""
    labelled = {fields["id"] for fields in stored if (fields.get("labels") or {}).get("topics")}
    return labelled | marked_judged({(fields["file"], fields["path"]) for fields in stored})


def marked_judged(files: set[tuple[str, str]]) -> set[str]:
    """The ids of the stories marked TOPICS="YES" in `files` (each its path, and its path below the
    folder indexed, which names its articles)."""
    judged = set()
    for file, below in files:
        text = Path(file).read_text(encoding="latin-1")
        for attributes in _STORY_ATTRIBUTES.findall(text):
            values = dict(_ATTRIBUTE.findall(attributes))
            if values.get("TOPICS") == "YES":
                judged.add(article_id(below, values["NEWID"]))
    return judged


@dataclass(frozen=True)
class ReadJudgements:
    """Unjudged stories judged by reading: `read[(article, story)]` is True when the story was read to
    carry one of the article's labels; on judged control pairs, the readers said yes to `true_yes` of
    those Reuters labelled alike and to `false_yes` of those it did not."""

    read: dict[tuple[str, str], bool]
    true_yes: float
    false_yes: float

    def corrected(self, read_yes: int, read: int) -> float:
        """The share of `read` pooled stories that carry a label, from the `read_yes` the readers said yes
        to, corrected for the readers' rates on the controls (Rogan and Gladen, 1978)."""
        if not read or self.true_yes <= self.false_yes:
            return 0.0
        return min(1.0, max(0.0, (read_yes / read - self.false_yes) / (self.true_yes - self.false_yes)))


def read_judgements(topics_of: dict[str, set[str]]) -> ReadJudgements:
    pool = json.loads(POOL.read_text(encoding="utf-8"))
    said = {alike: [answer == "yes" for article, story, answer in pool["controls"]
                    if bool(topics_of[article] & topics_of[story]) == alike] for alike in (True, False)}
    return ReadJudgements({(article, story): answer == "yes" for article, story, answer in pool["pool"]},
                          sum(said[True]) / len(said[True]), sum(said[False]) / len(said[False]))


def precision(sample, related: Related, topics_of: dict[str, set[str]], judged: set[str],
              reading: ReadJudgements) -> tuple[list[float], float]:
    """P@5, judged P@5, pool-judged P@5 and corrected pool-judged P@5, each over the sample's halves A
    and B, and seconds per article."""
    found_by_article, started = [], time.perf_counter()
    for article, _ in sample:
        found_by_article.append(related(article))
    seconds = (time.perf_counter() - started) / len(sample)

    def share(found: list[str], topics: set[str]) -> float:
        return sum(1 for other in found[:RELATED] if topics & topics_of[other]) / RELATED

    def figures(half: list[tuple[str, set[str], list[str]]]) -> tuple[float, float, float, float]:
        slots = [(article, other, bool(topics & topics_of[other]))
                 for article, topics, found in half for other in found[:RELATED]]
        read = [reading.read[article, other] for article, other, _ in slots
                if other not in judged and (article, other) in reading.read]
        labelled = sum(alike for _, _, alike in slots)
        count = RELATED * len(half)
        return (labelled / count,
                sum(share([other for other in found if other in judged], topics) for _, topics, found in half)
                / len(half),
                (labelled + sum(read)) / count,
                (labelled + reading.corrected(sum(read), len(read)) * len(read)) / count)

    rows = [(article, topics, found) for (article, topics), found in zip(sample, found_by_article)]
    half_a, half_b = figures(rows[0::2]), figures(rows[1::2])
    return [figure for pair in zip(half_a, half_b) for figure in pair], seconds


def whoosh_more_like(index: NewsIndex) -> Related:
    searcher = index.searcher()._searcher

    def related(article: str) -> list[str]:
        doc = searcher.document_number(id=article)
        return [hit["id"] for hit in searcher.more_like(doc, "body", top=ASKED)]
    return related


def ours(index: NewsIndex) -> Related:
    return lambda article: [hit.id for hit in index.related(article, ASKED).hits]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(DEFAULT_INDEX))
    parser.add_argument("--articles", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    index = NewsIndex(options.index)
    stored = stored_articles(index)
    sample = labelled_sample(stored, options.articles, options.seed)
    topics_of = {fields["id"]: set((fields.get("labels") or {}).get("topics", ())) for fields in stored}
    judged = judged_ids(stored)
    print(f"{len(sample)} articles with TOPICS labels; {len(judged)} of {len(stored)} articles judged for topics")
    started = time.perf_counter()
    index.related(sample[0][0])
    seconds = time.perf_counter() - started
    print(f"first related list (it fits the subject space, or reads it if saved): {seconds:.2f} s")
    reading = read_judgements(topics_of)
    print(f"stories read: {len(reading.read)} (article, story) pairs; on judged controls the readers said yes to "
          f"{reading.true_yes:.0%} of pairs Reuters labelled alike and {reading.false_yes:.0%} of the others")
    print(f"{'':<24} {'P@5':>13} {'judged P@5':>13} {'pool-judged':>13} {'corrected':>13} {'ms/':>7}")
    print(f"{'method':<24} {'A':>6} {'B':>6} {'A':>6} {'B':>6} {'A':>6} {'B':>6} {'A':>6} {'B':>6} {'article':>7}")
    for name, method in (("news-search related", ours(index)), ("Whoosh more_like (body)", whoosh_more_like(index))):
        figures, seconds = precision(sample, method, topics_of, judged, reading)
        print(f"{name:<24} " + " ".join(f"{figure:6.3f}" for figure in figures) + f" {seconds * 1000:7.1f}")


if __name__ == "__main__":
    main()
