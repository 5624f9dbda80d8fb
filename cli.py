"""The `news-search` command line: each command parses its options, calls the library, prints."""
from __future__ import annotations

import errno
import html
import json
import os
import re
import signal
import sys
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path

import click

from search import (
    Hit,
    IndexReport,
    IndexStore,
    NewsIndex,
    NewsSearchError,
    QuerySyntaxError,
    SearchRequest,
    SearchResult,
)
from search.cluster import CLUSTER_ENV, runner_for
from search.config import INDEX_ENV, default_index_dir, index_dir, lock_wait
from search.export import EXPORT_FORMATS, exported_lines
from search.model import MAX_FACET_SIZE, MAX_RELATED, SORTS
from search.shard_layout import MAX_SHARDS, ShardLayout
from search.shard_runs import index_root
from search.sharded import ShardedIndex, open_index
from search.tokens import TokenStore
from search.watching import FolderWatcher, WatchBatch

EXIT_FATAL, EXIT_USAGE, EXIT_PARTIAL = 1, 2, 3
_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)  # one group: split() keeps the marked text
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_C1 = re.compile(r"[\x7f-\x9f]")


def json_option(command: Callable) -> Callable:
    """`--json`: print exactly one JSON document on stdout (an error too: `{"error": …}`)."""
    def remember(ctx: click.Context, _param, value: bool) -> bool:
        ctx.meta["json"] = value
        return value

    return click.option("--json", "as_json", is_flag=True, callback=remember,
                        help="Print one JSON document instead of text.")(command)


def no_entities_option(command: Callable) -> Callable:
    """`--no-entities`: index without finding people, organisations and places."""
    return click.option(
        "--no-entities", is_flag=True,
        help="Do not look for people, organisations and places (several times faster); their facets stay "
             "empty until a run without this option finds them for every article.")(command)


def print_json(data: dict) -> None:
    """One JSON document; C1 control characters escaped too (JSON escapes only C0 ones), so that
    printing it on a terminal sends no command."""
    click.echo(_C1.sub(lambda match: f"\\u{ord(match.group()):04x}", json.dumps(data, ensure_ascii=False, indent=2)))


class Context:
    """What every command needs: where the index is, and where a sharded one's work runs."""

    def __init__(self, index_location: Path, cluster: str | None = None) -> None:
        self.location = index_location
        self.cluster = cluster

    def open_index(self) -> NewsIndex | ShardedIndex:
        return open_index(self.location, self.cluster)



def fail(message: str, code: int = EXIT_FATAL) -> None:
    """End the command with `message` on stderr and, under --json, as the one JSON document on stdout."""
    context = click.get_current_context(silent=True)
    if context is not None and context.meta.get("json"):
        print_json({"error": message})
    click.echo(f"Error: {terminal_text(message)}", err=True)
    sys.exit(code)


def terminal_text(text: str) -> str:
    """Text from files or the index as safe to print: control characters that a terminal would take
    as commands (ESC, CSI, BS, CR…) are removed, tabs and line breaks kept."""
    return _CONTROL.sub("", text)


class ReportingGroup(click.Group):
    """Turns the library's errors into a message and an exit status, in one place for every command."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except QuerySyntaxError as error:
            fail(str(error), EXIT_USAGE)
        except NewsSearchError as error:
            fail(str(error))


@click.group(cls=ReportingGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--index", "index_location", metavar="DIR", type=click.Path(file_okay=False, path_type=Path),
              help=f"Index directory. Default: ${INDEX_ENV}, else {default_index_dir()}.")
@click.option("--cluster", metavar="ADDRESS", envvar=CLUSTER_ENV,
              help=f"The Dask scheduler (tcp://host:8786) whose workers do a sharded index's work. "
                   f"Default: ${CLUSTER_ENV}, else this machine.")
@click.version_option(package_name="news-search")
@click.pass_context
def cli(ctx: click.Context, index_location: Path | None, cluster: str | None) -> None:
    """Index folders of news articles and search them, with facets.

    \b
    Example:
        news-search index seeds/
        news-search search "north korea" --from 2024-10 --json
    """
    ctx.obj = Context(index_dir(index_location), cluster or None)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--rebuild", is_flag=True, help="Build a fresh index of exactly these PATHs and swap it in atomically.")
@click.option("--dry-run", is_flag=True, help="List what would be added, updated and removed; change nothing.")
@click.option("--jobs", type=click.IntRange(min=1), default=None,
              help="Processes finding entities. Default: every core when there are 2 MB or more to read, else 1.")
@click.option("--shards", type=click.IntRange(1, MAX_SHARDS), default=None,
              help="Make a sharded index of N shards (a first build or a --rebuild); later runs keep the count.")
@no_entities_option
@json_option
@click.option("--quiet", "-q", is_flag=True, help="No progress bar and no per-file messages.")
@click.pass_obj
def index(context: Context, paths: tuple[Path, ...], rebuild: bool, dry_run: bool, jobs: int | None,
          shards: int | None, no_entities: bool, as_json: bool, quiet: bool) -> None:
    """Add, update and remove articles so the index matches PATHs (files or folders).

    Unchanged files are skipped without being read; articles whose file vanished
    from under a PATH are removed. Files are read as plain text (.txt), JSON Lines
    (.jsonl), CSV (.csv), web pages (.html, .htm, .html.gz) or newswire SGML
    (.sgm); a named file of another ending
    is recognised by its content. In folders, links to files outside the PATHs
    are not followed (reported as skipped). People, organisations and places are
    found in English articles, then settled across the whole index (one kind and
    spelling per name; short forms and company suffixes joined) and mapped by the
    alias file in the index folder; an edit to it applies on the next run.

    Exit status: 0 all indexed, 3 some files or entries had problems (the rest
    is indexed), 1 nothing could be done, 2 usage error.

    \b
    Example:
        news-search index seeds/ ~/archive/2024/
        news-search index --dry-run ~/archive/
        news-search index --rebuild --no-entities ~/archive/
        news-search --index ~/sharded index --shards 4 ~/archive/

    A sharded index is N indexes that every command searches as one, with the
    same results; each file goes to the shard its name hashes to. With --cluster,
    each shard is indexed as a task on that Dask cluster.
    """
    progress = None if quiet or dry_run or not sys.stderr.isatty() else TerminalProgress()
    options = dict(dry_run=dry_run, jobs=jobs, lock_timeout=lock_wait(), entities=not no_entities)
    try:
        report = index_root(IndexStore(context.location), paths, shards=shards, rebuild=rebuild, progress=progress,
                            runner=runner_for(context.cluster) if context.cluster else None, **options)
    except KeyboardInterrupt:
        if ShardLayout.of(context.location):
            fail("interrupted; each shard is as this run left it or as it was before (run again to finish)", 130)
        fail("interrupted; the index is as it was before this run", 130)
    if report.recovered and not quiet:
        click.echo(terminal_text(f"note: {report.recovered}; its unfinished work was set aside and this run "
                                 "completed it"), err=True)
    if report.rebuilt and not quiet:
        click.echo(terminal_text(f"note: {report.rebuilt}"), err=True)
    if as_json:
        print_json(report.to_dict())
    else:
        if dry_run:
            for change in report.changes:
                click.echo(terminal_text(f"{change.action:<7} {change.shown}"))
        if not quiet:
            _print_notes(report)
        click.echo(report.summary())
    if report.errors:
        sys.exit(EXIT_PARTIAL)


class TerminalProgress:
    """A progress bar on stderr with files/s and time left."""

    def start(self, total_files: int) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total_files, unit="file", file=sys.stderr, dynamic_ncols=True, leave=False)

    def advance(self, path: str, articles: int) -> None:
        self.bar.set_postfix(articles=articles, refresh=False)
        self.bar.update(1)

    def finish(self) -> None:
        self.bar.close()
        click.echo("Writing the index…", err=True)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Seconds between looks; a file is indexed once its size and time held still this long.")
@click.option("--poll", is_flag=True, help="Scan for changes instead of asking the system to report them "
                                           "(for network folders). Used anyway where the system cannot report.")
@no_entities_option
@click.option("--quiet", "-q", is_flag=True, help="Log only batches with problems.")
@click.pass_obj
def watch(context: Context, paths: tuple[Path, ...], interval: float, poll: bool, no_entities: bool,
          quiet: bool) -> None:
    """Index PATHs now, then again whenever files under them are added, changed or removed.

    Bursts of changes are indexed together, one log line per batch on stderr; a
    file still being written waits until it stops changing, and a file that
    cannot be indexed is reported once, then tried again when it changes. The write lock is
    held only while a batch is written, so `index` and searches go on meanwhile.
    Stop with Ctrl-C.

    \b
    Example:
        news-search watch ~/incoming/ --interval 5
    """
    def log(batch: WatchBatch) -> None:
        if batch.changed and not (quiet and not batch.report.errors and not batch.error):
            what = f"not indexed this time: {batch.error}" if batch.error else batch.report.summary()
            click.echo(terminal_text(f"{datetime.now():%Y-%m-%d %H:%M:%S} {what} "
                                     f"({batch.seconds:.1f} s{_waiting(batch.waiting)})"), err=True)
            _print_notes(batch.report)

    watcher = FolderWatcher(IndexStore(context.location), paths, interval=interval, entities=not no_entities,
                            polling=poll, lock_timeout=lock_wait(), on_batch=log)
    signal.signal(signal.SIGTERM, lambda *_: watcher.stop.set())  # a service manager's stop: finish the batch
    if not quiet:
        click.echo(f"Watching {', '.join(map(str, paths))} (every {interval:g} s); Ctrl-C stops.", err=True)
    try:
        watcher.run()
    except KeyboardInterrupt:
        pass
    click.echo("Stopped; the index holds every batch written so far.", err=True)


def _print_notes(report: IndexReport) -> None:
    """The run's problems and the links it did not follow, one line each on stderr."""
    for error in report.errors:
        click.echo(f"problem: {terminal_text(str(error))}", err=True)
    for note in report.skipped:
        click.echo(f"skipped: {terminal_text(str(note))}", err=True)


def _waiting(count: int) -> str:
    return f"; {count} file{'s' if count != 1 else ''} still being written" if count else ""


def _filter_options(command: Callable) -> Callable:
    """The filter and order options of a search."""
    options = [
        click.option("--source", "sources", multiple=True, metavar="S", help="Only this source (repeat to OR)."),
        click.option("--person", "people", multiple=True, metavar="P", help="Only articles naming this person."),
        click.option("--org", "orgs", multiple=True, metavar="O", help="Only articles naming this organisation."),
        click.option("--place", "places", multiple=True, metavar="L", help="Only articles naming this place."),
        click.option("--from", "date_from", metavar="DATE",
                     help="From this date, inclusive: YYYY, YYYY-MM, YYYY-MM-DD, today, yesterday, or 7d, 2w, 3m, 1y "
                          "(the last 7 days, 2 weeks… today included)."),
        click.option("--to", "date_to", metavar="DATE", help="Up to this date, inclusive; the same forms as --from."),
        click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
                     help="Order of hits; with an empty QUERY, relevance means newest first."),
        click.option("--feedback", is_flag=True,
                     help="Re-rank by the words of the ten best matches (better for topics; slower)."),
        click.option("--collapse", is_flag=True,
                     help="One hit per story: copies of it (syndicated, re-published) are listed under the first."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _page_options(command: Callable) -> Callable:
    """The paging options of a search."""
    options = [
        click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True, help="Hits per page."),
        click.option("--facet-size", "facet_limit", type=click.IntRange(1, MAX_FACET_SIZE), default=10,
                     show_default=True, help="Values listed per facet."),
        click.option("--page", type=click.IntRange(min=1), default=1, show_default=True, help="Page of hits."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@cli.command()
@click.argument("query", default="")
@_filter_options
@_page_options
@json_option
@click.pass_obj
def search(context: Context, query: str, limit: int, as_json: bool, **filters) -> None:
    """Search the index. Words are AND-ed; OR, NOT, "phrases", prefix*, wild?card, [a TO c] and field:value work.

    Hits are ranked by BM25 over title and body (a prefix or wildcard counts as
    one word standing for all it covers), words standing together first; equal
    scores newest first. --feedback re-ranks by the words of the ten best hits.
    Each hit says how many copies of its story the index holds (the same story
    re-published by other outlets); --collapse shows each story once.

    Fields for field:value are title, body, source, distributor, people (person),
    orgs (org) and places (place). Repeated filters of one kind are OR-ed, different
    kinds AND-ed. A person, organisation or place is found under any spelling the
    alias file or the index joins (--org OPEC, person:trump). An empty QUERY lists
    everything that passes the filters.

    \b
    Example:
        news-search search "north korea" --from 2024-10
        news-search search 'oil OR gas' --source Reuters --sort newest --json
        news-search search "" --place Ukraine --limit 20
    """
    request = SearchRequest.from_text(query=query, per_page=limit, **filters)
    result = context.open_index().search(request)
    if as_json:
        print_json(result.to_dict())
    else:
        _print_result(result)


def _print_result(result: SearchResult) -> None:
    noun = "article matches" if result.total == 1 else "articles match"
    shown = f'"{result.query}"' if result.query else "everything"
    stories = f", {result.groups} {'story' if result.groups == 1 else 'stories'}" if result.collapsed else ""
    click.echo(f"{result.total} {noun} {shown}{stories} (page {result.page} of {result.page_count})")
    if result.suggestion:
        click.echo(terminal_text(f"Did you mean: {result.suggestion}?"))
    first = (result.page - 1) * result.per_page + 1
    for number, hit in enumerate(result.hits, start=first):
        _print_hit(number, hit)
    for facet, values in result.facets.items():
        if values:
            click.echo()
            listed = ", ".join(f"{value.value} ({value.count})" for value in values)
            click.echo(terminal_text(f"{facet.capitalize()}: {listed}"))


def _print_hit(number: int, hit: Hit) -> None:
    click.echo()
    click.echo(f"{number:>3}. " + click.style(terminal_text(hit.title), bold=True))
    origin = " via ".join(filter(None, [hit.source, hit.distributor])) or "unknown source"
    click.echo(terminal_text(f"     {hit.date or 'undated'} · {origin} · {hit.id}"))
    click.echo(f"     {_terminal_snippet(hit.snippet)}")
    if hit.copies:
        also = f": also in {', '.join(hit.copy_sources)}" if hit.copy_sources else ""
        click.echo(terminal_text(f"     {hit.copies} cop{'y' if hit.copies == 1 else 'ies'}{also}"))


def _terminal_snippet(snippet: str) -> str:
    """The snippet's HTML as terminal text: marked words bold and underlined, nothing else styled."""
    parts = _MARK.split(" ".join(snippet.split()))  # plain, marked, plain, …
    return "".join(click.style(text, bold=True, underline=True) if number % 2 else text
                   for number, text in enumerate(terminal_text(html.unescape(part)) for part in parts))


@cli.command()
@click.argument("query", default="")
@_filter_options
@click.option("--format", "export_format", type=click.Choice(EXPORT_FORMATS), default="jsonl", show_default=True,
              help="JSON Lines (one object per line) or CSV (UTF-8, a header row, lists joined by '; ').")
@click.option("--body", is_flag=True, help="Add each article's text.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file (default: standard output).")
@click.option("--quiet", "-q", is_flag=True, help="No progress on the terminal.")
@click.pass_obj
def export(context: Context, query: str, export_format: str, body: bool, output: Path | None, quiet: bool,
           **filters) -> None:
    """Write every article a search matches, in its order, as JSON Lines or CSV.

    Takes the query and filters of `search`. Each line (row) holds the hit's fields
    but the snippet, and the text with --body. Memory stays the same however many
    articles match; progress shows on a terminal when writing to a file.

    \b
    Example:
        news-search export "oil prices" --from 1987-03 --format csv -o oil.csv
        news-search export --place Ukraine --body > ukraine.jsonl
    """
    from tqdm import tqdm

    request = SearchRequest.from_text(query=query, **filters)
    found = context.open_index().export(request, body=body)
    show_progress = output is not None and not quiet and sys.stderr.isatty()
    with tqdm(total=found.total, unit=" articles", disable=not show_progress, file=sys.stderr) as progress:
        def counted(rows):
            for row in rows:
                yield row
                progress.update(1)
        with open(output, "w", encoding="utf-8", newline="") if output else nullcontext(sys.stdout) as out:
            for line in exported_lines(counted(found.rows), export_format, body=body):
                out.write(line)


@cli.command()
@click.argument("article_id", metavar="ID")
@click.option("--related", is_flag=True,
              help="Instead of the article, the articles most about the same story or subject, most alike first "
                   "(not its copies).")
@click.option("--limit", type=click.IntRange(1, MAX_RELATED), default=5, show_default=True,
              help="How many related articles, with --related.")
@json_option
@click.pass_obj
def show(context: Context, article_id: str, related: bool, limit: int, as_json: bool) -> None:
    """Show one article in full, by the id that search prints; with --related, the articles related to it.

    \b
    Example:
        news-search show dab4316b83b66040 --json
        news-search show dab4316b83b66040 --related
    """
    if limit != 5 and not related:
        raise click.UsageError("--limit goes with --related")
    index = context.open_index()
    if related:
        _show_related(index, article_id, limit, as_json, context.location)
        return
    article = index.article(article_id)
    if article is None:
        fail(f"no article with id {article_id!r} in {context.location}")
    if as_json:
        print_json(article.to_dict())
        return
    data = article.to_dict()
    click.echo(click.style(terminal_text(article.title), bold=True))
    fields = ("date", "source", "distributor", "url", "path", "id")
    lines = [f"{name:>12}: {data[name]}" for name in fields if data[name]]
    lines += [f"{name:>12}: {', '.join(data[name])}" for name in ("people", "orgs", "places") if data[name]]
    lines += [f"{name:>12}: {', '.join(values)}" for name, values in data["labels"].items()]
    click.echo(terminal_text("\n".join([*lines, "", article.body])))


def _show_related(index: NewsIndex, article_id: str, limit: int, as_json: bool, location: str) -> None:
    related = index.related(article_id, limit)
    if related is None:
        fail(f"no article with id {article_id!r} in {location}")
    if as_json:
        print_json(related.to_dict())
        return
    click.echo(f"{len(related.hits)} related article{'' if len(related.hits) == 1 else 's'}")
    for number, hit in enumerate(related.hits, start=1):
        _print_hit(number, hit)


@cli.command()
@json_option
@click.pass_obj
def stats(context: Context, as_json: bool) -> None:
    """How many articles the index holds, over which dates and sources."""
    figures = context.open_index().stats()
    if as_json:
        print_json(figures.to_dict())
        return
    shown = figures.to_dict()
    width = max(map(len, shown))
    for name, value in shown.items():
        click.echo(f"{name.replace('_', ' '):>{width}}: {value if value is not None else '-'}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Worker processes (gunicorn). Default: one per core; 1 serves from this one process "
                   "(waitress).")
@click.option("--threads", type=click.IntRange(1, 64), default=8, show_default=True, help="Threads per worker.")
@click.pass_obj
def serve(context: Context, host: str, port: int, workers: int | None, threads: int) -> None:
    """Serve the search pages and the JSON API.

    Articles indexed while it runs appear without a restart. Articles posted to
    /api/articles (with a token: see `news-search token`) are indexed by a writer
    process of the server's own, within seconds.

    \b
    Example:
        news-search serve --port 8080 --workers 4
    """
    from search.inbox_writer import WriterProcess
    from web import create_app
    from web.serving import WorkerProcesses, listening_socket, serve_in_one_process

    served = context.open_index()
    served.stats()  # fail now, with the message that says how to build one
    if context.cluster:  # for the application, made in each worker process
        os.environ[CLUSTER_ENV] = context.cluster
    try:
        listener = listening_socket(host, port)
    except OSError as error:
        busy = " (another program uses it; choose another with --port)" if error.errno == errno.EADDRINUSE else ""
        fail(f"cannot serve on {host}:{port}: {error.strerror or error}{busy}")
    workers = workers or len(os.sched_getaffinity(0))
    bound_port = listener.getsockname()[1]
    how = "one process" if workers == 1 else f"{workers} worker processes"
    click.echo(f"Serving {context.location} on http://{host}:{bound_port}/ from {how} (Ctrl-C to stop)", err=True)
    # A service manager's stop ends waitress as Ctrl-C does (gunicorn's master sets its own handler), so
    # that the writer gets time to finish its batch.
    signal.signal(signal.SIGTERM, _interrupt)
    with WriterProcess(context.location) as writer:  # of a sharded index: one for all its shards
        every_second = writer.check
        try:
            if workers == 1:
                serve_in_one_process(create_app({"INDEX": str(context.location)}), listener, threads=threads,
                                     every_second=every_second)
            else:
                WorkerProcesses(str(context.location), listener, workers=workers, threads=threads,
                                every_second=every_second).run()
        except KeyboardInterrupt:
            pass


def _interrupt(*_) -> None:
    raise KeyboardInterrupt


@cli.group()
@click.pass_obj
def token(context: Context) -> None:
    """API tokens, for adding and removing articles over HTTP.

    Only a hash of each token is kept, in the index folder.

    \b
    Example:
        news-search token create wire-feed
        curl -H "Authorization: Bearer TOKEN" -H "Content-Type: application/x-ndjson" \\
             --data-binary @articles.jsonl http://127.0.0.1:8000/api/articles
    """


@token.command("create")
@click.argument("name")
@click.pass_obj
def token_create(context: Context, name: str) -> None:
    """Make a token called NAME and print it: the only time it is shown."""
    context.open_index().stats()  # an index to belong to, or the message saying how to build it
    secret = TokenStore(context.location).create(name)
    click.echo(secret)
    click.echo(f"Token {name!r} made; keep it now, it is not shown again.", err=True)


@token.command("list")
@json_option
@click.pass_obj
def token_list(context: Context, as_json: bool) -> None:
    """The tokens' names and when they were made (never the tokens)."""
    records = [record.listed() for record in TokenStore(context.location).records()]
    if as_json:
        print_json({"tokens": records})
        return
    for record in records:
        click.echo(f"{record['name']}\t{record['created']}")


@token.command("revoke")
@click.argument("name")
@click.pass_obj
def token_revoke(context: Context, name: str) -> None:
    """Revoke the token NAME: requests with it are refused from now on."""
    TokenStore(context.location).revoke(name)
    click.echo(f"Token {name!r} revoked.", err=True)


if __name__ == "__main__":
    cli()
