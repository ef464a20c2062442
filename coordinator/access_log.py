"""Link keys never reach a log: ``/t/<key>`` is written ``/t/***`` in every request log line.

A link's key is a credential (it opens a cadre's task without a password), and access logs
are read, shipped and kept by people and systems that must not act as a cadre. The dev server
(werkzeug, used by ``sinergi run-all``) logs through the ``werkzeug`` logger: a filter rewrites
its records. gunicorn (compose, the Dockerfile) uses :mod:`coordinator.gunicorn_conf`, whose
logger masks every access-log atom (the request line, the path, the Referer) and error message.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from flask import Flask

MASK = "***"
# The key, or an old signed token, after /t/ (in a path, a request line or a full URL).
_LINK_PATH = re.compile(r"(/t/)[^/\s?#\"']+")


def mask_link_paths(text: str) -> str:
    """``text`` with whatever follows ``/t/`` up to the next ``/``, ``?``, space or quote hidden."""
    return _LINK_PATH.sub(r"\g<1>" + MASK, text)


def _masked(value: Any) -> Any:
    return mask_link_paths(value) if isinstance(value, str) else value


class MaskLinkKeys(logging.Filter):
    """Rewrites a record's message and arguments with link keys hidden; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _masked(record.msg)
        if isinstance(record.args, Mapping):
            record.args = {k: _masked(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_masked(v) for v in record.args)
        return True


def init_app(app: Flask) -> None:
    """Mask link keys in werkzeug's request log and in the app's own log (once per logger)."""
    for logger in (logging.getLogger("werkzeug"), app.logger):
        if not any(isinstance(f, MaskLinkKeys) for f in logger.filters):
            logger.addFilter(MaskLinkKeys())
