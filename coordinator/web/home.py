"""The public home page: what Sinergi is, the regions of the city and the active programs."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Program, Region

blp = Blueprint("home", __name__)

CITY_CODE = "31.73"


@blp.get("/")
def index() -> Any:
    city = db.session.get(Region, CITY_CODE)
    kecamatan = db.session.scalars(
        select(Region).where(Region.parent_code == CITY_CODE).order_by(Region.code)
    ).all()
    kelurahan_counts = dict(
        db.session.execute(
            select(Region.parent_code, func.count())
            .where(Region.level == "kelurahan", Region.code.like(CITY_CODE + ".%"))
            .group_by(Region.parent_code)
        ).all()
    )
    programs = db.session.scalars(
        select(Program).where(Program.status == "active").order_by(Program.created_at.desc())
    ).all()
    return render_template(
        "home.html", city=city, kecamatan=kecamatan, kelurahan_counts=kelurahan_counts,
        programs=programs,
    )
