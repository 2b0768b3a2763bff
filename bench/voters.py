"""Setup of the vote scenario of bench/load.py (not measured): open vote rounds, create citizen
accounts, and write one signed-in session per voter, already identity-checked for every round,
with its CSRF token, as wrk's Lua script reads them.

    DATABASE_URL=... SECRET_KEY=... .venv/bin/python -m bench.voters VOTERS ROUNDS OUT USER_AGENT

Each line of OUT is ``cookie<TAB>csrf_token``; the first line lists the rounds and, for each,
the candidate to pick (``round:candidate`` separated by spaces). Every (voter, round) pair can
cast one ballot, so a run can cast up to VOTERS x ROUNDS ballots without a refusal. The sessions
are made the way a login makes them (``webapp.auth.sign_in``, which opens a login session, in a
request from 127.0.0.1 with the bench's User-Agent, as the "strong" session protection checks),
skipping only the password check, whose slow hash is not what this scenario measures.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

from flask import session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import func, select

from models import Proposal, Role, State, User, db, utcnow
from webapp import create_app
from webapp.auth import sign_in
from webapp.identity import vote_secret
from workflows import voting

EMAIL = "bench-voter-{}@load.example"


def main() -> None:
    voters, rounds, out, user_agent = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    app = create_app()
    with app.app_context():
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
        announced = list(
            db.session.scalars(
                select(Proposal).where(Proposal.state == State.ANNOUNCED).order_by(Proposal.id)
            )
        )
        if admin is None or len(announced) < 3:
            raise SystemExit("the bench database needs an administrator and announced repeals")
        now = utcnow()
        opened = []
        for number in range(rounds):
            picks = announced[(number * 3) % len(announced) :][:3] or announced[:3]
            opened.append(
                voting.open_round(
                    db.session,
                    admin,
                    title=f"부하 시험 투표 {now:%m%d%H%M} #{number + 1}",
                    opens_at=now - timedelta(minutes=1),
                    closes_at=now + timedelta(days=1),
                    max_picks=1,
                    candidates=picks,
                )
            )
        # Accounts from earlier runs are reused (they have not voted in the new rounds).
        existing = db.session.scalar(
            select(func.count()).select_from(User).where(User.email.like("bench-voter-%"))
        )
        for number in range(existing or 0, voters):
            db.session.add(User(email=EMAIL.format(number), name="부하시험", role=Role.CITIZEN))
        db.session.commit()
        accounts = list(
            db.session.scalars(
                select(User).where(User.email.like("bench-voter-%")).order_by(User.id).limit(voters)
            )
        )
        secret = vote_secret()
        header = " ".join(f"{r.id}:{r.candidates[0].id}" for r in opened)
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        lines = [header]
        for user in accounts:
            # A fresh application context per voter: Flask-WTF keeps the CSRF token in ``g``.
            with (
                app.app_context(),
                app.test_request_context(
                    "/",
                    environ_base={"REMOTE_ADDR": "127.0.0.1"},
                    headers={"User-Agent": user_agent},
                ),
            ):
                sign_in(user)
                key = voting.voter_key(secret, user.email)  # one person, one key
                for vote_round in opened:
                    session[f"vote_key:{vote_round.id}"] = key
                csrf = generate_csrf()
                lines.append(f"{serializer.dumps(dict(session))}\t{csrf}")
        Path(out).write_text("\n".join(lines) + "\n")
        print(f"{len(accounts)} voters, rounds {[r.id for r in opened]}")


if __name__ == "__main__":
    main()
