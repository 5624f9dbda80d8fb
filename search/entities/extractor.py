"""Running the entity pipeline over batches of articles, with cached mentions and parallel NER."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Generic, TypeVar

from ..article import Article
from ..processes import start_worker
from .aliases import Aliases
from .cache import MentionCache
from .gazetteer import missed_places, retype_places, strip_leading_regions
from .language import is_english
from .model import Mention, find_mentions, installed_model, load_model
from .normalise import Entities, normalise_mentions, settle

# Bump when the rules in normalise.py or gazetteer.py change what an article's entities are.
RULES_VERSION = 7
CHUNK_ARTICLES = 128
ROW_DIGIT_SHARE, SHORT_ROW_DIGIT_SHARE, SHORT_ROW_WORDS = 0.3, 0.2, 12

_DIGIT = re.compile(r"\d")

Tag = TypeVar("Tag")


def entity_text(article: Article) -> str:
    """The text names are read from: the body's prose, and the title unless it is in capitals or opens the body;
    nothing when the article is not in English (the model is English, and finds junk in other languages).

    Credit lines, bylines and datelines are not in the body, so they are never entity
    sources; nor are table rows ("Revs 12.5 mln vs 10.1 mln"), whose headings the model
    takes for names.
    """
    prose = "\n\n".join(part for part in article.body.split("\n\n") if not is_table_row(part))
    if not is_english(article, prose):
        return ""
    title = article.title.strip()
    if not title or title.isupper() or article.body.startswith(title.rstrip("…")):
        return prose
    return f"{title}\n\n{prose}"


def is_table_row(paragraph: str) -> bool:
    """A paragraph of figures rather than prose: 30% or more of its words hold digits
    (20% in a line of under 12 words, such as "Avg shrs 48.3 mln vs 45.8 mln")."""
    words = paragraph.split()
    share = SHORT_ROW_DIGIT_SHARE if len(words) < SHORT_ROW_WORDS else ROW_DIGIT_SHARE
    return sum(1 for word in words if _DIGIT.search(word)) >= share * len(words)


def entity_fingerprint(aliases: Aliases) -> str:
    """Changes whenever the same text could get different entities: model, rules or aliases."""
    return f"{installed_model()}/rules-{RULES_VERSION}/aliases-{aliases.fingerprint}"


def text_key(model: str, text: str) -> str:
    return f"{model}:{hashlib.blake2b(text.encode('utf-8', 'surrogatepass'), digest_size=16).hexdigest()}"


def _worker_mentions(texts: list[str]) -> list[list[Mention]]:
    """In a worker process: the model's mentions."""
    return find_mentions(load_model(), texts)


class EntityExtractor(Generic[Tag]):
    """Gives articles their people, orgs and places. Use as a context manager (it may hold processes)."""

    def __init__(self, cache_path: Path, aliases: Aliases, jobs: int = 1) -> None:
        self.cache = MentionCache(cache_path)
        self.aliases = aliases
        self.jobs = jobs
        self.model = installed_model()
        self._pool: ProcessPoolExecutor | None = None  # started at the first text the cache lacks

    @property
    def fingerprint(self) -> str:
        return entity_fingerprint(self.aliases)

    def __enter__(self) -> EntityExtractor[Tag]:
        return self

    def __exit__(self, *exc_info) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self.cache.close()

    def enrich(self, articles: list[Article]) -> list[Article]:
        """The articles with their entities filled in."""
        return next(self.enrich_batches([(None, articles)]))[1]

    def enrich_batches(self, batches: Iterable[tuple[Tag, list[Article]]]) -> Iterator[tuple[Tag, list[Article]]]:
        """Each batch back with entities, in order; NER for later batches runs while earlier ones are used."""
        pending: deque = deque()
        for tag, articles in batches:
            pending.append((tag, articles, self._start(articles)))
            while len(pending) > 2 * self.jobs:
                yield self._finish(*pending.popleft())
        while pending:
            yield self._finish(*pending.popleft())

    def _start(self, articles: list[Article]) -> tuple[list[str], list[str], dict, list]:
        texts = [entity_text(article) for article in articles]
        keys = [text_key(self.model, text) for text in texts]
        known = self.cache.get_many(list(set(keys)))
        missing = sorted({key: text for key, text in zip(keys, texts, strict=True) if key not in known}.items())
        jobs = []
        for offset in range(0, len(missing), CHUNK_ARTICLES):
            chunk = missing[offset:offset + CHUNK_ARTICLES]
            chunk_texts = [text for _, text in chunk]
            if self.jobs <= 1:
                result: Future | list = find_mentions(load_model(), chunk_texts)
            else:
                if self._pool is None:
                    self._pool = ProcessPoolExecutor(max_workers=self.jobs, initializer=start_worker,
                                                     initargs=(os.getpid(),))
                result = self._pool.submit(_worker_mentions, chunk_texts)
            jobs.append(([key for key, _ in chunk], result))
        return texts, keys, known, jobs

    def _finish(self, tag: Tag, articles: list[Article], started) -> tuple[Tag, list[Article]]:
        texts, keys, known, jobs = started
        found = {}
        for chunk_keys, result in jobs:
            found.update(zip(chunk_keys, result.result() if isinstance(result, Future) else result, strict=True))
        if found:
            self.cache.put_many(found)
        known.update(found)
        entities = (entities_from_mentions(text, known[key], self.aliases) for text, key in zip(texts, keys, strict=True))
        return tag, [dataclasses.replace(article, **dataclasses.asdict(found_entities))
                     for article, found_entities in zip(articles, entities, strict=True)]


class KeepEntities(Generic[Tag]):
    """Stands in for EntityExtractor when indexing without entities: articles keep
    the entities their files name, and the fingerprint asks the next run with
    entities to derive them for every article."""

    fingerprint = "none"

    def __enter__(self) -> KeepEntities[Tag]:
        return self

    def __exit__(self, *exc_info) -> None:
        pass

    def enrich_batches(self, batches: Iterable[tuple[Tag, list[Article]]]) -> Iterator[tuple[Tag, list[Article]]]:
        return iter(batches)


def entities_from_mentions(text: str, mentions: list[Mention], aliases: Aliases, *, gazetteer: bool = True) -> Entities:
    """The pipeline after the model: gazetteer gaps, normalisation, aliases, one kind and spelling per name."""
    if gazetteer:
        mentions = sorted(mentions + missed_places(text, mentions), key=lambda mention: mention.start)
    named = normalise_mentions(text, mentions)
    if gazetteer:
        named = retype_places(strip_leading_regions(named))
    # No person's name holds a place abbreviation: "72 billion U.S. Dlrs" is money, not a man.
    named = [(name, kind) for name, kind in named if kind != "people" or not aliases.names_place_abbreviation(name)]
    return settle(aliases.apply(named))
