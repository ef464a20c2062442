"""``Idempotency-Key`` for API writes: a retry of a request that committed gets the first answer.

The answer is built inside the transaction that commits the change (``before_commit``) and, when
the client sent a key, stored in ``idempotent_requests`` in that same transaction: a request cut
off after its commit (a 500, a dropped connection, a killed server) is retried with the same key
and gets that stored answer, never a second change. Building the answer before the commit also
means nothing after the commit can fail the request: a committed change is never answered 500.
"""
from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Response, jsonify, request
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError

from coordinator.api.errors import ApiError
from coordinator.extensions import db
from coordinator.models import IdempotentRequest, Person, utcnow

log = logging.getLogger(__name__)
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LENGTH = (8, 100)
HEADER_DOC = {
    "in": "header", "name": HEADER, "required": False, "schema": {"type": "string",
                                                                  "minLength": KEY_LENGTH[0],
                                                                  "maxLength": KEY_LENGTH[1]},
    "description": (
        "A unique value per intended change (a UUID). Retrying with the same key after a "
        "timeout, a 5xx or a cut connection returns the first answer (with the header "
        "`Idempotent-Replayed: true`) and changes nothing again. Reusing a key with a different "
        "body is refused with 422 `idempotency_key_reused`. Keys are kept per person."
    ),
}


def request_key() -> str | None:
    """The request's ``Idempotency-Key``, validated; None when absent."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not KEY_LENGTH[0] <= len(key) <= KEY_LENGTH[1] or not key.isprintable():
        raise ApiError(400, "invalid_idempotency_key",
                       f"{HEADER} must be {KEY_LENGTH[0]} to {KEY_LENGTH[1]} printable characters.")
    return key


def fingerprint(payload: Any) -> str:
    """What the request asked for: method, path and body."""
    text = json.dumps([request.method, request.path, payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def stored_answer(person: Person, endpoint: str, key: str, print_: str) -> Response | None:
    """The first answer to this key, replayed; None if the key is new."""
    row = db.session.scalars(select(IdempotentRequest).where(
        IdempotentRequest.person_id == person.id, IdempotentRequest.endpoint == endpoint,
        IdempotentRequest.key == key)).first()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise ApiError(422, "idempotency_key_reused",
                       f"This {HEADER} was used for a different request.")
    response = jsonify(row.body)
    response.status_code = row.status_code
    response.headers[REPLAYED_HEADER] = "true"
    return response


class Answer:
    """The answer to one write, built at most once, inside its transaction."""

    def __init__(self, person: Person, endpoint: str, key: str | None, print_: str) -> None:
        self.person_id, self.endpoint, self.key, self.print_ = person.id, endpoint, key, print_
        self.body: dict[str, Any] | None = None
        self.status = 200
        self.committed = False

    def keep(self, body: dict[str, Any], status: int = 200) -> None:
        """Take ``body`` as the answer and, with a key, store it in the current transaction."""
        self.body, self.status = body, status
        if self.key is not None:
            db.session.add(IdempotentRequest(
                person_id=self.person_id, endpoint=self.endpoint, key=self.key,
                fingerprint=self.print_, status_code=status, body=body, created_at=utcnow()))

    def response(self) -> Response:
        response = jsonify(self.body)
        response.status_code = self.status
        return response


@contextmanager
def answered_before_commit(answer: Answer, build: Callable[[], None]) -> Iterator[None]:
    """Run ``build`` (which calls ``answer.keep``) just before the block's commit, once.

    An error raised after that commit succeeded (an after-commit hook, a lost connection) is
    logged and swallowed: the change is made and its answer is ready, so the client gets it.
    """
    session = db.session()

    def before_commit(_: Any) -> None:
        if answer.body is None:
            build()

    def after_commit(_: Any) -> None:
        if answer.body is not None:
            answer.committed = True

    event.listen(session, "before_commit", before_commit)
    event.listen(session, "after_commit", after_commit, insert=True)  # before any other hook
    try:
        yield
    except Exception:
        if not answer.committed:
            raise
        log.exception("error after a committed %s; answering with its result", answer.endpoint)
        try:
            db.session.close()  # the failed commit left it unusable; start afresh
        except Exception:
            log.exception("could not reset the session")
            db.session.remove()
    finally:
        event.remove(session, "before_commit", before_commit)
        event.remove(session, "after_commit", after_commit)


def keep_without_change(answer: Answer, body: dict[str, Any], replay: Callable[[], Any]) -> Any:
    """Store the answer to a request that changed nothing; a concurrent twin stored first."""
    answer.keep(body)
    if answer.key is None:
        return answer.response()
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return replay()
    return answer.response()
