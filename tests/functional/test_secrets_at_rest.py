"""The staff's authenticator secrets are kept encrypted: in the database (a Fernet token made
with SECRET_ENCRYPTION_KEYS, rotatable) and in the session cookie while being enrolled."""

from __future__ import annotations

import re

import pyotp
import pytest
from cryptography.fernet import Fernet, InvalidToken
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from models import Role, User, db
from models.encryption import build_box, derive_key
from tests.functional.helpers import PASSWORD, TOTP_SECRET, account, csrf_token, login
from webapp import create_app
from webapp.config import ConfigurationError
from workflows.dispatch import commit

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()


def _raw_secret(app, user_id: int) -> str | None:  # type: ignore[no-untyped-def]
    """The column as stored, read without the model's decryption."""
    with app.app_context():
        value = db.session.execute(
            text("SELECT totp_secret FROM user_account WHERE id = :id"), {"id": user_id}
        ).scalar_one()
        db.session.rollback()
    return value


def test_the_column_never_holds_the_secret_and_login_still_works(app, client):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
    stored = _raw_secret(app, reviewer.id)
    assert stored and TOTP_SECRET not in stored
    box = app.extensions["regrepeal.secret_box"]
    assert box.decrypt(stored.encode()).decode() == TOTP_SECRET
    assert login(client, reviewer).status_code == 303
    assert client.get("/password").status_code == 200  # past the second factor


def test_two_encryptions_of_one_secret_differ(app):
    with app.app_context():
        first, second = account(Role.CHAIR), account(Role.ADMIN)
    assert _raw_secret(app, first.id) != _raw_secret(app, second.id)


def test_enrolment_keeps_the_new_secret_out_of_the_cookie_and_the_column(app, client):
    with app.app_context():
        chair = account(Role.CHAIR)
        db.session.get(User, chair.id).totp_secret = None
        commit(db.session)
    client.post(
        "/login",
        data={"email": chair.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    html = client.get("/login/enrol").get_data(as_text=True)
    secret = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html).group(1)
    secret = secret.replace(" ", "")
    cookie = client.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    readable = repr(serializer.loads(cookie.value))
    assert secret not in readable  # the signed cookie can be read by whoever holds it
    done = client.post(
        "/login/enrol",
        data={"code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(client, "/login/enrol")},
    )
    assert done.status_code == 303
    stored = _raw_secret(app, chair.id)
    assert stored and secret not in stored
    with app.app_context():
        assert db.session.get(User, chair.id).totp_secret == secret


def test_a_tampered_enrolment_secret_is_replaced_not_trusted(app, client):
    with app.app_context():
        chair = account(Role.CHAIR)
        db.session.get(User, chair.id).totp_secret = None
        commit(db.session)
    client.post(
        "/login",
        data={"email": chair.email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    client.get("/login/enrol")
    with client.session_transaction() as session:
        pending = session["second_factor"]
        pending["secret"] = TOTP_SECRET  # a secret of someone's choosing, not sealed by us
        session["second_factor"] = pending
    html = client.get("/login/enrol").get_data(as_text=True)
    shown = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', html).group(1)
    assert shown.replace(" ", "") != TOTP_SECRET


def test_a_new_key_first_and_the_old_one_kept_then_rotate(make_app):
    old = make_app(SECRET_ENCRYPTION_KEYS=OLD_KEY)
    with old.app_context():
        reviewer = account(Role.REVIEWER)
    sealed_with_old = _raw_secret(old, reviewer.id)
    assert Fernet(OLD_KEY.encode()).decrypt(sealed_with_old.encode()).decode() == TOTP_SECRET

    both = make_app(SECRET_ENCRYPTION_KEYS=f"{NEW_KEY},{OLD_KEY}")
    client = both.test_client()
    assert login(client, reviewer).status_code == 303  # the old key still decrypts
    assert client.get("/password").status_code == 200

    result = both.test_cli_runner().invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    assert "1 secret(s)" in result.output
    rotated = _raw_secret(both, reviewer.id)
    assert Fernet(NEW_KEY.encode()).decrypt(rotated.encode()).decode() == TOTP_SECRET
    with pytest.raises(InvalidToken):
        Fernet(OLD_KEY.encode()).decrypt(rotated.encode())

    only_new = make_app(SECRET_ENCRYPTION_KEYS=NEW_KEY)  # the old key retired
    fresh = only_new.test_client()
    assert login(fresh, reviewer).status_code == 303
    assert fresh.get("/password").status_code == 200


def test_the_migration_encrypts_secrets_stored_in_clear(app):
    with app.app_context():
        reviewer = account(Role.REVIEWER)
        db.session.remove()
        downgrade(revision="c4e7a2d9f310")  # back to the schema that stored secrets in clear
    assert _raw_secret(app, reviewer.id) == TOTP_SECRET
    with app.app_context():
        db.session.remove()
        upgrade()
    stored = _raw_secret(app, reviewer.id)
    assert stored != TOTP_SECRET
    with app.app_context():
        user = db.session.scalar(select(User).where(User.id == reviewer.id))
        assert user is not None and user.totp_secret == TOTP_SECRET


def test_production_refuses_to_start_without_encryption_keys(app_config, tmp_path):
    production = {**app_config, "APP_ENV": "production", "SECRET_KEY": "s" * 40}
    with pytest.raises(ConfigurationError, match="SECRET_ENCRYPTION_KEYS"):
        create_app(production)
    with pytest.raises(ConfigurationError, match="SECRET_ENCRYPTION_KEYS: key 2"):
        create_app({**production, "SECRET_ENCRYPTION_KEYS": f"{NEW_KEY},not-a-key"})
    started = create_app({**production, "SECRET_ENCRYPTION_KEYS": f" {NEW_KEY} , {OLD_KEY}"})
    assert started.config["SECRET_ENCRYPTION_KEYS"] == [NEW_KEY, OLD_KEY]
    with started.app_context():
        db.engine.dispose()


def test_the_embedded_key_is_derived_from_the_secret_key(app):
    derived = derive_key("test-secret")
    assert app.config["SECRET_ENCRYPTION_KEYS"] == [derived]
    assert derived != derive_key("another-secret")
    token = build_box([derived]).encrypt(b"x")
    assert app.extensions["regrepeal.secret_box"].decrypt(token) == b"x"
