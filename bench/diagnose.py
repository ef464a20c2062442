"""Evidence for the findings in RESULTS.md: SQL statements per request, where the time goes
(pyinstrument), the slowest statements of the batch jobs, EXPLAIN ANALYZE of the hot reads.

    python -m bench.diagnose [web|bulk|sweep|rollups|complete|send|floor ...] [--database-url URL]
                             [--redis-url URL]          (all jobs by default)
Runs in process on its own database copies (same builders as the benchmarks); smaller sizes.
"""
from __future__ import annotations

import argparse
import contextlib
import re
import shutil
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from bench import data
from bench.app import db
from bench.context import DEFAULT_WILAYAH, Context, app_on
from bench.data import sql


class Trace:
    def __init__(self) -> None:
        self.statements: list[tuple[str, float]] = []

    def summary(self, top: int = 8) -> str:
        by_kind: dict[str, list[float]] = defaultdict(list)
        for statement, seconds in self.statements:
            by_kind[" ".join(statement.split())[:150]].append(seconds)
        ordered = sorted(by_kind.items(), key=lambda kv: -sum(kv[1]))[:top]
        lines = [f"{len(self.statements)} statements, {sum(s for _, s in self.statements):.3f} s"]
        lines += [f"  {len(v):6d} x {sum(v):8.3f} s  {k}" for k, v in ordered]
        return "\n".join(lines)


@contextlib.contextmanager
def traced() -> Iterator[Trace]:
    from sqlalchemy.engine import Engine

    trace = Trace()
    engine = Engine  # every engine: requests run in their own app contexts

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["bench_started"] = time.perf_counter()

    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        trace.statements.append((statement, time.perf_counter() - conn.info["bench_started"]))

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield trace
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


@contextlib.contextmanager
def profiled(title: str, interval: float = 0.0005) -> Iterator[None]:
    from pyinstrument import Profiler

    profiler = Profiler(interval=interval)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        print(f"\n--- profile: {title}")
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])


def web(ctx: Context) -> None:
    from bench.app import create_app, load_config
    from bench.world import CITY, build_web_world

    with ctx.database("diag_web") as url, app_on(ctx, url):
        world = build_web_world(ctx)
        client = create_app(load_config(ctx.environ(url))).test_client()
        _log_in(client, world.staff.lead_email, data.PASSWORD)
        bearer = {"Authorization": f"Bearer {world.staff.lead_token}"}
        reads = {
            "API action list": ("/api/v1/actions?limit=50", bearer),
            "cadre link page": (world.link_path, {}),
            "city dashboard": (f"/dashboard?region={CITY}", {}),
            "indicator rollup API": (f"/api/v1/rollups/indicators?region={CITY}", bearer),
        }
        for label, (path, headers) in reads.items():
            for _ in range(3):
                client.get(path, headers=headers, base_url="https://localhost")
            with traced() as trace:
                answer = client.get(path, headers=headers, base_url="https://localhost")
            if answer.status_code != 200:
                raise RuntimeError(f"{label}: HTTP {answer.status_code}, nothing to measure")
            print(f"\n=== {label}: HTTP {answer.status_code}, {len(answer.data):,} bytes, "
                  f"{trace.summary()}")
            started = time.perf_counter()
            for _ in range(30):
                client.get(path, headers=headers, base_url="https://localhost")
            print(f"in process: {(time.perf_counter() - started) / 30 * 1000:.1f} ms/request")
            with profiled(label):
                for _ in range(30):
                    client.get(path, headers=headers, base_url="https://localhost")
        ids = iter(world.complete_ids)
        with traced() as trace:
            client.post(f"/api/v1/actions/{next(ids)}/complete", json={}, headers=bearer)
        print(f"\n=== complete POST: {trace.summary()}")
        with profiled("complete POST x 30"):
            for _ in range(30):
                client.post(f"/api/v1/actions/{next(ids)}/complete", json={}, headers=bearer)
        print("\n=== EXPLAIN ANALYZE: the API action list of the city lead")
        plan = sql("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM actions WHERE kelurahan_code = "
                   "'31.73' OR kelurahan_code LIKE '31.73.%' ORDER BY due_at, id LIMIT 51").all()
        print("\n".join(r[0] for r in plan))
        print("\n=== static files")
        for path in ("/static/vendor/chartjs/chart.umd.min.js", "/static/app.css"):
            answer = client.get(path, headers={"Accept-Encoding": "gzip"})
            print(path, answer.status_code, len(answer.data), answer.headers.get("Cache-Control"),
                  answer.headers.get("Content-Encoding"))


def _log_in(client: Any, email: str, password: str) -> None:
    """A real staff login through the form (a session written by hand is refused: sessions are
    bound to a server-side record)."""
    page = client.get("/login", base_url="https://localhost")
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    if csrf is None:
        raise RuntimeError("no CSRF token on the login page")
    # Over HTTPS the CSRF check also wants a same-origin Referer, as a browser sends.
    answer = client.post("/login", base_url="https://localhost",
                         headers={"Referer": "https://localhost/login"}, data={
        "csrf_token": csrf.group(1), "email": email, "password": password})
    if answer.status_code != 303:
        raise RuntimeError(f"login failed: HTTP {answer.status_code}")


def bulk(ctx: Context) -> None:
    from bench.app import BulkRequest, assign_actions_in_bulk

    with ctx.database("diag_bulk") as url, app_on(ctx, url):
        staff = data.add_staff("31")
        data.add_cadres(ctx.n(100_000), "31.")
        program = data.add_program(staff.admin_id, "31")
        networks = list(db.session.scalars(data.text("SELECT id FROM networks")))
        data.analyze()
        request = BulkRequest(program_id=program, network_ids=tuple(networks),
                              region_codes=("31",), due_date=data.NOW.date() + timedelta(days=30),
                              title="Sosialisasi")
        with traced() as trace, profiled("assign_actions_in_bulk", 0.005):
            assign_actions_in_bulk(request, actor=None)
        print(f"\n=== bulk: {trace.summary()}")


def sweep(ctx: Context) -> None:
    from bench.app import sweep_reminders

    with ctx.database("diag_sweep") as url, app_on(ctx, url):
        staff = data.add_staff("31")
        data.add_cadres(ctx.n(10_000), "31.")
        data.add_coordinators_and_leads("31.")
        program = data.add_program(staff.admin_id, "31")
        data.add_actions(program, ctx.n(100_000), "31.", due_from=data.NOW - timedelta(days=9),
                         due_to=data.NOW + timedelta(hours=20))
        data.analyze()
        for title in ("first sweep", "empty re-sweep"):
            with traced() as trace, profiled(title, 0.005):
                sweep_reminders(data.NOW)
            print(f"\n=== {title}: {trace.summary()}")


def rollups(ctx: Context) -> None:
    from bench.app import apply_event, recompute_all
    from bench.b6_rollups import _build, _complete_next

    with ctx.database("diag_rollups") as url, app_on(ctx, url):
        staff, national = _build(ctx, ctx.n(1_000_000))
        with traced() as trace:
            recompute_all()
        print(f"\n=== recompute_all: {trace.summary(12)}")
        events = [_complete_next(national) for _ in range(50)]
        with traced() as trace, profiled("apply_event x 50"):
            for event_id in events:
                apply_event(event_id)
        print(f"\n=== apply_event x 50: {trace.summary()}")
        from bench.app import create_app, load_config

        client = create_app(load_config(ctx.environ(url))).test_client()
        bearer = {"Authorization": f"Bearer {staff.lead_token}"}
        for path in (f"/api/v1/rollups/programs/{national}?region=ID",
                     f"/api/v1/rollups/programs/{national}?region=31.73.01.1001",
                     f"/api/v1/actions?program_id={national}&limit=50"):
            client.get(path, headers=bearer)
            with traced() as trace:
                client.get(path, headers=bearer)
            print(f"\n=== {path}: {trace.summary()}")
        plan = sql("EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM actions WHERE program_id = :p "
                   "ORDER BY due_at, id LIMIT 51", p=national).all()
        print("\n".join(r[0] for r in plan))


def complete(ctx: Context) -> None:
    """complete_action as the B5 driver calls it, with the relay request after each commit."""
    from bench.app import complete_action, create_app, load_config

    with ctx.database("diag_complete") as url:
        with app_on(ctx, url):
            staff = data.add_staff("31.73")
            data.add_cadres(500, "31.73")
            program = data.add_program(staff.lead_id, "31.73")
            data.add_actions(program, 2000, "31.73", due_from=data.NOW,
                             due_to=data.NOW + timedelta(days=30))
            data.analyze()
            ids = data.open_action_ids(program, "31.73", 400)
        app = create_app(load_config(ctx.environ(url, SINERGI_RELAY_ON_COMMIT="1")))
        with app.app_context():
            with traced() as trace:
                complete_action(ids[0], actor=None, people_reached=4)
            print(f"\n=== complete_action: {trace.summary()}")
            with profiled("complete_action x 100, relay on commit"):
                for action_id in ids[1:101]:
                    complete_action(action_id, actor=None, people_reached=4)
            db.session.remove()
            db.engine.dispose()
        ctx.flush_redis()


def send(ctx: Context) -> None:
    """send_notification in process, to the loopback gateway, one by one and in batches."""
    from bench import services
    from bench.app import create_app, load_config, send_notification
    from bench.b4_sms import _pending_sms

    with ctx.database("diag_send") as url:
        with app_on(ctx, url):
            staff = data.add_staff("31.73")
            data.add_cadres(500, "31.73")
            program = data.add_program(staff.lead_id, "31.73")
            data.add_actions(program, 300, "31.73", due_from=data.NOW + timedelta(days=5),
                             due_to=data.NOW + timedelta(days=20))
            ids = _pending_sms()
            data.analyze()
        with services.loopback_sms(ctx) as gateway:
            app = create_app(load_config(ctx.environ(
                url, SMS_PROVIDER="http", SMS_GATEWAY_URL=gateway + "/send",
                SMS_GATEWAY_ID_FIELD="message_id", SINERGI_RELAY_ON_COMMIT="0")))
            with app.app_context():
                from bench.app import utcnow

                send_notification(ids[0], utcnow())
                with traced() as trace:
                    send_notification(ids[1], utcnow())
                print(f"\n=== send_notification: {trace.summary()}")
                started, cpu = time.perf_counter(), time.process_time()
                for notification_id in ids[2:52]:
                    send_notification(notification_id, utcnow())
                print(f"in process: {(time.perf_counter() - started) / 50 * 1000:.1f} ms/SMS, "
                      f"{(time.process_time() - cpu) / 50 * 1000:.1f} ms of its CPU")
                with profiled("send_notification x 50"):
                    for notification_id in ids[52:102]:
                        send_notification(notification_id, utcnow())
                _send_in_batches(app.extensions["sinergi"].send_batch_size, ids[102:])
                db.session.remove()
                db.engine.dispose()


def _send_in_batches(size: int, ids: list[int]) -> None:
    """send_notifications over batches of ``size`` (what one B4 task does since batching)."""
    from bench.app import send_notifications, utcnow

    with traced() as trace:
        send_notifications(ids[:size], utcnow())
    print(f"\n=== send_notifications, a batch of {size}: {trace.summary()}")
    batches = [ids[start:start + size] for start in range(size, size + 50, size)]
    sent = sum(len(batch) for batch in batches)
    started, cpu = time.perf_counter(), time.process_time()
    for batch in batches:
        send_notifications(batch, utcnow())
    print(f"in process, batches of {size}: {(time.perf_counter() - started) / sent * 1000:.1f} "
          f"ms/SMS, {(time.process_time() - cpu) / sent * 1000:.1f} ms of its CPU")
    rest = ids[size + sent:]
    with profiled(f"send_notifications, {len(rest[:100])} in batches of {size}"):
        for start in range(0, len(rest[:100]), size):
            send_notifications(rest[start:min(start + size, 100)], utcnow())


def floor(ctx: Context) -> None:
    """B1's floor: the hello-world behind each extension Sinergi's pages pass through, under
    the same gunicorn and wrk as B1 (``bench.floor``)."""
    from bench import services
    from bench.floor import VARIANTS

    ctx.flush_redis()
    env = ctx.environ(ctx.database_url)
    with services.gunicorn(ctx, env, app="bench.floor:create_floor_app()") as base:
        for path in ("/__hello", *VARIANTS):
            services.warm_up(f"{base}{path}/", {})

        def rate(path: str) -> float:
            time.sleep(0.5)
            return services.wrk(ctx, f"{base}{path}/", seconds=ctx.seconds,
                                connections=ctx.connections).requests_per_second

        before = rate("/__hello")
        rates = {path: rate(path) for path in VARIANTS}
        after = rate("/__hello")
    ctx.flush_redis()
    hello = (before + after) / 2
    print(f"\n--- floor: hello-world behind each extension, gunicorn 2 sync workers, wrk "
          f"{ctx.connections} connections, {ctx.seconds:.0f} s each")
    print("| hello-world behind | req/s | share of the bare hello-world |")
    print("| --- | --- | --- |")
    print(f"| nothing (before / after) | {before:,.0f} / {after:,.0f} | 1 |")
    for path, parts in VARIANTS.items():
        print(f"| {' + '.join(parts)} | {rates[path]:,.0f} | {rates[path] / hello:.2f} × |")


JOBS = {"send": send, "web": web, "bulk": bulk, "sweep": sweep, "rollups": rollups,
        "complete": complete, "floor": floor}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.diagnose",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("jobs", nargs="*", help=f"any of {', '.join(JOBS)} (all by default)")
    parser.add_argument("--database-url", default="postgresql://postgres@127.0.0.1:5432/sinergi_bench",
                        help="base name, as for python -m bench: <name>_tpl, <name>_diag_send, ...")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/3",
                        help="a Redis database it may flush")
    args = parser.parse_args(argv)
    unknown = [name for name in args.jobs if name not in JOBS]
    if unknown:
        parser.error(f"unknown job(s): {', '.join(unknown)}")
    ctx = Context(args.database_url, args.redis_url, DEFAULT_WILAYAH, scale=0.2,
                  log=lambda line: print(line, file=sys.stderr))
    jobs = args.jobs or list(JOBS)
    if jobs != ["floor"]:  # the floor needs no database
        ctx.build_template()
    try:
        for name in jobs:
            JOBS[name](ctx)
    finally:
        shutil.rmtree(ctx.work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
