"""Did you mean: misspelt frequent Reuters words corrected, correctly spelt queries left alone.

    python -m bench.spelling [--index DIR] [--words 500] [--seed 3]

Misspellings are made of the `--words` most frequent words of the index (five letters
or more): one letter dropped, one doubled, two neighbours swapped; one that is itself
a word of the index is left out (nothing could tell it from a correct query). Each is
searched as a whole query; correct means the suggestion is the word. Correctly spelt
queries are words of the index that find something, drawn two ways: uniformly from
all its words (mostly rare ones, the harder test) and by how often they occur (as
typed queries are), and uniformly from its words that are also in the Wikinews sample
or the CoNLL-2003 text (edited text from elsewhere: Reuters holds typos of its own,
such as "octoer", which a uniform draw takes for correct words). Halves A and B split
the words by rank (even, odd).
"""
from __future__ import annotations

import argparse
import csv
import random
import re

from search import NewsIndex, SearchRequest
from search.index.vocabulary import load_vocabulary, vocabulary_path

from .common import CORPORA, DEFAULT_INDEX


def words_elsewhere() -> set[str]:
    """The lower-cased words of the Wikinews sample and of the CoNLL-2003 development text."""
    text = []
    for path in sorted((CORPORA / "wikinews-2019-2020").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            text += [f"{row['title']} {row['text']}" for row in csv.DictReader(handle)]
    text += [line.split(" ")[0] for line in (CORPORA / "conll2003-dev" / "eng.testa").read_text().splitlines()]
    return set(re.findall(r"[^\W\d_]+", " ".join(text).lower()))


def misspellings(word: str, rng: random.Random) -> dict[str, str]:
    """One misspelling of each kind: a letter dropped, a letter doubled, two neighbours swapped."""
    cut = rng.randrange(1, len(word) - 1)
    doubled = rng.randrange(len(word))
    swap = rng.randrange(len(word) - 1)
    return {"dropped": word[:cut] + word[cut + 1:], "doubled": word[:doubled + 1] + word[doubled:],
            "swapped": word[:swap] + word[swap + 1] + word[swap] + word[swap + 2:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", default=str(DEFAULT_INDEX))
    parser.add_argument("--words", type=int, default=500)
    parser.add_argument("--seed", type=int, default=3)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    index = NewsIndex(options.index)
    searcher = index.searcher()
    counts = load_vocabulary(vocabulary_path(searcher.generation, searcher._searcher.reader().generation()))
    frequent = [word for word, _ in counts.most_common() if len(word) >= 5 and word.isascii()][:options.words]
    print(f"{len(counts):,} words in the index; misspellings of the {len(frequent)} most frequent of 5+ letters")
    for half, words in (("A", frequent[0::2]), ("B", frequent[1::2])):
        tally = {"correct": 0, "wrong": 0, "none": 0, "left out": 0}
        for word in words:
            for typed in misspellings(word, rng).values():
                if counts[typed] or typed == word:
                    tally["left out"] += 1
                    continue
                suggestion = index.search(SearchRequest(query=typed, per_page=1)).suggestion
                tally["correct" if suggestion == word else "wrong" if suggestion else "none"] += 1
        asked = tally["correct"] + tally["wrong"] + tally["none"]
        print(f"half {half}: {tally['correct']}/{asked} corrected = {tally['correct'] / asked:.3f}; "
              f"wrong suggestion {tally['wrong']}, none {tally['none']}, left out {tally['left out']}")
    words = sorted(counts)
    weights = [counts[word] for word in words]
    known_elsewhere = words_elsewhere()
    elsewhere = [word for word in words if word in known_elsewhere]
    for label, sample in (("uniform over words", rng.sample(words, 1000)),
                          ("by occurrence", rng.choices(words, weights=weights, k=1000)),
                          ("uniform over words also found elsewhere", rng.sample(elsewhere, 1000))):
        for half, part in (("A", sample[0::2]), ("B", sample[1::2])):
            results = [index.search(SearchRequest(query=word, per_page=1)) for word in part]
            finding = [result for result in results if result.total]
            flagged = sum(1 for result in finding if result.suggestion)
            print(f"correct words, {label}, half {half}: {len(finding)} find something; "
                  f"no suggestion for {len(finding) - flagged} = {(len(finding) - flagged) / len(finding):.3f}")
    index.close()


if __name__ == "__main__":
    main()
