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


def stage_times(events: Sequence[ProposalEvent], now: datetime | None = None) -> StageTimes:
    """Sum the intervals between consecutive state changes by the stage they were spent in;
    the clock is paused while an information request is open and stops when the case closes."""
    times = StageTimes()
    changes = [e for e in events if e.from_state != e.to_state or e.from_state is None]
    changes.sort(key=lambda e: (as_utc(e.occurred_at), e.id or 0))
    end_of_trail = now or utcnow()
    for current, following in zip(changes, [*changes[1:], None], strict=True):
        if not _still_running(current):
            continue
        start = as_utc(current.occurred_at)
        end = as_utc(following.occurred_at) if following is not None else as_utc(end_of_trail)
        spent = max(end - start, timedelta(0))
        if current.to_state is State.INFO_REQUESTED:
            times.paused += spent
        else:
            times.in_stage[current.to_stage] = (
                times.in_stage.get(current.to_stage, timedelta(0)) + spent
            )
    return times
