"""Secrets kept encrypted at rest (the staff's authenticator secrets).

A column of type :class:`EncryptedString` holds a Fernet token (AES-128-CBC + HMAC-SHA256 from
the ``cryptography`` package), never the value itself: the value is encrypted as it is written
and decrypted as it is read. The keys are the application's: a :class:`MultiFernet` registered
by the application factory encrypts with its first key and decrypts with any of them, so a new
key is put first and the old one kept until every row was re-encrypted (``flask secrets
rotate``).
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app
from sqlalchemy import String
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

EXTENSION = "regrepeal.secret_box"
# What a Fernet token of the secrets kept here needs (a 32-character secret makes 140).
TOKEN_LENGTH = 255
_DERIVATION_INFO = b"regrepeal secrets at rest v1"


class SecretKeyError(ValueError):
    """A key of SECRET_ENCRYPTION_KEYS is not a Fernet key."""


def derive_key(secret_key: str) -> str:
    """A Fernet key derived from the application's SECRET_KEY (HKDF-SHA256): the embedded
    default, so a development database needs no extra setting."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_DERIVATION_INFO).derive(
        secret_key.encode()
    )
    return base64.urlsafe_b64encode(raw).decode()


def build_box(keys: Sequence[str]) -> MultiFernet:
    """The keys newest first: the first encrypts, all of them decrypt."""
    if not keys:
        raise SecretKeyError("at least one key is needed")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode()))
        except ValueError:
            raise SecretKeyError(
                f"key {position} is not a Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
    return MultiFernet(fernets)


def secret_box() -> MultiFernet:
    box: MultiFernet = current_app.extensions[EXTENSION]
    return box


class EncryptedString(TypeDecorator[str]):
    """A string stored as a Fernet token made with the application's keys."""

    impl = String(TOKEN_LENGTH)
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return secret_box().encrypt(value.encode()).decode()

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        try:
            return secret_box().decrypt(str(value).encode()).decode()
        except InvalidToken:
            raise SecretKeyError(
                "a stored secret cannot be decrypted with SECRET_ENCRYPTION_KEYS "
                "(a key was removed before `flask secrets rotate` re-encrypted the rows?)"
            ) from None
