"""Articles added and removed over HTTP: tokens, every refusal, the inbox, its writer, and a crash."""
from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import stat
import time
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest

from cli import cli
from search import IndexStore, NewsIndex, SearchRequest, index_paths
from search.inbox import MAX_POST_BYTES, Inbox, parse_articles
from search import inbox as inbox_module
from search import inbox_writer
from search.inbox_writer import InboxWriter
from search.tokens import TokenStore
from web import create_app
from web.openapi import SPEC
from web.server import running_server, start_server, stop_server

from .conftest import SEEDS

WOMBAT = {"id": "wire-1", "title": "Wombat count rises in Canberra",
          "body": "Rangers in Canberra counted more wombats this spring, the Australian Capital Territory said."}
QUOKKA = {"id": "wire-2", "title": "Quokka seen in Perth", "date": "2024-03-02", "source": "Wire X",
          "body": "A quokka was seen near Perth on Saturday, far from Rottnest Island."}


@pytest.fixture
def index_root(tmp_path):
    store = IndexStore(tmp_path / "index")
    index_paths(store, [SEEDS], entities=False)
    return store.root


@pytest.fixture
def secret(index_root):
    return TokenStore(index_root).create("wire")


@pytest.fixture
def client(index_root):
    return create_app({"INDEX": str(index_root), "TESTING": True}).test_client()


def _post(client, secret, body, content_type="application/x-ndjson"):
    data = body if isinstance(body, (str, bytes)) else "".join(json.dumps(record) + "\n" for record in body)
    headers = {"Authorization": f"Bearer {secret}"} if secret else {}
    return client.post("/api/articles", data=data, headers=headers, content_type=content_type)


def _found(root, query: str) -> list:
    index = NewsIndex(root)
    try:
        return index.search(SearchRequest.from_text(query=query)).hits
    finally:
        index.close()


def test_a_token_is_printed_once_and_only_its_hash_is_kept(runner, index_root):
    made = runner.invoke(cli, ["--index", str(index_root), "token", "create", "wire-feed"])
    assert made.exit_code == 0, made.output
    secret = made.stdout.strip()
    assert secret.startswith("nst_") and len(secret) > 40
    kept = (index_root / "tokens.json").read_text()
    assert secret not in kept and "wire-feed" in kept
    assert stat.S_IMODE((index_root / "tokens.json").stat().st_mode) == 0o600
    listed = runner.invoke(cli, ["--index", str(index_root), "token", "list", "--json"])
    assert json.loads(listed.stdout)["tokens"][0]["name"] == "wire-feed"
    assert "sha256" not in listed.stdout and secret not in listed.stdout
    assert TokenStore(index_root).name_of(secret) == "wire-feed"
    assert TokenStore(index_root).name_of(secret + "x") is None


@pytest.mark.parametrize("arguments, message", [
    (["create", "has space"], "use 1 to 64 letters"),
    (["create", "wire"], "there is already a token named 'wire'"),
    (["revoke", "nobody"], "there is no token named 'nobody'"),
])
def test_token_commands_refuse_by_name(runner, index_root, secret, arguments, message):
    result = runner.invoke(cli, ["--index", str(index_root), "token", *arguments])
    assert result.exit_code == 1
    assert message in result.stderr


def test_a_token_needs_an_index(runner, tmp_path):
    result = runner.invoke(cli, ["--index", str(tmp_path / "none"), "token", "create", "wire"])
    assert result.exit_code == 1 and "there is no index at" in result.stderr
    assert not (tmp_path / "none").exists()


def test_every_refusal_has_its_status_and_keeps_nothing(client, index_root, secret):
    lines = [WOMBAT, QUOKKA]
    answers = {
        "no token": _post(client, None, lines),
        "wrong token": _post(client, secret[:-2] + "xx", lines),
        "not a bearer": client.post("/api/articles", data="{}", headers={"Authorization": f"Basic {secret}"}),
        "too large": _post(client, secret, b"x" * (MAX_POST_BYTES + 1)),
        "too many": _post(client, secret, [dict(WOMBAT, id=str(n)) for n in range(1001)]),
        "bad JSON": _post(client, secret, json.dumps(WOMBAT) + "\n\n{not json}\n"),
        "no title": _post(client, secret, [WOMBAT, {"body": "Text without a title."}]),
        "no body": _post(client, secret, [WOMBAT, QUOKKA, {"title": "A title alone"}]),
        "bad date": _post(client, secret, [dict(WOMBAT, date="the day after")]),
        "same id twice": _post(client, secret, [WOMBAT, QUOKKA, WOMBAT]),
        "not UTF-8": _post(client, secret, b'{"title": "\xff", "body": "x"}', "application/json"),
        "an array": _post(client, secret, json.dumps(lines), "application/json"),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {"no token": 401, "wrong token": 401, "not a bearer": 401, "too large": 413, "too many": 413,
                        "bad JSON": 400, "no title": 400, "no body": 400, "bad date": 400, "same id twice": 400,
                        "not UTF-8": 400, "an array": 400}
    errors = {name: answer.get_json()["error"] for name, answer in answers.items()}
    assert errors["bad JSON"].startswith("line 3: invalid JSON")
    assert errors["no title"].startswith("line 2: no title")
    assert errors["no body"].startswith("line 3: no article text")
    assert errors["same id twice"].startswith("line 3: duplicate entry 'wire-1'")
    assert answers["no token"].headers["WWW-Authenticate"].startswith("Bearer")
    TokenStore(index_root).revoke("wire")
    assert _post(client, secret, lines).status_code == 401
    assert Inbox(index_root).waiting() == []
    for answer in answers.values():
        assert "Set-Cookie" not in answer.headers
        assert not any(name.startswith("Access-Control-") for name in answer.headers.keys())
        assert secret not in answer.get_data(as_text=True)


def test_posted_articles_are_indexed_with_entities_replaced_and_removed(client, index_root, secret):
    store = IndexStore(index_root)
    index_paths(store, [SEEDS])  # an index with entities: posted articles get theirs too
    answer = _post(client, secret, [WOMBAT, QUOKKA])
    assert answer.status_code == 202
    jsonschema.validate(answer.get_json(), {"$ref": "#/components/schemas/Accepted", "components": SPEC["components"]})
    ids = answer.get_json()["ids"]
    assert answer.get_json()["accepted"] == 2 and len(set(ids)) == 2
    index_paths(store, [SEEDS])
    [wombat] = _found(index_root, "wombat")
    assert wombat.id == ids[0] and "Canberra" in wombat.places
    assert NewsIndex(index_root).stats().posted_articles == 2

    replaced = _post(client, secret, json.dumps(dict(WOMBAT, title="Wombat count falls")), "application/json")
    assert replaced.status_code == 202 and replaced.get_json()["ids"] == [ids[0]]
    index_paths(store, [SEEDS])
    assert [hit.title for hit in _found(index_root, "wombat")] == ["Wombat count falls"]

    seed_id = _found(index_root, "Korea")[0].id
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.delete(f"/api/articles/{seed_id}", headers=headers).status_code == 404
    assert client.delete(f"/api/articles/{ids[0]}").status_code == 401
    assert client.delete(f"/api/articles/{ids[0]}", headers=headers).status_code == 202
    index_paths(store, [SEEDS])
    assert _found(index_root, "wombat") == [] and len(_found(index_root, "Korea")) == 1
    assert client.delete(f"/api/articles/{ids[0]}", headers=headers).status_code == 404


def test_an_article_removed_while_it_waits_in_the_inbox_never_shows(client, index_root, secret):
    [article_id] = _post(client, secret, [WOMBAT]).get_json()["ids"]
    removal = client.delete(f"/api/articles/{article_id}", headers={"Authorization": f"Bearer {secret}"})
    assert removal.status_code == 202
    index_paths(IndexStore(index_root), [SEEDS], entities=False)
    assert _found(index_root, "wombat") == []


def test_any_index_run_takes_in_the_inbox_and_a_rebuild_keeps_posted_articles(client, runner, index_root, secret):
    _post(client, secret, [WOMBAT])
    assert NewsIndex(index_root).stats().inbox_batches == 1
    result = runner.invoke(cli, ["--index", str(index_root), "index", str(SEEDS), "--no-entities", "-q"])
    assert result.exit_code == 0, result.output
    assert len(_found(index_root, "wombat")) == 1
    result = runner.invoke(cli, ["--index", str(index_root), "index", str(SEEDS), "--rebuild", "--no-entities", "-q"])
    assert result.exit_code == 0, result.output
    assert len(_found(index_root, "wombat")) == 1
    figures = json.loads(runner.invoke(cli, ["--index", str(index_root), "stats", "--json"]).stdout)
    assert (figures["posted_articles"], figures["inbox_batches"]) == (1, 0)


def test_an_unreadable_inbox_batch_is_set_aside_and_named(index_root):
    inbox = Inbox(index_root)
    inbox.accept(parse_articles(json.dumps(WOMBAT), lines=False))
    (inbox.folder / "00000000000000000001-1-bad.jsonl").write_text("{torn")
    report = index_paths(IndexStore(index_root), [SEEDS], entities=False)
    assert [error.message.split(" (")[0] for error in report.errors] == ["an inbox batch that cannot be read"]
    assert (inbox.folder / "00000000000000000001-1-bad.unreadable").exists()
    assert len(_found(index_root, "wombat")) == 1


def _post_over_http(base: str, secret: str, record: dict) -> dict:
    request = urllib.request.Request(f"{base}/api/articles", data=json.dumps(record).encode(), method="POST",
                                     headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert answer.status == 202
        return json.load(answer)


def _total_within(base: str, query: str, expected: int, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    while True:
        with urllib.request.urlopen(f"{base}/api/search?q={query}", timeout=30) as answer:
            total = json.load(answer)["total"]
        if total == expected or time.monotonic() > deadline:
            return total
        time.sleep(0.2)


def test_an_accepted_article_survives_a_kill_of_the_server(index_root, secret):
    process, base = start_server(index_root, workers=2)
    try:
        _post_over_http(base, secret, WOMBAT)
        os.kill(process.pid, signal.SIGKILL)  # right after the 202: the writer may not have begun
        process.wait(timeout=10)
    finally:
        stop_server(process)
    with running_server(index_root, workers=2) as base:
        assert _total_within(base, "wombat", 1, seconds=30) == 1


def _web_workers(master: int, count: int, seconds: float = 20.0) -> list[int]:
    """The pids of the master's forked web workers, once there are `count` (the server answers as soon as
    the first one is up)."""
    command = Path(f"/proc/{master}/cmdline").read_bytes()
    deadline = time.monotonic() + seconds
    while True:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        workers = [int(pid) for pid in children if Path(f"/proc/{pid}/cmdline").read_bytes() == command]
        if len(workers) >= count or time.monotonic() > deadline:
            return workers
        time.sleep(0.1)


def test_a_web_worker_that_exits_leaves_the_writer_running(index_root, secret):
    process, base = start_server(index_root, workers=2)
    try:
        workers = _web_workers(process.pid, 2)
        assert len(workers) == 2
        os.kill(workers[0], signal.SIGTERM)  # the worker leaves; gunicorn starts another in its place
        time.sleep(1)
        _post_over_http(base, secret, WOMBAT)
        assert _total_within(base, "wombat", 1, seconds=30) == 1
    finally:
        stop_server(process)


def test_a_busy_write_lock_delays_posted_articles_and_loses_none(index_root, secret):
    with running_server(index_root) as base:
        with pytest.raises(urllib.error.HTTPError) as refused:
            _post_over_http(base, "", WOMBAT)
        assert refused.value.code == 401
        with IndexStore(index_root).write_lock():
            _post_over_http(base, secret, QUOKKA)
            assert _total_within(base, "quokka", 1, seconds=2) == 0
            with urllib.request.urlopen(f"{base}/api/stats", timeout=30) as answer:
                assert json.load(answer)["inbox_batches"] == 1
        assert _total_within(base, "quokka", 1, seconds=30) == 1


@pytest.mark.parametrize("body, message", [
    ('{"title": "t", "body": "b", "n": ' + "9" * 5000 + "}", "line 1: JSON that cannot be read: ValueError"),
    ('{"title": "t", "body": "b", "n": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "line 1: JSON that cannot be read: RecursionError"),
    ('{"title": "\\ud800", "body": "b"}', "line 1: field 'title' is not Unicode text"),
    ('{"id": true, "title": "t", "body": "b"}', "line 1: field 'id' must be text, not bool"),
])
def test_bodies_that_python_cannot_take_are_400s(client, index_root, secret, body, message):
    for content_type in ("application/json", "application/x-ndjson"):
        answer = _post(client, secret, body, content_type)
        assert answer.status_code == 400 and answer.get_json()["error"].startswith(message)
    assert Inbox(index_root).waiting() == [] and not list(index_root.glob("inbox/.*.tmp"))


def test_a_delete_finds_an_article_applied_but_not_yet_committed(index_root):
    inbox = Inbox(index_root)
    [article] = parse_articles(json.dumps(WOMBAT), lines=False)
    inbox.accept([article])
    inbox.apply()  # a writer's run has applied the batch and not yet committed it
    assert inbox.withdraw(article.id, None)
    index_paths(IndexStore(index_root), [SEEDS], entities=False)
    assert _found(index_root, "wombat") == []


def test_the_writers_runs_look_only_at_the_posted_files_that_changed(index_root):
    inbox = Inbox(index_root)
    inbox.accept(parse_articles("".join(json.dumps(dict(QUOKKA, id=f"q{n}")) + "\n" for n in range(300)), lines=True))
    store = IndexStore(index_root)
    assert index_paths(store, [], entities=False, posted_only=True).added == 300
    inbox.accept(parse_articles(json.dumps(WOMBAT), lines=False))
    report = index_paths(store, [], entities=False, posted_only=True)
    assert (report.added, report.unchanged) == (1, 0)
    assert index_paths(store, [SEEDS], entities=False).unchanged == 302  # a whole run still looks at all
    assert len(_found(index_root, "quokka")) == 10 and len(_found(index_root, "wombat")) == 1


@pytest.mark.parametrize("damage", [b"[1, 2]", b"null", b'{"put": "ab/0123456789abcdef0123.jsonl", "id": "x"}',
                                    b'{"delete": "../../tokens.json", "id": "x"}', b'{"id": "\xff"}'])
def test_a_damaged_batch_is_set_aside_and_the_others_go_in(client, index_root, secret, damage):
    inbox = Inbox(index_root)
    inbox.folder.mkdir(exist_ok=True)
    (inbox.folder / "00000000000000000001-1-damaged.jsonl").write_bytes(damage + b"\n")
    _post(client, secret, [WOMBAT])
    assert client.delete("/api/articles/0123456789abcdef",
                         headers={"Authorization": f"Bearer {secret}"}).status_code == 404
    report = index_paths(IndexStore(index_root), [], entities=False, posted_only=True)
    assert [error.message.split(" (")[0] for error in report.errors] == ["an inbox batch that cannot be read"]
    assert (inbox.folder / "00000000000000000001-1-damaged.unreadable").exists()
    assert len(_found(index_root, "wombat")) == 1 and (index_root / "tokens.json").exists()


@pytest.mark.parametrize("entry", ['{"name": "x", "created": "y", "sha256": 5}', '{"name": "x"}', "[]"])
def test_a_damaged_tokens_file_is_a_503_that_says_so(client, index_root, entry):
    (index_root / "tokens.json").write_text('{"tokens": [' + entry + "]}")
    answer = _post(client, "nst_anything", [WOMBAT])
    assert answer.status_code == 503 and "API tokens cannot be checked" in answer.get_json()["error"]


def _raw_answer(base: str, request_bytes: bytes) -> tuple[str, bytes]:
    """The status line and body of the answer to `request_bytes`, sent as they are."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        try:
            connection.sendall(request_bytes)
        except (BrokenPipeError, ConnectionResetError):  # the server answered before reading all that was sent
            pass
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    head, _, body = answer.partition(b"\r\n\r\n")
    return head.split(b"\r\n", 1)[0].decode(), body


@pytest.mark.parametrize("workers", [1, 2])
def test_chunked_bodies_are_held_to_the_limit_and_a_bad_chunk_is_a_400(index_root, secret, workers):
    head = (f"POST /api/articles HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {secret}\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode()
    chunk = b"x" * 2**20
    too_large = head + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 11 + b"0\r\n\r\n"
    with running_server(index_root, workers=workers) as base:
        status, body = _raw_answer(base, too_large)
        assert status.split()[1] == "413" and "error" in json.loads(body)
        assert _raw_answer(base, head + b"zz\r\n")[0].split()[1] == "400"
    assert not Inbox(index_root).posted.exists() and Inbox(index_root).waiting() == []


@pytest.mark.parametrize("workers", [1, 2])
def test_a_writer_that_dies_is_started_again(index_root, secret, workers):
    process, base = start_server(index_root, workers=workers)
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        [writer] = [int(pid) for pid in children if b"search.inbox_writer" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        os.kill(writer, signal.SIGKILL)
        _post_over_http(base, secret, WOMBAT)
        assert _total_within(base, "wombat", 1, seconds=40) == 1
    finally:
        stop_server(process)


def test_a_large_inbox_finds_entities_on_every_core(index_root):
    writer = InboxWriter(IndexStore(index_root))
    writer.inbox.accept(parse_articles(json.dumps(WOMBAT), lines=False))
    assert writer.entity_jobs() == 1
    big = [dict(QUOKKA, id=f"q{n}", body=QUOKKA["body"] + " More." * 100) for n in range(200)]
    writer.inbox.accept(parse_articles("".join(json.dumps(record) + "\n" for record in big), lines=True))
    assert writer.entity_jobs() == max(1, os.cpu_count() or 1)


def test_a_moved_or_copied_index_keeps_each_posted_article_once(client, index_root, secret, tmp_path):
    ids = _post(client, secret, [WOMBAT, QUOKKA]).get_json()["ids"]
    index_paths(IndexStore(index_root), [SEEDS], entities=False)
    copy = tmp_path / "elsewhere" / "index"
    shutil.copytree(index_root, copy, symlinks=True)
    index_paths(IndexStore(copy), [SEEDS], entities=False)
    assert sorted(hit.id for hit in _found(copy, "wombat OR quokka")) == sorted(ids)
    assert NewsIndex(copy).stats().posted_articles == 2
    moved = create_app({"INDEX": str(copy), "TESTING": True}).test_client()
    assert moved.delete(f"/api/articles/{ids[0]}", headers={"Authorization": f"Bearer {secret}"}).status_code == 202
    index_paths(IndexStore(copy), [], entities=False, posted_only=True)
    assert [hit.id for hit in _found(copy, "wombat OR quokka")] == [ids[1]]
    assert len(_found(index_root, "wombat OR quokka")) == 2  # the original is left as it was


def test_half_written_batches_are_cleared_once_surely_abandoned(index_root):
    inbox = Inbox(index_root)
    inbox.folder.mkdir()
    old, fresh = inbox.folder / ".1-2-old.jsonl.tmp", inbox.folder / ".1-2-fresh.jsonl.tmp"
    old.write_text("{")
    fresh.write_text("{")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    index_paths(IndexStore(index_root), [], entities=False)
    assert not old.exists() and fresh.exists()


def test_a_writer_that_keeps_dying_is_started_again_at_once_then_at_most_every_ten_seconds(index_root):
    with inbox_writer.WriterProcess(index_root) as writer:
        for _ in range(2):
            writer.process.kill()
            writer.process.wait()
            died = writer.process
            writer.check()
        assert writer.process is died  # the second death waits for RESTART_EVERY
        writer.restarted -= inbox_writer.RESTART_EVERY
        writer.check()
        assert writer.process is not died and writer.process.poll() is None


def test_a_frozen_writer_is_replaced(index_root, monkeypatch):
    monkeypatch.setattr(inbox_writer, "SILENT_AFTER", 3.0)
    with inbox_writer.WriterProcess(index_root) as writer:
        first = writer.process
        time.sleep(1)
        writer.check()
        assert writer.process is first  # alive and beating
        os.kill(first.pid, signal.SIGSTOP)
        time.sleep(4)
        writer.check()
        assert writer.process is not first and first.poll() is not None
        assert writer.process.poll() is None


def test_an_inbox_on_a_read_only_disk_is_a_503_and_the_log_says_why(client, secret, monkeypatch, caplog):
    def read_only(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(inbox_module, "open", read_only, raising=False)  # the batch cannot be written...
    monkeypatch.setattr(Path, "unlink", read_only)  # ...nor its first bytes removed
    answer = _post(client, secret, [WOMBAT])
    assert answer.status_code == 503 and "try again later" in answer.get_json()["error"]
    assert "could not write to the inbox" in caplog.text and "Read-only file system" in caplog.text
