"""Fill a PostgreSQL database with a million realistic proposals, for the server-time benchmark.

    python -m bench.million --database-url postgresql://127.0.0.1:5432/bench --proposals 1000000

The schema comes from the Alembic migrations (the database is emptied first). Staff, citizens,
departments and campaigns are few and inserted directly; proposals, their event trails,
decisions, announcements and the derived ``proposal_stage_figure`` rows are streamed with COPY
(psycopg 3) in id order, with the secondary indexes dropped during the load and rebuilt after.
Every row satisfies the schema's CHECK constraints; every proposal's trail walks the transition
table (submitted → in review → [information requested →] in deliberation → decided → announced,
or withdrawn / merged on the way). Not generated: reviews, panel sessions, attachments and citizen
votes (none of the benchmarked pages reads them).
"""

from __future__ import annotations

import argparse
import json
import random
import time
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from werkzeug.security import generate_password_hash

import workflows.figures as figures
from models import Outcome, Stage, State
from models.encryption import build_box, derive_key
from webapp.config import normalise_database_url
from workflows import tally
from workflows.calendar import is_business_day
from workflows.numbering import SEOUL

# The benchmark database's own staff: a throwaway password and authenticator secret.
BENCH_PASSWORD = "bench-password-2026"  # noqa: S105
# The authenticator secret of the benchmark's staff (they log in with a second factor).
BENCH_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105
# The bench apps' SECRET_KEY: without SECRET_ENCRYPTION_KEYS the secrets at rest are encrypted
# with a key derived from it, so the generator stores the authenticator secret that way too.
BENCH_SECRET_KEY = "bench"  # noqa: S105
REVIEWERS = 40
CHUNK = 50_000
CITIZENS = 20_000
DEPARTMENTS = 30
START = datetime(2025, 1, 2, tzinfo=UTC)
NOW = datetime(2026, 12, 1, tzinfo=UTC)

# The share of proposals in each state once the programme has run for two years.
STATES = [
    (State.DRAFT, 2),
    (State.SUBMITTED, 6),
    (State.INFO_REQUESTED, 2),
    (State.IN_REVIEW, 14),
    (State.IN_DELIBERATION, 6),
    (State.DECIDED, 52),
    (State.ANNOUNCED, 8),
    (State.WITHDRAWN, 5),
    (State.MERGED, 5),
]
DECIDED = [
    (Outcome.NOT_ACCEPTED, 45),
    (Outcome.LONG_TERM, 25),
    (Outcome.FORWARD_CENTRAL, 20),
    (Outcome.REPEAL, 5),
    (Outcome.RELAX, 5),
]
WORDS = [
    "건축",
    "허가",
    "주차장",
    "설치",
    "기준",
    "완화",
    "폐지",
    "소상공인",
    "간판",
    "조명",
    "제출",
    "서류",
    "축소",
    "보육료",
    "지원",
    "신청",
    "절차",
    "전통시장",
    "화재공제",
    "가입",
    "요건",
    "마을버스",
    "이용",
    "시간",
    "연장",
    "청년",
    "월세",
    "소득",
    "조건",
    "공사",
    "현장",
    "충전기",
    "지구단위계획",
    "변경",
    "보증금",
    "납부",
    "방식",
    "평생학습",
    "강좌",
    "수강",
    "자격",
    "상한",
    "위원회",
    "서면",
    "심의",
]

PROPOSAL_COLUMNS = [
    "id",
    "receipt_no",
    "title",
    "current_regulation",
    "legal_basis",
    "problem",
    "proposed_change",
    "expected_effect",
    "contact_name",
    "contact_phone",
    "contact_email",
    "consent_version",
    "consent_at",
    "source_kind",
    "channel_code",
    "sector_code",
    "regulation_type_code",
    "classification_confirmed",
    "proposer_id",
    "campaign_id",
    "assigned_reviewer_id",
    "owning_department_id",
    "clock_started_at",
    "reviewed_at",
    "state",
    "stage",
    "outcome",
    "info_requested_at",
    "merged_into_id",
    "announcement_id",
    "repeal_no",
    "ordinance_change_needed",
    "implementation_stage",
    "effective_on",
    "created_at",
    "submitted_at",
    "updated_at",
    "version",
]
EVENT_COLUMNS = [
    "id",
    "proposal_id",
    "kind",
    "actor_id",
    "occurred_at",
    "from_state",
    "to_state",
    "from_stage",
    "to_stage",
    "note",
    "visible_to_proposer",
    "data",
]
DECISION_COLUMNS = [
    "id",
    "proposal_id",
    "sequence",
    "outcome",
    "reasons",
    "reason_code",
    "responsible_official",
    "decided_by_id",
    "decided_at",
]


@dataclass
class Event:
    """The attributes ``workflows.timing`` reads, without an ORM object per event."""

    id: int
    kind: str
    occurred_at: datetime
    from_state: State | None
    to_state: State
    from_stage: Stage | None
    to_stage: Stage
    data: dict[str, Any] = field(default_factory=dict)


class BusinessDays:
    """``business_days_between`` by table lookup: the same rule (Seoul dates, weekends and Korean
    public holidays off), a prefix sum instead of a walk over the days."""

    def __init__(self, first: date, last: date) -> None:
        self.first = first
        self.prefix = [0]
        day = first
        while day <= last:
            self.prefix.append(self.prefix[-1] + (1 if is_business_day(day) else 0))
            day += timedelta(days=1)

    def _upto(self, day: date) -> int:
        return self.prefix[(day - self.first).days + 1]

    def between(self, start: datetime, end: datetime) -> int:
        first = start.astimezone(SEOUL).date()
        last = end.astimezone(SEOUL).date()
        if last <= first:
            return 0
        return self._upto(last) - self._upto(first)


def _pick(rng: random.Random, weighted: list[tuple[Any, int]]) -> Any:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


_ENUMS = (State, Stage, Outcome)
_TEXTS: dict[int, list[str]] = {}


def _text(rng: random.Random, words: int) -> str:
    """One of a thousand texts of this length (drawn once: drawing every word is the slow part)."""
    pool = _TEXTS.get(words)
    if pool is None:
        pool = _TEXTS[words] = [" ".join(rng.choices(WORDS, k=words)) for _ in range(1000)]
    return pool[int(rng.random() * 1000)]


class World:
    """The small tables, read back after they are inserted."""

    def __init__(self, conn: psycopg.Connection[Any], rng: random.Random) -> None:
        self.channels = list(conn.execute("SELECT code, source_kind FROM channel ORDER BY code"))
        self.sectors = [r[0] for r in conn.execute("SELECT code FROM sector ORDER BY code")]
        self.types = [r[0] for r in conn.execute("SELECT code FROM regulation_type ORDER BY code")]
        self.reasons = [r[0] for r in conn.execute("SELECT code FROM decline_reason ORDER BY code")]
        password = generate_password_hash(BENCH_PASSWORD)
        totp = (
            build_box([derive_key(BENCH_SECRET_KEY)]).encrypt(BENCH_TOTP_SECRET.encode()).decode()
        )
        now = datetime.now(UTC)
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO organisation (code, name, kind, active) VALUES (%s, %s, %s, true)",
                [(f"dept-{i:02d}", f"부서 {i}", "department") for i in range(DEPARTMENTS)],
            )
            self.departments = [
                r[0] for r in conn.execute("SELECT id FROM organisation ORDER BY id")
            ]
            staff = [
                (f"reviewer{i}@bench.example", f"검토자 {i}", "reviewer") for i in range(REVIEWERS)
            ] + [("chair@bench.example", "위원장", "chair")]
            cur.executemany(
                "INSERT INTO user_account (email, name, password_hash, role, organisation_id,"
                " active, session_token, totp_secret, totp_enrolled_at, totp_failures, created_at)"
                " VALUES (%s, %s, %s, %s, %s, true, md5(random()::text), %s, %s, 0, %s)",
                [(e, n, password, r, self.departments[0], totp, now, now) for e, n, r in staff],
            )
            with cur.copy(
                "COPY user_account (email, name, password_hash, role, active, session_token,"
                " totp_failures, created_at) FROM STDIN"
            ) as copy:
                for i in range(CITIZENS):
                    copy.write_row(
                        (
                            f"citizen{i}@bench.example",
                            f"시민 {i}",
                            password,
                            "citizen",
                            True,
                            f"{rng.getrandbits(128):032x}",
                            0,
                            now,
                        )
                    )
        self.reviewers = [
            r[0] for r in conn.execute("SELECT id FROM user_account WHERE role = 'reviewer'")
        ]
        self.chair = conn.execute("SELECT id FROM user_account WHERE role = 'chair'").fetchone()[0]
        self.citizens = [
            r[0] for r in conn.execute("SELECT id FROM user_account WHERE role = 'citizen'")
        ]
        conn.execute(
            "INSERT INTO campaign (code, name, starts_on, ends_on, active) VALUES"
            " ('2025-100days', '2025 규제철폐 100일 캠페인', '2025-03-01', '2025-06-08', true),"
            " ('2026-100days', '2026 규제철폐 100일 캠페인', '2026-03-02', '2026-06-09', true)"
        )
        self.campaigns = list(conn.execute("SELECT id, starts_on, ends_on FROM campaign"))
        # A published announcement every week; a repeal goes into the first one after its decision.
        self.announcement_days: list[date] = []
        day = date(2025, 2, 7)
        while day < NOW.date():
            self.announcement_days.append(day)
            day += timedelta(days=7)
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY announcement (id, title, announced_on, summary, state, created_by_id,"
                " created_at, published_at, published_by_id) FROM STDIN"
            ) as copy,
        ):
            for i, day in enumerate(self.announcement_days, start=1):
                at = datetime(day.year, day.month, day.day, 1, tzinfo=UTC)
                copy.write_row(
                    (
                        i,
                        f"규제철폐 발표 {day}",
                        day,
                        "",
                        "published",
                        self.chair,
                        at,
                        at,
                        self.chair,
                    )
                )


class Generator:
    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        self.event_id = 0
        self.decision_id = 0
        self.repeal_no = 0
        self.days = BusinessDays(date(2024, 12, 1), date(2027, 1, 31))

    def _after(self, at: datetime, low: int, high: int) -> datetime:
        return at + timedelta(days=self.rng.randint(low, high), minutes=self.rng.randint(1, 600))

    def proposal(self, pid: int) -> tuple[tuple[Any, ...], list[Event], list[tuple[Any, ...]]]:
        rng, world = self.rng, self.world
        state: State = _pick(rng, STATES)
        submitted = START + (NOW - START) * (pid / (self.total + 1))
        submitted += timedelta(minutes=rng.randint(0, 300))
        # Open cases are recent; the further along, the older.
        if state in (State.SUBMITTED, State.INFO_REQUESTED):
            submitted = NOW - timedelta(days=rng.randint(1, 20), minutes=rng.randint(1, 600))
        elif state in (State.IN_REVIEW, State.IN_DELIBERATION):
            submitted = min(submitted, NOW - timedelta(days=rng.randint(30, 90)))
        elif state in (State.DECIDED, State.ANNOUNCED):
            submitted = min(submitted, NOW - timedelta(days=rng.randint(120, 200)))
        channel, channel_source = rng.choice(world.channels)
        source = channel_source or rng.choice(("citizen", "official", "agency"))
        sector = rng.choice(world.sectors)
        reg_type = rng.choice(world.types)
        events: list[Event] = []
        decisions: list[tuple[Any, ...]] = []
        row: dict[str, Any] = {
            "id": pid,
            "title": _text(rng, 6),
            "current_regulation": _text(rng, 12),
            "legal_basis": None,
            "problem": _text(rng, 16),
            "proposed_change": _text(rng, 12),
            "expected_effect": _text(rng, 8),
            "contact_name": f"제안자{pid}",
            "contact_phone": None,
            "contact_email": None,
            "consent_version": "2025-01",
            "source_kind": source,
            "channel_code": channel,
            "sector_code": sector,
            "regulation_type_code": reg_type,
            "classification_confirmed": state not in (State.DRAFT, State.SUBMITTED),
            "proposer_id": rng.choice(world.citizens),
            "campaign_id": None,
            "assigned_reviewer_id": None,
            "owning_department_id": None,
            "clock_started_at": None,
            "reviewed_at": None,
            "stage": Stage.INTAKE,
            "outcome": None,
            "info_requested_at": None,
            "merged_into_id": None,
            "announcement_id": None,
            "repeal_no": None,
            "ordinance_change_needed": None,
            "implementation_stage": None,
            "effective_on": None,
            "version": 1,
        }
        if state is State.DRAFT:
            row.update(
                receipt_no=None,
                consent_at=None,
                submitted_at=None,
                state=State.DRAFT,
                created_at=submitted,
                updated_at=submitted,
            )
            return self._row(row), events, decisions
        for cid, starts, ends in world.campaigns:
            if starts <= submitted.astimezone(SEOUL).date() <= ends:
                row["campaign_id"] = cid
        row.update(
            receipt_no=f"B{submitted.year}-{pid:07d}",
            consent_at=submitted,
            submitted_at=submitted,
            created_at=submitted,
        )
        reviewer = rng.choice(world.reviewers)

        def step(kind: str, at: datetime, to_state: State, to_stage: Stage, **data: Any) -> None:
            previous = events[-1] if events else None
            self.event_id += 1
            events.append(
                Event(
                    self.event_id,
                    kind,
                    at,
                    previous.to_state if previous else State.DRAFT,
                    to_state,
                    previous.to_stage if previous else Stage.INTAKE,
                    to_stage,
                    data,
                )
            )

        at = submitted
        step("submit_proposal", at, State.SUBMITTED, Stage.INTAKE)
        if state is State.SUBMITTED:
            return self._finish(row, State.SUBMITTED, Stage.INTAKE, events), events, decisions
        if state is State.WITHDRAWN and rng.random() < 0.5:
            step("withdraw_proposal", self._after(at, 1, 10), State.WITHDRAWN, Stage.INTAKE)
            row["outcome"] = Outcome.WITHDRAWN
            return self._finish(row, State.WITHDRAWN, Stage.INTAKE, events), events, decisions
        at = self._after(at, 1, 8)
        row["assigned_reviewer_id"] = reviewer
        step("start_review", at, State.IN_REVIEW, Stage.REVIEW)
        if state is State.INFO_REQUESTED or rng.random() < 0.1:
            at = self._after(at, 1, 10)
            step("request_information", at, State.INFO_REQUESTED, Stage.REVIEW)
            if state is State.INFO_REQUESTED:
                row["info_requested_at"] = at
                return self._finish(row, state, Stage.REVIEW, events), events, decisions
            at = self._after(at, 2, 15)
            step("answer_information_request", at, State.IN_REVIEW, Stage.REVIEW)
            row["clock_started_at"] = submitted + timedelta(days=7)
        if state is State.IN_REVIEW:
            return self._finish(row, state, Stage.REVIEW, events), events, decisions
        if state in (State.WITHDRAWN, State.MERGED):
            at = self._after(at, 1, 20)
            if state is State.WITHDRAWN:
                step("withdraw_proposal", at, State.WITHDRAWN, Stage.REVIEW)
                row["outcome"] = Outcome.WITHDRAWN
            else:
                step("merge_proposal", at, State.MERGED, Stage.REVIEW)
                row["outcome"] = Outcome.MERGED
                row["merged_into_id"] = rng.randint(1, pid - 1) if pid > 1 else None
                if row["merged_into_id"] is None:
                    row["outcome"] = Outcome.WITHDRAWN
                    events[-1].kind, events[-1].to_state = "withdraw_proposal", State.WITHDRAWN
                    return self._finish(row, State.WITHDRAWN, Stage.REVIEW, events), events, []
            return self._finish(row, state, Stage.REVIEW, events), events, decisions
        row["owning_department_id"] = rng.choice(world.departments)
        at = self._after(at, 5, 30)
        row["reviewed_at"] = at
        step("send_to_deliberation", at, State.IN_DELIBERATION, Stage.DELIBERATION)
        if state is State.IN_DELIBERATION:
            return self._finish(row, state, Stage.DELIBERATION, events), events, decisions
        outcome: Outcome = (
            rng.choice((Outcome.REPEAL, Outcome.RELAX))
            if state is State.ANNOUNCED
            else _pick(rng, DECIDED)
        )
        at = self._after(at, 5, 40)
        sequence = 1
        if rng.random() < 0.02:
            # Re-examined: a first decision, then the one in force.
            first = rng.choice([o for o, _ in DECIDED])
            decisions.append(self._decision(pid, sequence, first, at))
            step("decide_proposal", at, State.DECIDED, Stage.DECISION, outcome=first.value)
            at = self._after(at, 10, 30)
            step("request_reexamination", at, State.IN_REVIEW, Stage.REVIEW)
            at = self._after(at, 5, 20)
            step("send_to_deliberation", at, State.IN_DELIBERATION, Stage.DELIBERATION)
            at = self._after(at, 5, 20)
            sequence = 2
        decisions.append(self._decision(pid, sequence, outcome, at))
        kind = {
            Outcome.NOT_ACCEPTED: "decline_proposal",
            Outcome.FORWARD_CENTRAL: "forward_to_central",
        }.get(outcome, "decide_proposal")
        step(kind, at, State.DECIDED, Stage.DECISION, outcome=outcome.value)
        row["outcome"] = outcome
        if state is State.ANNOUNCED:
            index = bisect_right(self.world.announcement_days, at.astimezone(SEOUL).date())
            index = min(index, len(self.world.announcement_days) - 1)
            day = self.world.announcement_days[index]
            published = max(at, datetime(day.year, day.month, day.day, 1, tzinfo=UTC))
            step("publish_announcement", published, State.ANNOUNCED, Stage.DECISION)
            self.repeal_no += 1
            stage = rng.choice(("preparing", "ordinance_amendment", "in_force", "in_force"))
            row.update(
                announcement_id=index + 1,
                repeal_no=self.repeal_no,
                ordinance_change_needed=stage == "ordinance_amendment",
                implementation_stage=stage,
                effective_on=day + timedelta(days=30) if stage == "in_force" else None,
            )
        return self._finish(row, state, Stage.DECISION, events), events, decisions

    def _decision(self, pid: int, sequence: int, outcome: Outcome, at: datetime) -> tuple[Any, ...]:
        self.decision_id += 1
        reason = self.rng.choice(self.world.reasons) if outcome is Outcome.NOT_ACCEPTED else None
        return (
            self.decision_id,
            pid,
            sequence,
            outcome.value,
            _text(self.rng, 10),
            reason,
            "규제총괄관",
            self.world.chair,
            at,
        )

    def _finish(
        self, row: dict[str, Any], state: State, stage: Stage, events: list[Event]
    ) -> tuple[Any, ...]:
        row.update(state=state, stage=stage, updated_at=events[-1].occurred_at)
        return self._row(row)

    @staticmethod
    def _row(row: dict[str, Any]) -> tuple[Any, ...]:
        values = [row[c] for c in PROPOSAL_COLUMNS]
        return tuple(v.value if type(v) in _ENUMS else v for v in values)

    def run(self, total: int) -> Iterator[tuple[tuple[Any, ...], list[Event], list[Any]]]:
        self.total = total
        for pid in range(1, total + 1):
            yield self.proposal(pid)


def _copy_chunk(cur: psycopg.Cursor[Any], batch: list[Any]) -> None:
    events: list[tuple[Any, ...]] = []
    decisions: list[tuple[Any, ...]] = []
    stage_rows: list[tuple[Any, ...]] = []
    state_at, outcome_at = PROPOSAL_COLUMNS.index("state"), PROPOSAL_COLUMNS.index("outcome")
    for row, trail, decided in batch:
        pid = row[0]
        for e in trail:
            events.append(
                (
                    e.id,
                    pid,
                    e.kind,
                    None,
                    e.occurred_at,
                    e.from_state.value if e.from_state else None,
                    e.to_state.value,
                    e.from_stage.value if e.from_stage else None,
                    e.to_stage.value,
                    "",
                    True,
                    json.dumps(e.data),
                )
            )
        decisions.extend(decided)
        outcome = Outcome(row[outcome_at]) if row[outcome_at] else None
        for stage, days in figures.stage_figures(trail, State(row[state_at]), outcome, NOW).items():
            stage_rows.append((pid, stage.value, days))
    for table, columns, rows in (
        ("proposal", PROPOSAL_COLUMNS, [row for row, _t, _d in batch]),
        ("proposal_event", EVENT_COLUMNS, events),
        ("decision", DECISION_COLUMNS, decisions),
        ("proposal_stage_figure", ["proposal_id", "stage", "business_days"], stage_rows),
    ):
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)


def _secondary_indexes(conn: psycopg.Connection[Any], tables: list[str]) -> list[tuple[str, str]]:
    """Indexes that back no constraint: dropped for the load, rebuilt after it."""
    return list(
        conn.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i"
            " WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (tables,),
        )
    )


def _migrate(url: str) -> None:
    from flask_migrate import upgrade

    from models import db
    from webapp import create_app

    app = create_app({"APP_ENV": "testing", "SECRET_KEY": BENCH_SECRET_KEY, "DATABASE_URL": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def plain_url(database_url: str) -> str:
    """A database URL as psycopg takes it (the application's form names its driver)."""
    return normalise_database_url(database_url).replace("postgresql+psycopg://", "postgresql://")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--proposals", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    url = plain_url(args.database_url)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")
    _migrate(args.database_url)
    with psycopg.connect(url) as conn:
        world = World(conn, rng)
        generator = Generator(world, rng)
        figures.business_days_between = generator.days.between  # type: ignore[assignment]
        tables = ["proposal", "proposal_event", "decision", "proposal_stage_figure"]
        indexes = _secondary_indexes(conn, tables)
        for name, _definition in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        conn.commit()
        with conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            # Foreign keys hold by construction; skipping their triggers halves the load.
            cur.execute("SET session_replication_role = replica")
            batch: list[tuple[tuple[Any, ...], list[Event], list[Any]]] = []
            for item in generator.run(args.proposals):
                batch.append(item)
                if len(batch) == CHUNK or item[0][0] == args.proposals:
                    _copy_chunk(cur, batch)
                    batch = []
                    print(f"{item[0][0]:,} proposals ({time.perf_counter() - started:.0f} s)")
            for table in (
                "proposal",
                "proposal_event",
                "decision",
                "announcement",
                "user_account",
                "organisation",
                "campaign",
            ):
                # The table names are the constants above.
                setval = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: E501, S608
                cur.execute(setval)
            cur.execute(
                "UPDATE counter SET value = %s WHERE name = 'repeal_no'", (generator.repeal_no,)
            )
            # The replica role kept the registers' tally triggers off too: counted once here.
            for statement in tally.REBUILD:
                cur.execute(statement)
            figures_value = rng.getrandbits(62)
            cur.execute("UPDATE counter SET value = %s WHERE name = 'figures'", (figures_value,))
        conn.commit()
        for _name, definition in indexes:
            conn.execute(definition)
            conn.commit()
        print(f"{len(indexes)} indexes rebuilt ({time.perf_counter() - started:.0f} s)")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"done: {args.proposals:,} proposals, {generator.repeal_no:,} repeals,"
        f" {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
