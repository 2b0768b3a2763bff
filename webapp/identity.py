"""Identity verification for citizen votes. A Korean government vote checks real names through a
certified provider (휴대폰·PASS 본인확인 and the like); the provider is pluggable, and the
built-in one below only stands in for it during development and tests."""

from __future__ import annotations

import hashlib
import hmac
import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from flask import Flask, current_app
from flask_babel import gettext as _


class IdentityError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider vouches for; ``key_material`` identifies one person (like a CI value)."""

    key_material: str
    name: str


class IdentityProvider(Protocol):
    label: str

    def verify(self, data: Mapping[str, str]) -> VerifiedIdentity: ...


class DevelopmentIdentityProvider:
    """Development only: trusts the name, birth date and mobile number typed in."""

    label = "개발용 본인확인 (실제 본인확인이 아닙니다)"

    def verify(self, data: Mapping[str, str]) -> VerifiedIdentity:
        name = re.sub(r"\s+", "", data.get("name", ""))
        if not 2 <= len(name) <= 30:
            raise IdentityError("name", _("이름을 2자 이상 입력해 주십시오"))
        try:
            born = date.fromisoformat(data.get("birth_date", ""))
        except ValueError:
            raise IdentityError(
                "birth_date", _("생년월일을 YYYY-MM-DD 형식으로 입력해 주십시오")
            ) from None
        if not date(1900, 1, 1) <= born <= date.today():
            raise IdentityError("birth_date", _("생년월일이 올바르지 않습니다"))
        mobile = re.sub(r"\D", "", data.get("mobile", ""))
        if not re.fullmatch(r"01[016789]\d{7,8}", mobile):
            raise IdentityError(
                "mobile", _("휴대전화 번호를 010-1234-5678 형식으로 입력해 주십시오")
            )
        return VerifiedIdentity(f"{name}|{born.isoformat()}|{mobile}", name)


def load_provider(app: Flask) -> IdentityProvider | None:
    """``IDENTITY_PROVIDER``: "development", or "package.module:Class" for a real provider."""
    setting = app.config.get("IDENTITY_PROVIDER")
    if not setting:
        return None
    if setting == "development":
        return DevelopmentIdentityProvider()
    module_name, _sep, class_name = str(setting).partition(":")
    provider: IdentityProvider = getattr(importlib.import_module(module_name), class_name)()
    return provider


def provider() -> IdentityProvider | None:
    return current_app.extensions.get("regrepeal.identity")  # type: ignore[no-any-return]


def vote_secret() -> bytes:
    """The key of the voter hash: VOTE_HASH_KEY, or one derived from SECRET_KEY."""
    configured = current_app.config.get("VOTE_HASH_KEY")
    if configured:
        return str(configured).encode()
    return hmac.new(
        str(current_app.config["SECRET_KEY"]).encode(), b"vote-identity", hashlib.sha256
    ).digest()
