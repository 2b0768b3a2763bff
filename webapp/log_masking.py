"""Personal data never reaches the logs: every log record's message and traceback are masked
(phone numbers, e-mail addresses, resident numbers) when the record is made, whichever handler
then writes it (gunicorn's, RQ's, a test's)."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from models.masking import mask_text

_MARK = "_personal_data_masked"


def _masking_factory(original: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = original(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call: leave it to the handler to report
            return record
        record.msg, record.args = mask_text(message), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = mask_text("".join(traceback.format_exception(*record.exc_info)))
            record.exc_text = record.exc_text.rstrip("\n")
        return record

    setattr(make, _MARK, True)
    return make


def install() -> None:
    """Wrap the log record factory once per process."""
    current = logging.getLogRecordFactory()
    if not getattr(current, _MARK, False):
        logging.setLogRecordFactory(_masking_factory(current))
