"""Citizen votes: an admin opens a round of announced repeals; each verified person casts one
ballot of up to ``max_picks`` candidates inside the period; results after the round closes."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import (
    Ballot,
    BallotChoice,
    Proposal,
    Role,
    State,
    User,
    VoteCandidate,
    VoteRound,
    as_utc,
    utcnow,
)

from . import picking
from .errors import InvalidInput, PermissionDenied, TransitionNotAllowed

STAFF_WHO_SEE_LIVE_COUNTS = frozenset({Role.ADMIN, Role.CHAIR, Role.REVIEWER})

# The most candidates a round may carry (a ballot page lists them all).
MAX_CANDIDATES = 500
_MAX_KEY = picking.MAX_KEY

_SEPARATORS = re.compile(r"[,，、;\s]+")
_PART = re.compile(r"^제?(\d+)호?(?:[-~–〜]제?(\d+)호?)?$")


def _numbers_ko(numbers: list[int], shown: int = 10) -> str:
    text = ", ".join(f"{n}호" for n in numbers[:shown])
    return text + (f" 외 {len(numbers) - shown}건" if len(numbers) > shown else "")


def parse_repeal_numbers(text: str, *, limit: int = MAX_CANDIDATES) -> list[int]:
    """The repeal numbers an administrator typed ("1-30, 33호, 45"), in the order typed, each
    once. Parts are separated by commas or spaces; a part is a number or a range ``a-b`` (or
    ``a~b``), each end optionally written ``33호``. Refuses, naming the bad part, a part that is
    not a number or range, 0, a reversed range, and more than ``limit`` numbers in all."""
    # "1 - 30" and "33 호" are one part each.
    text = re.sub(r"\s*([-~–〜])\s*", r"\1", text.strip())
    text = re.sub(r"(\d)\s+호", r"\1호", text)
    numbers: dict[int, None] = {}
    for part in _SEPARATORS.split(text):
        if not part:
            continue
        match = _PART.match(part)
        if match is None:
            raise InvalidInput(
                "vote.numbers.syntax",
                f"‘{part}’: 번호나 범위로 읽을 수 없습니다. 예: 1-30, 33호, 45",
                f"'{part}' is not a repeal number or range (e.g. 1-30, 33, 45)",
            )
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first < 1:
            raise InvalidInput(
                "vote.numbers.zero",
                f"‘{part}’: 규제철폐 번호는 1호부터입니다",
                f"'{part}': repeal numbers start at 1",
            )
        if last < first:
            raise InvalidInput(
                "vote.numbers.reversed",
                f"‘{part}’: 범위의 앞 번호가 뒤 번호보다 큽니다 ({last}-{first}로 쓰십시오)",
                f"'{part}': the range is reversed",
            )
        # A range is measured before it is expanded ("1-1000000000" allocates nothing).
        if last - first + 1 > limit or len(numbers.keys() | range(first, last + 1)) > limit:
            raise InvalidInput(
                "vote.numbers.too_many",
                f"‘{part}’까지 넣으면 후보가 {limit}건을 넘습니다. 후보는 {limit}건까지입니다",
                f"With '{part}' there are more than {limit} candidates (the limit)",
            )
        numbers.update(dict.fromkeys(range(first, last + 1)))
    return list(numbers)


def repeals_by_number(session: Session, numbers: list[int]) -> list[Proposal]:
    """The announced repeals with these numbers, in the order given; refuses (naming them) the
    numbers no announced repeal carries (a repeal number exists only once announced)."""
    wanted = [n for n in numbers if n <= _MAX_KEY]
    found = {
        p.repeal_no: p
        for p in session.scalars(
            select(Proposal).where(
                Proposal.repeal_no.in_(wanted), Proposal.state == State.ANNOUNCED
            )
        )
    }
    missing = [n for n in numbers if n not in found]
    if missing:
        highest = session.scalar(
            select(func.max(Proposal.repeal_no)).where(Proposal.state == State.ANNOUNCED)
        )
        upto = f" (발표된 과제는 {highest}호까지입니다)" if highest else " (발표된 과제가 없습니다)"
        raise InvalidInput(
            "vote.numbers.unknown",
            f"발표된 규제철폐 과제에 없는 번호입니다: {_numbers_ko(missing)}{upto}",
            f"No announced repeal carries: {', '.join(map(str, missing[:10]))}",
        )
    return [found[n] for n in numbers]


def _announced() -> Select[Proposal]:
    return select(Proposal).where(Proposal.state == State.ANNOUNCED).order_by(Proposal.repeal_no)


def ticked_repeals(session: Session, ids: list[int]) -> list[Proposal]:
    """The announced repeals among these proposal ids (the boxes ticked on the form), in number
    order; at most ``MAX_CANDIDATES`` ids are looked up."""
    return picking.ticked(session, _announced(), ids, MAX_CANDIDATES)


def proposals_by_id(session: Session, ids: list[int]) -> list[Proposal]:
    """The ticked repeals, refusing more than ``MAX_CANDIDATES`` and any id that is not an
    announced repeal (nothing else is loaded: not the register)."""
    return picking.chosen(
        session,
        _announced(),
        ids,
        limit=MAX_CANDIDATES,
        too_many=InvalidInput(
            "vote.candidates.too_many",
            f"후보는 {MAX_CANDIDATES}건까지입니다",
            f"At most {MAX_CANDIDATES} candidates",
        ),
        not_allowed=InvalidInput(
            "vote.candidates",
            "발표된 규제철폐 과제만 후보가 될 수 있습니다",
            "Only announced repeals can be candidates",
        ),
    )


@dataclass(frozen=True)
class CandidateFilter:
    """How the new-round form narrows the register: sector, a number range and a title word,
    and the repeal number the page starts after (the "next" button)."""

    sector: str | None = None
    first: int | None = None
    last: int | None = None
    word: str = ""
    after: int | None = None


def find_candidates(
    session: Session, filters: CandidateFilter, *, limit: int = 100
) -> tuple[list[Proposal], bool]:
    """Up to ``limit`` announced repeals matching ``filters`` in number order, and whether
    more follow (the register's partial index on repeal_no is walked, never loaded whole)."""
    query = _announced()
    if filters.sector:
        query = query.where(Proposal.sector_code == filters.sector)
    if filters.first is not None:
        query = query.where(Proposal.repeal_no >= min(filters.first, _MAX_KEY))
    if filters.last is not None:
        query = query.where(Proposal.repeal_no <= min(filters.last, _MAX_KEY))
    if filters.word:
        query = query.where(Proposal.title.icontains(filters.word, autoescape=True))
    if filters.after is not None:
        query = query.where(Proposal.repeal_no > min(filters.after, _MAX_KEY))
    return picking.page(session, query, limit)


def voter_key(secret: bytes, identity: str) -> str:
    """A keyed hash of the verified identity: the same person gives the same key whatever
    account they use, and the identity itself is never stored."""
    return hmac.new(secret, identity.encode("utf-8"), hashlib.sha256).hexdigest()


def open_round(
    session: Session,
    actor: User,
    *,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    max_picks: int,
    candidates: list[Proposal],
    description: str = "",
) -> VoteRound:
    """Open a round over announced repeals."""
    if actor.role is not Role.ADMIN or not actor.active:
        raise PermissionDenied(
            "role.open_round",
            "시민투표는 관리자만 열 수 있습니다",
            "Only an administrator may open a vote",
        )
    errors = []
    if not title.strip():
        errors.append(("title", "투표 제목을 입력해 주십시오", "Enter a vote title"))
    if as_utc(closes_at) <= as_utc(opens_at):
        errors.append(
            (
                "closes_at",
                "마감 시각은 시작 시각보다 늦어야 합니다",
                "The close must be after the opening",
            )
        )
    if not candidates:
        errors.append(
            ("candidates", "후보를 한 건 이상 고르십시오", "Choose at least one candidate")
        )
    if any(p.state is not State.ANNOUNCED for p in candidates):
        errors.append(
            (
                "candidates",
                "발표된 규제철폐 과제만 후보가 될 수 있습니다",
                "Only announced repeals can be candidates",
            )
        )
    if len(candidates) > MAX_CANDIDATES:
        errors.append(
            (
                "candidates",
                f"후보는 {MAX_CANDIDATES}건까지입니다",
                f"At most {MAX_CANDIDATES} candidates",
            )
        )
    if len({p.id for p in candidates}) != len(candidates):
        errors.append(
            (
                "candidates",
                "같은 후보를 두 번 넣을 수 없습니다",
                "A candidate cannot be added twice",
            )
        )
    if not 1 <= max_picks <= max(len(candidates), 1):
        errors.append(
            (
                "max_picks",
                "고를 수 있는 수는 1 이상, 후보 수 이하여야 합니다",
                "The number of picks must be from 1 to the number of candidates",
            )
        )
    if errors:
        field, message, message_en = errors[0]
        raise InvalidInput(f"vote.{field}", message, message_en)
    vote_round = VoteRound(
        title=title.strip(),
        description=description.strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        max_picks=max_picks,
        created_by_id=actor.id,
    )
    session.add(vote_round)
    vote_round.candidates = [
        VoteCandidate(proposal_id=p.id, position=i) for i, p in enumerate(candidates, start=1)
    ]
    session.flush()
    return vote_round


def is_open(vote_round: VoteRound, at: datetime | None = None) -> bool:
    now = as_utc(at or utcnow())
    return as_utc(vote_round.opens_at) <= now < as_utc(vote_round.closes_at)


def is_closed(vote_round: VoteRound, at: datetime | None = None) -> bool:
    return as_utc(at or utcnow()) >= as_utc(vote_round.closes_at)


def has_voted(
    session: Session, vote_round: VoteRound, *, user: User | None = None, key: str | None = None
) -> bool:
    """Whether this account, or this verified person under any account, has voted already."""
    conditions = []
    if key is not None:
        conditions.append(Ballot.voter_key == key)
    if user is not None:
        conditions.append(Ballot.user_id == user.id)
    if not conditions:
        return False
    query = select(Ballot.id).where(Ballot.round_id == vote_round.id, or_(*conditions))
    return session.scalar(query) is not None


def cast_ballot(
    session: Session,
    actor: User,
    vote_round: VoteRound,
    *,
    key: str,
    candidate_ids: list[int],
    at: datetime | None = None,
) -> Ballot:
    """Record one ballot; refused outside the period, over the limit, for a non-candidate, or
    when this person (by identity or by account) has voted already. Changes nothing when refused."""
    if actor.role is not Role.CITIZEN or not actor.active:
        raise PermissionDenied(
            "role.cast_ballot", "시민투표는 시민 계정으로 참여할 수 있습니다", "Only citizens vote"
        )
    if not is_open(vote_round, at):
        raise TransitionNotAllowed(
            "vote.period", "투표 기간이 아닙니다", "The vote is not open at this time"
        )
    chosen = list(dict.fromkeys(candidate_ids))
    if not chosen:
        raise InvalidInput("vote.none", "한 건 이상 골라 주십시오", "Pick at least one")
    if len(chosen) > vote_round.max_picks:
        raise InvalidInput(
            "vote.too_many",
            f"최대 {vote_round.max_picks}건까지 고를 수 있습니다 ({len(chosen)}건 선택)",
            f"At most {vote_round.max_picks} picks",
        )
    valid = {c.id for c in vote_round.candidates}
    if not set(chosen) <= valid:
        raise InvalidInput(
            "vote.not_candidate",
            "이 투표의 후보가 아닌 항목이 있습니다",
            "A pick is not a candidate of this vote",
        )
    if has_voted(session, vote_round, user=actor, key=key):
        raise TransitionNotAllowed(
            "vote.once", "이미 이 투표에 참여하셨습니다", "You have already voted in this round"
        )
    savepoint = session.begin_nested()
    try:
        ballot = Ballot(
            round_id=vote_round.id, voter_key=key, user_id=actor.id, cast_at=at or utcnow()
        )
        session.add(ballot)
        session.flush()
        session.add_all(BallotChoice(ballot_id=ballot.id, candidate_id=c) for c in chosen)
        session.flush()
    except IntegrityError:
        # A parallel request (second tab, double click) won the race: one ballot stands.
        savepoint.rollback()
        raise TransitionNotAllowed(
            "vote.once", "이미 이 투표에 참여하셨습니다", "You have already voted in this round"
        ) from None
    savepoint.commit()
    return ballot


@dataclass(frozen=True)
class ResultRow:
    rank: int
    candidate: VoteCandidate
    votes: int


@dataclass(frozen=True)
class Results:
    voters: int
    rows: list[ResultRow]

    def top(self, n: int) -> list[ResultRow]:
        """The first ``n`` by rank, with every candidate tied at the cut-off."""
        if n <= 0 or not self.rows:
            return []
        cut = self.rows[min(n, len(self.rows)) - 1].rank
        return [row for row in self.rows if row.rank <= cut and row.votes > 0]


def can_see_results(vote_round: VoteRound, viewer: User | None, at: datetime | None = None) -> bool:
    """Everyone after the close; the office's staff live."""
    if is_closed(vote_round, at):
        return True
    return viewer is not None and viewer.role in STAFF_WHO_SEE_LIVE_COUNTS


def results(session: Session, vote_round: VoteRound) -> Results:
    """Counts per candidate, ranked (ties share a rank, then repeal-number order)."""
    counts = dict(
        session.execute(
            select(BallotChoice.candidate_id, func.count())
            .join(Ballot, Ballot.id == BallotChoice.ballot_id)
            .where(Ballot.round_id == vote_round.id)
            .group_by(BallotChoice.candidate_id)
        ).all()
    )
    voters = session.scalar(select(func.count(Ballot.id)).where(Ballot.round_id == vote_round.id))
    ordered = sorted(
        vote_round.candidates, key=lambda c: (-counts.get(c.id, 0), c.proposal.repeal_no or 0)
    )
    rows: list[ResultRow] = []
    for index, candidate in enumerate(ordered):
        votes = counts.get(candidate.id, 0)
        rank = rows[-1].rank if rows and rows[-1].votes == votes else index + 1
        rows.append(ResultRow(rank, candidate, votes))
    return Results(voters or 0, rows)
