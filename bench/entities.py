"""Score entity extraction, raw model against our pipeline, on two gold sets split in halves.

    python -m bench.entities [--no-gazetteer]

The gold sets: the CoNLL-2003 development set (eng.testa; half A its even-numbered
documents, half B the odd ones) and 40 Wikinews articles annotated for this project
(`bench/gold/`, halves A and B as marked there). Rules are developed on the A
halves; the B halves are the figures that count.

(a) mentions: precision, recall and F1 on exact character spans, per type
    (PER, ORG, LOC) and overall, over all sentences.
(b) facets: per document, the set of (type, name) values against the gold set,
    micro-averaged over documents, on running-prose sentences only (dropped:
    fewer than 10 tokens, 15% or more tokens with digits, or over half the
    words in capitals). Names are compared case-folded, without a leading
    "the" or a possessive; in the gold set a company name with a legal suffix beside
    its bare name (`Lear Corp`, `Lear`) is one name, and a lone surname or first name of
    exactly one full name in the document counts as that full name (one entity, one value). The alias file maps names on
    both sides, since it only chooses how a name is spelled.
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from search.entities import DEFAULT_ALIASES, Aliases, entity_text
from search.entities.across import names_across
from search.entities.extractor import entities_from_mentions
from search.entities.gazetteer import missed_places
from search.entities.model import Mention, find_mentions, load_model
from search.entities.normalise import strip_leading_the, strip_possessive
from search.reading import read_file
from search.scanning import find_files

from .common import CORPORA

CONLL = CORPORA / "conll2003-dev" / "eng.testa"
WIKINEWS = CORPORA / "wikinews-2019-2020"
WIKINEWS_GOLD = Path(__file__).with_name("gold") / "wikinews-entities.json"
TYPES = ("PER", "ORG", "LOC")
_GOLD_SUFFIX = re.compile(r",?\s+(?:Corp|Corporation|Inc|Co|Ltd|plc|PLC|LLC|AG|SA|NV)\.?$")
MODEL_TYPES = {"PERSON": "PER", "ORG": "ORG", "GPE": "LOC", "LOC": "LOC", "FAC": "LOC"}
KIND_TYPES = {"people": "PER", "orgs": "ORG", "places": "LOC"}
TYPE_KINDS = {kind_type: kind for kind, kind_type in KIND_TYPES.items()}


@dataclass
class Sentence:
    tokens: list[str]
    tags: list[str]

    def is_prose(self) -> bool:
        words = [t for t in self.tokens if any(ch.isalpha() for ch in t)]
        digits = sum(any(ch.isdigit() for ch in t) for t in self.tokens)
        capitals = sum(t.isupper() for t in words)
        return len(self.tokens) >= 10 and digits < 0.15 * len(self.tokens) and capitals <= len(words) / 2


def read_conll(path: Path) -> list[list[Sentence]]:
    documents: list[list[Sentence]] = [[]]
    sentence = Sentence([], [])
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if line.startswith("-DOCSTART-"):
            if documents[-1]:
                documents.append([])
        elif not line.strip():
            if sentence.tokens:
                documents[-1].append(sentence)
            sentence = Sentence([], [])
        else:
            token, _, _, tag = line.split()
            sentence.tokens.append(token)
            sentence.tags.append(tag)
    return documents


def layout(sentences: list[Sentence]) -> tuple[str, set[tuple[int, int, str]]]:
    """The sentences as text (tokens joined by spaces, one sentence a line) and the gold spans."""
    parts, gold, offset = [], set(), 0
    for sentence in sentences:
        starts = []
        for token in sentence.tokens:
            starts.append(offset)
            offset += len(token) + 1
        parts.append(" ".join(sentence.tokens))
        current = None
        for i, (token, tag) in enumerate(zip(sentence.tokens, sentence.tags, strict=True)):
            kind = tag[2:] if tag != "O" else None
            if current and (kind != current[2] or tag.startswith("B-")):
                gold.add(tuple(current))
                current = None
            if kind and current is None:
                current = [starts[i], starts[i] + len(token), kind]
            elif kind:
                current[1] = starts[i] + len(token)
        if current:
            gold.add(tuple(current))
    return "\n".join(parts), {g for g in gold if g[2] in TYPES}


def model_spans(mentions: list[Mention]) -> set[tuple[int, int, str]]:
    return {(m.start, m.end, MODEL_TYPES[m.label]) for m in mentions if m.label in MODEL_TYPES}


def prf(true_positive: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = true_positive / predicted if predicted else 0.0
    recall = true_positive / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def comparable(name: str) -> str:
    return strip_leading_the(strip_possessive(name.replace("’", "'"))).casefold()


def gold_companies(orgs: list[str]) -> dict[str, str]:
    """The gold rule for companies: a name that is another of the document's names plus a legal
    suffix is that name (`Lear Corp` beside `Lear`)."""
    names = {name.casefold(): name for name in orgs}
    merged = {}
    for name in orgs:
        bare = _GOLD_SUFFIX.sub("", name)
        if bare != name and bare.casefold() in names:
            merged[name] = names[bare.casefold()]
    return merged


def gold_surnames(people: list[str]) -> dict[str, str]:
    """The gold rule, kept apart from the code under test: a lone name that is the last or the first
    word of exactly one full name is that person (`Seles` or `Monica` beside `Monica Seles`)."""
    full_names = {name for name in people if " " in name}
    merged = {}
    for name in people:
        if " " in name:
            continue
        owners = {full for full in full_names if name.casefold() in (full.split()[-1].casefold(),
                                                                     full.split()[0].casefold())}
        if len(owners) == 1:
            merged[name] = owners.pop()
    return merged


def facet_set(named: list[tuple[str, str]], aliases: Aliases, surnames: bool) -> set[tuple[str, str]]:
    """(type, comparable name) values; with `surnames`, lone surnames become their one full name."""
    named = aliases.apply([(strip_leading_the(strip_possessive(n)), k) for n, k in named])
    if surnames:
        merged = gold_surnames([name for name, kind in named if kind == "people"])
        merged |= gold_companies([name for name, kind in named if kind == "orgs"])
        named = [(merged.get(name, name), kind) for name, kind in named]
    return {(KIND_TYPES[kind], comparable(name)) for name, kind in named}


def conll_facets(documents: list[list[Sentence]], nlp, aliases: Aliases, gazetteer: bool) -> list[Scored]:
    """Each CoNLL document's gold, raw-model and pipeline facet values (prose sentences only)."""
    found = []
    for number, sentences in enumerate(documents):
        prose = [sentence for sentence in sentences if sentence.is_prose()]
        if not prose:
            continue
        text, gold = layout(prose)
        expected = facet_set([(text[s:e], TYPE_KINDS[t]) for s, e, t in sorted(gold)], aliases, surnames=True)
        mentions = find_mentions(nlp, [text])[0]
        entities = entities_from_mentions(text, mentions, aliases, gazetteer=gazetteer)
        gold_entities = [frozenset({name}) for name in expected]
        found.append(Scored("A" if number % 2 == 0 else "B", gold_entities, raw_values(text, mentions),
                            asdict(entities)))
    return found


def wikinews_facets(nlp, aliases: Aliases, gazetteer: bool) -> list[Scored]:
    """Each gold Wikinews article's gold entities, raw-model and pipeline facet values."""
    gold = json.loads(WIKINEWS_GOLD.read_text(encoding="utf-8"))["articles"]
    by_url = {}
    for file in find_files([WIKINEWS], [], []):
        by_url.update((article.url, article) for article in read_file(file).articles)
    found = []
    for entry in gold:
        article = by_url[entry["url"]]
        text = entity_text(article)
        mentions = find_mentions(nlp, [text])[0]
        entities = entities_from_mentions(text, mentions, aliases, gazetteer=gazetteer)
        gold_entities = [frozenset(facet_set([(spelling, kind) for spelling in (name, *variants)], aliases,
                                             surnames=False))
                         for kind in KIND_TYPES for name, variants in entry[kind].items()]
        found.append(Scored(entry["half"], gold_entities, raw_values(text, mentions), asdict(entities)))
    return found


@dataclass
class Scored:
    """One document: its half, its gold entities (each a set of acceptable (type, name) values),
    the raw model's values and the pipeline's own entities (before naming across the set)."""

    half: str
    gold: list[frozenset[tuple[str, str]]]
    raw: set[tuple[str, str]]
    own: dict[str, tuple[str, ...]]


def raw_values(text: str, mentions: list[Mention]) -> set[tuple[str, str]]:
    return facet_set([(text[m.start:m.end], TYPE_KINDS[MODEL_TYPES[m.label]])
                      for m in mentions if m.label in MODEL_TYPES], Aliases.none(), surnames=False)


def matched(gold: list[frozenset[tuple[str, str]]], predicted: set[tuple[str, str]]) -> int:
    """How many predicted values name a gold entity, each entity matched once."""
    left = list(gold)
    hits = 0
    for value in sorted(predicted):
        for number, names in enumerate(left):
            if value in names:
                hits += 1
                del left[number]
                break
    return hits


def score(documents: list[Scored], aliases: Aliases) -> dict[tuple[str, str], tuple[float, float, float]]:
    """(half, "raw" or "ours") → precision, recall, F1 over the documents, micro-averaged."""
    names = names_across((document.own for document in documents), aliases)
    spelled = {(KIND_TYPES[kind], comparable(key)): (KIND_TYPES[kind], comparable(name))
               for kind, table in names.spellings(Aliases.none()).items() for key, name in table.items()}
    counts: dict[tuple[str, str], Counter] = {}
    for document in documents:
        shown = names.apply(document.own)
        ours = {(KIND_TYPES[kind], comparable(name)) for kind in KIND_TYPES for name in shown[kind]}
        # A gold name the index spells as another (Exxon Corp as Exxon) may be found under that spelling.
        gold = [names_of | {spelled[value] for value in names_of if value in spelled} for names_of in document.gold]
        for system, predicted in (("raw", document.raw), ("ours", ours)):
            counter = counts.setdefault((document.half, system), Counter())
            counter.update(tp=matched(gold, predicted), pred=len(predicted), gold=len(gold))
    return {key: prf(c["tp"], c["pred"], c["gold"]) for key, c in sorted(counts.items())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-gazetteer", action="store_true", help="Score the pipeline without the place list.")
    options = parser.parse_args()
    use_gazetteer = not options.no_gazetteer

    documents = read_conll(CONLL)
    nlp = load_model()
    aliases = Aliases.load(DEFAULT_ALIASES)
    span_counts = {name: Counter() for name in ("raw", "ours")}
    gold_counts = Counter()
    for sentences in documents:
        text, gold = layout(sentences)
        mentions = find_mentions(nlp, [text])[0]
        ours = mentions + (missed_places(text, mentions) if use_gazetteer else [])
        gold_counts.update(kind for _, _, kind in gold)
        for name, found in (("raw", model_spans(mentions)), ("ours", model_spans(ours))):
            for kind in TYPES:
                predicted = {span for span in found if span[2] == kind}
                span_counts[name][kind, "tp"] += len(predicted & {span for span in gold if span[2] == kind})
                span_counts[name][kind, "pred"] += len(predicted)

    print(f"CoNLL-2003 dev: {len(documents)} documents{'' if use_gazetteer else ' (pipeline without gazetteer)'}\n")
    print("(a) mentions, exact spans           raw model                    our pipeline")
    for kind in (*TYPES, "all"):
        kinds = TYPES if kind == "all" else (kind,)
        row = [prf(sum(span_counts[name][k, "tp"] for k in kinds), sum(span_counts[name][k, "pred"] for k in kinds),
                   sum(gold_counts[k] for k in kinds)) for name in ("raw", "ours")]
        print(f"    {kind:<5}  " + "     ".join(f"P {p:.3f} R {r:.3f} F1 {f:.3f}" for p, r, f in row))

    print("\n(b, c) facet values per document        raw model                   our pipeline")
    for label, scored in (("CoNLL dev", conll_facets(documents, nlp, aliases, use_gazetteer)),
                          ("Wikinews gold", wikinews_facets(nlp, aliases, use_gazetteer))):
        figures = score(scored, aliases)
        for half in ("A", "B"):
            row = "     ".join("P {:.3f} R {:.3f} F1 {:.3f}".format(*figures[half, system]) for system in ("raw", "ours"))
            print(f"    {label + ' ' + half:<16}  {row}")


if __name__ == "__main__":
    main()
