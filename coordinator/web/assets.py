"""Static files served by WhiteNoise: fingerprinted names, compressed copies, cached for a year.

At start-up every file under ``web/static`` is copied once to ``<instance>/static/`` under a
name carrying its content hash (``sinergi.3f2a9c1d0b7e.css``), with a gzip copy made by
WhiteNoise's compressor; ``url_for("static", filename="sinergi.css")`` then gives the hashed
URL. WhiteNoise answers those URLs before Flask (``immutable`` caching, ``Content-Encoding:
gzip`` when accepted); a changed file gets a new name, so a year of caching is safe. An
unhashed ``/static/...`` URL still reaches Flask's own static route.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from flask import Flask
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

HASHED = re.compile(r"\.[0-9a-f]{12}(\.[A-Za-z0-9]+)?$")


def hashed_name(relative: str, content: bytes) -> str:
    """``css/site.css`` -> ``css/site.<12 hex of sha256>.css``."""
    digest = hashlib.sha256(content).hexdigest()[:12]
    folder, _, name = relative.rpartition("/")
    stem, dot, ext = name.rpartition(".")
    hashed = f"{stem}.{digest}.{ext}" if dot and stem else f"{name}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def build(source: Path, target: Path) -> dict[str, str]:
    """Copy ``source``'s files to ``target`` under hashed names with compressed copies (once
    per content: safe when several processes start together); returns name -> hashed name."""
    manifest: dict[str, str] = {}
    compressor = Compressor(quiet=True)
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).as_posix()
        content = path.read_bytes()
        manifest[relative] = hashed_name(relative, content)
        final = target / manifest[relative]
        if not final.exists():
            _write_once(final, content, compressor)
    return manifest


def _write_once(final: Path, content: bytes, compressor: Compressor) -> None:
    """Write the file and its compressed copies in a private folder, then move each in place
    (atomic renames: a concurrent process sees a whole file or none)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=final.parent) as scratch:
        staged = Path(scratch) / final.name
        staged.write_bytes(content)
        extras = list(compressor.compress(str(staged))) if compressor.should_compress(
            final.name) else []
        for made in extras:
            os.replace(made, final.parent / Path(made).name)
        os.replace(staged, final)


def init_app(app: Flask, instance_dir: Path, security_headers: dict[str, str]) -> None:
    """Serve the hashed static files through WhiteNoise and make ``url_for`` point at them."""
    assert app.static_folder is not None
    target = instance_dir / "static"
    try:
        manifest = build(Path(app.static_folder), target)
    except OSError:  # a read-only instance folder: Flask's static route serves the originals
        return

    @app.url_defaults
    def fingerprinted(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    def add_headers(headers: Any, path: str, url: str) -> None:
        for name, value in security_headers.items():
            headers[name] = value

    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app, root=str(target), prefix=(app.static_url_path or "/static") + "/",
        max_age=60, allow_all_origins=False, add_headers_function=add_headers,
        immutable_file_test=lambda path, url: bool(HASHED.search(url)),
    )

