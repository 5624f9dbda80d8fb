"""Copies of one story (search/copies.py): grouped at index time, shown per hit, collapsed on request."""
from __future__ import annotations

import itertools
import random

import numpy as np

from search import NewsIndex, SearchRequest
from search.copies import find_groups, signature

from .conftest import SEED_FILE

SEED_BODY = SEED_FILE.read_text(encoding="utf-8").split("\n", 1)[1].strip()
PARAGRAPHS = [paragraph for paragraph in SEED_BODY.split("\n\n") if paragraph.strip()]


def syndicated(outlet: str, footer: str, swaps: dict[str, str]) -> str:
    """The seed as another outlet runs it: its own header and footer, the last paragraph cut, a few words changed."""
    body = "\n\n".join(PARAGRAPHS[:-1])
    for old, new in swaps.items():
        body = body.replace(old, new, 1)
    return f"({outlet}) Image credit: wire photo.\n\n{body}\n\n{footer}"


DISTINCT = [
    ("rice", "Rice farmers in the delta planted early this year after the monsoon arrived two weeks ahead of "
             "the usual date, and the agriculture ministry expects a record harvest if prices hold."),
    ("port", "The port authority opened a third container terminal on Monday, which it says will double the "
             "number of ships it can unload each week and cut waiting times for freight lines."),
]


def story(article_id: str, title: str, body: str, source: str, date: str = "2024-10-19") -> dict:
    return {"id": article_id, "title": title, "date": date, "source": source, "body": body}


def newsroom_records() -> list[dict]:
    return [
        story("original", "North Korea sends troops to Russia", SEED_BODY, "Khaama Press"),
        story("copy-1", "Seoul says Pyongyang troops are in Russia's Far East",
              syndicated("Harbour Daily", "This wire story is republished under licence; the publisher takes no "
                                          "responsibility for its contents.", {"Friday": "Thursday",
                                                                               "1,500": "1,400"}),
              "Harbour Daily", "2024-10-20"),
        *[story(name, f"A story about the {name}", body, "Valley Post") for name, body in DISTINCT],
    ]


def number_sets(signatures) -> np.ndarray:
    return np.array([found.numbers for found in signatures])


def copies_by_id(index: NewsIndex) -> dict[str, int]:
    return {hit.id: hit.copies for hit in index.search(SearchRequest(per_page=100)).hits}


def test_syndicated_copies_are_grouped_and_shown_with_their_sources(index_records):
    index = index_records(newsroom_records())
    result = index.search(SearchRequest(query="North Korea troops"))
    assert result.total == 2 and result.groups == 1
    assert {hit.copies for hit in result.hits} == {1}
    assert [hit.copy_sources for hit in result.hits if hit.source == "Khaama Press"] == [["Harbour Daily"]]
    collapsed = index.search(SearchRequest(query="North Korea troops", collapse=True))
    assert (collapsed.total, collapsed.groups, len(collapsed.hits)) == (2, 1, 1)
    assert collapsed.hits[0].id == result.hits[0].id  # the best-placed copy stands for the story
    everything = index.search(SearchRequest(collapse=True))
    assert (everything.total, everything.groups, len(everything.hits), everything.page_count) == (4, 3, 3, 1)
    original = next(hit for hit in result.hits if hit.source == "Khaama Press")
    assert [hit.source for hit in index.copies(original.id)] == ["Harbour Daily"]


def test_copies_join_leave_and_change_group_as_articles_come_and_go(index_records):
    records = newsroom_records()
    original, copy, *others = records
    index = index_records([original, *others])
    assert set(copies_by_id(index).values()) == {0}
    index = index_records(records)  # the copy arrives later: it joins the original's group
    assert sorted(copies_by_id(index).values()) == [0, 0, 1, 1]
    index = index_records([copy, *others])  # the original is removed: the copy is alone again
    assert set(copies_by_id(index).values()) == {0}
    changed = dict(original, body=DISTINCT[0][1] + " It was a good year for farmers.")
    index = index_records([changed, copy, *others])  # the original now tells another story: not a copy
    counts = copies_by_id(index)
    assert sorted(counts.values()) == [0, 0, 1, 1]  # ... but of the rice story
    assert index.search(SearchRequest(query="North Korea troops")).hits[0].copies == 0


def test_one_outlets_boilerplate_does_not_make_its_stories_copies():
    footer = ("Valley Post republishes this report under a licence from its original publisher and accepts no "
              "responsibility for its accuracy or completeness. Subscribe to our morning newsletter for the stories "
              "that matter in the valley, and write to the editors with corrections or complaints at any time.")
    bodies = [f"{DISTINCT[0][1]}\n\n{footer}", f"{DISTINCT[1][1]}\n\n{footer}"]
    signatures = [signature(body) for body in bodies]
    values = np.array([found.values for found in signatures])
    counts = np.array([found.shingles for found in signatures])
    same_outlet = np.array([[0, -1], [0, -1]])
    assert list(find_groups(values, counts, number_sets(signatures), same_outlet, np.arange(2))) == [0, 1]


def test_groups_do_not_depend_on_the_order_articles_arrive_in():
    bodies = [SEED_BODY, syndicated("A", "Footer of A, republished.", {}),
              syndicated("B", "B's footer.", {"NIS": "spy agency"}), DISTINCT[0][1], DISTINCT[1][1]]
    signatures = [signature(body) for body in bodies]
    values = np.array([found.values for found in signatures])
    counts = np.array([found.shingles for found in signatures])
    outlets = np.array([[number, -1] for number in range(len(bodies))])
    order = np.arange(len(bodies))
    groups = find_groups(values, counts, number_sets(signatures), outlets, order)
    assert groups[0] == groups[1] == groups[2] and len(set(groups.tolist())) == 3
    for permutation in ([4, 3, 2, 1, 0], [2, 0, 4, 1, 3]):
        shuffled = find_groups(values, counts, number_sets(signatures), outlets, np.array(permutation))
        same = [[shuffled[a] == shuffled[b] for b in range(5)] for a in range(5)]
        assert same == [[groups[a] == groups[b] for b in range(5)] for a in range(5)]


def test_a_story_copied_a_thousand_times_is_one_group_and_quick():
    base = " ".join(PARAGRAPHS)
    bodies = [f"CITY {number} (Outlet {number}) - {base}" for number in range(1000)]
    signatures = [signature(body) for body in bodies]
    values = np.array([found.values for found in signatures])
    counts = np.array([found.shingles for found in signatures])
    outlets = np.array([[number, -1] for number in range(len(bodies))])
    assert len(set(find_groups(values, counts, number_sets(signatures), outlets, np.arange(len(bodies))).tolist())) == 1


def test_hits_name_at_most_twenty_sources_of_their_copies(index_records):
    copies = [story(f"c{number}", f"Copy {number}", SEED_BODY, f"Outlet {number:02d}") for number in range(30)]
    index = index_records(copies)
    hit = index.search(SearchRequest(query="intelligence", per_page=1)).hits[0]
    assert hit.copies == 29 and len(hit.copy_sources) == 20


def test_an_index_written_before_signatures_gets_its_groups_at_the_next_run(index_records, store):
    from search.index import columns

    records = newsroom_records()
    index_records(records)
    generation = store.current_generation()
    with store.open(generation).reader() as reader:  # as the previous version left it: no signatures, no groups
        for leaf, name in columns._segments(reader):
            path = generation / f"{name}{columns.SUFFIX}"
            old = columns._load(path, leaf.doc_count_all())
            columns._save(columns.Columns(old.ids, old.days, old.facets), path)
    for whole in generation.glob("whole-index-*"):
        whole.unlink()
    index = index_records([*records, story("later", "Later", DISTINCT[0][1] + " More rain fell.", "Wire Z")])
    assert sorted(copies_by_id(index).values()) == [0, 1, 1, 1, 1]  # the later one copies the rice story


def test_files_derived_from_the_index_are_written_again_by_a_run_without_changes(index_records, store):
    records = newsroom_records()
    index_records(records)
    generation = store.current_generation()
    for derived in [*generation.glob("whole-index-*"), *generation.glob("vocabulary-*")]:
        derived.unlink()
    index = index_records(records)  # nothing changed
    assert sorted(copies_by_id(index).values()) == [0, 0, 1, 1]
    assert list(store.current_generation().glob("vocabulary-*"))


def test_a_search_opened_before_the_writer_saves_the_groups_still_sees_the_copies(index_records, store):
    index_records(newsroom_records())
    for derived in store.current_generation().glob("whole-index-*"):  # the moment between commit and file
        derived.unlink()
    assert sorted(copies_by_id(NewsIndex(store.root)).values()) == [0, 0, 1, 1]


def test_template_stories_with_other_figures_are_not_copies():
    template = ("The Federal Reserve entered the U.S. Government securities market to arrange {amount} billion dlrs "
                "of customer repurchase agreements, a Fed spokesman said. Dealers said Federal funds were trading "
                "at {rate} pct when the Fed began its temporary and indirect supply of reserves to the banking "
                "system. The Fed said the agreements mature in {days} days and were arranged for foreign accounts "
                "held at the New York branch, as on most mornings of the week.")
    bodies = [template.format(amount="1.5", rate="6-1/4", days="3"), template.format(amount="2.5", rate="6-3/8",
                                                                                       days="4"),
              template.format(amount="1.5", rate="6-1/4", days="3") + " The Fed also said it would report later."]
    signatures = [signature(body) for body in bodies]
    values = np.array([found.values for found in signatures])
    counts = np.array([found.shingles for found in signatures])
    outlets = np.array([[0, -1], [1, -1], [2, -1]])
    groups = find_groups(values, counts, number_sets(signatures), outlets, np.arange(3)).tolist()
    assert groups[0] == groups[2] != groups[1]  # the re-sent report is a copy; another day's is not


def interview(number: int, words: int) -> str:
    """Text of its own for each `number`: seed words in an order no other text has."""
    vocabulary = sorted(set(SEED_BODY.lower().split()))
    chooser = random.Random(number)
    return " ".join(chooser.choice(vocabulary) for _ in range(words))


def partitions_in_every_order(bodies: list[str],
                              outlets: list[int | tuple[int, int]]) -> set[frozenset[frozenset[int]]]:
    """The groups (as sets of positions in `bodies`) that `find_groups` finds in each order of arrival;
    `outlets`: each body's source, or its source and distributor."""
    signatures = [signature(body) for body in bodies]
    values = np.array([found.values for found in signatures])
    counts = np.array([found.shingles for found in signatures])
    kinds = np.array([outlet if isinstance(outlet, tuple) else (outlet, -1) for outlet in outlets])
    found = set()
    for order in itertools.permutations(range(len(bodies))):
        groups = find_groups(values, counts, number_sets(signatures), kinds, np.array(order))
        found.add(frozenset(frozenset(np.flatnonzero(groups == group).tolist()) for group in set(groups.tolist())))
    return found


def test_a_copy_resembling_two_stories_of_one_outlet_does_not_make_them_one():
    # Two interviews that one outlet published over the same background paragraphs: they share 64% of
    # the shorter, enough for copies from two outlets but not within one. Each is copied by another outlet
    # with half the interview cut: each copy is a copy of the other interview too, by the rule between outlets.
    background = "\n\n".join(PARAGRAPHS)
    interviews = [interview(number, 160) for number in (1, 2)]
    stories = [f"{background}\n\n{words}" for words in interviews]
    cut = [f"(Wire {outlet})\n\n{background}\n\n{words[:len(words) // 2]}" for outlet, words in zip("AB", interviews)]
    assert partitions_in_every_order([*stories, *cut], [0, 0, 1, 2]) == {frozenset({frozenset({0, 2}),
                                                                                   frozenset({1, 3})})}


def test_one_outlets_versions_of_a_running_story_stay_one_group():
    # Each version drops the oldest 40 words and adds 40 new ones: it copies the one before by the rule within
    # one outlet, while the first and the last share only 73%. A copy of the last by another outlet resembles
    # the first enough for a copy between outlets: the versions stay one group all the same.
    words = f"{SEED_BODY} {interview(1, 200)}".split()
    versions = [" ".join(words[start:start + 300]) for start in (0, 40, 80)]
    bodies = [*versions, f"(Wire A)\n\n{versions[2]}"]
    assert partitions_in_every_order(bodies, [0, 0, 0, 1]) == {frozenset({frozenset(range(4))})}


def test_a_distributors_two_trims_of_one_story_from_two_sources_stay_with_it():
    # Two sources run one wire story through one distributor, each cut differently: the two share too little
    # for copies within one outlet (the distributor), but each is a copy of the original; all three are one story.
    words = interview(3, 400).split()
    original = " ".join(words)
    first, second = " ".join(words[:260]), " ".join(words[130:])
    assert partitions_in_every_order([original, first, second], [(0, -1), (1, 9), (2, 9)]) == {
        frozenset({frozenset({0, 1, 2})})}
