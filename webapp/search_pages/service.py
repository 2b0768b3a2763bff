"""Search as the web layer uses it: proposals → documents, the index jobs, and searching with
every hit re-loaded from the database and re-checked against the viewer's scope.

The database is the source of truth. When the index cannot be used (missing, another schema,
corrupt) a rebuild is queued and the search falls back to a plain database search, so the
office never loses searchability while the index is rebuilt.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

import search
from models import (
    OutboxMessage,
    OutboxState,
    Proposal,
    Role,
    SearchTerms,
    Stage,
    State,
    User,
    db,
    utcnow,
)
from models.base import writing, writing_apart
from models.masking import mask_text
from search import AnalysedTexts, Hit, Scope, SearchDocument, SearchQuery, SearchResult
from workflows import outbox
from workflows.jobs import job
from workflows.public import is_public, public_condition, public_decision, public_text

log = logging.getLogger(__name__)
SEOUL = ZoneInfo("Asia/Seoul")
OFFICE_ROLES = frozenset({Role.REVIEWER, Role.CHAIR, Role.ADMIN})
STAFF_SEARCH_ROLES = frozenset({*OFFICE_ROLES, Role.PANEL_MEMBER})
REBUILD_JOB = "rebuild_search_index"
REBUILD_LOCK_KEY = 0x5EA2C4  # the advisory lock that serialises ``request_rebuild``


def index_dir() -> str:
    return str(current_app.config["SEARCH_INDEX_DIR"])


def scope_for(user: User | None) -> Scope:
    """Reviewers, the chair and admins search everything submitted; panel members also what
    reached deliberation; everyone else (citizens, proposing officials and agencies) the public."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope.PUBLIC
    if user.role in OFFICE_ROLES:
        return Scope.OFFICE
    if user.role is Role.PANEL_MEMBER:
        return Scope.PANEL
    return Scope.PUBLIC


def visible(proposal: Proposal, scope: Scope) -> bool:
    if proposal.state is State.DRAFT:
        return False
    if scope is Scope.OFFICE:
        return True
    if scope is Scope.PANEL and proposal.stage in (Stage.DELIBERATION, Stage.DECISION):
        return True
    return is_public(proposal)


def _seoul_day(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        from datetime import UTC

        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(SEOUL).date().isoformat()


def document_for(proposal: Proposal) -> SearchDocument:
    """What the index may know of a proposal: masked texts, codes and dates, no contact data."""
    text = public_text(proposal)
    decision = public_decision(proposal)
    return SearchDocument(
        id=proposal.id,
        receipt_no=proposal.receipt_no or "",
        title=text.title,
        current_regulation=text.current_regulation,
        legal_basis=text.legal_basis,
        problem=text.problem,
        proposed_change=text.proposed_change,
        expected_effect=text.expected_effect,
        decision_reasons=(
            mask_text(decision.reasons, (proposal.contact_name,)) if decision else ""
        ),
        repeal_no=proposal.repeal_no,
        sector=proposal.sector_code,
        regulation_type=proposal.regulation_type_code,
        source=proposal.source_kind.value,
        channel=proposal.channel_code,
        stage=proposal.stage.value,
        state=proposal.state.value,
        outcome=proposal.outcome.value if proposal.outcome else None,
        campaign=proposal.campaign.code if proposal.campaign else None,
        submitted_on=_seoul_day(proposal.submitted_at),
        public=is_public(proposal),
    )


def _loaded(query):  # type: ignore[no-untyped-def]
    return query.options(joinedload(Proposal.campaign), selectinload(Proposal.decisions))


def all_documents(session: Session, batch: int = 500) -> Iterator[SearchDocument]:
    """Every submitted proposal as a document with its kept terms (if any), in id order, in
    batches."""
    last = 0
    while True:
        query = select(Proposal).where(Proposal.state != State.DRAFT, Proposal.id > last)
        rows = list(session.scalars(_loaded(query).order_by(Proposal.id).limit(batch)))
        if not rows:
            return
        yield from with_kept_terms(session, [document_for(proposal) for proposal in rows])
        last = rows[-1].id
        session.expunge_all()


# ---------------------------------------------------------------- kept terms (search_terms)

TERMS_BATCH = 200  # rows written per statement (and per transaction when committing)


def _encode(terms: tuple[str, ...]) -> str | None:
    """Space-joined terms; ``None`` if a term holds whitespace (such a text is not kept)."""
    if any(not term or term.split() != [term] for term in terms):
        return None
    return " ".join(terms)


def _decode(text: str) -> tuple[str, ...]:
    return tuple(text.split(" ")) if text else ()


def with_kept_terms(session: Session, documents: list[SearchDocument]) -> list[SearchDocument]:
    """The documents with the terms kept for them, whatever their version (``search`` uses
    only those that still fit the analyser and the texts)."""
    if not documents:
        return documents
    kept = {
        row.proposal_id: row
        for row in session.scalars(
            select(SearchTerms).where(SearchTerms.proposal_id.in_([d.id for d in documents]))
        )
    }
    out = []
    for document in documents:
        row = kept.get(document.id)
        if row is not None:
            terms = AnalysedTexts(
                row.analyser, row.digest, _decode(row.title_terms), _decode(row.body_terms)
            )
            document = replace(document, analysed=terms)
        out.append(document)
    return out


def _upsert_terms(session: Session, documents: list[SearchDocument]) -> None:
    rows = []
    for document in documents:
        terms = document.analysed
        if terms is None:
            continue
        title, body = _encode(terms.title), _encode(terms.body)
        if title is None or body is None:
            continue
        rows.append(
            {
                "proposal_id": document.id,
                "analyser": terms.version,
                "digest": terms.digest,
                "title_terms": title,
                "body_terms": body,
            }
        )
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(SearchTerms).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[SearchTerms.proposal_id],
        set_={
            name: statement.excluded[name]
            for name in ("analyser", "digest", "title_terms", "body_terms")
        },
    )
    session.execute(statement)


def store_terms(session: Session, documents: list[SearchDocument], commit: bool = False) -> None:
    """Keep the documents' terms (insert or replace). ``commit``: in short transactions of their
    own (a rebuild outside a job, so SQLite's write lock is held per batch, not for the whole
    rebuild); otherwise in the caller's transaction (a job's, committed with it)."""
    for start in range(0, len(documents), TERMS_BATCH):
        part = documents[start : start + TERMS_BATCH]
        if not commit:
            _upsert_terms(session, part)
            continue
        session.commit()  # end any read transaction: the write begins with the lock (SQLite)
        with writing():
            _upsert_terms(session, part)
            session.commit()


def _keeping_terms(
    session: Session, documents: Iterable[SearchDocument], workers: int, commit: bool
) -> Iterator[SearchDocument]:
    """The documents with fitting terms, analysing those without (in ``workers`` processes)
    and keeping what was analysed, batch by batch, as the index consumes them."""
    reused: set[int] = set()

    def noting_reused() -> Iterator[SearchDocument]:
        for document in documents:
            if search.fits(document):
                reused.add(document.id)
            yield document

    fresh: list[SearchDocument] = []
    for document in search.with_terms(noting_reused(), workers):
        if document.id in reused:
            reused.discard(document.id)
        else:
            fresh.append(document)
            if len(fresh) >= TERMS_BATCH:
                store_terms(session, fresh, commit)
                fresh = []
        yield document
    store_terms(session, fresh, commit)


def indexable_count(session: Session) -> int:
    return session.scalar(select(func.count(Proposal.id)).where(Proposal.state != State.DRAFT)) or 0


INDEX_JOBS = ("index_proposal", "remove_proposal")
REFRESH_BATCH = 500


def rebuild_index(
    session: Session, progress: Callable[[int], None] | None = None, commit: bool = False
) -> int:
    """Rebuild the whole index from the database, then catch up with what changed meanwhile.

    Rows are read through a session of their own (emptied batch by batch). Kept terms that fit
    are reused; the texts without are analysed (in ``SEARCH_ANALYSIS_WORKERS`` spawned
    processes) and their terms written through ``session``: in the caller's transaction, or
    committed batch by batch with ``commit`` (outside a job: the CLI, a worker's start).

    A change committed after its proposal was read has its index message applied to the live
    index, which the swap throws away; so after the swap every proposal whose index message is
    still pending or was applied since the rebuild began is indexed again from the database
    (``_changed_since``), in a transaction begun after the swap (not the reader's snapshot)."""
    directory = index_dir()
    workers = int(current_app.config["SEARCH_ANALYSIS_WORKERS"])
    started = utcnow()
    with Session(session.get_bind()) as reader:
        documents = _keeping_terms(session, all_documents(reader), workers, commit)
        count = search.rebuild(directory, documents, progress, workers=0)
    with Session(session.get_bind()) as reader:
        _refresh(session, reader, sorted(_changed_since(reader, started)), commit)
    return count


def _changed_since(session: Session, started: datetime) -> set[int]:
    """The proposals whose index may have missed a change committed since ``started``: those
    with an index message still pending, or applied (perhaps to the index a rebuild replaced)
    since then, or updated since then (changes recorded without side effects)."""
    messages = session.scalars(
        select(OutboxMessage.payload).where(
            OutboxMessage.job.in_(INDEX_JOBS),
            or_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.done_at >= started),
        )
    )
    ids = {p.get("proposal_id") for p in messages}
    ids.update(session.scalars(select(Proposal.id).where(Proposal.updated_at >= started)))
    return {i for i in ids if isinstance(i, int)}


def _refresh(session: Session, reader: Session, proposal_ids: list[int], commit: bool) -> None:
    """Index these proposals again as the database has them now (drafts and gone ones out)."""
    directory = index_dir()
    for start in range(0, len(proposal_ids), REFRESH_BATCH):
        part = proposal_ids[start : start + REFRESH_BATCH]
        rows = list(reader.scalars(_loaded(select(Proposal).where(Proposal.id.in_(part)))))
        kept = [p for p in rows if p.state is not State.DRAFT]
        # Kept terms through ``session``: a rebuild inside a job has not committed the ones it
        # wrote, and the reader would not see them (every text analysed again).
        documents = with_kept_terms(session, [document_for(p) for p in kept])
        documents = list(_keeping_terms(session, documents, 0, commit))
        if documents:
            search.index(directory, documents)
        gone = sorted(set(part) - {p.id for p in kept})
        if gone:
            search.remove(directory, gone)
        reader.expunge_all()


def _apply(session: Session, proposal_ids: list[int]) -> None:
    directory = index_dir()
    rows = {
        p.id: p
        for p in session.scalars(_loaded(select(Proposal).where(Proposal.id.in_(proposal_ids))))
    }
    documents = with_kept_terms(
        session, [document_for(p) for p in rows.values() if p.state is not State.DRAFT]
    )
    # Analysed here (a burst is at most CLAIM_LIMIT documents) and kept in the job's transaction.
    documents = list(_keeping_terms(session, documents, 0, commit=False))
    gone = [i for i in proposal_ids if i not in rows or rows[i].state is State.DRAFT]
    try:
        if documents:
            search.index(directory, documents)
        if gone:
            search.remove(directory, gone)
    except search.IndexUnavailable as exc:
        log.warning("search index %s: rebuilding it from the database", exc.status)
        rebuild_index(session)


CLAIM_LIMIT = 1_000


def _claim_pending_index_messages(session: Session) -> list[int]:
    """Take over the other pending index messages, so one write (one Whoosh commit) serves a
    whole burst (a bulk upload queues hundreds). They are marked done in this job's
    transaction; if the job fails, that rolls back and they stay pending."""
    messages = list(
        session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.job == "index_proposal",
                OutboxMessage.state == OutboxState.PENDING,
            )
            .order_by(OutboxMessage.id)
            .limit(CLAIM_LIMIT)
            .with_for_update(skip_locked=True)
        )
    )
    now = utcnow()
    ids: list[int] = []
    for message in messages:
        proposal_id = message.payload.get("proposal_id")
        if isinstance(proposal_id, int):
            ids.append(proposal_id)
        message.state = OutboxState.DONE
        message.done_at = now
        message.attempts += 1
    return ids


@job
def index_proposal(proposal_id: int) -> None:
    """Bring the proposal's index entry up to date with the database (idempotent), together
    with every other proposal whose index message is pending."""
    others = _claim_pending_index_messages(db.session)
    _apply(db.session, sorted({proposal_id, *others}))


@job
def remove_proposal(proposal_id: int) -> None:
    """Drop a proposal from the index (a re-run finds nothing to drop)."""
    try:
        search.remove(index_dir(), [proposal_id])
    except search.IndexUnavailable:
        rebuild_index(db.session)


@job
def rebuild_search_index() -> None:
    """Rebuild the index from the database, unless another rebuild already made it usable."""
    if search.status(index_dir()) != "ok":
        rebuild_index(db.session)


def ensure_index_usable() -> None:
    """At a search worker's start: load the model, and rebuild an unusable index first."""
    search.warm_up()
    if search.status(index_dir()) != "ok":
        rebuild_index(db.session, commit=True)
    db.session.remove()


def request_rebuild() -> None:
    """Queue one rebuild unless one is pending or the index became usable meanwhile.

    Recorded and committed in the request's own session (a side session's row would be
    invisible to this session's snapshot on SQLite); it is handed to the runner when the
    request ends, after the response is built. On PostgreSQL, concurrent searches that all
    found the index unusable take turns on an advisory lock (released by the commit), so they
    queue one rebuild between them; the index is checked again after the pending rebuilds, so
    a search that failed just before a rebuild finished does not queue another."""
    session = db.session
    # Usually from a GET (a search, the office's similar proposals): on SQLite its read
    # transaction could not take the write lock once another request had committed, so the
    # check and the row are in a transaction of their own that begins with the lock (which also
    # makes concurrent searches take turns here, like the advisory lock on PostgreSQL).
    with writing_apart(session):
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(func.pg_advisory_xact_lock(REBUILD_LOCK_KEY)))
        pending = session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.job == REBUILD_JOB, OutboxMessage.state == OutboxState.PENDING
            )
        )
        if not pending and search.status(index_dir()) != "ok":
            outbox.enqueue(session, REBUILD_JOB, queue="search")
        session.commit()


@dataclass(frozen=True)
class Found:
    """A hit with its proposal, re-loaded from the database and allowed for the viewer."""

    proposal: Proposal
    hit: Hit
    title: str  # personal data masked, in every scope


@dataclass
class Results:
    result: SearchResult
    items: list[Found]
    degraded: bool = False  # the index was unusable; this came from the database


def _reload(hits: list[Hit], scope: Scope) -> list[Found]:
    if not hits:
        return []
    rows = {
        p.id: p
        for p in db.session.scalars(select(Proposal).where(Proposal.id.in_([h.id for h in hits])))
    }
    found = []
    for hit in hits:
        proposal = rows.get(hit.id)
        if proposal is None or not visible(proposal, scope):
            continue
        # Masked in every scope, like the snippets: a list of hits shows no personal data (the
        # proposal's own page shows it to the staff allowed, and logs that access).
        found.append(Found(proposal, hit, public_text(proposal).title))
    return found


def run_search(request: SearchQuery) -> Results:
    try:
        result = search.query(index_dir(), request)
    except search.IndexUnavailable as exc:
        log.warning("search index %s: answering from the database meanwhile", exc.status)
        request_rebuild()
        result = database_search(request)
        return Results(result, _reload(result.hits, request.scope), degraded=True)
    return Results(result, _reload(result.hits, request.scope))


def _scope_condition(scope: Scope):  # type: ignore[no-untyped-def]
    if scope is Scope.OFFICE:
        return Proposal.state != State.DRAFT
    if scope is Scope.PANEL:
        return or_(public_condition(), Proposal.stage.in_([Stage.DELIBERATION, Stage.DECISION]))
    return public_condition()


FALLBACK_COLUMNS = ("title", "current_regulation", "problem", "proposed_change")
FILTER_COLUMNS = {
    "sector": Proposal.sector_code,
    "regulation_type": Proposal.regulation_type_code,
    "source": Proposal.source_kind,
    "stage": Proposal.stage,
    "state": Proposal.state,
    "outcome": Proposal.outcome,
    "channel": Proposal.channel_code,
}


def database_search(request: SearchQuery) -> SearchResult:
    """The slow path while the index is rebuilt: every query unit as a substring, no facets."""
    text = (request.text or "").strip()
    if len(text) > search.MAX_QUERY:
        return search.empty_result(request, *search.TOO_LONG)
    if not text and not request.filters and not (request.submitted_from or request.submitted_to):
        return search.empty_result(request, *search.NOTHING_TYPED)
    query = select(Proposal).where(_scope_condition(request.scope))
    for name, value in request.filters.items():
        column = FILTER_COLUMNS.get(name)
        if column is not None and value:
            query = query.where(column == value)
    found = search.lookup_number(text) if text else None
    if found is not None:
        kind, value = found
        if kind == "receipt":
            query = query.where(Proposal.receipt_no == value)
        else:
            query = query.where(Proposal.repeal_no == int(value))
    elif text:
        units = search.build_query(text).units
        if not units:
            return search.empty_result(request, *search.NO_WORD)
        for unit in units:
            pattern = f"%{unit}%"
            query = query.where(
                or_(*[getattr(Proposal, c).like(pattern) for c in FALLBACK_COLUMNS])
            )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(
        query.order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
        .offset((max(request.page, 1) - 1) * request.per_page)
        .limit(request.per_page)
    )
    hits = [
        Hit(
            id=p.id,
            receipt_no=p.receipt_no or "",
            repeal_no=p.repeal_no,
            title=public_text(p).title,
            snippet=escape(public_text(p).proposed_change[:160]),
            score=0.0,
            sector=p.sector_code,
            regulation_type=p.regulation_type_code,
            stage=p.stage.value,
            state=p.state.value,
            outcome=p.outcome.value if p.outcome else None,
        )
        for p in rows
    ]
    return SearchResult(total, hits, {}, request.page, request.per_page)


KEYWORD_LIMIT = 5_000


def keyword_ids(text: str, scope: Scope = Scope.OFFICE) -> frozenset[int] | None:
    """The proposals whose texts match ``text`` through the index (particles, endings and
    spacing understood), the best ``KEYWORD_LIMIT``; ``None`` when the index cannot be used
    (a rebuild is queued) or the text holds no word, and the caller matches in the database."""
    try:
        found = search.matching_ids(index_dir(), text, scope, KEYWORD_LIMIT)
    except search.IndexUnavailable as exc:
        log.warning("search index %s: keyword filter answered from the database", exc.status)
        request_rebuild()
        return None
    return None if found is None else frozenset(found)


@dataclass(frozen=True)
class SimilarProposal:
    proposal: Proposal
    score: float


def similar_proposals(
    proposal_id: int, limit: int = 5, scope: Scope = Scope.OFFICE
) -> list[SimilarProposal]:
    """Proposals most like ``proposal_id``, re-loaded and checked; for the triage screen."""
    try:
        hits = search.similar(index_dir(), proposal_id, limit, scope)
    except search.IndexUnavailable:
        request_rebuild()
        return []
    return [SimilarProposal(f.proposal, f.hit.score) for f in _reload(hits, scope)]
