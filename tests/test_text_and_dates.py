import datetime as dt

import pytest

from search.dates import parse_article_date, parse_date_bound, parse_reuters_date
from search.text import UndecodableError, decode, first_sentence, paragraphs, shorten


def test_decode_prefers_utf8_and_keeps_every_byte_of_latin1():
    assert decode("Zürich".encode()) == "Zürich"
    assert decode(b"Z\xfcrich, 1987") == "Zürich, 1987"
    assert len(decode(b"a\xfcb\xfcc")) == 5


def test_decode_reads_boms_and_rejects_binary():
    assert decode("\ufeffhello".encode("utf-8")) == "hello"
    assert decode("hi".encode("utf-16")) == "hi"
    with pytest.raises(UndecodableError, match="NUL"):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00")


def test_paragraphs_join_wrapped_lines_and_split_at_blank_lines():
    text = "First line\nwrapped here.\n\n  Second   paragraph.\r\n\r\n\n"
    assert paragraphs(text) == ["First line wrapped here.", "Second paragraph."]


def test_first_sentence_skips_abbreviations():
    assert first_sentence("The U.S. Senate voted. Then it rested.") == "The U.S. Senate voted."
    assert first_sentence("Mr. Smith said no. Others agreed.") == "Mr. Smith said no."
    assert first_sentence("No full stop at all") == "No full stop at all"


def test_shorten_cuts_at_a_word_with_an_ellipsis():
    assert shorten("word " * 100, 20) == "word word word word…"
    assert shorten("short", 20) == "short"


@pytest.mark.parametrize("text, expected", [
    ("2024-10-19", dt.date(2024, 10, 19)),
    ("2024-10-19T23:30:00-05:00", dt.date(2024, 10, 20)),
    ("2024-10-19T08:00:00Z", dt.date(2024, 10, 19)),
    ("Sat, 19 Oct 2024 08:30:00 GMT", dt.date(2024, 10, 19)),
])
def test_article_dates_become_utc_days(text, expected):
    assert parse_article_date(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "yesterday", "19/10/2024", ""])
def test_impossible_or_unreadable_article_dates_are_errors(text):
    with pytest.raises(ValueError):
        parse_article_date(text)


@pytest.mark.parametrize("text", [
    "26-FEB-1987 15:01:01.79", " 26-FEB-1987 15:01:01.79", "26-FEB-1987 15:01:01.79&#5;&#5;RM",
    "26-FEB-1987 605:12:19.12",
])
def test_reuters_dates_survive_the_corpus_quirks(text):
    assert parse_reuters_date(text) == dt.date(1987, 2, 26)


def test_reuters_impossible_day_is_an_error():
    with pytest.raises(ValueError, match="impossible date"):
        parse_reuters_date("31-FEB-1987 10:00:00.00")


@pytest.mark.parametrize("text, end, expected", [
    ("2024", False, dt.date(2024, 1, 1)), ("2024", True, dt.date(2024, 12, 31)),
    ("2024-02", True, dt.date(2024, 2, 29)), ("2023-12", True, dt.date(2023, 12, 31)),
    ("2024-10-19", True, dt.date(2024, 10, 19)),
])
def test_date_bounds_cover_whole_years_and_months(text, end, expected):
    assert parse_date_bound(text, end=end) == expected


@pytest.mark.parametrize("text, expected", [
    ("today", dt.date(2024, 3, 31)), ("Yesterday", dt.date(2024, 3, 30)), ("1d", dt.date(2024, 3, 31)),
    ("7d", dt.date(2024, 3, 25)), ("2w", dt.date(2024, 3, 18)), ("1m", dt.date(2024, 3, 1)),
    ("3m", dt.date(2024, 1, 1)), ("1y", dt.date(2023, 4, 1)), ("12m", dt.date(2023, 4, 1)),
])
def test_relative_dates_count_back_from_today_which_is_included(text, expected):
    """`7d` is the last seven days with today; a month back from 31 March is the end of February."""
    today = dt.date(2024, 3, 31)
    assert parse_date_bound(text, end=False, today=today) == expected == parse_date_bound(text, end=True, today=today)


@pytest.mark.parametrize("text", ["0d", "9999999d", "999999y", "7x", "d7", "-7d"])
def test_bad_relative_dates_say_what_was_wrong(text):
    with pytest.raises(ValueError, match="counts no time|before the year 1|not a date"):
        parse_date_bound(text, end=False, today=dt.date(2024, 3, 31))


@pytest.mark.parametrize("text", ["2024-13", "2024-02-30", "24-10-19", "October"])
def test_bad_date_bounds_say_what_to_use(text):
    with pytest.raises(ValueError, match="date"):
        parse_date_bound(text, end=False)
