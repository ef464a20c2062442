"""gunicorn settings of the web role (``gunicorn --config python:coordinator.gunicorn_conf``).

Its one job: the access log and the error log never carry a link's key (see
:mod:`coordinator.access_log`). Every access-log atom (request line, path, query, Referer and
other headers) is masked before the line is formatted, so any ``access_log_format`` is safe.
"""
from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from coordinator.access_log import MaskLinkKeys, mask_link_paths


class MaskingLogger(Logger):
    """gunicorn's logger with link keys hidden in access lines and error messages."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        self.error_log.addFilter(MaskLinkKeys())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        return {k: mask_link_paths(v) if isinstance(v, str) else v for k, v in atoms.items()}


logger_class = MaskingLogger
