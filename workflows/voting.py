"""Citizen votes: an admin opens a round of announced repeals; each verified person casts one
ballot of up to ``max_picks`` candidates inside the period; results after the round closes."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
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

from .errors import InvalidInput, PermissionDenied, TransitionNotAllowed

STAFF_WHO_SEE_LIVE_COUNTS = frozenset({Role.ADMIN, Role.CHAIR, Role.REVIEWER})


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
