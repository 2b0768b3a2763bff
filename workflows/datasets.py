"""The data sets that can be exported: the public ones (open data, masked) and the staff list of
proposals. Each is a header and a row generator that streams from the database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from models import Proposal, State
from models.masking import mask_name, mask_text

from .exports import Cell
from .public import PublicFilter, _filtered, public_condition

BATCH = 1_000


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str
    public: bool
    header: Sequence[str]
    query: Select[Any]
    row: Any  # Callable[[Proposal], Sequence[Cell]]
    # The column rows are streamed in order of (unique, not null); the id unless given.
    key: Any = None

    def count(self, session: Session) -> int:
        return session.scalar(select(func.count()).select_from(self.query.subquery())) or 0

    def rows(self, session: Session) -> Iterator[Sequence[Cell]]:
        """Stream the rows in batches (keyset pagination on ``key``), never loading the set."""
        key = self.key if self.key is not None else Proposal.id
        last: Any = 0
        while True:
            query = self.query.where(key > last).order_by(key).limit(BATCH)
            batch = list(session.scalars(query).unique())
            if not batch:
                return
            for proposal in batch:
                yield self.row(proposal)
            last = getattr(batch[-1], key.key)
            session.expunge_all()


def _label(value: Any) -> str:
    return str(value.label) if value is not None and hasattr(value, "label") else ""


PUBLIC_HEADER = (
    "접수번호",
    "제목",
    "제안자 유형",
    "제안자",
    "접수 경로",
    "분야",
    "규제 유형",
    "단계",
    "상태",
    "결과",
    "규제철폐 번호",
    "접수일시",
    "현행 규제",
    "근거 법령",
    "문제점",
    "개선안",
    "기대효과",
)


def _public_row(p: Proposal) -> Sequence[Cell]:
    return (
        p.receipt_no,
        mask_text(p.title, (p.contact_name,)),
        _label(p.source_kind),
        mask_name(p.contact_name),
        p.channel_code,
        p.sector_code,
        p.regulation_type_code,
        _label(p.stage),
        _label(p.state),
        _label(p.outcome),
        p.repeal_no,
        p.submitted_at,
        mask_text(p.current_regulation, (p.contact_name,)),
        mask_text(p.legal_basis, (p.contact_name,)),
        mask_text(p.problem, (p.contact_name,)),
        mask_text(p.proposed_change, (p.contact_name,)),
        mask_text(p.expected_effect, (p.contact_name,)),
    )


REPEAL_HEADER = (
    "규제철폐 번호",
    "과제명",
    "분야",
    "규제 유형",
    "결과",
    "발표",
    "발표일",
    "접수번호",
    "이행 단계",
    "조례 개정 필요",
    "시행일",
)


def _repeal_row(p: Proposal) -> Sequence[Cell]:
    return (
        p.repeal_no,
        mask_text(p.title, (p.contact_name,)),
        p.sector_code,
        p.regulation_type_code,
        _label(p.outcome),
        p.announcement.title if p.announcement else "",
        p.announcement.announced_on if p.announcement else None,
        p.receipt_no,
        _label(p.implementation_stage),
        p.ordinance_change_needed,
        p.effective_on,
    )


STAFF_HEADER = (
    "접수번호",
    "제목",
    "제안자 유형",
    "제안자",
    "기관",
    "접수 경로",
    "분야",
    "규제 유형",
    "분류 확정",
    "단계",
    "상태",
    "결과",
    "담당 검토자",
    "규제철폐 번호",
    "접수일시",
    "최종 변경",
)


def _staff_row(p: Proposal) -> Sequence[Cell]:
    return (
        p.receipt_no,
        p.title,
        _label(p.source_kind),
        mask_name(p.contact_name),
        p.organisation.name if p.organisation else "",
        p.channel_code,
        p.sector_code,
        p.regulation_type_code,
        p.classification_confirmed,
        _label(p.stage),
        _label(p.state),
        _label(p.outcome),
        p.assigned_reviewer.name if p.assigned_reviewer else "",
        p.repeal_no,
        p.submitted_at,
        p.updated_at,
    )


def build(name: str, filters: PublicFilter) -> Dataset:
    """The data set ``name`` (proposals, repeals, staff_proposals) with its filters applied."""
    if name == "proposals":
        query = _filtered(select(Proposal).where(public_condition()), filters)
        return Dataset(name, "규제철폐 제안 공개 목록", True, PUBLIC_HEADER, query, _public_row)
    if name == "repeals":
        query = _filtered(select(Proposal).where(Proposal.state == State.ANNOUNCED), filters)
        query = query.options(joinedload(Proposal.announcement))
        return Dataset(
            name, "규제철폐 목록", True, REPEAL_HEADER, query, _repeal_row, key=Proposal.repeal_no
        )
    if name == "staff_proposals":
        query = _filtered(select(Proposal).where(Proposal.state != State.DRAFT), filters)
        query = query.options(
            joinedload(Proposal.organisation), joinedload(Proposal.assigned_reviewer)
        )
        return Dataset(name, "제안 관리 목록", False, STAFF_HEADER, query, _staff_row)
    raise KeyError(name)


DATASETS = ("proposals", "repeals", "staff_proposals")
