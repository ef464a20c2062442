"""`sinergi run`: the links the app writes carry the port it serves (SINERGI_BASE_URL unset)."""
from __future__ import annotations

from typing import Any

import click
from click.testing import CliRunner
from flask.cli import ScriptInfo, pass_script_info

from coordinator import create_app
from coordinator.__main__ import _run_on_one_port
from coordinator.config import load_config


@click.command("run")
@click.option("--port", "-p", default=5000, type=int)
@pass_script_info
def run_like_flask(info: ScriptInfo, port: int) -> Any:
    """Flask's run command's shape, serving nothing: what the app it would serve says."""
    app = info.load_app()
    return port, app.extensions["sinergi"].base_url


def run(args: list[str], env: dict[str, str]) -> Any:
    command = _run_on_one_port(run_like_flask)
    result = CliRunner(env=env).invoke(command, args, obj=ScriptInfo(create_app=create_app),
                                       standalone_mode=False, catch_exceptions=False)
    return result.return_value


def test_the_base_url_defaults_to_the_port(tmp_path):
    assert load_config({"SINERGI_INSTANCE_DIR": str(tmp_path)}).base_url == "http://127.0.0.1:5000"
    config = load_config({"SINERGI_INSTANCE_DIR": str(tmp_path), "PORT": "8080"})
    assert config.base_url == "http://127.0.0.1:8080"


def test_run_with_a_port_gives_links_with_that_port(tmp_path):
    env = {"SINERGI_INSTANCE_DIR": str(tmp_path), "SINERGI_BASE_URL": ""}
    assert run(["--port", "5123"], env) == (5123, "http://127.0.0.1:5123")
    assert run([], {**env, "PORT": "5234"}) == (5234, "http://127.0.0.1:5234")
    assert run(["-p", "5345"], {**env, "PORT": "5234"}) == (5345, "http://127.0.0.1:5345")


def test_a_chosen_base_url_is_kept_whatever_the_port(tmp_path):
    env = {"SINERGI_INSTANCE_DIR": str(tmp_path),
           "SINERGI_BASE_URL": "https://sinergi.jakbar.example.org"}
    assert run(["--port", "5123"], env) == (5123, "https://sinergi.jakbar.example.org")
