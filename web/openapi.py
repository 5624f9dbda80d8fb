"""The OpenAPI 3.1 description of the JSON API, written as data next to the routes it describes."""
from __future__ import annotations

from search.model import SORTS

from .requests import API_MAX_PER_PAGE

_FILTERS = [
    ("q", "Query: words (AND), OR, NOT, \"phrases\", prefix*, field:value. Empty lists everything, newest first."),
    ("source", "Only this source; repeat to OR."), ("person", "Only articles naming this person; repeat to OR."),
    ("org", "Only articles naming this organisation; repeat to OR."),
    ("place", "Only articles naming this place; repeat to OR."),
    ("from", "From this date, inclusive: YYYY, YYYY-MM, YYYY-MM-DD, today, yesterday, or 7d, 2w, 3m, 1y "
             "(the last 7 days, 2 weeks, 3 months, 1 year, today included)."),
    ("to", "Up to this date, inclusive; the same forms as from."),
]


def _parameter(name: str, description: str, schema: dict | None = None) -> dict:
    repeated = name in ("source", "person", "org", "place")
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": {"type": "array", "items": {"type": "string"}} if repeated else (schema or {"type": "string"}),
            **({"explode": True} if repeated else {})}


_STRINGS = {"type": "array", "items": {"type": "string"}}
_FACET = {"type": "array", "items": {"type": "object", "required": ["value", "count"],
                                     "properties": {"value": {"type": "string"}, "count": {"type": "integer"}}}}
_ARTICLE_FIELDS = {
    "id": {"type": "string"}, "title": {"type": "string"},
    "date": {"type": ["string", "null"], "format": "date"}, "source": {"type": ["string", "null"]},
    "distributor": {"type": ["string", "null"]}, "url": {"type": ["string", "null"]}, "path": {"type": "string"},
    "people": _STRINGS, "orgs": _STRINGS, "places": _STRINGS,
}
_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


_ERROR = _error("A bad parameter or query, or an unknown article")


def _json(schema: str, description: str = "OK") -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


SPEC = {
    "openapi": "3.1.0",
    "info": {"title": "news-search", "version": "1",
             "description": "Full-text, faceted search over news articles, with exports. Articles can be added "
                            "and removed with an API token (`news-search token create NAME`); all else is read only."},
    "paths": {
        "/api/search": {"get": {
            "summary": "Search articles, with exact facet counts over all matches",
            "parameters": [_parameter(name, text) for name, text in _FILTERS] + [
                _parameter("sort", "Order of hits.", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
                _parameter("page", "Page of hits.", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1}),
                _parameter("per_page", "Hits per page.",
                           {"type": "integer", "minimum": 1, "maximum": API_MAX_PER_PAGE, "default": 10}),
                _parameter("facet_size", "Values listed per facet.",
                           {"type": "integer", "minimum": 1, "maximum": 1000, "default": 10}),
                _parameter("feedback", "1: re-rank by the words of the ten best matches (same matches).",
                           {"type": "integer", "enum": [0, 1], "default": 0}),
                _parameter("collapse", "1: one hit per group of copies of a story; `total` still counts articles.",
                           {"type": "integer", "enum": [0, 1], "default": 0}),
            ],
            "responses": {"200": _json("SearchResult"), "400": _ERROR, "503": _ERROR},
        }},
        "/api/articles": {"post": {
            "summary": "Add or replace articles: one JSON object, or JSON Lines (at most 1,000 articles, 10 MB). "
                       "202 once they are on disk; searchable within seconds. The same id replaces an article.",
            "security": [{"token": []}],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/NewArticle"}},
                "application/x-ndjson": {"schema": {"type": "string", "description": "One NewArticle per line."}}}},
            "responses": {"202": _json("Accepted", "Accepted"),
                          "400": _error("A bad line (named), or a missing title or body: nothing is kept"),
                          "401": _error("No valid token"), "413": _error("Over 10 MB or 1,000 articles")},
        }},
        "/api/articles/{id}": {"get": {
            "summary": "One article with its full text",
            "parameters": [_ID],
            "responses": {"200": _json("Article"), "404": _ERROR, "503": _ERROR},
        }, "delete": {
            "summary": "Remove an article that was added over HTTP (202; gone from searches within seconds)",
            "security": [{"token": []}],
            "parameters": [_ID],
            "responses": {"202": {"description": "Accepted: `{\"deleted\": id}`"}, "401": _error("No valid token"),
                          "404": _error("No article added over HTTP has this id")},
        }},
        "/api/articles/{id}/related": {"get": {
            "summary": "The articles most about the same story or subject, best first; never the article or its copies",
            "parameters": [_ID,
                           _parameter("limit", "How many.", {"type": "integer", "minimum": 1, "maximum": 50,
                                                             "default": 5})],
            "responses": {"200": _json("Related"), "400": _ERROR, "404": _ERROR, "503": _ERROR},
        }},
        "/api/export": {"get": {
            "summary": "Every match of a search, in its order, streamed as JSON Lines or CSV (the hit fields "
                       "without snippet; CSV lists joined by '; ')",
            "parameters": [_parameter(name, text) for name, text in _FILTERS] + [
                _parameter("sort", "Order of articles.",
                           {"type": "string", "enum": list(SORTS), "default": "relevance"}),
                _parameter("format", "jsonl or csv.", {"type": "string", "enum": ["jsonl", "csv"],
                                                       "default": "jsonl"}),
                _parameter("body", "1: add each article's text.", {"type": "integer", "enum": [0, 1], "default": 0}),
                _parameter("collapse", "1: one article per story.", {"type": "integer", "enum": [0, 1], "default": 0}),
            ],
            "responses": {"200": {"description": "The articles; the header X-Total-Count says how many.",
                                  "content": {"application/x-ndjson": {}, "text/csv": {}}},
                          "400": _ERROR, "503": _ERROR},
        }},
        "/api/stats": {"get": {"summary": "Counts and dates of the index",
                               "responses": {"200": _json("Stats"), "503": _ERROR}}},
    },
    "components": {"schemas": {
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}},
        "Hit": {"type": "object", "required": [*_ARTICLE_FIELDS, "score", "snippet", "copies", "copy_sources"],
                "properties": {
            **_ARTICLE_FIELDS, "score": {"type": ["number", "null"]},
            "snippet": {"type": "string", "description": "HTML: everything escaped except <mark> and </mark>."},
            "copies": {"type": "integer", "description": "Other indexed articles that are copies of this story."},
            "copy_sources": {**_STRINGS, "description": "Their sources, each once."}}},
        "Article": {"type": "object", "required": [*_ARTICLE_FIELDS, "body"], "properties": {
            **_ARTICLE_FIELDS, "body": {"type": "string", "description": "Paragraphs separated by a blank line."},
            "labels": {"type": "object", "additionalProperties": _STRINGS}}},
        "SearchResult": {"type": "object",
                         "required": ["query", "total", "page", "per_page", "hits", "facets", "groups",
                                      "suggestion"],
                         "properties": {
            "query": {"type": "string"}, "total": {"type": "integer"}, "page": {"type": "integer"},
            "groups": {"type": "integer", "description": "Groups of copies among the matches (stories)."},
            "suggestion": {"type": ["string", "null"], "description": "The query with misspelt words corrected."},
            "per_page": {"type": "integer"}, "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {"type": "object", "required": ["source", "people", "orgs", "places", "month"],
                       "properties": {name: _FACET for name in ("source", "people", "orgs", "places", "month")}}}},
        "Related": {"type": "object", "required": ["id", "hits"], "properties": {
            "id": {"type": "string"}, "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}}}},
        "Stats": {"type": "object", "required": ["articles", "first_date", "last_date", "sources", "index_bytes",
                                                 "last_indexed"], "properties": {
            "articles": {"type": "integer"}, "first_date": {"type": ["string", "null"]},
            "last_date": {"type": ["string", "null"]}, "sources": {"type": "integer"},
            "index_bytes": {"type": "integer"}, "last_indexed": {"type": ["string", "null"]},
            "files": {"type": "integer"},
            "posted_articles": {"type": "integer", "description": "Indexed articles that came in over HTTP."},
            "inbox_batches": {"type": "integer", "description": "Batches posted and not yet indexed."}}},
        "NewArticle": {"type": "object", "required": ["title", "body"], "properties": {
            "id": {"type": "string", "description": "Names the article: posting it again replaces it. Default: "
                                                    "the url, else a new id."},
            "title": {"type": "string"}, "body": {"type": "string", "description": "Paragraphs: blank-line separated."},
            "date": {"type": "string", "description": "YYYY-MM-DD or an ISO 8601 timestamp."},
            "source": {"type": "string"}, "distributor": {"type": "string"}, "url": {"type": "string"}}},
        "Accepted": {"type": "object", "required": ["accepted", "ids"], "properties": {
            "accepted": {"type": "integer"}, "ids": {**_STRINGS, "description": "The articles' ids, in order."}}},
    }, "securitySchemes": {"token": {"type": "http", "scheme": "bearer",
                                     "description": "A token made by `news-search token create NAME`."}}},
}
