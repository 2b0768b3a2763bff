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


# --- candidates typed as numbers and ranges --------------------------------------------------


def test_numbers_and_ranges_are_read_in_the_order_typed_each_once():
    assert voting.parse_repeal_numbers("1-3, 33호, 45") == [1, 2, 3, 33, 45]
    assert voting.parse_repeal_numbers("제5호 ~ 7호,2 3\n 3 호, 6") == [5, 6, 7, 2, 3]
    assert voting.parse_repeal_numbers(" 10 - 12 ,, 11") == [10, 11, 12]
    assert voting.parse_repeal_numbers("   ") == []


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("1-30, abc, 45", "‘abc’"),
        ("1-30, 3-", "‘3-’"),
        ("12호호", "‘12호호’"),
        ("0", "‘0’"),
        ("5, 30-1", "‘30-1’"),
    ],
)
def test_a_bad_part_is_refused_by_name(text, named):
    with pytest.raises(InvalidInput) as refused:
        voting.parse_repeal_numbers(text)
    assert named in refused.value.message_ko


def test_too_many_numbers_are_refused_before_a_range_is_expanded():
    with pytest.raises(InvalidInput) as refused:
        voting.parse_repeal_numbers("1-1000000000")
    assert (
        refused.value.rule == "vote.numbers.too_many"
        and "‘1-1000000000’" in refused.value.message_ko
    )
    assert len(voting.parse_repeal_numbers("1-5", limit=5)) == 5
    with pytest.raises(InvalidInput) as refused:
        voting.parse_repeal_numbers("1-5, 3, 6", limit=5)
    assert "‘6’" in refused.value.message_ko
    assert voting.parse_repeal_numbers("1-5, 3", limit=5) == [1, 2, 3, 4, 5]


def test_numbers_no_announced_repeal_carries_are_named(ctx):
    office = factories.Office()
    first, second = (factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(2))
    factories.proposal_in(State.IN_REVIEW, office=office)
    numbers = [second.repeal_no, first.repeal_no]
    assert voting.repeals_by_number(db.session, numbers) == [second, first]
    with pytest.raises(InvalidInput) as refused:
        voting.repeals_by_number(db.session, [first.repeal_no, 77, 2**40])
    message = refused.value.message_ko
    assert "77호" in message and f"{2**40}호" in message and f"{first.repeal_no}호," not in message
    assert f"{max(numbers)}호까지" in message


def test_the_candidate_filter_reads_a_page_of_the_register(ctx):
    office = factories.Office()
    repeals = [factories.proposal_in(State.ANNOUNCED, office=office) for _ in range(4)]
    repeals[2].title = "옥외광고물 100% 허가제"
    db.session.flush()
    numbers = [p.repeal_no for p in repeals]
    page, more = voting.find_candidates(db.session, voting.CandidateFilter(), limit=3)
    assert [p.repeal_no for p in page] == numbers[:3] and more
    page, more = voting.find_candidates(
        db.session, voting.CandidateFilter(first=numbers[1], last=numbers[2]), limit=3
    )
    assert page == repeals[1:3] and not more
    page, _ = voting.find_candidates(db.session, voting.CandidateFilter(word="100%"))
    assert page == [repeals[2]]  # % is a character, not a wildcard
    page, _ = voting.find_candidates(db.session, voting.CandidateFilter(word="10_%"))
    assert page == []
    page, _ = voting.find_candidates(db.session, voting.CandidateFilter(sector="no-such"))
    assert page == []
    page, _ = voting.find_candidates(db.session, voting.CandidateFilter(first=2**40))
    assert page == []


def test_a_round_carries_at_most_max_candidates(ctx, monkeypatch):
    monkeypatch.setattr(voting, "MAX_CANDIDATES", 2)
    with pytest.raises(InvalidInput) as refused:
        _round(n_candidates=3)
    assert "2건까지" in refused.value.message_ko
