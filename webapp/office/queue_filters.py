"""The queue's filter state in the URL: parsed into a ``QueueFilter`` (unknown codes refused with
the field named) and written back as query arguments, so a view can be bookmarked and shared."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Campaign, Channel, RegulationType, Sector, SourceKind, Stage, State, db
from workflows.queue import PAGE_SIZE, QUEUES, SORTS, QueueFilter

from ..filters import FilterError, decode_time_key, encode_time_key
from ..i18n import topic
from ..search_pages.service import keyword_ids

FIELDS = (
    "queue",
    "stage",
    "state",
    "sector",
    "regulation_type",
    "source",
    "channel",
    "campaign",
    "organisation",
    "reviewer",
    "department",
    "min_age",
    "max_age",
    "q",
    "sort",
    "limit",
)


def _unknown(label: str, value: str) -> str:
    return _("알 수 없는 %(label)s 코드입니다: %(value)s", label=label, value=value[:40])


def _enum(args: dict[str, str], name: str, enum: Any, label: str) -> Any:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise FilterError(name, _unknown(label, value)) from None


def _code(args: dict[str, str], name: str, model: type, label: str) -> str | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if db.session.get(model, value) is None:
        raise FilterError(name, _unknown(label, value))
    return value


def _int(args: dict[str, str], name: str, label: str, minimum: int = 0) -> int | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    if not value.isdecimal() or int(value) < minimum or int(value) > 10**9:
        raise FilterError(
            name,
            _("%(label)s %(minimum)s 이상의 정수여야 합니다", label=topic(label), minimum=minimum),
        )
    return int(value)


def _cursor(raw: str | None) -> tuple[datetime, int] | None:
    """The ``after`` cursor (``filters.decode_time_key``'s form, the registers' too); a hand-made
    one without a UTC offset or with an id the column cannot hold is refused here rather than
    by the database (a 500)."""
    if not raw:
        return None
    key = decode_time_key(raw)
    if key is None:
        raise FilterError("after", _("페이지 위치가 올바르지 않습니다"))
    return key


def encode_cursor(cursor: tuple[datetime, int] | None) -> str | None:
    """The next page's cursor (None: no next page), in ``filters.encode_time_key``'s form."""
    return encode_time_key(cursor) if cursor else None


def parse_queue_filter(args: dict[str, str]) -> QueueFilter:
    queue = (args.get("queue") or "all").strip()
    if queue not in QUEUES:
        raise FilterError("queue", _("알 수 없는 업무함입니다: %(value)s", value=queue[:40]))
    sort = (args.get("sort") or "newest").strip()
    if sort not in SORTS:
        raise FilterError("sort", _("알 수 없는 정렬입니다: %(value)s", value=sort[:40]))
    campaign = (args.get("campaign") or "").strip() or None
    if campaign and db.session.scalar(select(Campaign.id).where(Campaign.code == campaign)) is None:
        raise FilterError(
            "campaign", _("알 수 없는 캠페인 코드입니다: %(value)s", value=campaign[:40])
        )
    reviewer_raw = (args.get("reviewer") or "").strip()
    reviewer = 0 if reviewer_raw == "none" else _int(args, "reviewer", _l("검토자"), 1)
    min_age = _int(args, "min_age", _l("경과 일수"))
    max_age = _int(args, "max_age", _l("경과 일수"))
    if min_age is not None and max_age is not None and min_age > max_age:
        raise FilterError("max_age", _("최대 경과 일수는 최소 경과 일수보다 작을 수 없습니다"))
    limit = _int(args, "limit", _l("쪽당 건수"), 1) or PAGE_SIZE
    q = (args.get("q") or "").strip()[:200] or None
    return QueueFilter(
        queue=queue,
        stage=_enum(args, "stage", Stage, _l("단계")),
        state=_enum(args, "state", State, _l("상태")),
        sector=_code(args, "sector", Sector, _l("분야")),
        regulation_type=_code(args, "regulation_type", RegulationType, _l("규제 유형")),
        source=_enum(args, "source", SourceKind, _l("제안자 유형")),
        channel=_code(args, "channel", Channel, _l("접수 경로")),
        campaign=campaign,
        organisation=_int(args, "organisation", _l("기관"), 1),
        reviewer=reviewer,
        department=_int(args, "department", _l("소관부서"), 1),
        min_age_days=min_age,
        max_age_days=max_age,
        q=q,
        # The keyword goes through the search index (morphemes, spacing) when it is usable.
        q_ids=keyword_ids(q) if q else None,
        sort=sort,
        after=_cursor(args.get("after")),
        limit=limit,
    )


def filter_args(f: QueueFilter, **changes: Any) -> dict[str, str]:
    """The query arguments that reproduce ``f`` (only what differs from the defaults)."""
    values: dict[str, Any] = {
        "queue": f.queue if f.queue != "all" else None,
        "stage": f.stage.value if f.stage else None,
        "state": f.state.value if f.state else None,
        "sector": f.sector,
        "regulation_type": f.regulation_type,
        "source": f.source.value if f.source else None,
        "channel": f.channel,
        "campaign": f.campaign,
        "organisation": f.organisation,
        "reviewer": "none" if f.reviewer == 0 else f.reviewer,
        "department": f.department,
        "min_age": f.min_age_days,
        "max_age": f.max_age_days,
        "q": f.q,
        "sort": f.sort if f.sort != "newest" else None,
        "limit": f.limit if f.limit != PAGE_SIZE else None,
    }
    values.update(changes)
    return {k: str(v) for k, v in values.items() if v is not None and v != ""}
