"""Every setting Sinergi reads from the environment, validated in one place.

Nothing else in the code base reads ``os.environ``: ``load_config`` turns the
environment into a frozen :class:`Config`, and a bad value stops start-up with a
:class:`ConfigError` that names the variable and what was expected.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from coordinator.gateway_rules import RuleError, parse_extra_params, parse_success_rule

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE_DIR = PROJECT_ROOT / "instance"
ENVIRONMENTS = ("development", "production", "test")
LANGUAGES = ("id", "en")
DEFAULT_SEND_BATCH_SIZE = 50
# Of a send's lease, kept for recording its outcome after the provider's last answer.
SEND_LEASE_MARGIN_SECONDS = 5
MAX_SEND_BATCH_SIZE = 500


class ConfigError(RuntimeError):
    """A configuration variable is missing or malformed."""


@dataclass(frozen=True)
class Config:
    env: str
    instance_dir: Path
    database_url: str
    broker_url: str
    redis_url: str | None
    secret_key: str
    timezone: str
    default_language: str
    base_url: str
    signed_link_max_age_days: int
    quiet_hours_start: int
    quiet_hours_end: int
    sms_daily_cap: int
    sensitive_words: tuple[str, ...]
    extra_days_off: tuple[str, ...]
    smtp_host: str | None
    smtp_port: int
    smtp_tls: str
    smtp_user: str | None
    smtp_password: str | None
    mail_from: str
    sms_provider: str
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_from: str | None
    twilio_api_base: str
    sms_gateway_url: str | None
    sms_gateway_method: str
    sms_gateway_to_param: str
    sms_gateway_text_param: str
    sms_gateway_extra_params: str
    sms_gateway_success_rule: str
    sms_gateway_secret: str | None
    login_max_failures: int
    web_port: int = 5000
    db_pool_size: int = 5
    relay_on_commit: bool = True
    sms_gateway_id_field: str | None = None
    sms_gateway_number_format: str = "e164"
    sms_inbound_rate_limit: int = 10
    sms_inbound_rate_window_seconds: int = 600
    channel_timeout_seconds: int = 15
    api_rate_limit_per_minute: int = 600
    sms_gateway_idempotency_param: str = "idempotency_key"
    # Reliability bounds (README "Reliability"): how long a send may stay in flight, how long
    # an event may wait for its handlers, how long Redis holds a message a dead worker took.
    send_lease_seconds: int = 300
    # Notifications per send job where a resend is harmless (SMS, outbox); a batch stops in
    # time for its lease (coordinator.notifications.sending) whatever its size.
    send_batch_size: int = DEFAULT_SEND_BATCH_SIZE
    send_task_expires_seconds: int = 120
    send_backoff_base_seconds: int = 30
    event_handling_bound_seconds: int = 300
    broker_visibility_timeout_seconds: int = 600
    relay_interval_seconds: int = 10
    dispatch_interval_seconds: int = 60
    reliability_check_interval_seconds: int = 60
    # Day of the next month by which a kelurahan's case statistics are due (late: a reminder).
    case_stats_due_day: int = 5
    api_anonymous_rate_limit_per_minute: int = 60
    public_rate_limit_per_minute: int = 120
    login_attempts_per_ip_per_hour: int = 100
    max_request_kb: int = 1024
    import_max_mb: int = 5
    import_parse_seconds: int = 20
    session_lifetime_hours: int = 12
    api_token_days: int = 90
    trusted_proxy_hops: int = 0
    read_cache_seconds: int = 60

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class _Reader:
    """Reads typed values from an environment mapping, failing with the variable's name."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.environ = environ

    def text(self, name: str, default: str | None = None) -> str | None:
        value = self.environ.get(name)
        if value is None or value.strip() == "":
            return default
        return value.strip()

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = (self.text(name, default) or default).lower()
        if value not in choices:
            raise ConfigError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number; got {raw!r}") from None
        if not low <= value <= high:
            raise ConfigError(f"{name} must be between {low} and {high}; got {value}")
        return value

    def url(self, name: str, default: str | None, schemes: tuple[str, ...]) -> str | None:
        value = self.text(name, default)
        if value is None:
            return None
        scheme = value.split("://", 1)[0] if "://" in value else ""
        if scheme.split("+", 1)[0] not in schemes:
            raise ConfigError(
                f"{name} must be a URL starting with one of "
                f"{', '.join(s + '://' for s in schemes)}; got {value!r}"
            )
        return value

    def word_list(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        raw = self.text(name)
        if raw is None:
            return default
        return tuple(word.strip() for word in raw.split(",") if word.strip())


DEFAULT_SENSITIVE_WORDS = (
    "korban", "TPPO", "perdagangan orang", "kekerasan", "pemerkosaan", "perkosa", "pelecehan",
    "trafficking",
)


def _secret_key(reader: _Reader, env: str, instance_dir: Path) -> str:
    key = reader.text("SECRET_KEY")
    if key is not None:
        if len(key) < 16:
            raise ConfigError("SECRET_KEY must be at least 16 characters long")
        return key
    if env == "production":
        raise ConfigError(
            "SECRET_KEY is required when SINERGI_ENV=production "
            "(a long random string, e.g. from `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    # Development and tests: generate once and keep it, so sessions survive restarts.
    key_file = instance_dir / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _timezone(reader: _Reader) -> str:
    name = reader.text("SINERGI_TIMEZONE", "Asia/Jakarta") or "Asia/Jakarta"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"SINERGI_TIMEZONE must be an IANA time zone such as Asia/Jakarta; got {name!r}"
        ) from None
    return name


def _days_off(reader: _Reader) -> tuple[str, ...]:
    days = reader.word_list("SINERGI_EXTRA_DAYS_OFF", ())
    for day in days:
        try:
            date.fromisoformat(day)
        except ValueError:
            raise ConfigError(
                f"SINERGI_EXTRA_DAYS_OFF must be comma-separated dates like 2022-05-06; got {day!r}"
            ) from None
    return days


def load_config(environ: Mapping[str, str], **overrides: object) -> Config:
    """Build the configuration from ``environ``; ``overrides`` replace fields (tests)."""
    reader = _Reader(environ)
    env = reader.choice("SINERGI_ENV", ENVIRONMENTS, "development")
    instance_dir = Path(reader.text("SINERGI_INSTANCE_DIR", str(DEFAULT_INSTANCE_DIR)) or "")
    database_url = reader.url(
        "DATABASE_URL", f"sqlite:///{instance_dir / 'sinergi.db'}", ("sqlite", "postgresql", "postgres")
    )
    database_url = _with_psycopg_driver(database_url or "")
    broker_url = reader.url(
        "BROKER_URL",
        f"sqla+sqlite:///{instance_dir / 'broker.db'}",
        ("sqla", "redis", "rediss", "amqp", "memory"),
    )
    redis_url = reader.url("REDIS_URL", None, ("redis", "rediss"))
    sms_provider = reader.choice("SMS_PROVIDER", ("outbox", "twilio", "http"), "outbox")
    web_port = reader.integer("PORT", 5000, 1, 65535)
    values: dict[str, object] = {
        "env": env,
        "instance_dir": instance_dir,
        "database_url": database_url,
        "broker_url": broker_url,
        "redis_url": redis_url,
        "secret_key": _secret_key(reader, env, instance_dir),
        "timezone": _timezone(reader),
        "default_language": reader.choice("SINERGI_DEFAULT_LANGUAGE", LANGUAGES, "id"),
        # Unset, links carry the port the server listens on (PORT; `--port` of run / run-all).
        "base_url": (reader.url("SINERGI_BASE_URL", f"http://127.0.0.1:{web_port}",
                                ("http", "https")) or "").rstrip("/"),
        "signed_link_max_age_days": reader.integer("SIGNED_LINK_MAX_AGE_DAYS", 14, 1, 90),
        "quiet_hours_start": reader.integer("SMS_QUIET_HOURS_START", 21, 0, 23),
        "quiet_hours_end": reader.integer("SMS_QUIET_HOURS_END", 7, 0, 23),
        "sms_daily_cap": reader.integer("SMS_DAILY_CAP", 3, 0, 100),
        "sensitive_words": reader.word_list("SMS_SENSITIVE_WORDS", DEFAULT_SENSITIVE_WORDS),
        "extra_days_off": _days_off(reader),
        "smtp_host": reader.text("SMTP_HOST"),
        "smtp_port": reader.integer("SMTP_PORT", 587, 1, 65535),
        "smtp_tls": reader.choice("SMTP_TLS", ("starttls", "ssl", "none"), "starttls"),
        "smtp_user": reader.text("SMTP_USER"),
        "smtp_password": reader.text("SMTP_PASSWORD"),
        "mail_from": reader.text("MAIL_FROM", "Sinergi <sinergi@localhost>") or "",
        "sms_provider": sms_provider,
        "twilio_account_sid": reader.text("TWILIO_ACCOUNT_SID"),
        "twilio_auth_token": reader.text("TWILIO_AUTH_TOKEN"),
        "twilio_from": reader.text("TWILIO_FROM"),
        "twilio_api_base": (
            reader.url("TWILIO_API_BASE", "https://api.twilio.com", ("http", "https")) or ""
        ).rstrip("/"),
        "sms_gateway_url": reader.url("SMS_GATEWAY_URL", None, ("http", "https")),
        "sms_gateway_method": reader.choice("SMS_GATEWAY_METHOD", ("get", "post"), "post").upper(),
        "sms_gateway_to_param": reader.text("SMS_GATEWAY_TO_PARAM", "to") or "to",
        "sms_gateway_text_param": reader.text("SMS_GATEWAY_TEXT_PARAM", "message") or "message",
        "sms_gateway_extra_params": reader.text("SMS_GATEWAY_EXTRA_PARAMS", "") or "",
        "sms_gateway_success_rule": reader.text("SMS_GATEWAY_SUCCESS_RULE", "status:2xx") or "",
        "sms_gateway_secret": reader.text("SMS_GATEWAY_SECRET"),
        "login_max_failures": reader.integer("LOGIN_MAX_FAILURES", 5, 1, 100),
        "web_port": web_port,
        "db_pool_size": reader.integer("SINERGI_DB_POOL_SIZE", 5, 1, 100),
        "api_rate_limit_per_minute": reader.integer("API_RATE_LIMIT_PER_MINUTE", 600, 1, 1_000_000),
        "api_anonymous_rate_limit_per_minute": reader.integer(
            "API_ANONYMOUS_RATE_LIMIT_PER_MINUTE", 60, 1, 1_000_000
        ),
        "public_rate_limit_per_minute": reader.integer(
            "PUBLIC_RATE_LIMIT_PER_MINUTE", 120, 1, 1_000_000
        ),
        "login_attempts_per_ip_per_hour": reader.integer(
            "LOGIN_ATTEMPTS_PER_IP_PER_HOUR", 100, 1, 100_000
        ),
        "max_request_kb": reader.integer("MAX_REQUEST_KB", 1024, 16, 1024 * 1024),
        "import_max_mb": reader.integer("IMPORT_MAX_MB", 5, 1, 50),
        "import_parse_seconds": reader.integer("IMPORT_PARSE_SECONDS", 20, 1, 300),
        "session_lifetime_hours": reader.integer("SESSION_LIFETIME_HOURS", 12, 1, 24 * 90),
        "api_token_days": reader.integer("API_TOKEN_DAYS", 90, 1, 3650),
        "trusted_proxy_hops": reader.integer("TRUSTED_PROXY_HOPS", 0, 0, 5),
        "read_cache_seconds": reader.integer("READ_CACHE_SECONDS", 60, 0, 3600),
        "relay_on_commit": reader.choice(
            "SINERGI_RELAY_ON_COMMIT", ("1", "0", "true", "false"), "0" if env == "test" else "1"
        ) in ("1", "true"),
        "sms_gateway_id_field": reader.text("SMS_GATEWAY_ID_FIELD"),
        "sms_gateway_number_format": reader.choice(
            "SMS_GATEWAY_NUMBER_FORMAT", ("e164", "international", "national"), "e164"
        ),
        "sms_inbound_rate_limit": reader.integer("SMS_INBOUND_RATE_LIMIT", 10, 1, 1000),
        "sms_inbound_rate_window_seconds": reader.integer(
            "SMS_INBOUND_RATE_WINDOW_SECONDS", 600, 10, 86400
        ),
        "channel_timeout_seconds": reader.integer("CHANNEL_TIMEOUT_SECONDS", 15, 1, 120),
        "sms_gateway_idempotency_param": reader.text(
            "SMS_GATEWAY_IDEMPOTENCY_PARAM", "idempotency_key") or "idempotency_key",
        **_reliability(reader),
        "case_stats_due_day": reader.integer("SINERGI_CASE_STATS_DUE_DAY", 5, 1, 28),
    }
    _check_provider(values)
    values.update(overrides)
    _check_reliability(values)
    return Config(**values)  # type: ignore[arg-type]


def _reliability(reader: _Reader) -> dict[str, object]:
    return {
        "send_lease_seconds": reader.integer("SEND_LEASE_SECONDS", 300, 5, 3600),
        "send_batch_size": reader.integer("SEND_BATCH_SIZE", DEFAULT_SEND_BATCH_SIZE, 1,
                                          MAX_SEND_BATCH_SIZE),
        "send_task_expires_seconds": reader.integer("SEND_TASK_EXPIRES_SECONDS", 120, 5, 3600),
        "send_backoff_base_seconds": reader.integer("SEND_BACKOFF_BASE_SECONDS", 30, 1, 600),
        "event_handling_bound_seconds": reader.integer(
            "EVENT_HANDLING_BOUND_SECONDS", 300, 5, 86400),
        "broker_visibility_timeout_seconds": reader.integer(
            "BROKER_VISIBILITY_TIMEOUT_SECONDS", 600, 10, 86400),
        "relay_interval_seconds": reader.integer("RELAY_INTERVAL_SECONDS", 10, 1, 3600),
        "dispatch_interval_seconds": reader.integer("DISPATCH_INTERVAL_SECONDS", 60, 1, 3600),
        "reliability_check_interval_seconds": reader.integer(
            "RELIABILITY_CHECK_INTERVAL_SECONDS", 60, 1, 3600),
    }


def _check_reliability(values: dict[str, object]) -> None:
    # A send still talking to its provider must never be taken for a dead one: the lease
    # outlasts two channel timeouts (connect + read) with room for the database round trips.
    lease = int(str(values["send_lease_seconds"]))
    timeout = int(str(values["channel_timeout_seconds"]))
    if lease < 2 * timeout + SEND_LEASE_MARGIN_SECONDS:
        raise ConfigError(
            f"SEND_LEASE_SECONDS must be at least twice CHANNEL_TIMEOUT_SECONDS plus "
            f"{SEND_LEASE_MARGIN_SECONDS} ({2 * timeout + SEND_LEASE_MARGIN_SECONDS}); got {lease}"
        )


def _with_psycopg_driver(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3, the driver Sinergi installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _check_provider(values: dict[str, object]) -> None:
    provider = values["sms_provider"]
    if provider == "twilio":
        for name in ("twilio_account_sid", "twilio_auth_token", "twilio_from"):
            if not values[name]:
                raise ConfigError(f"{name.upper()} is required when SMS_PROVIDER=twilio")
    if provider == "http" and not values["sms_gateway_url"]:
        raise ConfigError("SMS_GATEWAY_URL is required when SMS_PROVIDER=http")
    _check_gateway_rules(values)


def _check_gateway_rules(values: dict[str, object]) -> None:
    try:
        parse_success_rule(str(values["sms_gateway_success_rule"]))
    except RuleError as exc:
        raise ConfigError(f"SMS_GATEWAY_SUCCESS_RULE: {exc}") from None
    try:
        parse_extra_params(str(values["sms_gateway_extra_params"]))
    except RuleError as exc:
        raise ConfigError(f"SMS_GATEWAY_EXTRA_PARAMS: {exc}") from None
