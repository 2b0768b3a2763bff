"""A job that runs again after its worker died between the effect and the commit (the e-mail
left, the record of it did not) has its effect once."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import delete, select

from models import MailLog, OutboxMessage, OutboxState, db
from tests import factories
from workflows.dispatch import commit
from workflows.jobs import run_outbox_message
from workflows.mail import FileMailer


def test_an_e_mail_sent_but_not_recorded_is_not_sent_again(ctx):
    proposal = factories.submitted()
    commit(db.session)  # embedded mode: the job runs right after the commit
    mails = FileMailer(Path(ctx.config["MAIL_FILE"]))
    assert len(mails.messages()) == 1
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.job == "notify_proposer")
    ).one()
    assert message.state is OutboxState.DONE
    # The crash: the message left, but the transaction recording it never committed.
    db.session.execute(delete(MailLog))
    message.state = OutboxState.PENDING
    message.done_at = None
    db.session.commit()

    assert run_outbox_message(message.id) == "done"  # the job runs again, from the start
    sent = mails.messages()
    assert len(sent) == 1 and proposal.receipt_no in sent[0]["Subject"]
    assert db.session.scalar(select(MailLog.id)) is not None


def test_different_notices_keep_their_own_message_ids(ctx):
    factories.submitted()
    factories.submitted()
    commit(db.session)
    sent = FileMailer(Path(ctx.config["MAIL_FILE"])).messages()
    assert len(sent) == 2 and sent[0]["Message-ID"] != sent[1]["Message-ID"]
