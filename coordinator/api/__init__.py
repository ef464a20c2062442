"""The REST API at ``/api/v1`` (flask-smorest): one folder per resource.

Auth is a Bearer token or the web session (unsafe requests then carry ``X-CSRFToken``);
every error has one JSON shape; OpenAPI at ``/api/v1/openapi.json``, docs at ``/api/v1/docs``.
"""
from __future__ import annotations

from flask import Blueprint as FlaskBlueprint
from flask import Flask
from flask_smorest import Api, Blueprint

from coordinator import read_cache
from coordinator.api import ratelimit
from coordinator.api.actions.resources import blp as actions
from coordinator.api.auth import answer_depends_on, authenticate
from coordinator.api.case_stats.resources import blp as case_stats
from coordinator.api.errors import ErrorEnvelopeSchema, install_error_handlers
from coordinator.api.networks.resources import blp as networks
from coordinator.api.people.resources import blp as people
from coordinator.api.programs.resources import blp as programs
from coordinator.api.regions.resources import blp as regions
from coordinator.api.rollups.resources import blp as rollups
from coordinator.api.tokens.resources import blp as tokens
from coordinator.extensions import csrf

PREFIX = "/api/v1"


class SinergiApi(Api):
    """flask-smorest's Api without its app-wide HTTP error handler (the web has its own pages),
    documenting Sinergi's one error shape."""

    ERROR_SCHEMA = ErrorEnvelopeSchema

    def _register_error_handlers(self) -> None:
        return None


def _blueprints() -> list[Blueprint]:
    return [programs, actions, people, regions, networks, tokens, rollups, case_stats]


def _static_files() -> FlaskBlueprint:
    """Swagger UI's files. Unknown paths and methods under the prefix are answered in the
    API's error shape by ``coordinator.security`` (404, or 405 with ``Allow``): a catch-all
    route here would turn every unsupported method on a real path into a 404."""
    blp = FlaskBlueprint("api_fallback", __name__, url_prefix=PREFIX,
                         static_folder="static", static_url_path="/static")
    install_error_handlers(blp)
    csrf.exempt(blp)
    return blp


def _prepare(blp: Blueprint) -> None:
    """Auth, error shape and CSRF exemption, set once on the (module-level) blueprint."""
    if getattr(blp, "_sinergi_prepared", False):
        return
    blp.before_request(authenticate)
    read_cache.keep_answers(blp, answer_depends_on)
    install_error_handlers(blp)
    csrf.exempt(blp)
    blp._sinergi_prepared = True  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    app.config.update(
        API_TITLE="Sinergi API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=PREFIX, OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs", OPENAPI_SWAGGER_UI_URL=f"{PREFIX}/static/swagger-ui/",
    )
    api = SinergiApi(app, spec_kwargs={"components": {"securitySchemes": {
        "bearer": {"type": "http", "scheme": "bearer"}}}})
    for blp in _blueprints():
        _prepare(blp)
        ratelimit.limit_blueprint(blp)
        api.register_blueprint(blp, url_prefix=PREFIX + blp.url_prefix)
    api.spec.options["security"] = [{"bearer": []}]
    app.register_blueprint(_static_files())
    app.extensions["sinergi_api"] = api
