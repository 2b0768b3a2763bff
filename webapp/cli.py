"""Command-line entry points: ``flask --app wsgi <command>``."""

from __future__ import annotations

import logging
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from models import Role, db
from workflows.dispatch import RQDispatcher, commit, deliver_due
from workflows.intake import FieldErrors


def register(app: Flask) -> None:
    app.cli.add_command(demo_data)
    app.cli.add_command(worker)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(secrets_cli)
    app.cli.add_command(figures_cli)


@click.command("demo-data")
@click.option("--reset", is_flag=True, help="Drop every table, rebuild the schema, then load.")
@click.option("--if-empty", is_flag=True, help="Load only into an empty database; else do nothing.")
@click.option(
    "--no-search-index",
    is_flag=True,
    help="Do not build the search index now (it is built on first use, or by `search rebuild`).",
)
@with_appcontext
def demo_data(reset: bool, if_empty: bool, no_search_index: bool) -> None:
    """Load the deterministic replay of the 2025 campaign (2,507 proposals, 123 repeals)."""
    from .demo.loader import DemoAlreadyLoaded, load_demo_data, reset_database

    if reset:
        reset_database()
    try:
        summary = load_demo_data(db.session, password=current_app.config["DEMO_PASSWORD"])
    except DemoAlreadyLoaded as exc:
        if if_empty:
            click.echo("the database already holds data; demo data not loaded")
            return
        raise click.ClickException(str(exc)) from None
    click.echo(summary)
    if no_search_index:
        return
    # The replay records no side effects (outbox suppressed): index everything once, in bulk.
    from .search_pages.service import rebuild_index

    indexed = rebuild_index(db.session, commit=True)
    click.echo(f"search index built: {indexed:,} proposals")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--queues", default=None, help="Comma-separated queues (default: WORKER_QUEUES).")
@click.option(
    "--fork/--no-fork",
    default=None,
    help="Fork a work-horse per job (RQ's default) instead of running jobs in this process "
    "(default: WORKER_FORK).",
)
@with_appcontext
def worker(burst: bool, queues: str | None, fork: bool | None) -> None:
    """Run an RQ worker (with its retry scheduler) inside the application context."""
    from .worker import AppWorker, ForkingAppWorker, start_sweeper, sweep_once

    dispatcher = current_app.extensions["regrepeal.dispatcher"]
    if not isinstance(dispatcher, RQDispatcher):
        raise click.ClickException("REDIS_URL is not set: jobs run in-process, no worker needed.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    names = (queues or ",".join(current_app.config["WORKER_QUEUES"])).split(",")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if "search" in names:
        # Load the Kiwi model once, before any job (and before a forking worker's horses, which
        # share it: loading it per job made 100 index jobs take minutes instead of seconds).
        from .search_pages.service import ensure_index_usable

        ensure_index_usable()
    sweep_once(app, grace=timedelta(0))
    db.session.remove()
    stop = start_sweeper(app, interval=current_app.config["WORKER_SWEEP_SECONDS"])
    forking = current_app.config["WORKER_FORK"] if fork is None else fork
    worker = (ForkingAppWorker if forking else AppWorker)(
        names,
        connection=dispatcher.connection,
        job_monitoring_interval=current_app.config["WORKER_HEARTBEAT_SECONDS"],
    )
    if isinstance(worker, AppWorker):
        worker.app = app
    worker.heartbeat_grace = current_app.config["WORKER_HEARTBEAT_GRACE"]
    try:
        worker.work(burst=burst, with_scheduler=True)
    finally:
        stop.set()


@click.group("outbox")
def outbox_cli() -> None:
    """The queue of background jobs recorded by committed changes."""


@outbox_cli.command("drain")
@with_appcontext
def outbox_drain() -> None:
    """Hand every due pending job to the runner (in-process, or RQ when REDIS_URL is set)."""
    handed = deliver_due(db.session, limit=10_000)
    click.echo(f"{handed} job(s) handed over")


@click.group("users")
def users_cli() -> None:
    """User accounts."""


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(Role.values()), required=True)
@click.option(
    "--organisation",
    "organisation_code",
    default=None,
    help="Organisation code (required for staff roles).",
)
@click.password_option(help="Password (asked for when omitted).")
@with_appcontext
def users_create(
    email: str, name: str, role: str, organisation_code: str | None, password: str
) -> None:
    """Create an account (staff accounts are tied to an organisation); the same operation as
    the admin page, recorded in the admin audit trail as made from the command line."""
    from workflows import admin

    organisation = None
    if organisation_code:
        organisation = admin.organisation_by_code(db.session, organisation_code)
        if organisation is None:
            raise click.ClickException(
                f"알 수 없는 기관 코드 / unknown organisation: {organisation_code}"
            )
    options = {"organisation_id": "--organisation", "email": "--email", "name": "--name"}
    try:
        user = admin.create_user(
            db.session,
            None,
            email=email,
            name=name,
            role=Role(role),
            organisation_id=organisation.id if organisation else None,
            password=password,
        )
        commit(db.session)
    except FieldErrors as exc:
        db.session.rollback()
        raise click.ClickException(
            "; ".join(
                f"{message} ({options.get(field, '--' + field)})"
                for field, message in exc.errors.items()
            )
        ) from None
    click.echo(f"created {role} {user.email}")


@click.group("report")
def report_cli() -> None:
    """Reports for the council and the press."""


@report_cli.command("campaign")
@click.argument("code")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, writable=True),
    required=True,
    help="Where to write the XLSX workbook.",
)
@with_appcontext
def report_campaign(code: str, output: str) -> None:
    """Write the campaign report (received by source and channel, repeals by sector and type
    with examples, announcements) as an XLSX workbook, and print its summary."""
    from models import Campaign
    from workflows.exports import write_xlsx
    from workflows.report import campaign_report, report_sheets

    campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
    if campaign is None:
        codes = ", ".join(db.session.scalars(select(Campaign.code))) or "-"
        raise click.ClickException(f"알 수 없는 캠페인 코드입니다: {code} (있는 코드: {codes})")
    result = campaign_report(db.session, campaign)
    with open(output, "wb") as out:
        write_xlsx(report_sheets(result), out)
    click.echo(f"{campaign.name} ({campaign.starts_on} ~ {campaign.ends_on})")
    click.echo(
        f"제안·접수 {result.received:,}건: "
        + ", ".join(f"{line.source.label} {line.count:,}" for line in result.sources)
    )
    click.echo(
        f"규제철폐 발표 {result.repeals:,}건: "
        + ", ".join(f"{block.sector} {block.count}" for block in result.sectors)
    )
    click.echo(f"written to {output}")


@click.group("reminders")
def reminders_cli() -> None:
    """The office's daily deadline reminders."""


@reminders_cli.command("send")
@click.option("--day", default=None, help="The Seoul date to remind for (YYYY-MM-DD; today).")
@with_appcontext
def send_reminders(day: str | None) -> None:
    """Queue today's reminder to each assignee with something due (run daily by cron or the RQ
    scheduler; a second run on the same day sends nothing twice)."""
    from datetime import date

    from workflows.deadlines import seoul_today
    from workflows.reminders import queue_reminders

    from .office.actions import targets

    try:
        on = date.fromisoformat(day) if day else seoul_today()
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD", param_hint="--day") from None
    queued = queue_reminders(db.session, on, targets())
    commit(db.session)
    click.echo(f"{queued} reminder(s) queued for {on.isoformat()}")


@click.group("search")
def search_cli() -> None:
    """The search index (a rebuildable cache of the database)."""


@search_cli.command("rebuild")
@with_appcontext
def search_rebuild() -> None:
    """Rebuild the search index from the database, with a progress bar."""
    import time

    from .search_pages.service import indexable_count, rebuild_index

    total = indexable_count(db.session)
    started = time.perf_counter()
    with click.progressbar(length=total, label="색인 중 / indexing", show_pos=True) as bar:
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            bar.update(count - done)
            done = count

        indexed = rebuild_index(db.session, progress, commit=True)
    elapsed = time.perf_counter() - started
    rate = indexed / elapsed if elapsed else 0.0
    click.echo(f"indexed {indexed:,} proposals in {elapsed:.1f} s ({rate:,.0f}/s)")


@search_cli.command("status")
@with_appcontext
def search_status() -> None:
    """Say whether the index is usable and how many proposals it holds."""
    import search

    from .search_pages.service import index_dir, indexable_count

    state = search.status(index_dir())
    held = search.document_count(index_dir()) if state == "ok" else 0
    click.echo(f"index {state}: {held:,} of {indexable_count(db.session):,} proposals")


@click.group("privacy")
def privacy_cli() -> None:
    """Personal data: destruction after the retention period."""


@privacy_cli.command("destroy-expired")
@click.option("--days", type=int, default=None, help="The retention period in days (setting).")
@click.option("--on", "on", default=None, help="The date to run for (YYYY-MM-DD; today).")
@with_appcontext
def destroy_expired(days: int | None, on: str | None) -> None:
    """Erase the contact details and attachments of closed proposals kept longer than the
    retention period (PERSONAL_DATA_RETENTION_DAYS), logging each destruction (run daily by
    cron; a second run destroys nothing twice)."""
    from datetime import UTC, datetime
    from pathlib import Path

    from models import utcnow
    from workflows.logins import purge_old_sessions
    from workflows.privacy import Destruction, destroy_expired_personal_data

    retention = days if days is not None else current_app.config["PERSONAL_DATA_RETENTION_DAYS"]
    if retention < 1:
        raise click.BadParameter("at least 1", param_hint="--days")
    try:
        moment = datetime.fromisoformat(on).replace(tzinfo=UTC) if on else utcnow()
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD", param_hint="--on") from None
    directory = Path(current_app.config["ATTACHMENT_DIR"])

    def remove_files(batch: Destruction) -> None:
        # The files go only once their batch's destruction is committed.
        for name in batch.files:
            (directory / name).unlink(missing_ok=True)

    done = destroy_expired_personal_data(
        db.session, now=moment, retention_days=retention, after_batch=remove_files
    )
    sessions = purge_old_sessions(
        db.session, now=moment, retention_days=current_app.config["LOGIN_SESSION_RETENTION_DAYS"]
    )
    commit(db.session)
    click.echo(
        f"personal data destroyed for {len(done.receipt_nos)} closed proposal(s)"
        f" kept longer than {retention} days; {len(done.files)} attachment(s) removed;"
        f" {sessions} old login session record(s) deleted"
    )


@click.group("secrets")
def secrets_cli() -> None:
    """Secrets kept encrypted in the database (the staff's authenticator secrets)."""


@secrets_cli.command("rotate")
@with_appcontext
def secrets_rotate() -> None:
    """Re-encrypt every stored secret with the first key of SECRET_ENCRYPTION_KEYS. To change
    the key: put a new key first, keep the old one after it, run this, then drop the old key."""
    from workflows.twofactor import reencrypt_secrets

    count = reencrypt_secrets(db.session)
    commit(db.session)
    click.echo(f"{count} secret(s) encrypted with the newest key")


@click.group("figures")
def figures_cli() -> None:
    """The public figures, kept between changes (in Redis when REDIS_URL is set)."""


@figures_cli.command("rebuild-tally")
@with_appcontext
def figures_rebuild_tally() -> None:
    """Count the registers' tally again from the proposals (after a load that bypassed its
    triggers, or to check it: the totals before and after are printed)."""
    from models import Proposal
    from models.base import writing_apart
    from workflows import tally

    before = tally.total(db.session)
    with writing_apart(db.session):
        tally.rebuild(db.session.connection())
        commit(db.session)
    after = tally.total(db.session)
    proposals = db.session.scalar(select(func.count(Proposal.id)))
    click.echo(f"tally rebuilt: {before} before, {after} now, {proposals} proposal(s)")


@figures_cli.command("fill")
@with_appcontext
def figures_fill() -> None:
    """Compute the per-day parts of the figures, and from them the unfiltered and every
    campaign's figures, now (after a deploy, a restore or with an empty Redis), so that no
    visitor's request has to: any other filter is then summed from the parts."""
    import time

    from .figures_cache import compact_tally

    click.echo(f"{compact_tally(db.session)} delta(s) of the registers' tally summed")
    if not current_app.config["REDIS_URL"]:
        click.echo("REDIS_URL is not set: the figures are kept per process; nothing to fill")
        return
    started = time.perf_counter()
    computed = current_app.extensions["regrepeal.figures_cache"].fill(db.session)
    click.echo(f"{computed} filter(s) computed in {time.perf_counter() - started:.1f} s")
