"""What every benchmark gets: its own database (a copy of the template holding the real
region tree), the environment its processes run with, and the sizes for this run."""
from __future__ import annotations

import contextlib
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WILAYAH = Path("/work/shared/data/wilayah")
SECRET = "bench-secret-key-not-for-production-0123"


def plain_postgresql(url: str) -> str:
    """``postgresql+psycopg://`` (SQLAlchemy's spelling, as in DATABASE_URL) -> ``postgresql://``
    for psycopg itself; the app accepts either."""
    scheme, sep, rest = url.partition("://")
    return scheme.split("+")[0] + sep + rest


@dataclass
class Context:
    database_url: str  # the base name: benchmarks create <name>_tpl, <name>_b1, ...
    redis_url: str  # one Redis database: the broker and the rate-limit counters
    wilayah: Path | None  # None: DKI Jakarta only (the smoke test), else all Indonesia
    scale: float = 1.0
    seconds: float = 10.0  # length of one wrk run / paced load
    tiny: bool = False
    keep: bool = False
    drop_template: bool = False
    connections: int = 32  # wrk's; the smoke test uses fewer
    log: Any = print
    work_dir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sinergi-bench-")))

    def n(self, full: int, minimum: int = 1) -> int:
        """``full`` at scale 1, scaled, never below ``minimum``."""
        return max(minimum, int(full * self.scale))

    # --- databases -------------------------------------------------------------------------
    def __post_init__(self) -> None:
        self.database_url = plain_postgresql(self.database_url)

    def url_for(self, suffix: str) -> str:
        parts = urlsplit(self.database_url)
        return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}_{suffix}"))

    def _admin(self) -> psycopg.Connection[Any]:
        parts = urlsplit(self.database_url)
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)

    def _name(self, suffix: str) -> str:
        return urlsplit(self.url_for(suffix)).path.lstrip("/")

    def build_template(self) -> float:
        """The template: migrations, then ``sinergi seed --all-indonesia`` (the real tree).

        Kept between runs while the code that shapes it (migrations, models, seeding) and the
        wilayah files are unchanged: its fingerprint is the database's comment."""
        started = time.perf_counter()
        name = self._name("tpl")
        print_ = self.fingerprint()
        with self._admin() as conn:
            found = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (name,)).fetchone()
            if found is not None and found[0] == print_:
                return 0.0
            conn.execute(f'DROP DATABASE IF EXISTS "{self._name("tpl")}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self._name("tpl")}"')
        env = self.environ(self.url_for("tpl"))
        seed = ["seed"] + (["--all-indonesia", str(self.wilayah)] if self.wilayah else [])
        for args in (["db", "upgrade"], seed):
            subprocess.run([str(sinergi_bin()), *args], env=env, check=True, cwd=self.work_dir,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        with self._admin() as conn:
            conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{print_}'")
        return time.perf_counter() - started

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        sources = sorted((ROOT / "migrations").rglob("*.py")) + sorted(
            (ROOT / "coordinator" / "models").rglob("*.py")) + sorted(
            (ROOT / "coordinator" / "seeding").rglob("*.py"))
        sources += sorted(self.wilayah.glob("*.csv")) if self.wilayah else []
        for path in sources:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        scope = "indonesia" if self.wilayah else "dki-jakarta"
        return f"sinergi-bench-template {scope} {digest.hexdigest()[:32]}"

    def fresh_database(self, suffix: str) -> str:
        """A new database copied from the template (PostgreSQL copies files: about a second)."""
        name = self._name(suffix)
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{self._name("tpl")}"')
        return self.url_for(suffix)

    def drop_database(self, suffix: str) -> None:
        if self.keep:
            return
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self._name(suffix)}" WITH (FORCE)')

    @contextlib.contextmanager
    def database(self, suffix: str) -> Iterator[str]:
        url = self.fresh_database(suffix)
        try:
            yield url
        finally:
            self.drop_database(suffix)

    # --- processes -------------------------------------------------------------------------
    def environ(self, database_url: str, **extra: str) -> dict[str, str]:
        """The environment of the app's processes: production settings on local services."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "SMS_"))}
        env.update({
            "SINERGI_ENV": "production",
            "SECRET_KEY": SECRET,
            "SINERGI_INSTANCE_DIR": str(self.work_dir / "instance"),
            "SINERGI_BASE_URL": "https://sinergi.example.org",
            "DATABASE_URL": database_url,
            "BROKER_URL": self.redis_url,
            "REDIS_URL": self.redis_url,
            # The benchmark measures the server, not the abuse limit (600/min per token).
            "API_RATE_LIMIT_PER_MINUTE": "1000000",
            "PUBLIC_RATE_LIMIT_PER_MINUTE": "1000000",  # one wrk client is not an attack
            "PYTHONPATH": str(ROOT),
        })
        env.update(extra)
        return env

    def flush_redis(self) -> None:
        redis.Redis.from_url(self.redis_url).flushdb()


def sinergi_bin() -> Path:
    return Path(sys.executable).parent / "sinergi"


def python_bin() -> str:
    return sys.executable


@contextlib.contextmanager
def app_on(ctx: Context, database_url: str, **extra: str) -> Iterator[Any]:
    """The real app, in this process, on ``database_url``, its context pushed."""
    from bench.app import create_app, db, load_config

    # Building data must not ask for relays; the benchmarks that measure the relay use processes.
    extra.setdefault("SINERGI_RELAY_ON_COMMIT", "0")
    app = create_app(load_config(ctx.environ(database_url, **extra)))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def run_child(ctx: Context, job: str, database_url: str, args: dict[str, Any]) -> dict[str, Any]:
    """``bench.child`` in a fresh process (its own time and peak memory)."""
    import json

    done = subprocess.run(
        [python_bin(), "-m", "bench.child", job, database_url, json.dumps(args)],
        env=ctx.environ(database_url, SINERGI_RELAY_ON_COMMIT="0"), capture_output=True,
        text=True, cwd=ctx.work_dir, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench.child {job} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def scalar(database_url: str, query: str) -> Any:
    """One value by a plain connection: polling must not build an app (that costs a core)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row else None
