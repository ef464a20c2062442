"""Static files: fingerprinted URLs in the pages, gzip when asked, cached for a year, and the
same security headers as every other answer."""
from __future__ import annotations

import re

from flask import Flask, url_for

from coordinator.web.assets import hashed_name
from tests.security.test_headers import check_common


def test_a_hashed_name_changes_with_the_content() -> None:
    first = hashed_name("vendor/chartjs/chart.umd.min.js", b"one")
    assert re.fullmatch(r"vendor/chartjs/chart\.umd\.min\.[0-9a-f]{12}\.js", first)
    assert hashed_name("vendor/chartjs/chart.umd.min.js", b"two") != first
    assert hashed_name("LICENSE", b"x").startswith("LICENSE.")


def test_pages_link_fingerprinted_files_served_compressed_and_cached(seeded: Flask) -> None:
    with seeded.test_request_context():
        css = url_for("static", filename="sinergi.css")
    assert re.fullmatch(r"/static/sinergi\.[0-9a-f]{12}\.css", css)
    page = seeded.test_client().get("/login").get_data(as_text=True)
    assert css in page

    client = seeded.test_client()
    plain = client.get(css)
    assert plain.status_code == 200 and plain.headers.get("Content-Encoding") is None
    zipped = client.get(css, headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert int(zipped.headers["Content-Length"]) < int(plain.headers["Content-Length"])
    assert "immutable" in zipped.headers["Cache-Control"]
    assert "max-age=315360000" in zipped.headers["Cache-Control"]
    check_common(dict(zipped.headers))
    assert zipped.headers["Referrer-Policy"] == "same-origin"


def test_the_original_names_still_answer(seeded: Flask) -> None:
    response = seeded.test_client().get("/static/sinergi.css")
    assert response.status_code == 200
    check_common(dict(response.headers))
