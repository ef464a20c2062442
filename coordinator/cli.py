"""The ``sinergi`` command: Flask's CLI group plus Sinergi's own commands.

``sinergi seed``, ``sinergi seed --all-indonesia PATH``, ``sinergi demo``, ``sinergi run-all``,
``sinergi recompute-rollups`` (long work shows a progress line on stderr);
Flask-Migrate adds ``sinergi db ...`` and Flask ``sinergi run`` / ``sinergi shell``.
"""
from __future__ import annotations

import time
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.launcher import run_all
from coordinator.models import Region
from coordinator.progress import Progress
from coordinator.rollups import recompute_all
from coordinator.seeding.demo import DEMO_PASSWORD, DemoNotLoaded, load_demo
from coordinator.seeding.demo_case_stats import seed_demo_case_stats
from coordinator.seeding.demo_outreach import seed_demo_outreach
from coordinator.seeding.reference import seed_reference_data
from coordinator.seeding.regions import (
    SeedFileError,
    read_wilayah_folder,
    seed_dki_jakarta,
    upsert_regions,
)


@click.command("seed")
@click.option(
    "--all-indonesia", "wilayah_folder", metavar="PATH",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also load every region of Indonesia from the folder of the four wilayah CSVs.",
)
@with_appcontext
def seed_command(wilayah_folder: Path | None) -> None:
    """Load DKI Jakarta's regions, the cadre networks, indicators and targets (idempotent)."""
    started = time.perf_counter()
    try:
        # The whole country first: a bad file there stops the command before anything is written.
        if wilayah_folder is not None:
            country = upsert_regions(read_wilayah_folder(wilayah_folder),
                                     progress=Progress("Regions of Indonesia", unit="regions"))
            click.echo(
                f"Regions of Indonesia: {country.inserted} added, {country.updated} renamed "
                f"({time.perf_counter() - started:.1f} s)."
            )
        regions = seed_dki_jakarta()
        click.echo(f"Regions of DKI Jakarta: {regions.inserted} added, {regions.updated} renamed.")
    except SeedFileError as exc:
        raise click.ClickException(f"seed file rejected, nothing written: {exc}") from None
    reference = seed_reference_data()
    click.echo(
        f"Reference data: {reference.networks} networks, {reference.indicators} indicators, "
        f"{reference.targets} targets added."
    )
    click.echo(_region_totals())


def _region_totals() -> str:

    counts = dict(
        db.session.execute(select(Region.level, func.count()).group_by(Region.level)).all()
    )
    parts = ", ".join(
        f"{counts.get(level, 0)} {level}" for level in ("province", "city", "kecamatan", "kelurahan")
    )
    return f"In the database: {parts}."


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Load the demo people and program (only into a database without people)."""
    try:
        demo = load_demo()
    except DemoNotLoaded as exc:
        click.echo(f"Demo not loaded: {exc}")
        return
    click.echo(
        f"Demo loaded: {demo.people} people, 1 program, {demo.actions} actions "
        f"({', '.join(f'{n} {state}' for state, n in sorted(demo.by_state.items()))})."
    )
    stats = seed_demo_case_stats()
    click.echo(
        f"Demo case statistics: {stats.rows} monthly counts per kelurahan (2021 baseline period "
        "and 2022); rollups recomputed."
    )
    click.echo(f"Demo outreach targets: {seed_demo_outreach()} added.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for login in demo.logins:
        click.echo(f"  {login}")


@click.command("recompute-rollups")
@with_appcontext
def recompute_command() -> None:
    """Rebuild every rollup from the actions and case statistics (the nightly job, now)."""
    result = recompute_all(progress=Progress("Recompute", unit="steps"))
    click.echo(f"Rollups recomputed: {result.program_rows} program rows, "
               f"{result.indicator_rows} indicator rows, {result.drift_count} drifted rows "
               "corrected.")


@click.command("run-all")
@click.option("--port", type=int, default=None, help="Web port (default: $PORT or 5000).")
@with_appcontext
def run_all_command(port: int | None) -> None:
    """Start web, Celery worker and Celery beat together; Ctrl-C stops all three."""
    raise SystemExit(run_all(port))


def init_app(app: Flask) -> None:
    """Attach Sinergi's commands to ``app.cli``."""
    app.cli.add_command(seed_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(run_all_command)
    app.cli.add_command(recompute_command)
