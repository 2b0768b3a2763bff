"""The registers' totals come from the tally the database's triggers keep; they equal a count
over the proposals under every filter, through every kind of change, before and after the
deltas are summed."""

from __future__ import annotations

import itertools

from sqlalchemy import delete, func, select, text, update

from models import Proposal, ProposalTally, Role, Sector, State, db
from tests import factories
from workflows import public, tally
from workflows.dispatch import commit
from workflows.public import PublicFilter


def _counted(filters: PublicFilter, *, repeals: bool) -> int:
    """What the totals were before the tally: a count over the proposals themselves."""
    where = Proposal.state == State.ANNOUNCED if repeals else public.public_condition()
    query = public._filtered(select(Proposal.id).where(where), filters)
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _filters() -> list[PublicFilter]:
    """Every filter the register forms can send over the values present (each alone, the
    pairs of sector and the others, and none)."""
    values = {
        name: sorted({v for v in db.session.scalars(select(column).distinct()) if v is not None})
        for name, column in (
            ("sector", Proposal.sector_code),
            ("regulation_type", Proposal.regulation_type_code),
            ("announcement_id", Proposal.announcement_id),
            ("stage", Proposal.stage),
            ("source", Proposal.source_kind),
        )
    }
    found = [PublicFilter()]
    for name, listed in values.items():
        found += [PublicFilter(**{name: value}) for value in listed]
    for sector, (name, listed) in itertools.product(
        values["sector"], [(n, v) for n, v in values.items() if n != "sector"]
    ):
        found += [PublicFilter(sector=sector, **{name: value}) for value in listed]
    found.append(PublicFilter(sector="no_such_sector"))
    return found


def _assert_totals_match() -> int:
    checked = 0
    for filters in _filters():
        assert public.count_public_proposals(db.session, filters) == _counted(
            filters, repeals=False
        ), filters
        assert public.count_repeals(db.session, filters) == _counted(filters, repeals=True), filters
        checked += 1
    return checked


def _every_state(office: factories.Office) -> list[Proposal]:
    made = []
    roles = [Role.CITIZEN, Role.OFFICIAL, Role.AGENCY_STAFF]
    for n, state in enumerate(State):
        proposer = factories.user(roles[n % len(roles)])
        made.append(factories.proposal_in(state, proposer=proposer, office=office))
    commit(db.session)
    return made


def test_totals_from_the_tally_equal_counts_over_the_proposals_through_every_change(ctx):
    office = factories.Office()
    made = _every_state(office)
    assert db.session.scalar(select(func.count()).select_from(ProposalTally)) > 0
    assert public.count_public_proposals(db.session, PublicFilter()) > 0
    assert public.count_repeals(db.session, PublicFilter()) == 1
    _assert_totals_match()

    # Changes through the ORM: a reclassification, a move to another stage, a deletion.
    sectors = list(db.session.scalars(select(Sector.code).order_by(Sector.code)))
    for n, proposal in enumerate(made):
        proposal.sector_code = sectors[n % len(sectors)]
    commit(db.session)
    in_review = factories.proposal_in(State.IN_REVIEW, office=office)
    draft = factories.proposal_in(State.DRAFT)
    commit(db.session)
    _assert_totals_match()
    db.session.delete(draft)
    commit(db.session)
    _assert_totals_match()

    # Changes past the ORM (a bulk statement, an operator's SQL) are tallied just the same.
    db.session.execute(
        update(Proposal).where(Proposal.id == in_review.id).values(regulation_type_code=None)
    )
    db.session.execute(
        text("UPDATE proposal SET sector_code = :sector WHERE state = 'announced'"),
        {"sector": sectors[-1]},
    )
    commit(db.session)
    _assert_totals_match()

    # A change that does not touch the registers' columns writes no delta.
    before = db.session.scalar(select(func.count()).select_from(ProposalTally))
    db.session.execute(update(Proposal).values(external_ref="행정-1"))
    commit(db.session)
    assert db.session.scalar(select(func.count()).select_from(ProposalTally)) == before

    # Summed: one row per combination that counts, and the same totals.
    summed = tally.compact(db.session.connection())
    commit(db.session)
    assert summed == before
    rows = db.session.execute(select(ProposalTally)).scalars().all()
    keys = [tuple(getattr(row, name) for name in tally.COLUMNS) for row in rows]
    assert len(keys) == len(set(keys))
    assert all(row.n > 0 for row in rows)
    assert sum(row.n for row in rows) == db.session.scalar(select(func.count(Proposal.id)))
    checked = _assert_totals_match()
    assert checked > 20

    # Summing again changes nothing; a combination whose proposals all left it has no row.
    assert tally.compact(db.session.connection()) == len(rows)
    db.session.execute(delete(Proposal).where(Proposal.state == State.DRAFT))
    commit(db.session)
    tally.compact(db.session.connection())
    commit(db.session)
    assert not db.session.scalar(
        select(func.count()).select_from(ProposalTally).where(ProposalTally.state == State.DRAFT)
    )
    _assert_totals_match()


def test_a_rebuilt_tally_equals_the_kept_one(ctx):
    _every_state(factories.Office())
    kept = public.count_public_proposals(db.session, PublicFilter())
    db.session.execute(delete(ProposalTally))
    assert public.count_public_proposals(db.session, PublicFilter()) == 0
    tally.rebuild(db.session.connection())
    commit(db.session)
    assert public.count_public_proposals(db.session, PublicFilter()) == kept
    _assert_totals_match()


def test_deltas_not_yet_committed_when_summed_are_kept(app, ctx):
    """A submission whose transaction is still open while the deltas are summed elsewhere keeps
    its delta: it is counted once it commits (on PostgreSQL the summing is one statement over
    one snapshot; SQLite lets one writer at a time)."""
    _every_state(factories.Office())
    tally.compact(db.session.connection())
    commit(db.session)
    before = public.count_public_proposals(db.session, PublicFilter())
    commit(db.session)  # this session's read ends (on SQLite it would stop the other's write)
    with app.app_context():
        in_review = factories.proposal_in(State.IN_REVIEW)
        db.session.flush()  # the delta is written, not committed
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as other:
                tally.compact(other)
        commit(db.session)
        assert in_review.id is not None
    if db.engine.dialect.name != "postgresql":
        tally.compact(db.session.connection())
        commit(db.session)
    db.session.expire_all()
    assert public.count_public_proposals(db.session, PublicFilter()) == before + 1
    _assert_totals_match()


def test_the_rebuild_command_counts_the_tally_again_and_says_so(app, ctx):
    _every_state(factories.Office())
    proposals = db.session.scalar(select(func.count(Proposal.id)))
    db.session.execute(delete(ProposalTally).where(ProposalTally.state == State.ANNOUNCED))
    commit(db.session)
    assert public.count_repeals(db.session, PublicFilter()) == 0  # as a load past it would leave
    result = app.test_cli_runner().invoke(args=["figures", "rebuild-tally"])
    assert result.exit_code == 0, result.output
    assert f"now, {proposals} proposal(s)" in result.output
    assert f"{proposals - 1} before, {proposals} now" in result.output
    db.session.expire_all()
    assert public.count_repeals(db.session, PublicFilter()) == 1
    _assert_totals_match()
