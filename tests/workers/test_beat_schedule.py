"""The beat schedule as data: every entry runs a task the workers have, on that task's queue."""
from __future__ import annotations

from flask import Flask

from coordinator.jobs import ALL_JOBS, task_routes
from workers import get_celery_for
from workers.schedule import SCHEDULE


def test_every_scheduled_job_is_a_registered_task_on_its_own_queue(app: Flask) -> None:
    celery = get_celery_for(app)
    routes = task_routes()
    for name, entry in SCHEDULE.items():
        assert entry["task"] in celery.tasks, name
        assert entry["options"]["queue"] == routes[entry["task"]]["queue"], name


def test_every_job_has_a_task_and_every_task_a_job(app: Flask) -> None:
    ours = {name for name in get_celery_for(app).tasks if name.startswith("sinergi.")}
    assert ours == {job.name for job in ALL_JOBS}


def test_links_long_expired_are_purged_every_night() -> None:
    from coordinator.jobs import PURGE_EXPIRED_LINKS

    entry = SCHEDULE["purge-expired-links"]
    assert entry["task"] == PURGE_EXPIRED_LINKS.name
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {15}
