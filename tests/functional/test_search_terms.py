"""Search terms kept beside the proposals (``search_terms``): the index job writes them, a
rebuild reuses those that still fit (no Kiwi call) and analyses only what is missing or stale."""

from __future__ import annotations

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, inspect, select, update

import search
import search.analysis
from models import Proposal, SearchTerms, State, db
from tests import factories
from webapp.search_pages.service import document_for, index_dir, rebuild_index
from workflows import outbox
from workflows.dispatch import commit

TITLES = (
    ("용적률 완화 요청", "노후 주거지의 용적률을 완화하여 주십시오."),
    ("마을버스 최대이용가능 시간 완화", "마을버스를 이용할 수 있는 최대 시간을 늘려 주십시오."),
    ("노상주차장 야간 개방 허용", "노상주차장을 야간에 주민에게 개방합니다."),
    ("도매시장 임차인 공원 내 상행위", "도매시장임차인공원내상행위 허가 요건을 바꿔 주세요."),
    ("청년 창업 보조금 정산 기준 개선", "청년 창업 보조금의 정산 기준이 너무 엄격합니다."),
)
QUERIES = ("용적률을 완화하여", "마을버스 시간", "야간 개방", "상행위", "보조금 정산", "완화")


@pytest.fixture
def proposals(app):  # type: ignore[no-untyped-def]
    with app.app_context():
        made = [factories.submitted(title=t, proposed_change=b) for t, b in TITLES]
        commit(db.session)
        return [p.id for p in made]


def kept(proposal_id: int) -> SearchTerms | None:
    return db.session.get(SearchTerms, proposal_id)


def found() -> dict[str, list[tuple[int, str, float]]]:
    """Every query's ranked ids and snippets (what a page shows)."""
    out = {}
    for text in QUERIES:
        result = search.query(index_dir(), search.SearchQuery(text=text, scope=search.Scope.OFFICE))
        out[text] = [(h.id, h.snippet, round(h.score, 6)) for h in result.hits]
    return out


@pytest.fixture
def kiwi_calls(monkeypatch):  # type: ignore[no-untyped-def]
    """The texts Kiwi analyses (every analysis goes through ``search.analysis.kiwi``)."""
    real = search.analysis.kiwi
    calls: list[int] = []

    def counting():  # type: ignore[no-untyped-def]
        calls.append(1)
        return real()

    monkeypatch.setattr(search.analysis, "kiwi", counting)
    return calls


def test_the_index_job_keeps_each_proposals_terms(app, proposals):
    with app.app_context():
        for proposal_id in proposals:
            row = kept(proposal_id)
            document = document_for(db.session.get(Proposal, proposal_id))
            terms = document.analyse()
            assert row is not None
            assert (row.analyser, row.digest) == (search.ANALYSER_VERSION, document.digest())
            assert row.title_terms.split(" ") == list(terms.title)
            assert row.body_terms.split(" ") == list(terms.body)


def test_a_changed_text_gets_its_terms_refreshed_by_the_index_job(app, proposals):
    with app.app_context():
        before = kept(proposals[0])
        assert before is not None and "용적률" in before.title_terms.split(" ")
        old_digest = before.digest
        proposal = db.session.get(Proposal, proposals[0])
        proposal.title = "건축물 높이 제한 완화"
        # Every change to a proposal queues this job (with its event, ``workflows.engine``).
        outbox.enqueue_once(db.session, "index_proposal", queue="search", proposal_id=proposal.id)
        commit(db.session)
        db.session.expire_all()
        after = kept(proposals[0])
        assert after is not None and after.digest != old_digest
        assert "높이" in after.title_terms.split(" ")
        assert "용적률" not in after.title_terms.split(" ")


def test_a_rebuild_from_kept_terms_calls_no_kiwi_and_finds_the_same(app, proposals, kiwi_calls):
    with app.app_context():
        db.session.execute(delete(SearchTerms))
        db.session.commit()
        kiwi_calls.clear()
        assert rebuild_index(db.session, commit=True) == len(proposals)
        assert kiwi_calls, "without kept terms the rebuild analyses every text"
        assert db.session.scalar(select(db.func.count()).select_from(SearchTerms)) == len(proposals)
        without = found()

        kiwi_calls.clear()
        assert rebuild_index(db.session, commit=True) == len(proposals)
        assert kiwi_calls == []
        with_kept = found()
    assert with_kept == without
    assert all(without[q] for q in QUERIES)


def test_a_stale_version_or_a_changed_digest_is_analysed_again(
    app, proposals, kiwi_calls, monkeypatch
):
    analysed: list[str] = []
    real = search.bulk.index_terms

    def noting(text: str) -> tuple[str, ...]:
        analysed.append(text)
        return real(text)

    monkeypatch.setattr(search.bulk, "index_terms", noting)
    stale, changed = proposals[1], proposals[3]
    with app.app_context():
        db.session.execute(
            update(SearchTerms)
            .where(SearchTerms.proposal_id == stale)
            .values(analyser="kiwi-0.0.0/rules-0", title_terms="낡은", body_terms="")
        )
        db.session.execute(
            update(SearchTerms).where(SearchTerms.proposal_id == changed).values(digest="0" * 24)
        )
        db.session.commit()
        rebuild_index(db.session, commit=True)
        expected = []
        for proposal_id in (stale, changed):
            document = document_for(db.session.get(Proposal, proposal_id))
            expected += [document.title, document.body()]
            row = kept(proposal_id)
            assert row is not None
            assert (row.analyser, row.digest) == (search.ANALYSER_VERSION, document.digest())
            assert row.title_terms.split(" ") == list(document.analyse().title)
    assert sorted(analysed) == sorted(expected)
    found_stale = search.query(
        app.config["SEARCH_INDEX_DIR"],
        search.SearchQuery(text="마을버스", scope=search.Scope.OFFICE),
    )
    assert stale in [h.id for h in found_stale.hits]


def test_the_rebuild_command_keeps_the_terms_it_analysed(app, runner, proposals):
    with app.app_context():
        db.session.execute(delete(SearchTerms))
        db.session.commit()
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ids = set(db.session.scalars(select(SearchTerms.proposal_id)))
    assert ids == set(proposals)


def test_a_draft_has_no_kept_terms(app, proposals):
    with app.app_context():
        draft = factories.proposal_in(State.DRAFT)
        commit(db.session)
        rebuild_index(db.session, commit=True)
        assert kept(draft.id) is None


def test_the_migration_adds_and_drops_the_table(app, proposals):
    with app.app_context():
        downgrade(revision="d8b1f6a3c2e7")
        assert "search_terms" not in inspect(db.engine).get_table_names()
        upgrade()
        assert "search_terms" in inspect(db.engine).get_table_names()
        # Emptied by the round trip: a rebuild fills it again (the terms are a cache).
        assert kept(proposals[0]) is None
        rebuild_index(db.session, commit=True)
        assert kept(proposals[0]) is not None
