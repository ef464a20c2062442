"""Paced completions through the domain function, in their own process (B5's load).

    python -m bench.drive DATABASE_URL RATE SECONDS ID,ID,...   prints one JSON line
Each completion is its own transaction; with SINERGI_RELAY_ON_COMMIT=1 each commit also asks
the workers to relay, as the web does."""
from __future__ import annotations

import json
import os
import sys
import time


def main() -> None:
    database_url, rate, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    ids = [int(i) for i in sys.argv[4].split(",")]
    from bench.app import complete_action, create_app, load_config

    app = create_app(load_config({**os.environ, "DATABASE_URL": database_url}))
    done = 0
    with app.app_context():
        started = time.perf_counter()
        for action_id in ids:
            due = started + done / rate
            if time.perf_counter() - started >= seconds:
                break  # behind the pace or not, the load lasts ``seconds``
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            complete_action(action_id, actor=None, people_reached=4)
            done += 1
        elapsed = time.perf_counter() - started
    print(json.dumps({"completed": done, "seconds": elapsed}))


if __name__ == "__main__":
    main()
