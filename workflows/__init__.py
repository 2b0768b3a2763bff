"""The rules of the process: the transition table, permission checks, one operation per state
change, read-side queries, background jobs and notifications.

Operations take ``actor=`` and plain values, never a request or a form, and never commit: the
caller (a view, a CLI command, a job, a test) ends the unit of work with ``dispatch.commit``.
"""

# The session listeners that keep the public figures' derived rows and generation current.
from . import figures as _figures  # noqa: F401

# The per-process copy of the reference data and the listeners that keep its version current.
from . import reference as _reference  # noqa: F401
