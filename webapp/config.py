"""Configuration: defaults for the embedded mode, overridden by the environment, overridden by
the mapping given to ``create_app`` (tests). Documented as a table in the README."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from models.encryption import SecretKeyError, build_box, derive_key

ENV_KEYS = (
    "APP_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "SEARCH_INDEX_DIR",
    "MAIL_SENDER",
    "MAIL_FILE",
    "SMTP_HOST",
    "SMTP_PORT",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
    "SMTP_STARTTLS",
    "PUBLIC_BASE_URL",
    "DEMO_PASSWORD",
    "WORKER_QUEUES",
    "WORKER_HEARTBEAT_SECONDS",
    "WORKER_HEARTBEAT_GRACE",
    "WORKER_SWEEP_SECONDS",
    "WORKER_FORK",
    "IDENTITY_PROVIDER",
    "VOTE_HASH_KEY",
    "SECRET_ENCRYPTION_KEYS",
    "EXPORT_DIR",
    "EXPORT_INLINE_LIMIT",
    "IMPORT_DIR",
    "REVIEW_TARGET_BUSINESS_DAYS",
    "RESULT_TARGET_BUSINESS_DAYS",
    "DEPARTMENT_OPINION_BUSINESS_DAYS",
    "ATTACHMENT_DIR",
    "ATTACHMENT_MAX_BYTES",
    "ATTACHMENT_MAX_COUNT",
    "ATTACHMENT_MAX_UNCOMPRESSED",
    "SEARCH_PRELOAD",
    "SEARCH_ANALYSIS_WORKERS",
    "SESSION_LIFETIME_MINUTES",
    "SESSION_WARNING_SECONDS",
    "SESSION_ABSOLUTE_HOURS",
    "PERSONAL_DATA_RETENTION_DAYS",
    "LOGIN_SESSION_RETENTION_DAYS",
    "TRUSTED_PROXY_COUNT",
    "RATELIMIT_STORAGE_URI",
    "FIGURES_CACHE_SECONDS",
    "FIGURES_REFRESH_SECONDS",
)


class ConfigurationError(RuntimeError):
    """The application refuses to start with this configuration."""


def normalise_database_url(url: str) -> str:
    """Accept the usual ``postgresql://`` / ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _persistent_dev_secret(instance: Path) -> str:
    """Embedded mode keeps a random key in the instance folder so sessions survive restarts."""
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def _encryption_keys(setting: Any, secret_key: str) -> list[str]:
    """SECRET_ENCRYPTION_KEYS: Fernet keys separated by commas (or a list), the newest first;
    without it (embedded mode only) one key derived from SECRET_KEY."""
    if not setting:
        return [derive_key(secret_key)]
    keys = setting.split(",") if isinstance(setting, str) else list(setting)
    keys = [str(key).strip() for key in keys if str(key).strip()]
    try:
        build_box(keys)
    except SecretKeyError as exc:
        raise ConfigurationError(f"SECRET_ENCRYPTION_KEYS: {exc}") from None
    return keys


def _switched_on(value: Any) -> bool:
    """An off-by-default switch: on for 1, true or yes (any case)."""
    return str(value if value is not None else "0").lower() in ("1", "true", "yes")


def build_config(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    instance = Path(instance_path)
    settings: dict[str, Any] = {key: os.environ[key] for key in ENV_KEYS if os.environ.get(key)}
    settings.update(overrides or {})
    env = settings.get("APP_ENV", "development")
    if env not in ("development", "production", "testing"):
        raise ConfigurationError(f"APP_ENV must be development, production or testing, not {env!r}")
    production = env == "production"
    if production and not settings.get("SECRET_KEY"):
        raise ConfigurationError("SECRET_KEY must be set in production (APP_ENV=production)")
    if production and not settings.get("SECRET_ENCRYPTION_KEYS"):
        raise ConfigurationError(
            "SECRET_ENCRYPTION_KEYS must be set in production (APP_ENV=production): the keys "
            "that encrypt the staff's authenticator secrets in the database"
        )
    if not production:
        instance.mkdir(parents=True, exist_ok=True)
    database_url = settings.get("DATABASE_URL") or f"sqlite:///{instance / 'regrepeal.sqlite3'}"
    secret_key = settings.get("SECRET_KEY") or _persistent_dev_secret(instance)
    config: dict[str, Any] = {
        "APP_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": secret_key,
        # Keys of the secrets kept encrypted in the database, newest first (see models/encryption).
        "SECRET_ENCRYPTION_KEYS": _encryption_keys(
            settings.get("SECRET_ENCRYPTION_KEYS"), str(secret_key)
        ),
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": settings.get("REDIS_URL") or None,
        # How long a filter's last computed public figures are kept (served, marked, while the
        # job recomputes them after a change); 0 turns the cache off.
        "FIGURES_CACHE_SECONDS": int(settings.get("FIGURES_CACHE_SECONDS", 86400)),
        # While further refreshes wait on the queue, the figures are recomputed at most this
        # often (a burst of submissions is not one refresh each); 0: every refresh computes.
        "FIGURES_REFRESH_SECONDS": float(settings.get("FIGURES_REFRESH_SECONDS", 5)),
        "SEARCH_INDEX_DIR": settings.get("SEARCH_INDEX_DIR") or str(instance / "search-index"),
        "MAIL_SENDER": settings.get("MAIL_SENDER")
        or "규제철폐 제안센터 <no-reply@regrepeal.example>",
        "MAIL_FILE": settings.get("MAIL_FILE") or str(instance / "mail" / "outbox.mbox"),
        "SMTP_HOST": settings.get("SMTP_HOST") or None,
        "SMTP_PORT": int(settings.get("SMTP_PORT") or 587),
        "SMTP_USERNAME": settings.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": settings.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": str(settings.get("SMTP_STARTTLS", "1")).lower()
        not in ("0", "false", "no"),
        "PUBLIC_BASE_URL": settings.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000",
        "DEMO_PASSWORD": settings.get("DEMO_PASSWORD") or "demo-password-2025",
        "WORKER_QUEUES": (settings.get("WORKER_QUEUES") or "default,mail,search,figures").split(
            ","
        ),
        # A worker killed mid-job: its job counts as abandoned once the worker has not reported
        # for HEARTBEAT + GRACE seconds; the sweeper (every SWEEP seconds) then runs it again.
        "WORKER_HEARTBEAT_SECONDS": int(settings.get("WORKER_HEARTBEAT_SECONDS") or 30),
        "WORKER_HEARTBEAT_GRACE": int(settings.get("WORKER_HEARTBEAT_GRACE") or 60),
        "WORKER_SWEEP_SECONDS": float(settings.get("WORKER_SWEEP_SECONDS") or 15),
        # Jobs run in the worker's own process; on, RQ forks a work-horse per job (isolation of
        # each job, at about 20 times the CPU of a submission's jobs: docs/faults-and-load.md).
        "WORKER_FORK": _switched_on(settings.get("WORKER_FORK")),
        # The built-in identity check is for development only; production names a real one.
        "IDENTITY_PROVIDER": settings.get(
            "IDENTITY_PROVIDER", None if production else "development"
        ),
        "VOTE_HASH_KEY": settings.get("VOTE_HASH_KEY") or None,
        "EXPORT_DIR": settings.get("EXPORT_DIR") or str(instance / "exports"),
        "EXPORT_INLINE_LIMIT": int(settings.get("EXPORT_INLINE_LIMIT", 5000)),
        "IMPORT_DIR": settings.get("IMPORT_DIR") or str(instance / "imports"),
        # Deadlines of the office, in business days (Korean public holidays off).
        "REVIEW_TARGET_BUSINESS_DAYS": int(settings.get("REVIEW_TARGET_BUSINESS_DAYS") or 14),
        "RESULT_TARGET_BUSINESS_DAYS": int(settings.get("RESULT_TARGET_BUSINESS_DAYS") or 60),
        "DEPARTMENT_OPINION_BUSINESS_DAYS": int(
            settings.get("DEPARTMENT_OPINION_BUSINESS_DAYS") or 10
        ),
        # Proposal attachments: kept outside the web root under random names.
        "ATTACHMENT_DIR": settings.get("ATTACHMENT_DIR") or str(instance / "attachments"),
        "ATTACHMENT_MAX_BYTES": int(settings.get("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)),
        "ATTACHMENT_MAX_COUNT": int(settings.get("ATTACHMENT_MAX_COUNT", 5)),
        "ATTACHMENT_MAX_UNCOMPRESSED": int(
            settings.get("ATTACHMENT_MAX_UNCOMPRESSED", 100 * 1024 * 1024)
        ),
        # Load the Korean analysis model when the app is created (gunicorn --preload: loaded
        # once in the master, shared by the forked workers) instead of on the first search.
        "SEARCH_PRELOAD": _switched_on(settings.get("SEARCH_PRELOAD")),
        # A rebuild of the search index analyses the texts without kept terms in this many
        # spawned processes (0: in the rebuilding process; each worker loads its own model).
        # Off by default: on the shared two-core machine it was slower (docs/search-benchmark.md).
        "SEARCH_ANALYSIS_WORKERS": int(settings.get("SEARCH_ANALYSIS_WORKERS", 0)),
        # A signed-in session ends after this much inactivity; pages warn this long before.
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(settings.get("SESSION_LIFETIME_MINUTES") or 30)
        ),
        "SESSION_WARNING_SECONDS": int(settings.get("SESSION_WARNING_SECONDS") or 120),
        # ... and, however active, this long after the login (then the login is asked again).
        "SESSION_ABSOLUTE_HOURS": float(settings.get("SESSION_ABSOLUTE_HOURS") or 12),
        # Personal data of a closed proposal is destroyed this many days after its last event.
        "PERSONAL_DATA_RETENTION_DAYS": int(settings.get("PERSONAL_DATA_RETENTION_DAYS") or 1095),
        "LOGIN_SESSION_RETENTION_DAYS": int(settings.get("LOGIN_SESSION_RETENTION_DAYS") or 90),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed (the
        # rate limits count per client address, so behind a proxy this must be set).
        "TRUSTED_PROXY_COUNT": int(settings.get("TRUSTED_PROXY_COUNT") or 0),
        # In production the cookie is a "__Host-" cookie: the browser takes it only over HTTPS,
        # for the whole site and from this host alone (no sub-domain can set or read it).
        "SESSION_COOKIE_NAME": "__Host-session" if production else "session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Seoul",
        "LANGUAGES": ("ko", "en"),
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,
    }
    if settings.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = settings["RATELIMIT_STORAGE_URI"]
    for key, value in (overrides or {}).items():
        if key not in ENV_KEYS:
            config[key] = value
    # A form with its largest allowed attachments must fit in one request, with room for text.
    config["MAX_CONTENT_LENGTH"] = max(
        config["MAX_CONTENT_LENGTH"],
        config["ATTACHMENT_MAX_BYTES"] * config["ATTACHMENT_MAX_COUNT"] + 2 * 1024 * 1024,
    )
    return config
