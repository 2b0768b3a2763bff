"""HTTP hardening in one place: security headers with a Content-Security-Policy that allows no
inline script or style, ``no-store`` on pages that may show personal data, and rate limits on the
login, password-reset and token endpoints (Flask-Limiter; Redis storage when REDIS_URL is set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, abort, jsonify, make_response, request, session
from flask_babel import gettext as _
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

# Nothing inline: scripts and styles come from our own static files only. Charts are inline SVG
# (markup, not style), so 'self' plus data: images is all a page needs.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}

MAX_DATABASE_INT = 2**31 - 1

HSTS = "max-age=31536000; includeSubDomains"

# Endpoint → limits, counted per client address and only on the methods that try a secret.
RATE_LIMITS: dict[str, tuple[str, tuple[str, ...]]] = {
    "auth.login": ("10 per minute; 50 per hour", ("POST",)),
    "auth.register": ("10 per minute; 50 per hour", ("POST",)),
    # The second factor: codes are six digits, so guesses are throttled per address as well as
    # counted on the account (which locks after ten wrong codes in a row).
    "auth.second_factor": ("10 per minute; 50 per hour", ("POST",)),
    "auth.enrol": ("10 per minute; 50 per hour", ("POST",)),
    "auth.request_reset": ("5 per minute; 20 per hour", ("POST",)),
    "auth.reset": ("10 per minute; 50 per hour", ("GET", "POST")),
    "auth.change_password": ("10 per minute; 50 per hour", ("POST",)),
    # Ending sessions asks for the password again: throttled like the password change.
    "auth.end_session": ("10 per minute; 50 per hour", ("POST",)),
    "auth.end_other_sessions": ("10 per minute; 50 per hour", ("POST",)),
    "api.create_token": ("10 per minute; 50 per hour", ("POST",)),
    # An anonymous POST to the proposal form stores its text for a day (kept across an expired
    # session), so the form's POSTs are throttled too: nobody fills the database by flooding.
    "citizen.new": ("30 per minute; 300 per hour", ("POST",)),
    "citizen.edit": ("30 per minute; 300 per hour", ("POST",)),
}


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` up to the largest database key (PostgreSQL ``integer``): a larger number in
    a URL is no route (404), never an overflow in the database driver (500)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DATABASE_INT)
        super().__init__(map, *args, **kwargs)


def register_converters(app: Flask) -> None:
    """Called before the blueprints add their rules (rules bind their converters when added)."""
    app.url_map.converters["int"] = BoundedIntConverter


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _refuse_nul_characters():  # type: ignore[no-untyped-def]
    """No text field can hold a NUL character (PostgreSQL refuses it): refused up front, with a
    message, instead of failing in the database driver."""
    in_query = _has_nul([*request.args.values(), *request.args.keys()])
    values: list[str] = []
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        values += [*request.form.values(), *request.form.keys()]
    body = request.get_json(silent=True) if request.is_json else None
    if not (in_query or _has_nul(values) or _has_nul(body)):
        return None
    message = _("입력에 사용할 수 없는 문자(NUL)가 들어 있습니다.")
    if request.path.startswith("/api/") and not in_query:
        return jsonify(error="invalid", message=message, errors={"request": message}), 422
    abort(400, message)


def _public_cacheable() -> bool:
    """Only static files may be kept by a shared cache; every page may carry personal data
    once someone is logged in, and the personal pages always do."""
    return request.endpoint == "static"


def _limit_check(
    limiter: Limiter, endpoint: str, limits: str, methods: tuple[str, ...]
) -> Callable[[], None]:
    """A callable limited by Flask-Limiter under its own name, called before the request is
    looked at; each endpoint keeps its own count."""

    def check() -> None:
        return None

    name = "check_" + endpoint.replace(".", "_")
    check.__name__ = check.__qualname__ = name
    return limiter.limit(limits, methods=list(methods))(check)


def register(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_ENABLED", app.config["APP_ENV"] != "testing")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "regrepeal-limits")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # One limiter per application: its settings (enabled, storage) are the app's own.
    limiter = Limiter(key_func=get_remote_address, default_limits=[])
    limiter.init_app(app)
    app.extensions["regrepeal.limiter"] = limiter  # the limits hold only a weak reference
    checks = {
        endpoint: _limit_check(limiter, endpoint, *rule) for endpoint, rule in RATE_LIMITS.items()
    }

    def _rate_limit() -> None:
        check = checks.get(request.endpoint or "")
        if check is not None:
            check()

    # Counted before anything else looks at the request (the CSRF check, the blueprint guards),
    # so refused attempts count too; then input no database column can hold is refused.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[:0] = [_rate_limit, _refuse_nul_characters]

    @app.errorhandler(RateLimitExceeded)
    def _too_many(_exc: RateLimitExceeded):  # type: ignore[no-untyped-def]
        from .errors import _respond

        response, status = _respond(429)
        response = make_response(response, status)
        response.headers["Retry-After"] = "60"
        return response

    proxies = app.config.get("TRUSTED_PROXY_COUNT", 0)
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    production = app.config["APP_ENV"] == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not _public_cacheable() and (
            # The session, not current_user: this must not reach the database (it may be down).
            "_user_id" in session or "Cache-Control" not in response.headers
        ):
            # Pages are rendered per visitor (personal data, CSRF tokens): never stored.
            response.headers["Cache-Control"] = "no-store"
            response.headers["Pragma"] = "no-cache"
        return response
