"""Per-segment column files (search/index/columns.py): written at commit, same answers as the columns."""
from __future__ import annotations

import json

import pytest

from search import NewsIndex, SearchRequest, index_paths
from search.index.columns import SUFFIX, Columns

from .conftest import oil_stories, write_jsonl


def column_files(store) -> list:
    return sorted(store.current_generation().glob(f"*{SUFFIX}"))


def segment_ids(store) -> list[str]:
    with store.open().reader() as reader:
        return sorted(leaf.segment().segment_id() for leaf, _ in reader.leaf_readers())


def facets_and_dates(store) -> tuple:
    index = NewsIndex(store.root)
    request = SearchRequest.from_text(query="oil", sort="newest", per_page=50, date_from="2024-02")
    result = index.search(request)
    index.close()
    return result.total, [hit.id for hit in result.hits], result.facets


def test_every_segment_gets_a_column_file_and_merged_ones_lose_theirs(store, articles_dir):
    """And each commit gets one file of the whole index, replacing the previous commit's."""
    for part in range(12):
        write_jsonl(articles_dir / f"part{part}.jsonl", oil_stories(3 + part))
        index_paths(store, [articles_dir])
        with store.open().reader() as reader:
            whole = f"whole-index-{reader.generation()}"
        assert [path.name.removesuffix(SUFFIX) for path in column_files(store)] == sorted([*segment_ids(store), whole])
    assert len(segment_ids(store)) < 12  # Whoosh merged small segments, and removed their files


def test_the_whole_index_file_holds_what_the_segments_hold(store, articles_dir):
    for part in range(3):
        write_jsonl(articles_dir / f"part{part}.jsonl", oil_stories(4 + part))
        index_paths(store, [articles_dir])
    with store.open().reader() as reader:
        whole = Columns.of_reader(reader, store.current_generation())
        parts = Columns.of_segments(reader, store.current_generation())
        assert whole.ids.tolist() == parts.ids.tolist() and len(set(whole.ids.tolist())) == reader.doc_count_all()
        assert whole.days.tolist() == parts.days.tolist()
        for facet in whole.facets:
            assert whole.facet(facet).names == parts.facet(facet).names
            assert whole.facet(facet).value_ids.tolist() == parts.facet(facet).value_ids.tolist()


def test_answers_are_the_same_with_and_without_the_files(store, articles_dir):
    write_jsonl(articles_dir / "a.jsonl", oil_stories(9))
    index_paths(store, [articles_dir])
    write_jsonl(articles_dir / "b.jsonl", [{**story, "id": f"b{n}"} for n, story in enumerate(oil_stories(5))])
    index_paths(store, [articles_dir])
    with_files = facets_and_dates(store)
    for path in column_files(store):
        path.unlink()
    assert facets_and_dates(store) == with_files
    assert with_files[0] == 9


def test_a_damaged_file_is_ignored(store, articles_dir):
    write_jsonl(articles_dir / "a.jsonl", oil_stories(9))
    index_paths(store, [articles_dir])
    expected = facets_and_dates(store)
    for path in column_files(store):
        path.write_bytes(b"not a numpy file")
    assert facets_and_dates(store) == expected


@pytest.mark.parametrize("damage", ["deep header", "huge count", "wide days", "text days", "short offsets",
                                    "object dtype", "reversed offsets"])
def test_a_column_file_that_does_not_hold_what_it_should_is_ignored(store, articles_dir, damage):
    """Whatever a damaged or hand-made whole-index file says, searches answer as from Whoosh's columns."""
    write_jsonl(articles_dir / "a.jsonl", oil_stories(9))
    index_paths(store, [articles_dir])
    expected = facets_and_dates(store)
    whole, = store.current_generation().glob("whole-index-*.columns")
    data = whole.read_bytes()
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    if damage == "deep header":
        head = b"[" * 100_000
    else:
        change = {"huge count": ("days", 1, 10 ** 400), "wide days": ("days", 0, "<i8"),
                  "text days": ("days", 0, "<U1"), "short offsets": ("source.offsets", 1, 1),
                  "object dtype": ("ids", 0, "|O"), "reversed offsets": None}[damage]
        if change:
            name, place, value = change
            header[name][place] = value
        head = json.dumps(header).encode()
    body = data[8 + size:]
    if damage == "reversed offsets":
        dtype, length, offset = header["source.offsets"]
        body = body[:offset] + body[offset:offset + 8 * length][::-1] + body[offset + 8 * length:]
    head += b" " * (-len(head) % 8)
    whole.write_bytes(len(head).to_bytes(8, "little") + head + body)
    assert facets_and_dates(store) == expected
