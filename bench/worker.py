"""The Celery app the benchmarks run: Sinergi's worker app plus ``bench.noop``, the baseline
task (``celery -A bench.worker worker``). Built on first use, like ``workers``."""
from __future__ import annotations

from typing import Any

NOOP_TASK = "bench.noop"
_celery: Any = None


def build() -> Any:
    global _celery
    if _celery is None:
        import importlib

        from bench.app import CELERY_APP

        celery = importlib.import_module(CELERY_APP).app
        celery.task(name=NOOP_TASK, shared=False)(noop)
        _celery = celery
    return _celery


def noop(number: int) -> None:
    """Does nothing: what the worker and broker cost per task."""
    return


def __getattr__(name: str) -> Any:
    if name in ("app", "celery"):
        return build()
    raise AttributeError(name)
