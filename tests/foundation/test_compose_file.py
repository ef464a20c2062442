"""docker-compose.yml: no Docker engine here, so check that every command names a real entry point."""
from __future__ import annotations

import importlib
import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml

from coordinator.__main__ import main as sinergi_cli
from coordinator.jobs import QUEUES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
APP_ROLES = ("migrate", "web", "worker", "beat")
CONFIG_VARIABLES = set(
    re.findall(r'\(\s*"([A-Z][A-Z0-9_]+)"', (ROOT / "coordinator" / "config.py").read_text())
)


def commands_of(service: dict) -> list[list[str]]:
    """The argv of each command a service runs (``sh -c "a && b"`` gives two)."""
    command = service["command"]
    if command[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in command[2].split("&&")]
    return [command]


def check_app_spec(spec: str) -> None:
    module_name, _, call = spec.partition(":")
    factory = getattr(importlib.import_module(module_name), call.removesuffix("()"))
    assert callable(factory), spec


def check_sinergi(argv: list[str]) -> None:
    assert PROJECT["scripts"]["sinergi"] == "coordinator.__main__:main"
    context = sinergi_cli.make_context("sinergi", ["--help"], resilient_parsing=True)
    group = sinergi_cli.get_command(context, argv[1])
    assert group is not None, f"sinergi has no command {argv[1]!r}"
    if len(argv) > 2 and hasattr(group, "get_command"):
        assert group.get_command(context, argv[2]) is not None, argv


def check_gunicorn(argv: list[str]) -> None:
    assert any(dep.startswith("gunicorn") for dep in PROJECT["dependencies"])
    importlib.import_module("gunicorn")
    check_app_spec(argv[-1])
    # The config whose logger keeps link keys out of the access log (tests/security).
    config = argv[argv.index("--config") + 1]
    assert config == "python:coordinator.gunicorn_conf"
    assert importlib.import_module(config.split(":", 1)[1]).logger_class


def check_celery(argv: list[str], app) -> None:
    from workers import get_celery_for

    assert argv[1:3] == ["-A", "workers"] and argv[3] in ("worker", "beat")
    celery = get_celery_for(app)
    assert "sinergi.ping" in celery.tasks
    if "-Q" in argv:
        assert argv[argv.index("-Q") + 1].split(",") == list(QUEUES)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
@pytest.mark.parametrize("role", APP_ROLES)
def test_every_role_runs_an_entry_point_of_the_project(role, make_app):
    service = SERVICES[role]
    assert service["build"] == "." and (ROOT / "Dockerfile").is_file()
    for argv in commands_of(service):
        if argv[0] == "sinergi":
            check_sinergi(argv)
        elif argv[0] == "gunicorn":
            check_gunicorn(argv)
        elif argv[0] == "celery":
            check_celery(argv, make_app())
        else:
            pytest.fail(f"{role} runs unknown program {argv[0]!r}")


def test_the_image_default_command_serves_the_app():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd and '"coordinator:create_app()"' in cmd.group(1)
    assert '"--config", "python:coordinator.gunicorn_conf"' in cmd.group(1)
    assert "curl" in dockerfile  # used by the web health check
    # `sinergi db upgrade` finds migrations/ next to the coordinator package: both in /app.
    for folder in ("coordinator", "workers", "migrations"):
        assert f"COPY {folder} ./{folder}" in dockerfile
    assert "pip install -e ." in dockerfile


@pytest.mark.parametrize("role", APP_ROLES)
def test_every_variable_given_to_the_app_is_one_config_reads(role):
    environment = SERVICES[role]["environment"]
    assert set(environment) <= CONFIG_VARIABLES, set(environment) - CONFIG_VARIABLES
    assert "SECRET_KEY" in environment and environment["SINERGI_ENV"] == "production"


def test_services_are_health_checked_and_start_in_order():
    for name in ("postgres", "redis", "web", "worker"):
        assert SERVICES[name]["healthcheck"]["test"], name
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert SERVICES["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for role in ("web", "worker", "beat"):
        assert SERVICES[role]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully")
    assert SERVICES["migrate"]["restart"] == "no"
    assert "replicas" not in str(SERVICES["beat"].get("deploy", {}))  # exactly one beat
