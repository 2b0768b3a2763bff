"""Staff who decide (reviewer, panel member, chair, admin) log in with a second factor in the
browser walks too: their accounts are enrolled with the test secret, and the walk types a code
the server has not accepted yet."""

from __future__ import annotations

import time

import pyotp
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from models import TWO_FACTOR_ROLES, User, db
from tests.functional.helpers import TOTP_SECRET

_served: list[Flask] = []


def enrol_staff(app: Flask) -> None:
    """Give every not yet enrolled staff account of ``app`` the test secret."""
    with app.app_context():
        for user in db.session.scalars(
            select(User).where(User.role.in_(TWO_FACTOR_ROLES), User.totp_secret.is_(None))
        ):
            user.totp_secret = TOTP_SECRET
        db.session.commit()
    _served[:] = [app]


def unused_code(email: str) -> str:
    with _served[0].app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None and user.totp_secret
        last, secret = user.totp_last_step, user.totp_secret
    while True:
        now = int(time.time()) // 30
        for step in (now, now + 1):
            if last is None or step > last:
                return pyotp.TOTP(secret).at(step * 30)
        time.sleep(1)  # both codes of this window were used: wait for the next one


def pass_second_factor(page: Page, email: str) -> None:
    """After the password: type the authenticator's code when the server asks for it."""
    page.wait_for_load_state()
    if page.url.split("?")[0].endswith("/login/second-factor"):
        page.fill("#code", unused_code(email))
        page.locator("form button[type=submit]").last.click()
        page.wait_for_load_state()
