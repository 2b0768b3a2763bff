from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from models import Ballot, Role, State, db
from tests import factories
from workflows import voting
from workflows.errors import InvalidInput, PermissionDenied, TransitionNotAllowed

SECRET = b"k"
NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


def _round(n_candidates: int = 3, max_picks: int = 2):  # type: ignore[no-untyped-def]
    office = factories.Office()
    admin = factories.user(Role.ADMIN)
    candidates = [
        factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(n_candidates)
    ]
    return voting.open_round(
        db.session,
        admin,
        title="공감 규제철폐 10선",
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=1),
        max_picks=max_picks,
        candidates=candidates,
    )


def _ids(vote_round, n):  # type: ignore[no-untyped-def]
    return [c.id for c in vote_round.candidates[:n]]


def test_only_admins_open_rounds_of_announced_repeals(ctx):
    citizen = factories.user(Role.CITIZEN)
    with pytest.raises(PermissionDenied):
        voting.open_round(
            db.session,
            citizen,
            title="t",
            opens_at=NOW,
            closes_at=NOW + timedelta(days=1),
            max_picks=1,
            candidates=[],
        )
    admin = factories.user(Role.ADMIN)
    undecided = factories.proposal_in(State.IN_REVIEW)
    with pytest.raises(InvalidInput, match="발표된 규제철폐"):
        voting.open_round(
            db.session,
            admin,
            title="t",
            opens_at=NOW,
            closes_at=NOW + timedelta(days=1),
            max_picks=1,
            candidates=[undecided],
        )
    with pytest.raises(InvalidInput, match="마감 시각"):
        voting.open_round(
            db.session,
            admin,
            title="t",
            opens_at=NOW,
            closes_at=NOW,
            max_picks=1,
            candidates=[undecided],
        )


def test_one_person_one_ballot_even_with_two_accounts(ctx):
    vote_round = _round()
    first, second = factories.user(Role.CITIZEN), factories.user(Role.CITIZEN)
    key = voting.voter_key(SECRET, "홍길동|1980-01-01|01012345678")
    voting.cast_ballot(
        db.session, first, vote_round, key=key, candidate_ids=_ids(vote_round, 2), at=NOW
    )
    with pytest.raises(TransitionNotAllowed, match="이미 이 투표에 참여"):
        voting.cast_ballot(
            db.session, second, vote_round, key=key, candidate_ids=_ids(vote_round, 1), at=NOW
        )
    other_key = voting.voter_key(SECRET, "김철수|1990-02-02|01099998888")
    with pytest.raises(TransitionNotAllowed):  # same account, another identity
        voting.cast_ballot(
            db.session, first, vote_round, key=other_key, candidate_ids=_ids(vote_round, 1), at=NOW
        )
    assert db.session.scalar(select(func.count(Ballot.id))) == 1


@pytest.mark.parametrize(
    ("picks", "at", "error", "message"),
    [
        (3, NOW, InvalidInput, "최대 2건"),
        (0, NOW, InvalidInput, "한 건 이상"),
        (1, NOW + timedelta(days=2), TransitionNotAllowed, "투표 기간이 아닙니다"),
        (1, NOW - timedelta(days=2), TransitionNotAllowed, "투표 기간이 아닙니다"),
    ],
)
def test_refused_ballots_name_the_rule_and_change_nothing(ctx, picks, at, error, message):
    vote_round = _round()
    citizen = factories.user(Role.CITIZEN)
    with pytest.raises(error, match=message):
        voting.cast_ballot(
            db.session, citizen, vote_round, key="k", candidate_ids=_ids(vote_round, picks), at=at
        )
    assert db.session.scalar(select(func.count(Ballot.id))) == 0


def test_a_non_candidate_is_refused(ctx):
    vote_round = _round()
    citizen = factories.user(Role.CITIZEN)
    with pytest.raises(InvalidInput, match="후보가 아닌"):
        voting.cast_ballot(db.session, citizen, vote_round, key="k", candidate_ids=[99999], at=NOW)


def test_staff_do_not_vote(ctx):
    vote_round = _round()
    with pytest.raises(PermissionDenied):
        voting.cast_ballot(
            db.session,
            factories.user(Role.REVIEWER),
            vote_round,
            key="k",
            candidate_ids=_ids(vote_round, 1),
            at=NOW,
        )


def test_results_rank_by_votes_and_count_voters(ctx):
    vote_round = _round(n_candidates=3, max_picks=2)
    a, b, c = vote_round.candidates
    for n, picks in enumerate([[a.id, b.id], [b.id], [b.id, c.id]]):
        voting.cast_ballot(
            db.session,
            factories.user(Role.CITIZEN),
            vote_round,
            key=f"k{n}",
            candidate_ids=picks,
            at=NOW,
        )
    result = voting.results(db.session, vote_round)
    assert result.voters == 3
    assert [(r.rank, r.candidate.id, r.votes) for r in result.rows] == [
        (1, b.id, 3),
        (2, a.id, 1),
        (2, c.id, 1),
    ]
    assert not voting.can_see_results(vote_round, factories.user(Role.CITIZEN), at=NOW)
    assert voting.can_see_results(vote_round, factories.user(Role.ADMIN), at=NOW)
    assert voting.can_see_results(vote_round, None, at=NOW + timedelta(days=2))


def test_top_n_keeps_ties_at_the_cut_off(ctx):
    vote_round = _round(n_candidates=3, max_picks=2)
    a, b, c = vote_round.candidates
    for n, picks in enumerate([[a.id, b.id], [b.id, c.id]]):
        voting.cast_ballot(
            db.session,
            factories.user(Role.CITIZEN),
            vote_round,
            key=f"k{n}",
            candidate_ids=picks,
            at=NOW,
        )
    result = voting.results(db.session, vote_round)
    assert [r.candidate.id for r in result.top(1)] == [b.id]
    assert {r.candidate.id for r in result.top(2)} == {a.id, b.id, c.id}  # a and c tie for 2nd
