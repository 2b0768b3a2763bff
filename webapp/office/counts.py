"""The queues' live counts, served from the figures cache between two changes.

Seven capped counts per page view cost seconds at a million proposals when a queue is small
under the chosen filters (the count reads every row of the state to find its few). The counts
depend only on the stored proposals (and campaigns), which renew the figures generation at
every commit that changes them, in any process; so an entry is served only while nothing it
counts has changed, and a reviewer sees a change at the next page view.
"""

from __future__ import annotations

from models import User, db
from workflows import queue as work_queue
from workflows.deadlines import Targets

from ..figures_cache import cached_by_key


def queue_counts(actor: User, goals: Targets, filters: work_queue.QueueFilter) -> dict[str, int]:
    def compute() -> dict[str, int]:
        return work_queue.counts(db.session, actor, goals, filters)

    key = work_queue.counts_key(actor, goals, filters)
    if key is None:
        return compute()
    # A copy: the in-process cache hands every caller the same object.
    return dict(cached_by_key(("office_counts", *key), compute))
