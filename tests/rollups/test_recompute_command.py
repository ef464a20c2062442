"""`sinergi recompute-rollups`: the nightly recompute on demand, with its progress on stderr."""
from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import RollupRun


def test_the_recompute_command_rebuilds_and_shows_its_steps(seeded: Flask) -> None:
    result = seeded.test_cli_runner().invoke(args=["recompute-rollups"])
    assert result.exit_code == 0, result.output
    assert "Rollups recomputed: " in result.stdout and "0 drifted rows corrected" in result.stdout
    assert "Recompute: 5 / 5 steps (100%" in result.stderr
    assert db.session.scalar(select(func.count()).select_from(RollupRun)) == 1
