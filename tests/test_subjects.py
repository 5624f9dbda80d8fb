"""The subject space of related articles (search/index/subjects.py) and its part in their order."""
from __future__ import annotations

import random

from search import NewsIndex, index_paths
from search.index import IndexStore
from search.index.gather import Candidate
from search.index.related import RelatedMatch, likeness, likeness_first
from search.index.subjects import MIN_SAMPLE, SubjectSpaces, fitted
from search.model import Hit

from .conftest import write_jsonl

GRAIN = "wheat corn barley grain harvest tonnes crop silo farmers acreage sowing yield".split()
MONEY = "bank rate interest dollar yen currency deposit lending reserves inflation bond yields".split()


def two_kinds(count: int, seed: int = 5) -> list[dict[str, int]]:
    """`count` articles' words, each telling of grain or of money in a dozen words of its kind and a
    few words either kind uses."""
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        words = rng.choices(GRAIN if number % 2 else MONEY, k=12) + rng.choices(["said", "year", "market"], k=3)
        articles.append({word: words.count(word) for word in set(words)})
    return articles


def test_articles_of_one_kind_are_close_in_subject_though_they_share_no_word():
    space = fitted(two_kinds(MIN_SAMPLE))
    harvest, crop, rates = (space.place(words) for words in ({"wheat": 2, "harvest": 1}, {"corn": 1, "silo": 1},
                                                              {"dollar": 1, "lending": 1}))
    assert likeness({"wheat": 2, "harvest": 1}, {"corn": 1, "silo": 1}) == 0
    assert space.closeness(harvest, crop) > 0.8 > 0.2 > space.closeness(harvest, rates)
    assert space.place({"unknown": 3, "1987": 2}) is None and space.closeness(harvest, None) == 0


def sample_keys(count: int) -> tuple:
    return tuple((False, 19844, b"%04d" % number, "hash") for number in range(count))


def test_there_is_no_subject_space_below_its_sample_size_or_without_shared_words():
    assert fitted(two_kinds(MIN_SAMPLE - 1)) is None
    assert fitted([{"same": 2, "words": 1}] * MIN_SAMPLE) is None
    assert SubjectSpaces().of(sample_keys(MIN_SAMPLE - 1), lambda: two_kinds(MIN_SAMPLE)) is None


def test_a_space_is_fitted_once_for_its_sample():
    spaces, fits = SubjectSpaces(), []
    sample = sample_keys(MIN_SAMPLE)

    def words():
        fits.append(1)
        return two_kinds(MIN_SAMPLE)
    first = spaces.of(sample, words)
    assert spaces.of(sample, words) is first and len(fits) == 1
    assert spaces.of(sample[1:] + ((False, 19845, b"new", "hash"),), words) is not first and len(fits) == 2


def test_a_sampled_article_whose_text_changed_fits_the_space_again(tmp_path):
    records = [{"id": f"a{number}", "title": f"Story {number}", "date": "2024-05-01", "source": "Wire",
                "body": " ".join(word for word, count in words.items() for _ in range(count)) + "."}
               for number, words in enumerate(two_kinds(MIN_SAMPLE + 20))]
    (tmp_path / "articles").mkdir()
    write_jsonl(tmp_path / "articles" / "all.jsonl", records)
    index_paths(IndexStore(tmp_path / "index"), [tmp_path / "articles"], entities=False)
    index = NewsIndex(tmp_path / "index")
    before = index.searcher().subject_space()
    records[0]["body"] = "Corrected: wheat harvest and barley silo."  # the same id and date
    write_jsonl(tmp_path / "articles" / "all.jsonl", records)
    index_paths(IndexStore(tmp_path / "index"), [tmp_path / "articles"], entities=False)
    after = index.searcher().subject_space()
    assert before is not None and after is not None and after is not before
    assert after.rows != before.rows or not (after.axes == before.axes).all()


def _match(article_id: str, score: float, words: dict[str, int]) -> RelatedMatch:
    hit = Hit(article_id, article_id, "2024-05-01", "Wire", None, None, "", None, "", [], [], [], 0, [])
    return RelatedMatch(Candidate(article_id.encode(), 19844, score, story=(1, article_id)), hit, words)


def test_a_story_of_the_same_kind_comes_before_one_the_query_found_first():
    article = {"acme": 1, "wheat": 2, "harvest": 1}
    found = [_match("acme-rates", 10.0, {"acme": 1, "dollar": 2, "rate": 1}),
             _match("acme-crop", 9.0, {"acme": 1, "corn": 2, "barley": 1})]  # as like the article in words
    space = fitted(two_kinds(MIN_SAMPLE))
    assert [match.hit.id for match in likeness_first(found, article, None, 5)] == ["acme-rates", "acme-crop"]
    ranked = likeness_first(found, article, space, 5)
    assert [match.hit.id for match in ranked] == ["acme-crop", "acme-rates"]
    assert 1 >= ranked[0].hit.score > ranked[1].hit.score > 0


def test_a_space_is_kept_for_the_next_process_and_fitted_again_if_its_file_is_damaged(tmp_path):
    sample, fits = sample_keys(MIN_SAMPLE), []

    def words():
        fits.append(1)
        return two_kinds(MIN_SAMPLE)
    fitted_here = SubjectSpaces(tmp_path).of(sample, words)
    read_back = SubjectSpaces(tmp_path).of(sample, words)  # another process, in effect
    assert len(fits) == 1 and read_back.rows == fitted_here.rows
    assert (read_back.idf == fitted_here.idf).all() and (read_back.axes == fitted_here.axes).all()
    [saved] = tmp_path.glob("subjects-*.npz")
    saved.write_bytes(saved.read_bytes()[:1000])
    assert SubjectSpaces(tmp_path).of(sample, words).rows == fitted_here.rows and len(fits) == 2
    SubjectSpaces(tmp_path).of(sample[1:] + ((False, 19845, b"new", "hash"),), words)
    assert len(list(tmp_path.glob("subjects-*.npz"))) == 1 and not list(tmp_path.glob(".*"))
