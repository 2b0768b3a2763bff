"""Time spent in each stage, derived from the event trail (never stored)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models import ANNOUNCEABLE_OUTCOMES, ProposalEvent, Stage, State, as_utc, utcnow

_CLOSED = frozenset({State.ANNOUNCED, State.WITHDRAWN, State.MERGED, State.DRAFT})


@dataclass
class StageTimes:
    """Running time per stage; ``paused`` is time spent waiting for the proposer."""

    in_stage: dict[Stage, timedelta] = field(default_factory=dict)
    paused: timedelta = timedelta(0)

    def total(self) -> timedelta:
        return sum(self.in_stage.values(), timedelta(0))


def _still_running(event: ProposalEvent) -> bool:
    if event.to_state in _CLOSED:
        return False
    if event.to_state is State.DECIDED:
        # A decided repeal still waits for its announcement; other outcomes are final.
        outcome = (event.data or {}).get("outcome")
        return outcome in {o.value for o in ANNOUNCEABLE_OUTCOMES}
    return True


@dataclass(frozen=True)
class Interval:
    """A stretch of time spent in one stage (``paused`` while waiting for the proposer)."""

    stage: Stage
    paused: bool
    start: datetime
    end: datetime


def stage_intervals(events: Sequence[ProposalEvent], now: datetime | None = None) -> list[Interval]:
    """The intervals between consecutive state changes, labelled with the stage they were spent
    in; the clock pauses while an information request is open and stops when the case closes."""
    changes = [e for e in events if e.from_state != e.to_state or e.from_state is None]
    changes.sort(key=lambda e: (as_utc(e.occurred_at), e.id or 0))
    end_of_trail = as_utc(now or utcnow())
    intervals = []
    # A trail without a state change (a draft only edited so far) has no interval.
    for current, following in zip(changes, [*changes[1:], None][: len(changes)], strict=True):
        if not _still_running(current):
            continue
        start = as_utc(current.occurred_at)
        end = as_utc(following.occurred_at) if following is not None else end_of_trail
        intervals.append(
            Interval(
                current.to_stage, current.to_state is State.INFO_REQUESTED, start, max(start, end)
            )
        )
    return intervals


def stage_times(events: Sequence[ProposalEvent], now: datetime | None = None) -> StageTimes:
    """Calendar time per stage (see ``stage_intervals``)."""
    times = StageTimes()
    for interval in stage_intervals(events, now):
        spent = interval.end - interval.start
        if interval.paused:
            times.paused += spent
        else:
            times.in_stage[interval.stage] = (
                times.in_stage.get(interval.stage, timedelta(0)) + spent
            )
    return times
