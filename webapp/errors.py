"""Generic error pages (HTML, or JSON under /api) with a request id and no internals."""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, g, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from models import db
from workflows.errors import WorkflowError

from .extensions import login_manager

log = logging.getLogger(__name__)

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")

MESSAGES = {  # shown in the visitor's language
    400: _l("요청을 처리할 수 없습니다. 입력 내용을 확인해 주십시오."),
    403: _l("이 페이지를 볼 권한이 없습니다."),
    404: _l("찾으시는 페이지가 없습니다."),
    405: _l("허용되지 않는 요청 방식입니다."),
    409: _l("현재 상태에서는 할 수 없는 작업입니다."),
    413: _l("보낸 내용이 너무 큽니다."),
    422: _l("입력 내용을 확인해 주십시오."),
    429: _l("요청이 너무 많습니다. 잠시 후 다시 시도해 주십시오."),
    500: _l("일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주십시오."),
    503: _l("서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도해 주십시오."),
}


TITLES = {  # the page title: what happened, then the status ("… (오류 404)")
    400: _l("잘못된 요청"),
    403: _l("권한 없음"),
    404: _l("페이지를 찾을 수 없음"),
    405: _l("허용되지 않는 요청"),
    409: _l("처리할 수 없는 작업"),
    413: _l("너무 큰 요청"),
    422: _l("입력 확인 필요"),
    429: _l("요청 횟수 초과"),
    500: _l("일시적인 오류"),
    503: _l("서비스 일시 중단"),
}


def request_id() -> str:
    if "request_id" not in g:
        given = request.headers.get("X-Request-Id", "")
        # A proxy's id is kept only when it is a plain token; anything else is replaced.
        g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(8)
    return str(g.request_id)


def _respond(status: int, message: str | None = None, extra: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    text = message or str(MESSAGES.get(status, MESSAGES[500]))
    if request.path.startswith("/api/"):
        body = {"error": str(status), "message": text, "request_id": request_id()}
        body.update(extra or {})
        return jsonify(body), status
    return render_template(
        "errors/error.html",
        status=status,
        title=TITLES.get(status, TITLES[500]),
        message=text,
        request_id=request_id(),
    ), status


def register(app: Flask) -> None:
    @app.after_request
    def _tag(response):  # type: ignore[no-untyped-def]
        response.headers["X-Request-Id"] = request_id()
        return response

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):  # type: ignore[no-untyped-def]
        if exc.code in (301, 302, 303, 307, 308):
            return exc
        # abort(400, "…") carries our own Korean message; werkzeug's stock text is not shown.
        custom = exc.description if exc.description != type(exc).description else None
        return _respond(exc.code or 500, custom)

    @app.errorhandler(WorkflowError)
    def _workflow(exc: WorkflowError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        return _respond(
            exc.status,
            f"{exc.message_ko} / {exc.message_en}",
            {"rule": exc.rule, "message_en": exc.message_en},
        )

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.error("database unavailable [%s]: %s", request_id(), exc.orig)
        # The page must render without the database: the navigation would otherwise load the
        # logged-in user again, fail again and turn the clear 503 into a bare 500.
        g._login_user = login_manager.anonymous_user()
        response, status = _respond(ServiceUnavailable.code)
        # Tell clients and proxies to come back shortly rather than treat this as permanent.
        return response, status, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # type: ignore[no-untyped-def]
        db.session.rollback()
        log.exception("unhandled error [%s]", request_id())
        return _respond(500)
