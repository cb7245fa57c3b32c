"""The auditor's command line: replay, as-of, verify, export.

    audit replay [--into DIR] [--at T]
    audit as-of 2026-11-05T12:00:00+08:00 [--complaint ID | --office O]
    audit verify [--office O] [--against-topics]
    audit export (--complaint ID | --office O --week 2026-W45) --out DIR [--at T]

where `audit` is `python -m services.projection.entrypoints.audit`.

It reads the projection's store named by the PROJECTION_* settings (read-only) and the topics; what it
cannot audit (no store there, another store's key, an office the store holds nothing of) it refuses, exit 2.
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import tempfile
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import NoReturn
from uuid import UUID

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from shared.bus.authors import AuthorCheck
from shared.clock import utc_now
from shared.eventstore import first_events_read
from shared.settings import Store

from .. import bootstrap
from ..adapters.export import canonical_export, evidence_for_complaint, evidence_for_office_week, render_html
from ..adapters.replay import (
    LiveStoreMoving,
    ReplayReport,
    fewer_collections,
    fresh_environment,
    raw_consume,
    replay,
    settled_live_export,
    targets,
    topic_events,
)
from ..adapters.sources import FollowupCases, differences
from ..adapters.statistics_tables import statistics_of
from ..adapters.stored_chain import stored_links
from ..application import ProjectionApplication, findings_of, history_of
from ..domain.crosscheck import crosscheck
from ..domain.errors import UnknownPeriod
from ..domain.view import ComplaintView
from ..settings import ProjectionSettings

cli = typer.Typer(add_completion=False, help="Audit the complaint projection.")
console = Console()


def _progress() -> Progress:
    """Bars redrawn four times a second on a terminal; elsewhere never (`_Reported` prints lines
    there): rich's refresh thread rendered the invisible bars all the same, ~3 % of a replay's CPU."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        auto_refresh=console.is_terminal,
    )


class _Reported:
    """A progress bar's updates, and where there is no terminal to draw it on (a log file, a pipe,
    a scheduler) a line every `every` seconds instead, so that a replay of hours shows it is moving
    and how far it has got (rich draws nothing there until the end)."""

    def __init__(self, bar: Progress, every: float = 30.0) -> None:
        self.bar = bar
        self.every = every
        self.started = self.last = time.monotonic()

    def update(self, task: TaskID, completed: int, total: int | None = None) -> None:
        self.bar.update(task, completed=completed, total=total)  # None: the total unchanged
        now = time.monotonic()
        if console.is_terminal or now - self.last < self.every:
            return
        self.last = now
        shown = self.bar.tasks[task]
        of = f" of {shown.total:,.0f}" if shown.total else ""
        console.print(f"{shown.description}: {completed:,}{of} after {now - self.started:,.0f} s", highlight=False)


def _stop(*lines: str) -> NoReturn:
    """Say why the audit cannot run and stop (exit 2). Long lines are not broken: a path copied from
    the terminal stays whole."""
    for line in lines:
        console.print(line, soft_wrap=True)
    raise typer.Exit(2)


def _audited_store(settings: ProjectionSettings) -> ProjectionApplication:
    """The projection's store the settings name, opened only when it is one an audit can read; else stop
    at once (exit 2), saying why and what to set. Each of these once ended in a false assurance or a
    false alarm: a mistyped PROJECTION_STATE_DIR made an empty store there and `verify` called its chain
    intact; an encrypted store (every `make up` store is) read without its key, or with another
    service's, had `verify` name every event 'altered'."""
    if settings.store is Store.MEMORY:
        _stop(
            "[red]PROJECTION_STORE is memory[/red]: a memory store holds nothing between processes, so there "
            "is nothing to audit. Name the projection's SQLite or PostgreSQL store."
        )
    if settings.store is Store.SQLITE and not settings.sqlite_path.is_file():
        _stop(
            f"[red]no projection store at {settings.sqlite_path}[/red]: nothing to audit there (none is made). "
            "Point PROJECTION_STATE_DIR at the projection's state folder (it holds stores/projection.sqlite; "
            "under `make up`, .state), or PROJECTION_STORE=postgres and PROJECTION_POSTGRES_* at its database."
        )
    where = (
        str(settings.sqlite_path) if settings.store is Store.SQLITE
        else f"database {settings.postgres_dbname} on {settings.postgres_host}:{settings.postgres_port}"
    )  # fmt: skip
    if settings.store is Store.POSTGRES:
        _postgres_holds_projection(settings, where)
    app = bootstrap.application(settings)
    try:
        if not app.process_recorder.max_notification_id():
            _stop(
                f"[red]the store at {where} holds no record at all[/red]: nothing to audit (a projection "
                "records every event it consumes). Is it the projection's store?"
            )
        if not first_events_read(app):
            _stop(
                "[red]the projection's store cannot be read without its key[/red]: it is encrypted at rest and "
                "PROJECTION_CIPHER_KEY is not set (this alone says nothing of tampering)."
                if settings.cipher_key is None
                else f"[red]the store at {where} cannot be read with the PROJECTION_CIPHER_KEY given[/red]: its "
                "first events do not decrypt, as under another store's key (this alone says nothing of "
                "tampering: altered events are named in a store its own key reads).",
                "Give the projection's cipher key; under `make up` it is in .state/dev.env:\n"
                "  set -a; . <(grep '^PROJECTION_' .state/dev.env); set +a",
            )
    except BaseException:
        app.close()
        raise
    return app


def _postgres_holds_projection(settings: ProjectionSettings, where: str) -> None:
    """Stop unless the database is reachable and holds the projection's read side: opening the store
    creates its tables, so an audit pointed at another service's database, or a new one, would leave the
    projection's empty tables there before saying it holds nothing."""
    try:
        with psycopg.connect(
            host=settings.postgres_host, port=settings.postgres_port, user=settings.postgres_user,
            password=settings.postgres_password.get_secret_value(), dbname=settings.postgres_dbname,
            connect_timeout=10,
        ) as connection:  # fmt: skip
            row = connection.execute("SELECT to_regclass('projection_position') IS NOT NULL").fetchone()
    except psycopg.Error as error:
        _stop(
            f"[red]cannot open the {where}[/red]: {str(error).strip()}",
            "Set PROJECTION_POSTGRES_HOST, _PORT, _USER, _PASSWORD and _DBNAME to the projection's database.",
        )
    if not (row and row[0]):
        _stop(
            f"[red]no projection store in the {where}[/red]: it holds no projection tables, so there is "
            "nothing to audit there (none is made). Set PROJECTION_POSTGRES_DBNAME (and _HOST, _PORT) to the "
            "projection's database."
        )


def _known_office(app: ProjectionApplication, office: str) -> str:
    """The office an auditor names, if the store holds anything of it (a complaint, or its units served);
    else a refusal naming the offices it does hold. A misspelt office once read as an intact, empty
    chain (`verify`), zero complaints (`as-of`) and an empty evidence pack (`export`), each exit 0."""
    known = app.offices()
    if office in known:
        return office
    alike = [o for o in known if o.casefold() == office.strip().casefold()]
    hint = f" Did you mean {alike[0]!r}?" if alike else ""
    raise typer.BadParameter(
        f"the projection's store holds nothing of office {office!r} (no complaint of it, no units served): a "
        f"misspelt office, or one that has recorded no complaint.{hint} "
        f"Offices in the store: {', '.join(known) or 'none'}"
    )


COMPLAINT_HELP = "One complaint: its id, or its reference as the desk shows it (e.g. HK-CENTRAL-20261201-7K2QX)."


def _complaint_id(app: ProjectionApplication, typed: str, office: str | None) -> UUID:
    """The complaint an auditor names: its id, or its office reference (what the desk, the dashboard and
    the receipt show; found with the projection's own search, case aside, in `office` when given). A
    reference two offices both use is refused with both named."""
    try:
        return UUID(typed)
    except ValueError:
        pass
    found = [
        view for view in app.complaints(office, utc_now(), search=typed)
        if (view.office_reference or "").casefold() == typed.strip().casefold()
    ]  # fmt: skip
    if not found:
        raise typer.BadParameter(
            f"no complaint has the id or reference {typed!r}" + (f" in {office}" if office else "")
        )
    if len(found) > 1:
        offices = ", ".join(f"{v.office_id} ({v.complaint_id})" for v in found)
        raise typer.BadParameter(
            f"{len(found)} offices use the reference {typed!r}: {offices}; add --office or give the id"
        )
    return UUID(str(found[0].complaint_id))


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an instant: give one like 2026-11-05T12:00:00+08:00") from None
    if instant.tzinfo is None:
        raise typer.BadParameter("give a time zone, e.g. 2026-11-05T12:00:00+08:00")
    return instant


async def run_replay(
    settings: ProjectionSettings,
    into: Path,
    now: datetime,
    use_live: bool = True,
    into_database: str | None = None,
    workers: int | None = None,
) -> tuple[ReplayReport, bool, bytes, bytes]:
    """Raw consume, then replay into a fresh store (a SQLite file in `into`, or the empty PostgreSQL
    database `into_database` on the live store's server), its records decoded in `workers` processes
    (None: `default_workers()`); compare canonical exports. The CPU seconds count the workers' too."""
    live = bootstrap.application(settings) if use_live else None
    if into_database is not None:
        fresh_settings = settings.model_copy(update={"store": Store.POSTGRES, "postgres_dbname": into_database})
    else:
        fresh_settings = settings.model_copy(update={"store": Store.SQLITE, "state_dir": into})
    fresh = bootstrap.application(fresh_settings, env=fresh_environment(fresh_settings))

    def export(app: ProjectionApplication) -> bytes:
        with fewer_collections():  # a whole history's JSON in memory: the collector's walks over it free nothing
            return canonical_export(app, now)

    try:
        topics = [t.name for t in bootstrap.CONSUMED_TOPICS]
        servers, group = settings.kafka_bootstrap_servers, settings.consumer_group
        if live is not None:  # the live export first, with the positions it shows (the worker may run on)
            goal, live_export = await settled_live_export(
                lambda: targets(servers, topics, group, live), lambda: export(live)
            )
        else:
            goal, live_export = await targets(servers, topics, group, None), None
        total = sum(o + 1 for o in goal.values() if o >= 0)
        with _progress() as bar:
            shown = _Reported(bar)
            raw_task = bar.add_task("raw aiokafka", total=total)
            raw_cpu = time.process_time()
            raw_count, raw_seconds = await raw_consume(
                settings.kafka_bootstrap_servers, goal, lambda done, _t: shown.update(raw_task, done)
            )
            task = bar.add_task("replay: store", total=total)
            tables = bar.add_task("replay: tables", total=None)
            folding = bar.add_task("replay: summaries", total=None)
            raw_cpu, cpu = time.process_time() - raw_cpu, _cpu_with_workers()
            phases: dict[str, float] = {}
            handled, skipped, seconds = await replay(
                settings.kafka_bootstrap_servers,
                fresh,
                goal,
                settings.consumer_group,
                lambda done, _t: shown.update(task, done),
                lambda done, all_: shown.update(tables, done, all_),
                AuthorCheck.from_settings(settings),
                lambda done, all_: shown.update(folding, done, all_),
                workers,
                phases,
            )
            bar.update(raw_task, completed=total)  # offsets of transaction markers hold no record
            bar.update(task, completed=total)
        cpu = _cpu_with_workers() - cpu  # the workers have ended: their time is counted
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the live export held, not the replay's
        report = ReplayReport(handled, skipped, seconds, raw_count, raw_seconds, cpu, raw_cpu, rss, phases)
        replayed = export(fresh)
        live_export = live_export if live_export is not None else replayed
        return report, replayed == live_export, live_export, replayed
    finally:
        fresh.close()
        if live is not None:
            live.close()


def _cpu_with_workers() -> float:
    """This process's CPU seconds and those of its ended child processes (the decoding workers)."""
    used = os.times()
    return used.user + used.system + used.children_user + used.children_system


@cli.command("replay")
def replay_command(
    into: Path = typer.Option(None, help="Where the fresh store goes (default: a new temporary folder)."),
    at: str = typer.Option(None, help="Judge both exports at this instant (default: now)."),
    into_database: str = typer.Option(
        None, help="Replay into this empty PostgreSQL database on the store's server instead of a SQLite file."
    ),
    workers: int = typer.Option(
        None,
        help="Processes that check and decode the records beside the writer (default: cores - 2; 0: none).",
    ),
) -> None:
    """Rebuild the projection from offset 0 into a fresh store; show it equals the live one."""
    settings = ProjectionSettings()
    _audited_store(settings).close()  # the live store is opened again to be compared
    folder = into or Path(tempfile.mkdtemp(prefix="projection-replay-"))
    now = _instant(at) if at else utc_now()
    outcome: list[tuple[ReplayReport, bool, bytes, bytes]] = []

    async def replaying() -> None:
        # The result is handed over here, not returned: asyncio.run's end (Python 3.11) formats
        # the main task with its result when it restores the SIGINT handler — two whole exports
        # put through repr(), seconds of CPU after every replay.
        outcome.append(await run_replay(settings, folder, now, into_database=into_database, workers=workers))

    try:
        asyncio.run(replaying())
        report, equal, live_export, replayed = outcome[0]
    except LiveStoreMoving as moving:
        console.print(f"no comparison: {moving}")
        raise typer.Exit(3) from moving
    table = Table(title="replay")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("events replayed", str(report.events))
    table.add_row("messages skipped (undecodable)", str(report.skipped))
    table.add_row("replay events/s", f"{report.rate:,.0f}")
    table.add_row("raw aiokafka records/s (same topics, same run)", f"{report.raw_rate:,.0f}")
    store, tables = report.phases.get("store", 0.0), report.phases.get("tables", 0.0)
    table.add_row("replay seconds: store / read-side tables", f"{store:,.1f} / {tables:,.1f}")
    table.add_row("peak RSS MiB by the end of the replay (the live export held)", f"{report.peak_rss_mib:,.0f}")
    table.add_row("CPU seconds: replay / raw aiokafka", f"{report.cpu_seconds:,.2f} / {report.raw_cpu_seconds:,.2f}")
    table.add_row("canonical export bytes (live / replay)", f"{len(live_export)} / {len(replayed)}")
    table.add_row("equal byte for byte", "yes" if equal else "NO")
    console.print(table)
    folder.mkdir(parents=True, exist_ok=True)  # a replay into a database made no SQLite file there
    (folder / "live-export.json").write_bytes(live_export)
    (folder / "replay-export.json").write_bytes(replayed)
    console.print(f"exports written to {folder}", soft_wrap=True)  # a path stays whole to copy
    raise typer.Exit(0 if equal else 1)


@cli.command("as-of")
def as_of_command(
    at: str = typer.Argument(None, help="The instant, with its time zone (or give it as --at, as `export` takes it)."),
    complaint: str = typer.Option(None, help=COMPLAINT_HELP),
    office: str = typer.Option(None, help="One office (default: the group)."),
    at_option: str = typer.Option(None, "--at", help="The instant, as the other commands take it."),
) -> None:
    """A complaint, an office or the group as it was known at an instant: only the events that had
    happened by then, with the record rule judged at that instant."""
    if at is None and at_option is None:  # "once" said of none given read as a riddle (found on `make up`)
        raise typer.BadParameter("give the instant: `as-of 2026-11-05T12:00:00+08:00` or `--at …`; none was given")
    if at is not None and at_option is not None:
        raise typer.BadParameter("give the instant once: `as-of 2026-11-05T12:00:00+08:00` or `--at …`")
    at = at or at_option
    instant = _instant(at)
    settings = ProjectionSettings()
    app = _audited_store(settings)
    try:
        if office is not None:
            office = _known_office(app, office)
        if complaint is not None:
            views = list(app.read.views_as_of(instant, subject_id=_complaint_id(app, complaint, office)))
            if not views:
                console.print(f"no complaint {complaint} known at {instant.isoformat()}")
                raise typer.Exit(1)
            result = history_of(views[0], instant, app.policy, with_personal_data=True, keyring=app.keyring)
        else:
            views = app.read.views_as_of(instant, office)
            units = app.units.get(office) if office else (sum(app.units.values()) or None)
            result = {
                "scope": office or "group",
                "at": instant.isoformat(),
                # Each complaint as known then, one at a time into scratch rows: flat memory.
                "statistics": statistics_of(views, instant, app.policy, units),
            }
        console.print_json(json.dumps(result))
    finally:
        app.close()


@cli.command("verify")
def verify_command(
    office: str = typer.Option(None, help="Only this office's chain."),
    against_topics: bool = typer.Option(False, help="Also compare every chained event with the topics."),
    against_followup: str = typer.Option(
        None, help="Also compare each complaint's reply and return visit with follow-up's own cases (its URL)."
    ),
    credential: str = typer.Option(
        None, envvar="AUDIT_CREDENTIAL", help="A group auditor's key or bearer token for --against-followup."
    ),
) -> None:
    """Check every office's hash chain; report each altered, removed, inserted or reordered event (and,
    with --against-followup, each complaint whose reply or return visit differs from follow-up's)."""
    settings = ProjectionSettings()
    app = _audited_store(settings)
    try:
        if office is not None:
            office = _known_office(app, office)
        with _progress() as bar:
            total = app.process_recorder.max_notification_id() or 0
            task = bar.add_task("verifying the store", total=total)
            links, unreadable = stored_links(app, office)
            findings = findings_of(links, unreadable, office)
            bar.update(task, completed=total)
        if against_topics:
            topics = [t.name for t in bootstrap.CONSUMED_TOPICS]

            async def logged():  # type: ignore[no-untyped-def]
                goal = await targets(settings.kafka_bootstrap_servers, topics, settings.consumer_group, app)
                return await topic_events(settings.kafka_bootstrap_servers, goal, AuthorCheck.from_settings(settings))

            events = [e for e in asyncio.run(logged()) if office is None or e.office_id == office]
            findings += crosscheck(links, events)
        differing = []
        if against_followup:
            if not credential:
                raise typer.BadParameter("give a group auditor's key or token (--credential or AUDIT_CREDENTIAL)")
            compared = 0

            def counted() -> Iterator[ComplaintView]:  # a page at a time: memory bounded by the page
                nonlocal compared
                for view in app.every_complaint(office, utc_now()):
                    compared += 1
                    yield view

            differing = differences(counted(), FollowupCases.at(against_followup, credential))
            console.print(f"read side against follow-up: {compared} complaints, {len(differing)} difference(s)")
    finally:
        app.close()
    if differing:
        table = Table(title="the read side differs from follow-up's own record")
        for column in ("office", "complaint", "difference"):
            table.add_column(column)
        for d in differing:
            table.add_row(d.office_id, d.complaint_id, str(d))
        console.print(table)
        if not findings:
            raise typer.Exit(1)
    if not findings:
        offices = len({link.office_id for link in links})
        console.print(
            f"[green]chain intact[/green]: {len(links)} complaint events in {offices} office chain(s) "
            f"(of {total} stored records); none altered, removed, inserted or reordered since recorded"
        )
        return
    table = Table(title="chain breaks")
    for column in ("kind", "office", "position", "event", "detail"):
        table.add_column(column)
    for f in findings:
        table.add_row(f.kind, f.office_id, str(f.position), f.event_id, f.detail)
    console.print(table)
    raise typer.Exit(1)


@cli.command("export")
def export_command(
    out: Path = typer.Option(..., help="Folder for evidence.json and evidence.html."),
    complaint: str = typer.Option(None, help=COMPLAINT_HELP),
    office: str = typer.Option(None),
    week: str = typer.Option(None, help="ISO week, e.g. 2026-W45 (with --office)."),
    at: str = typer.Option(None, help="Judge the checks at this instant (default: now)."),
) -> None:
    """An evidence pack for one complaint or one office-week: events, hashes, checks (JSON and HTML)."""
    now = _instant(at) if at else utc_now()
    settings = ProjectionSettings()
    app = _audited_store(settings)
    try:
        if office is not None:
            office = _known_office(app, office)
        if complaint is not None:
            pack = evidence_for_complaint(app, _complaint_id(app, complaint, office), now)
        elif office and week:
            try:
                pack = evidence_for_office_week(app, office, week, now)
            except UnknownPeriod:
                raise typer.BadParameter(f"{week!r} is not an ISO week: give one like 2026-W45") from None
        else:
            raise typer.BadParameter("give --complaint, or --office with --week")
    finally:
        app.close()
    out.mkdir(parents=True, exist_ok=True)
    (out / "evidence.json").write_text(json.dumps(pack, indent=2, ensure_ascii=False, sort_keys=True))
    (out / "evidence.html").write_text(render_html(pack))
    console.print(f"evidence for {pack['subject']}: {out / 'evidence.json'}, {out / 'evidence.html'}", soft_wrap=True)


if __name__ == "__main__":
    cli()
