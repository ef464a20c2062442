"""Configuration comes from the environment only; a bad value stops start-up naming the variable."""
from __future__ import annotations

from pathlib import Path

import pytest

from coordinator import create_app
from coordinator.config import ConfigError, load_config

BAD_VALUES = [
    ("SINERGI_ENV", "staging"),
    ("DATABASE_URL", "mysql://root@localhost/sinergi"),
    ("DATABASE_URL", "not a url"),
    ("BROKER_URL", "kafka://localhost:9092"),
    ("REDIS_URL", "http://localhost:6379"),
    ("SECRET_KEY", "short"),
    ("SINERGI_TIMEZONE", "Mars/Olympus_Mons"),
    ("SINERGI_DEFAULT_LANGUAGE", "fr"),
    ("SINERGI_BASE_URL", "ftp://sinergi.example.org"),
    ("SIGNED_LINK_MAX_AGE_DAYS", "two weeks"),
    ("SIGNED_LINK_MAX_AGE_DAYS", "0"),
    ("SMS_QUIET_HOURS_START", "25"),
    ("SMS_QUIET_HOURS_END", "-1"),
    ("SMS_DAILY_CAP", "many"),
    ("SINERGI_EXTRA_DAYS_OFF", "2022-02-30"),
    ("SMTP_PORT", "70000"),
    ("SMTP_TLS", "maybe"),
    ("SMS_PROVIDER", "pigeon"),
    ("TWILIO_API_BASE", "api.twilio.com"),
    ("SMS_GATEWAY_URL", "gateway.local/send"),
    ("SMS_GATEWAY_METHOD", "put"),
    ("LOGIN_MAX_FAILURES", "0"),
    ("PORT", "http"),
]


def environ(tmp_path: Path, **values: str) -> dict[str, str]:
    return {"SINERGI_INSTANCE_DIR": str(tmp_path), **values}


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_a_bad_value_stops_start_up_naming_the_variable(tmp_path, name, value):
    with pytest.raises(ConfigError) as error:
        load_config(environ(tmp_path, **{"SECRET_KEY": "a-long-enough-secret-key", name: value}))
    assert name in str(error.value)


def test_create_app_refuses_a_bad_environment_before_anything_runs(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL"):
        create_app(environ=environ(tmp_path, DATABASE_URL="oracle://x"))


def test_production_requires_a_secret_key(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is required when SINERGI_ENV=production"):
        load_config(environ(tmp_path, SINERGI_ENV="production"))
    assert not (tmp_path / "secret_key").exists()


def test_twilio_needs_its_credentials(tmp_path):
    with pytest.raises(ConfigError, match="TWILIO_ACCOUNT_SID"):
        load_config(environ(tmp_path, SMS_PROVIDER="twilio"))


def test_the_development_key_is_generated_once_and_kept(tmp_path):
    first = load_config(environ(tmp_path))
    second = load_config(environ(tmp_path))
    assert len(first.secret_key) >= 32
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").read_text().strip() == first.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_defaults_need_no_server(tmp_path):
    config = load_config(environ(tmp_path))
    assert config.database_url == f"sqlite:///{tmp_path / 'sinergi.db'}"
    assert config.broker_url.startswith("sqla+sqlite:///")
    assert config.redis_url is None
    assert config.timezone == "Asia/Jakarta"
    assert config.web_port == 5000


def test_postgresql_urls_use_psycopg_3(tmp_path):
    config = load_config(environ(tmp_path, DATABASE_URL="postgres://u@db:5432/sinergi"))
    assert config.database_url == "postgresql+psycopg://u@db:5432/sinergi"
