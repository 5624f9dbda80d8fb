"""Entities: the people, organisations and places of each article, as facet values.

A pipeline of small steps: `model` finds mentions (spaCy NER), `gazetteer` adds
known places the model missed, `cache` keeps mentions by text hash,
`normalise` turns mentions into clean names, `aliases` maps variants to one
canonical name. `EntityExtractor` runs them over batches of articles, with the
model in worker processes when there is more than one job.
"""
from .aliases import DEFAULT_ALIASES, Aliases
from .extractor import EntityExtractor, KeepEntities, entity_fingerprint, entity_text

__all__ = ["DEFAULT_ALIASES", "Aliases", "EntityExtractor", "KeepEntities", "entity_fingerprint", "entity_text"]
