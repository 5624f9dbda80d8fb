"""Related articles (search/index/related.py) and did-you-mean (search/index/spelling.py, vocabulary.py)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from search import NewsIndex, SearchRequest, index_paths
from search.index.spelling import Speller, _one_edit_away
from search.index.vocabulary import load_vocabulary

from .conftest import write_jsonl
from .test_copies import newsroom_records

ELECTION_STORIES = [
    {"id": f"e{n}", "title": f"Election day {n}", "date": f"2024-11-{n + 1:02d}", "source": "Wire A",
     "body": f"Voters went to the polls in district {n}. The election was calm and turnout was high."}
    for n in range(12)
]
OTHER = [{"id": "tin", "title": "Tin miners strike", "date": "2024-11-20", "source": "Wire B",
          "body": "Tin miners walked out over pay; the electron microscope plant nearby stayed open."}]


def test_related_articles_are_about_the_same_story_and_never_the_article_or_its_copies(index_records):
    records = newsroom_records()
    sequel = {"id": "sequel", "title": "Russia denies North Korean troops are fighting in Ukraine",
              "date": "2024-10-21", "source": "Wire C",
              "body": "Russia denied that North Korean soldiers or special forces had joined its war in Ukraine, "
                      "after South Korea's intelligence service said 1,500 had reached Russia's Far East."}
    index = index_records([*records, sequel])
    original = next(hit for hit in index.search(SearchRequest(query="intelligence")).hits
                    if hit.source == "Khaama Press")
    related = index.related(original.id, 5)
    ids = [hit.id for hit in related.hits]
    copy = index.copies(original.id)[0].id
    assert related.id == original.id and original.id not in ids and copy not in ids
    assert related.hits[0].title.startswith("Russia denies")
    assert index.related("no-such-article") is None


def test_misspelt_words_get_the_frequent_spelling_and_correct_ones_none(tmp_path: Path, store):
    folder = tmp_path / "news"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", ELECTION_STORIES + OTHER)
    index_paths(store, [folder])
    index = NewsIndex(store.root)
    try:
        assert index.search(SearchRequest(query="elecion")).suggestion == "election"  # dropped letter
        assert index.search(SearchRequest(query="calm elektion")).suggestion == "calm election"  # changed letter
        assert index.search(SearchRequest(query="voetrs")).suggestion == "voters"  # swapped letters
        assert index.search(SearchRequest(query="electron")).suggestion is None  # rare but correct: found
        assert index.search(SearchRequest(query="title:elecion")).suggestion is None  # fields are left alone
        assert index.search(SearchRequest(query="election")).suggestion is None
    finally:
        index.close()


def test_the_vocabulary_follows_added_and_removed_articles(tmp_path: Path, store):
    folder = tmp_path / "news"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", ELECTION_STORIES + OTHER)
    index_paths(store, [folder])

    def counts():
        generation = store.current_generation()
        with store.open(generation).reader() as reader:
            return load_vocabulary(generation / f"vocabulary-{reader.generation()}.tsv")
    assert counts()["election"] == 12 and counts()["miners"] == 1
    write_jsonl(folder / "wire.jsonl", ELECTION_STORIES[:5])
    index_paths(store, [folder])
    assert counts()["election"] == 5 and "miners" not in counts()
    for stale in store.current_generation().glob("vocabulary-*.tsv"):  # as after a crash between commit and file
        stale.unlink()
    write_jsonl(folder / "wire.jsonl", ELECTION_STORIES[:6])
    index_paths(store, [folder])
    assert counts()["election"] == 6  # counted afresh


@pytest.mark.parametrize("typed, meant", [("elecion", "election"), ("electtion", "election"),
                                          ("eelction", "election"), ("elextion", "election")])
def test_every_kind_of_single_slip_is_one_edit_away(typed, meant):
    assert meant in _one_edit_away(typed)


def test_a_speller_without_a_vocabulary_suggests_nothing(tmp_path: Path):
    assert Speller(lambda words: load_vocabulary(tmp_path / "missing.tsv") or Counter()).suggestion("elecion") is None


def test_related_articles_rank_by_shared_words_after_deletions(tmp_path, store):
    folder = tmp_path / "news"
    folder.mkdir()
    special = [{"id": f"s{n}", "title": f"Reform {n}", "body": "Pension reform special session common words here."}
               for n in range(3)]
    filler = [{"id": f"f{n}", "title": f"Common {n}", "body": f"Common words here, number {n}."} for n in range(28)]
    write_jsonl(folder / "a.jsonl", special + filler)
    index_paths(store, [folder])
    write_jsonl(folder / "a.jsonl", special + filler[:6])  # 22 deleted, not yet merged away
    index_paths(store, [folder])
    index = NewsIndex(store.root)
    try:
        first = next(hit for hit in index.search(SearchRequest(query="reform")).hits if hit.title == "Reform 0")
        related = index.related(first.id, 3).hits
        assert {hit.title for hit in related[:2]} == {"Reform 1", "Reform 2"}
        assert all(hit.score > 0 for hit in related)
    finally:
        index.close()


def test_suggestions_leave_ranges_other_fields_and_giant_words_alone(tmp_path, store):
    folder = tmp_path / "news"
    folder.mkdir()
    write_jsonl(folder / "wire.jsonl", ELECTION_STORIES)
    index_paths(store, [folder])
    generation = store.current_generation()
    with store.open(generation).reader() as reader:
        speller = Speller(lambda words: load_vocabulary(generation / f"vocabulary-{reader.generation()}.tsv"))
    assert speller.suggestion("title:{elecion TO voterz}") is None
    assert speller.suggestion("source:(elecion OR voterz)") is None
    assert speller.suggestion('source:"elecion" voterz') == 'source:"elecion" voters'
    assert speller.suggestion("e" * 2000) is None
    assert speller.suggestion("title:(elecion)") == "title:(election)"


def test_a_long_roundup_touching_every_subject_does_not_outrank_a_short_story_on_the_articles(tmp_path, store):
    folder = tmp_path / "news"
    folder.mkdir()
    article = {"id": "tender", "title": "Egypt buys wheat", "body": "Egypt bought 200,000 tonnes of durum wheat "
               "from Australia at its tender in Cairo; the grain ships to Alexandria in March."}
    on_subject = {"id": "sequel", "title": "Next round", "body": "Egypt's next wheat tender asks for durum."}
    subjects = [f"Topic{n} outlook stays unclear after talks" for n in range(20)]
    roundup = {"id": "roundup", "title": "The week in markets", "body": " ".join(  # all the words, once, among many
        [*subjects[:10], "Egypt, Australia, wheat, durum, tender, tonnes, grain, Cairo, Alexandria, ships, March.",
         *subjects[10:]])}
    filler = [{"id": f"f{n}", "title": f"Notice {n}", "body": f"{subjects[n % 20]}; the board meets again soon."}
              for n in range(40)]
    write_jsonl(folder / "a.jsonl", [article, on_subject, roundup, *filler])
    index_paths(store, [folder])
    index = NewsIndex(store.root)
    try:
        first = next(hit for hit in index.search(SearchRequest(query="durum")).hits if hit.title == "Egypt buys wheat")
        related = index.related(first.id, 2).hits
        assert [hit.title for hit in related] == ["Next round", "The week in markets"]
    finally:
        index.close()


def test_show_takes_limit_only_with_related(runner, tmp_path):
    from cli import cli

    result = runner.invoke(cli, ["--index", str(tmp_path / "none"), "show", "x", "--limit", "3"])
    assert result.exit_code == 2 and "--limit goes with --related" in result.output


def test_stories_of_the_same_kind_come_before_others_that_only_share_names(tmp_path, store):
    # The company's takeover story shares the article's rarest words (the company, its product, town and
    # chairman), so the query finds it first; other companies' quarterly results tell the same kind of story
    # in more of the same words, and come first.
    folder = tmp_path / "news"
    folder.mkdir()
    results = "said quarterly net profit rose to {} mln dlrs on revenue of {} mln dlrs, and raised its dividend."
    stories = [{"id": name.lower(), "title": f"{name} quarterly results",
                "body": f"{name} Corp {results.format(10 + number, 50 + number)}"}
               for number, name in enumerate(["Zorbex", "Quillon", "Ardent"])]
    stories[0]["body"] += " Sales of Pellux scanners grew in Toledo, chairman Ivo Brandt said."
    takeover = {"id": "takeover", "title": "Zorbex to buy Marlin", "body": "Zorbex Corp agreed to buy Marlin Ltd "
                "of Toledo for cash to sell more Pellux scanners, chairman Ivo Brandt said."}
    notices = [{"id": f"n{n}", "title": f"Notice {n}", "body": f"The harbour board said on day {n} that quarterly "
                "revenue from fees rose, and net profit of some mln dlrs pays a dividend to the town."}
               for n in range(60)]
    write_jsonl(folder / "a.jsonl", [*stories, takeover, *notices])
    index_paths(store, [folder], entities=False)
    index = NewsIndex(store.root)
    try:
        article = index.search(SearchRequest(query="title:zorbex title:results")).hits[0]
        related = index.related(article.id, 5).hits
        titles = [hit.title for hit in related]
        assert set(titles[:2]) == {"Quillon quarterly results", "Ardent quarterly results"}
        assert "Zorbex to buy Marlin" in titles[2:]
        assert all(0 < hit.score <= 1 for hit in related)  # each one's likeness to the article
        assert [hit.score for hit in related] == sorted((hit.score for hit in related), reverse=True)
        assert index.related(article.id, 50).hits[:5] == related  # a longer list begins with the shorter
    finally:
        index.close()


def test_the_same_storys_next_article_is_not_pushed_down_by_stories_of_the_same_kind(tmp_path, store):
    # Other companies' tender offers are told in the article's own words; the end of the same bid is told
    # in other words, but with the article's names. By likeness alone it comes last; the query's own score
    # keeps it first.
    folder = tmp_path / "news"
    folder.mkdir()
    offer = ("{buyer} Inc said it started a tender offer for all shares of {target} Corp at {price} dlrs a share in "
             "cash, or about {total} mln dlrs. The offer and withdrawal rights expire next month unless extended, "
             "{buyer} said. {more}")
    bids = [{"title": f"{buyer} starts {target} bid",
             "body": offer.format(buyer=buyer, target=target, price=price, total=price * 7, more=more)}
            for buyer, target, price, more in [
                ("Hutton", "Purolator", 35, "Purolator's courier unit in Rahway would be sold to Hutton's partners, "
                                            "Purolator said."),
                ("Warburg", "Symbion", 12, "Symbion makes artificial hearts in Utah."),
                ("Boeing", "Argosystems", 37, "Argosystems builds radar for the Navy."),
                ("Ecolab", "Chemlawn", 33, "Chemlawn treats lawns across the Midwest.")]]
    sequel = {"title": "Hutton ends Purolator bid", "body": "Hutton Inc said it ended its tender offer in cash for "
              "Purolator Corp after Purolator's board backed a rival plan. Hutton's partners had sought the Rahway "
              "courier unit, Purolator said."}
    notices = [{"title": f"Notice {n}", "body": f"The harbour board said on day {n} that all {n + 50} shares of its "
                "ferry company would stay in public hands next month."} for n in range(40)]
    write_jsonl(folder / "a.jsonl", [*bids, sequel, *notices])
    index_paths(store, [folder], entities=False)
    index = NewsIndex(store.root)
    try:
        article = index.search(SearchRequest(query='title:"hutton starts"')).hits[0]
        titles = [hit.title for hit in index.related(article.id, 4).hits]
        assert titles[0] == "Hutton ends Purolator bid"
        assert set(titles[1:]) == {"Warburg starts Symbion bid", "Boeing starts Argosystems bid",
                                   "Ecolab starts Chemlawn bid"}
    finally:
        index.close()


def test_a_list_longer_than_the_reordered_stories_begins_with_every_shorter_one(tmp_path, store):
    # 32 stories share the article's five rare words and come first by the query; four share all its common
    # words and are most like it, but come after the first 30 by the query, so they stay below them.
    folder = tmp_path / "news"
    folder.mkdir()
    common = "harbour ferry tariff pilot dredging quay cargo berth tug crane"
    rare = "zorvath quelline brimsk tolvane yarrow"
    article = {"title": "Port story", "body": f"{common} {rare}."}
    marked = [{"title": f"Marked {n}", "body": f"{rare} notice{n} entry{n}."} for n in range(32)]
    alike = [{"title": f"Alike {n}", "body": f"{common} extra{n}."} for n in range(4)]
    long_ones = [{"title": f"Long {n}", "body": f"{common} " + " ".join(f"w{n}x{k}" for k in range(30))}
                 for n in range(200)]
    write_jsonl(folder / "a.jsonl", [article, *marked, *alike, *long_ones])
    index_paths(store, [folder], entities=False)
    index = NewsIndex(store.root)
    try:
        article_id = index.search(SearchRequest(query='title:"port story"')).hits[0].id
        longest = index.related(article_id, 50).hits
        assert [hit.title.split()[0] for hit in longest[:36]] == ["Marked"] * 32 + ["Alike"] * 4
        for limit in (1, 5, 30, 31):
            assert index.related(article_id, limit).hits == longest[:limit], limit
    finally:
        index.close()
