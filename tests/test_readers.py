import datetime as dt
from pathlib import Path

import pytest

from search.readers import (
    READERS,
    ReadError,
    SourceFile,
    csvfile,
    jsonlines,
    read_entries,
    reader_for,
    sgml,
    wiretext,
)

from .conftest import SEED_FILE, write_jsonl


def read(reader, path: Path):
    source = SourceFile(str(path.resolve()), str(path), path.read_bytes())
    entries = list(read_entries(source, reader))
    return [e for e in entries if not isinstance(e, ReadError)], [e for e in entries if isinstance(e, ReadError)]


def test_seed_article_header_gives_date_source_and_distributor():
    (article,), errors = read(wiretext, SEED_FILE)
    assert errors == []
    assert article.date == dt.date(2024, 10, 19)
    assert article.source == "Khaama Press"
    assert article.distributor == "MENAFN"
    assert article.title.startswith("South Korea's intelligence agency announced on Friday, October 18")
    assert article.title.endswith("Russia's Far East.")


def test_seed_photo_credit_is_neither_body_nor_source():
    (article,), _ = read(wiretext, SEED_FILE)
    assert "Image/Reuters" not in article.body
    assert "Reuters" not in (article.source, article.distributor)
    assert article.body.startswith("South Korea's intelligence agency")
    assert article.body.count("\n\n") == 8  # nine paragraphs, as in the file


def test_article_ids_are_stable_and_url_safe():
    (first,), _ = read(wiretext, SEED_FILE)
    (second,), _ = read(wiretext, SEED_FILE)
    assert first.id == second.id
    assert first.id.isalnum() and first.id.isascii()


def test_text_without_header_is_indexed_undated_with_its_headline(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text("Harbour reopens\n\nThe harbour reopened on Monday.\nShips came in.\n\nMore later.")
    (article,), errors = read(wiretext, path)
    assert errors == []
    assert (article.title, article.date) == ("Harbour reopens", None)
    assert article.body == "The harbour reopened on Monday. Ships came in.\n\nMore later."


def test_text_header_with_only_a_source(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text(" date 2023-05-01 (Daily Planet)\n\nPhoto: AFP\n\nLex Luthor bought the paper. He denied it.")
    (article,), _ = read(wiretext, path)
    assert (article.source, article.distributor, article.date) == ("Daily Planet", None, dt.date(2023, 5, 1))
    assert article.title == "Lex Luthor bought the paper."
    assert "AFP" not in article.body


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"  \n\n ", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a text file"),
    (b" date 2024-02-30 (MENAFN- X)\n\nText.", "header date"),
])
def test_bad_text_files_are_reported_with_the_reason(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    articles, (error,) = read(wiretext, path)
    assert articles == []
    assert message in error.message and error.path == str(path)


def test_jsonl_reads_known_fields_and_ignores_others(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [
        {"id": "x1", "title": "T", "date": "2024-01-02", "source": "S", "url": "https://e.com/1",
         "body": "Para one.\n\nPara two.", "unknown": [1, 2]},
        {"text": "Only text here. Second sentence.", "url": "https://www.example.org/a"},
    ])
    (first, second), errors = read(jsonlines, path)
    assert errors == []
    assert (first.title, first.date, first.source, first.url) == ("T", dt.date(2024, 1, 2), "S", "https://e.com/1")
    assert first.body == "Para one.\n\nPara two."
    assert (second.title, second.source) == ("Only text here.", "example.org")


def test_jsonl_bad_lines_are_reported_with_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "a", "body": "Fine."}\n{"id": "b", "body": \n[1, 2]\n'
                    '{"id": "c"}\n{"id": "d", "body": "x", "date": "2024-13-01"}\n{"id": "a", "body": "again"}\n')
    articles, errors = read(jsonlines, path)
    assert [a.title for a in articles] == ["Fine."]
    assert [(e.line, e.message.split(":")[0]) for e in errors] == [
        (2, "invalid JSON at column 21"), (3, "expected a JSON object, found list"),
        (4, "no article text"), (5, "field 'date'"), (6, "duplicate entry 'a' (first on line 1)"),
    ]


def test_jsonl_lines_end_only_at_a_line_feed(tmp_path):
    """JSON allows U+2028, U+2029 and U+0085 unescaped inside strings (`json.dumps(..., ensure_ascii=False)`
    writes them so); a line of JSON Lines ends at \\n alone (\\r\\n too)."""
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": "a", "title": "One\u2028line", "body": "Text\u2029 and \u0085 more."}\r\n'
                    '{"id": "b", "body": "Second."}\n', encoding="utf-8")
    articles, errors = read(jsonlines, path)
    assert errors == [] and len(articles) == 2 and articles[0].title == "One line"


def test_csv_reads_multiline_fields_and_takes_the_source_from_the_url(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text('url,date,title,text\n'
                    '"https://en.wikinews.org/wiki/A",2019-01-04,"A, title","Friday, January 4, 2019\n\n\n'
                    'First paragraph.\n\n\nSecond one."\n'
                    'https://en.wikinews.org/wiki/B,2019-01-05,B,Short text.\n'
                    'https://x.org/c,2019-01-06,C\n')
    articles, errors = read(csvfile, path)
    assert [a.title for a in articles] == ["A, title", "B"]
    assert articles[0].body == "Friday, January 4, 2019\n\nFirst paragraph.\n\nSecond one."
    assert {a.source for a in articles} == {"en.wikinews.org"}
    assert [(e.line, e.message) for e in errors] == [(10, "the row has 3 fields; the header row names 4")]


def test_csv_without_a_text_column_is_rejected(tmp_path):
    path = tmp_path / "prices.csv"
    path.write_text("symbol,price\nABC,1\n")
    articles, (error,) = read(csvfile, path)
    assert articles == [] and "no 'body' or 'text' column" in error.message


REUTERS_SAMPLE = b"""<!DOCTYPE lewis SYSTEM "lewis.dtd">
<REUTERS TOPICS="YES" NEWID="7">
<DATE> 26-FEB-1987 15:01:01.79&#5;&#5;RM</DATE>
<TOPICS><D>cocoa</D></TOPICS><PLACES><D>el-salvador</D><D>usa</D></PLACES>
<PEOPLE></PEOPLE><ORGS><D>ico-cocoa</D></ORGS><EXCHANGES></EXCHANGES>
<TEXT>&#2;
<TITLE>BAHIA COCOA &lt;REVIEW&gt;</TITLE>
<DATELINE>    SALVADOR, Feb 26 - </DATELINE><BODY>Showers continued in
the Bahia cocoa zone, Z\xfcrich said.
    The dry period means the temporao will be late.
 Reuter
&#3;</BODY></TEXT>
</REUTERS>
<REUTERS NEWID="8">
<DATE>31-MAR-1987 605:12:19.12</DATE>
<TEXT TYPE="UNPROC">&#2;
FED WEEKLY REPORT
    Net free reserves.....644 vs 1,337
&#3;</TEXT>
</REUTERS>
<REUTERS NEWID="9">
<DATE>31-MAR-1987 10:00:00.00</DATE>
<TEXT TYPE="BRIEF">&#2;
******<TITLE>FED SETS REPO</TITLE>Blah blah blah.
&#3;</TEXT>
</REUTERS>
<REUTERS NEWID="10">
<DATE>not a date</DATE>
<TEXT><TITLE>X</TITLE><BODY>y</BODY></TEXT>
</REUTERS>
"""


def test_reuters_sgml_stories_with_labels_and_quirks(tmp_path):
    path = tmp_path / "reut2-x.sgm"
    path.write_bytes(REUTERS_SAMPLE)
    (cocoa, unproc, brief), (error,) = read(sgml, path)
    assert cocoa.title == "BAHIA COCOA <REVIEW>"
    assert cocoa.date == dt.date(1987, 2, 26) and cocoa.source == "Reuters"
    assert cocoa.body == ("Showers continued in the Bahia cocoa zone, Zürich said.\n\n"
                          "The dry period means the temporao will be late.")
    assert cocoa.labels == {"topics": ("cocoa",), "places": ("el-salvador", "usa"), "orgs": ("ico-cocoa",),
                            "dateline": ("SALVADOR, Feb 26",)}
    assert (unproc.title, unproc.body, unproc.date) == ("FED WEEKLY REPORT", "Net free reserves.....644 vs 1,337",
                                                       dt.date(1987, 3, 31))
    assert (brief.title, brief.body) == ("FED SETS REPO", "")
    assert error.line == 27 and "NEWID=10" in error.message and "not a Reuters date" in error.message


def test_registry_picks_by_ending_then_by_content(tmp_path):
    assert reader_for(Path("a.sgm"), b"") is sgml
    assert reader_for(Path("a.JSONL"), b"") is jsonlines
    assert reader_for(Path("feed"), b'{"body": "x"}') is jsonlines
    assert reader_for(Path("dump"), b"<!DOCTYPE lewis SYSTEM>") is sgml
    assert reader_for(Path("table"), b"url,title,text\n") is csvfile
    assert reader_for(Path("note"), b"Just words.") is wiretext
    assert READERS[-1] is wiretext


def test_a_reader_bug_costs_one_file_not_the_batch(tmp_path):
    class Broken:
        name, version, endings = "broken", 1, (".x",)

        @staticmethod
        def read(source):
            raise RuntimeError("boom")
            yield  # a generator

    path = tmp_path / "a.x"
    path.write_text("x")
    articles, (error,) = read(Broken, path)
    assert articles == [] and error.message == "could not be read as broken: RuntimeError: boom"
