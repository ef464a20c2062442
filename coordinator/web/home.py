"""The public home page: what Sinergi is and the regions of the city. Program titles are staff
words (some name the kind of case) and never shown to anonymous visitors.

Logged-in people go straight to their own start page (dashboard or Tugas saya)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template
from flask_login import current_user
from sqlalchemy import func, select

from coordinator.extensions import db
from coordinator.models import Program, Region
from coordinator.rollups.queries import kelurahan_counts
from coordinator.web.auth import landing_url

blp = Blueprint("home", __name__)

CITY_CODE = "31.73"


@blp.get("/")
def index() -> Any:
    if current_user.is_authenticated:

        return redirect(landing_url(current_user))
    city = db.session.get(Region, CITY_CODE)
    kecamatan = db.session.scalars(
        select(Region).where(Region.parent_code == CITY_CODE).order_by(Region.code)
    ).all()
    counts = kelurahan_counts([k.code for k in kecamatan])
    active_programs = db.session.scalar(
        select(func.count()).select_from(Program).where(Program.status == "active"))
    return render_template(
        "home.html", city=city, kecamatan=kecamatan, kelurahan_counts=counts,
        active_programs=active_programs or 0,
    )
