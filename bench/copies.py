"""Copies of one story: are syndicated copies grouped with their original, and nothing else merged?

    python -m bench.copies [--originals 300] [--seed 5] [--min-paragraphs 4] [--min-words 150]

Indexes all of Reuters-21578 and the Wikinews sample (without entities: they play no
part here), then, in a second run, copies made from real articles in the seed's shape:
each original is re-published by two of three outlets with the outlet's own header and
footer, a new headline, the last paragraph cut and three words changed. Originals are
`--originals` Reuters stories and every Wikinews article, of at least `--min-paragraphs`
paragraphs and `--min-words` words (the seed has 9 and about 400).

Reported: the share of copies in their original's group; copies in a group of another
story (wrongly merged: holding an article that was not grouped with their original before
the copies came, nor a copy of one that was; written to bench/out/copies-merged.txt);
Wikinews stories merged with any other story; and the groups
Reuters holds by itself (its own duplicates), with a sample written to
bench/out/reuters-duplicates.txt for reading.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from search import IndexStore, NewsIndex, index_paths

from .common import CORPORA, ROOT, reuters_files

OUTLETS = [
    ("Harbour Daily", "(NewsWire- Harbour Daily)\n\nImage/AFP.",
     "Disclaimer: this story was supplied by a partner agency and is published unedited. The publisher is not "
     "responsible for its accuracy. For complaints about this item, contact the original provider named above."),
    ("Valley Post", "VALLEY POST - Syndicated report",
     "Copyright the original publisher. Republished under licence by Valley Post; all rights reserved by their "
     "owners. Subscribe to our morning newsletter for more stories like this."),
    ("Metro Ledger", "(NewsWire- Metro Ledger)",
     "The views expressed are those of the author. NewsWire provides this content as is, without warranty of any "
     "kind, and accepts no liability for its completeness, legality or reliability."),
]
SWAPS = ["officials", "reportedly", "Tuesday", "nearly"]


def paragraphs(text: str) -> list[str]:
    return [part for part in re.split(r"\n\s*\n", text) if part.strip()]


def republished(body: str, outlet: tuple[str, str, str], rng: random.Random) -> str:
    """`body` as `outlet` runs it: its header and footer, the last paragraph cut, three words changed."""
    words = "\n\n".join(paragraphs(body)[:-1]).split(" ")
    for _ in range(3):
        words[rng.randrange(len(words))] = rng.choice(SWAPS)
    _, header, footer = outlet
    return f"{header}\n\n{' '.join(words)}\n\n{footer}"


def groups_of(index: NewsIndex) -> dict[str, int]:
    searcher = index.searcher()
    groups = searcher.columns.copy_groups()
    live = searcher._query_matcher.postings.live_docs()
    return {searcher.columns.ids[doc].decode(): int(groups[doc]) for doc in live.tolist()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--originals", type=int, default=300, help="Reuters originals (all Wikinews ones are used)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--min-paragraphs", type=int, default=4)
    parser.add_argument("--min-words", type=int, default=150)
    options = parser.parse_args()
    rng = random.Random(options.seed)
    with tempfile.TemporaryDirectory() as scratch:
        store = IndexStore(Path(scratch) / "index")
        wikinews = sorted((CORPORA / "wikinews-2019-2020").glob("*.csv"))
        started = time.perf_counter()
        index_paths(store, [*reuters_files(), *wikinews], entities=False)
        print(f"Reuters and Wikinews indexed in {time.perf_counter() - started:.1f} s (no entities)")
        index = NewsIndex(store.root)
        before = groups_of(index)
        searcher = index.searcher()
        articles = {fields["id"]: fields for fields in searcher._searcher.all_stored_fields()}
        index.close()
        eligible = [article_id for article_id, fields in sorted(articles.items())
                    if len(paragraphs(fields["body"])) >= options.min_paragraphs
                    and len(fields["body"].split()) >= options.min_words]
        from_wikinews = [article_id for article_id in eligible if articles[article_id]["file"].endswith(".csv")]
        from_reuters = rng.sample([article_id for article_id in eligible if article_id not in set(from_wikinews)],
                                  options.originals)
        records, origin = [], {}
        for article_id in from_reuters + from_wikinews:
            for number, outlet in enumerate(rng.sample(OUTLETS, 2)):
                copy_id = f"copy-{article_id}-{number}"
                origin[copy_id] = article_id
                records.append({"id": copy_id, "url": f"https://copies.example/{copy_id}",
                                "title": f"{outlet[0]}: {articles[article_id]['title'].lower()}",
                                "date": articles[article_id].get("date"), "source": outlet[0],
                                "body": republished(articles[article_id]["body"], outlet, rng)})
        copies_folder = Path(scratch) / "copies"
        copies_folder.mkdir()
        (copies_folder / "copies.jsonl").write_text("".join(json.dumps(record) + "\n" for record in records))
        index_paths(store, [*reuters_files(), *wikinews, copies_folder], entities=False)
        index = NewsIndex(store.root)
        after = groups_of(index)
        by_url = {fields.get("url"): fields["id"] for fields in index.searcher()._searcher.all_stored_fields()}
        index.close()
    copy_text = {by_url[record["url"]]: record for record in records}
    origin = {by_url[f"https://copies.example/{copy_id}"]: original for copy_id, original in origin.items()}
    members = defaultdict(set)
    for article_id, group in after.items():
        members[group].add(article_id)
    grouped = sum(1 for copy_id, original in origin.items() if after[copy_id] == after[original])
    # Wrongly merged: a copy whose group holds an article that was not already grouped with its original.
    story_before = defaultdict(set)
    for article_id, group in before.items():
        story_before[group].add(article_id)
    wrong, merged_with = 0, []
    copies_of = defaultdict(set)
    for copy_id, original in origin.items():
        copies_of[original].add(copy_id)
    for copy_id, original in origin.items():
        # The story: its original, what was grouped with it before the copies came, and the copies of all those.
        told = story_before[before[original]]
        same_story = told | {copy for article_id in told for copy in copies_of[article_id]}
        if members[after[copy_id]] - same_story:
            wrong += 1
            merged_with.append((original, sorted(members[after[copy_id]] - same_story)))
    wiki_ids = {article_id for article_id in before if articles[article_id]["file"].endswith(".csv")}
    wiki_merged = sum(1 for group in story_before.values() if len(group) > 1 and group & wiki_ids)
    reuters_groups = [group for group in story_before.values() if len(group) > 1 and not group & wiki_ids]
    print(f"originals: {len(from_reuters)} Reuters, {len(from_wikinews)} Wikinews "
          f"(>= {options.min_paragraphs} paragraphs, >= {options.min_words} words); copies: {len(origin)}")
    print(f"copies grouped with their original: {grouped}/{len(origin)} = {grouped / len(origin):.3f}")
    print(f"copies in a group of another story (wrongly merged): {wrong}")
    print(f"Wikinews stories merged with another story: {wiki_merged}")
    print(f"Reuters' own groups of copies: {len(reuters_groups)}, holding "
          f"{sum(map(len, reuters_groups))} articles ({sum(map(len, reuters_groups)) - len(reuters_groups)} "
          "beyond the first of each)")
    sample = random.Random(1).sample(reuters_groups, min(40, len(reuters_groups)))
    out = ROOT / "bench" / "out" / "reuters-duplicates.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        for number, group in enumerate(sample, start=1):
            handle.write(f"=== group {number}: {len(group)} articles\n")
            for article_id in sorted(group):
                fields = articles[article_id]
                handle.write(f"--- {article_id} {fields.get('date')} {fields['title']}\n{fields['body'][:1500]}\n")
    print(f"a sample of {len(sample)} Reuters groups: {out}")
    merged_out = out.with_name("copies-merged.txt")
    with merged_out.open("w", encoding="utf-8") as handle:
        for original, others in merged_with:
            for article_id in [original, *others]:
                fields = articles.get(article_id) or copy_text[article_id]
                handle.write(f"--- {article_id} {fields.get('date')} {fields['title']}\n{fields['body'][:1200]}\n")
            handle.write("===\n")
    print(f"each copy's original and the other stories in its group: {merged_out}")


if __name__ == "__main__":
    main()
