"""Parsing of the statistics filter shared by the home page and the API (campaign, from, to)."""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import UTC, date, datetime
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from models import Campaign, RegulationType, Sector, SourceKind, Stage, as_utc, db
from workflows.public import Keyset, PublicFilter
from workflows.stats import StatsFilter

from .i18n import topic


class FilterError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _parse_date(field: str, raw: str | None) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise FilterError(
            field, _("날짜는 YYYY-MM-DD 형식이어야 합니다: %(value)s", value=raw[:20])
        ) from None


def parse_stats_filter(args: dict[str, str], *, default_campaign: bool) -> StatsFilter:
    """``campaign`` (a code, or ``all``), ``from`` and ``to`` (ISO dates, in order)."""
    code = (args.get("campaign") or "").strip()
    campaign: Campaign | None = None
    if code and code != "all":
        campaign = db.session.scalar(select(Campaign).where(Campaign.code == code))
        if campaign is None:
            raise FilterError(
                "campaign", _("알 수 없는 캠페인 코드입니다: %(value)s", value=code[:40])
            )
    elif not code and default_campaign:
        campaign = db.session.scalars(select(Campaign).order_by(Campaign.starts_on.desc())).first()
    date_from = _parse_date("from", args.get("from"))
    date_to = _parse_date("to", args.get("to"))
    if date_from and date_to and date_from > date_to:
        raise FilterError("to", _("종료일은 시작일보다 빠를 수 없습니다"))
    return StatsFilter(campaign=campaign, date_from=date_from, date_to=date_to)


# An old ``?page=N`` link is still served up to this page (an OFFSET over at most 19 pages of
# rows, a bounded cost); deeper pages are reached by the "next" links, whose cursor is the last
# row's key (see ``workflows.public.Keyset``).
MAX_PAGE = 20
PER_PAGE_CHOICES = (20, 50, 100)
DEFAULT_PER_PAGE = 50
# Ids and repeal numbers are PostgreSQL integers: a larger value would fail in the database.
_MAX_INT = 2**31 - 1


def _code(
    args: dict[str, str], field: str, model: type, label: str, known: Container[str] | None = None
) -> str | None:
    """A reference code; checked against ``known`` codes when the caller has them at hand."""
    value = (args.get(field) or "").strip()
    if not value:
        return None
    exists = value in known if known is not None else db.session.get(model, value) is not None
    if not exists:
        raise FilterError(
            field, _("알 수 없는 %(label)s 코드입니다: %(value)s", label=label, value=value[:40])
        )
    return value


def _positive(args: dict[str, str], field: str, label: str, maximum: int) -> int | None:
    raw = (args.get(field) or "").strip()
    if not raw:
        return None
    if not raw.isdecimal() or not 1 <= int(raw) <= maximum:
        raise FilterError(
            field,
            _(
                "%(label)s 1부터 %(maximum)s 사이의 숫자여야 합니다",
                label=topic(label),
                maximum=f"{maximum:,}",
            ),
        )
    return int(raw)


def parse_public_filter(
    args: dict[str, str], known: dict[str, Container[str]] | None = None
) -> PublicFilter:
    """``sector``, ``regulation_type``, ``announcement``, ``stage``, ``source`` (codes); the
    sector and type codes are checked against ``known`` when given, else in the database."""
    known = known or {}
    stage = (args.get("stage") or "").strip() or None
    if stage and stage not in Stage.values():
        raise FilterError("stage", _("알 수 없는 단계 코드입니다: %(value)s", value=stage[:40]))
    source = (args.get("source") or "").strip() or None
    if source and source not in SourceKind.values():
        raise FilterError(
            "source", _("알 수 없는 제안자 유형 코드입니다: %(value)s", value=source[:40])
        )
    return PublicFilter(
        sector=_code(args, "sector", Sector, _l("분야"), known.get("sector")),
        regulation_type=_code(
            args, "regulation_type", RegulationType, _l("규제 유형"), known.get("regulation_type")
        ),
        announcement_id=_positive(args, "announcement", _l("발표 번호"), 10**9),
        stage=stage,
        source=source,
    )


def public_filter_args(filters: PublicFilter) -> dict[str, str]:
    """The query arguments that reproduce ``filters`` (for the registers' paging links)."""
    values = {
        "sector": filters.sector,
        "regulation_type": filters.regulation_type,
        "announcement": filters.announcement_id,
        "stage": filters.stage,
        "source": filters.source,
    }
    return {name: str(value) for name, value in values.items() if value}


def _ascii_int(raw: str, maximum: int) -> int | None:
    """A decimal of ASCII digits within 1..``maximum`` (``int()`` would also take '٣', ' 3' or
    '3_0', and a value past the column's range would fail in the database, not here)."""
    if not raw or len(raw) > 19 or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


def encode_time_key(key: tuple[datetime, int]) -> str:
    """A row's (time, id) key as a cursor: the time in UTC with its "Z" and microseconds, then
    the id (``2025-11-01T21:50:28.965331Z_435336``). The one codec of the public registers and
    the office's queue (its page and the API's ``next``)."""
    return f"{as_utc(key[0]).astimezone(UTC):%Y-%m-%dT%H:%M:%S.%fZ}_{key[1]}"


def decode_time_key(raw: str) -> tuple[datetime, int] | None:
    """``encode_time_key``'s text back (in UTC), or None when it is not one. A time with any
    UTC offset is read, so the queue's older cursors (``…+00:00_12``) still open; a time without
    one is refused: every cursor issued carries it, and the column takes no naive time."""
    stamp, _sep, ident = raw.rpartition("_")
    number = _ascii_int(ident, _MAX_INT)
    if number is None or not stamp or len(stamp) > 40:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None:
            return None
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment, number


def encode_number_key(key: tuple[int]) -> str:
    return str(key[0])


def decode_number_key(raw: str) -> tuple[int] | None:
    """A repeal number (the register's key); within PostgreSQL's integer."""
    number = _ascii_int(raw, _MAX_INT)
    return (number,) if number is not None else None


def parse_keyset(
    args: dict[str, str], decode: Callable[[str], tuple[Any, ...] | None]
) -> tuple[Keyset, int]:
    """``after`` or ``before`` (a row key as ``decode`` reads it) or an old ``page`` number (up
    to ``MAX_PAGE``), and ``per_page``. At most one of the three: they would disagree."""
    per_page = (
        _positive(args, "per_page", _l("쪽당 건수"), max(PER_PAGE_CHOICES)) or DEFAULT_PER_PAGE
    )
    given = [name for name in ("after", "before", "page") if (args.get(name) or "").strip()]
    if len(given) > 1:
        raise FilterError(given[1], _("쪽 위치는 하나만 줄 수 있습니다"))
    if not given:
        return Keyset(), per_page
    name = given[0]
    raw = args[name].strip()
    if name == "page":
        if _ascii_int(raw, 10**9) is not None and int(raw) > MAX_PAGE:
            raise FilterError(
                "page",
                _(
                    "쪽 번호로는 %(max)s쪽까지 열 수 있습니다. 그 뒤는 '다음' 링크로 이동해 주세요",
                    max=MAX_PAGE,
                ),
            )
        page = _positive(args, "page", _l("쪽 번호"), MAX_PAGE) or 1
        return Keyset(offset=(page - 1) * per_page), per_page
    key = decode(raw)
    if key is None:
        raise FilterError(name, _("쪽 위치가 올바르지 않습니다. 첫 쪽부터 다시 보세요"))
    return (Keyset(after=key) if name == "after" else Keyset(before=key)), per_page


# The API's slices: ``limit`` rows (by default, at most) after the ``after`` cursor.
API_LIMIT = 100
API_MAX_LIMIT = 500


def parse_api_slice(
    args: dict[str, str], decode: Callable[[str], tuple[Any, ...] | None]
) -> tuple[tuple[Any, ...] | None, int]:
    """``after`` (a row key as ``decode`` reads it, the last one of the previous slice) and
    ``limit`` (1 to ``API_MAX_LIMIT``, ``API_LIMIT`` when not given), for the API's listings."""
    raw = (args.get("limit") or "").strip()
    limit = _ascii_int(raw, API_MAX_LIMIT) if raw else API_LIMIT
    if limit is None:
        raise FilterError(
            "limit", _("limit 값은 1부터 %(max)s 사이의 숫자여야 합니다", max=API_MAX_LIMIT)
        )
    raw = (args.get("after") or "").strip()
    if not raw:
        return None, limit
    key = decode(raw)
    if key is None:
        raise FilterError(
            "after",
            _('after 값이 올바르지 않습니다. 앞 응답의 Link 헤더(rel="next")를 따라 주세요'),
        )
    return key, limit


def pager_links(
    endpoint: str, args: dict[str, str], result: Any, encode: Callable[[Any], str]
) -> dict[str, str | None]:
    """The "first", "previous" and "next" links of a keyset page (``workflows.public.Page``):
    ``args`` (filters) and the page size when not the default, and a row key, so a shared page
    shows the same rows later (new rows do not shift it)."""
    args = dict(args)
    if result.per_page != DEFAULT_PER_PAGE:
        args["per_page"] = str(result.per_page)
    return {
        "first": None if result.first else url_for(endpoint, **args),
        "prev": url_for(endpoint, **args, before=encode(result.prev_key))
        if result.prev_key
        else None,
        "next": url_for(endpoint, **args, after=encode(result.next_key))
        if result.next_key
        else None,
    }


def link_next(
    response: Any, endpoint: str, next_key: Any, encode: Callable[[Any], str], **args: Any
) -> Any:
    """An API slice's ``Link: <…>; rel="next"`` header (RFC 8288), absent on the last slice; a
    relative address, nothing taken from the Host header."""
    if next_key is not None:
        following = url_for(endpoint, **args, after=encode(next_key))
        response.headers["Link"] = f'<{following}>; rel="next"'
    return response
