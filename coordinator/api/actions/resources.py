"""Actions: list with filters and cursor pagination, create, bulk-assign, and the state changes."""
from __future__ import annotations

from datetime import time
from typing import Any

from flask import jsonify
from flask.views import MethodView
from sqlalchemy import Select, literal, not_, tuple_

from coordinator import policy
from coordinator.api import idempotency
from coordinator.api.actions.schemas import (
    ActionCreateSchema,
    ActionPageSchema,
    ActionQueryArgsSchema,
    ActionSchema,
    BulkPreviewSchema,
    BulkResultSchema,
    BulkSchema,
    CompleteSchema,
    CompletionSchema,
    ReassignSchema,
    RescheduleSchema,
)
from coordinator.api.auth import api_person
from coordinator.api.common import (
    cursor_time,
    decode_cursor,
    encode_cursor,
    make_blueprint,
    page,
)
from coordinator.domain import actions as rules
from coordinator.domain.bulk import BulkRequest, assign_actions_in_bulk, preview_bulk_assignment
from coordinator.domain.overdue import overdue_clause
from coordinator.domain.validation import require_due_not_past
from coordinator.extensions import db
from coordinator.models import Action, utcnow
from coordinator.policy import Via

blp = make_blueprint("api_actions", "/actions", "Actions: units of work of a program.")


def _filtered(query: Select[Any], args: dict[str, Any]) -> Select[Any]:
    simple = {"status": Action.status, "program_id": Action.program_id,
              "kelurahan": Action.kelurahan_code, "network_id": Action.network_id,
              "assignee_id": Action.assignee_id}
    for key, column in simple.items():
        if key in args:
            query = query.where(column == args[key])
    if "kecamatan" in args:
        query = query.where(Action.kelurahan_code.like(args["kecamatan"] + ".%"))
    if "overdue" in args:
        overdue = overdue_clause(utcnow())
        query = query.where(overdue if args["overdue"] else not_(overdue))
    return query


@blp.route("")
class Actions(MethodView):
    @blp.doc(operationId="listActions")
    @blp.arguments(ActionQueryArgsSchema, location="query")
    @blp.response(200, ActionPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the actions you may see, by due date; follow ``next_cursor`` for more."""
        query = _filtered(policy.scoped_actions(api_person()), args)
        if args["cursor"]:
            due, last_id = decode_cursor(args["cursor"], (str, int))
            due_at = cursor_time(due)
            # A row comparison: one index range on (due_at, id), not an OR the planner must filter.
            query = query.where(tuple_(Action.due_at, Action.id) > tuple_(
                literal(due_at, Action.due_at.type), literal(last_id)))
        query = query.order_by(Action.due_at, Action.id).limit(args["limit"] + 1)
        rows = list(db.session.scalars(query))
        return page(rows, args["limit"], lambda a: encode_cursor(a.due_at.isoformat(), a.id))

    @blp.doc(operationId="createAction")
    @blp.arguments(ActionCreateSchema)
    @blp.response(201, ActionSchema)
    def post(self, data: dict[str, Any]) -> Action:
        """Assign one action in an active program; a due time in the past is refused (422)."""
        require_due_not_past(data.get("due_at"))
        return rules.assign_action(actor=api_person(), **data)


@blp.route("/bulk")
class BulkAssignments(MethodView):
    @blp.doc(operationId="bulkAssignActions")
    @blp.arguments(BulkSchema)
    @blp.response(201, BulkResultSchema)
    @blp.alt_response(200, schema=BulkPreviewSchema, description="the preview (preview: true)")
    def post(self, data: dict[str, Any]) -> Any:
        """Assign networks x regions x occurrences at once; ``preview: true`` writes nothing.

        Resubmitting the same ``idempotency_key`` creates nothing (``already_submitted``)."""
        want_preview = data.pop("preview")
        request = BulkRequest(
            program_id=data["program_id"], network_ids=tuple(data["network_ids"]),
            region_codes=tuple(data["region_codes"]), due_date=data["due_date"],
            due_time=data["due_time"] or time(17, 0), title=data["title"],
            public_title=data["public_title"], recurrence=data["recurrence"], until=data["until"],
            idempotency_key=data["idempotency_key"])
        if want_preview:
            preview = preview_bulk_assignment(request, actor=api_person())
            return jsonify(BulkPreviewSchema().dump(preview)), 200
        result = assign_actions_in_bulk(request, actor=api_person())
        return result, 200 if result.already_submitted else 201


@blp.route("/<int:action_id>")
class ActionById(MethodView):
    @blp.doc(operationId="getAction")
    @blp.response(200, ActionSchema)
    def get(self, action_id: int) -> Action:
        """One action."""
        return policy.get_action_or_404(api_person(), action_id)


@blp.route("/<int:action_id>/complete")
class ActionCompletion(MethodView):
    @blp.doc(operationId="completeAction")
    @blp.arguments(CompleteSchema)
    @blp.response(200, CompletionSchema)
    @blp.doc(parameters=[idempotency.HEADER_DOC])
    def post(self, data: dict[str, Any], action_id: int) -> Any:
        """Mark the action done; completing a done action changes nothing and says so.

        Send an ``Idempotency-Key`` to retry safely: the retry returns the first answer."""
        person, key = api_person(), idempotency.request_key()
        print_ = idempotency.fingerprint({"action_id": action_id, **data})

        def replay() -> Any:
            return idempotency.stored_answer(person, COMPLETE_ENDPOINT, key or "", print_)

        if key is not None and (stored := replay()) is not None:
            return stored
        answer = idempotency.Answer(person, COMPLETE_ENDPOINT, key, print_)

        def completed() -> None:
            action = db.session.get(Action, action_id)
            if action is not None and action.status == "done":
                answer.keep(_completion_body(action, changed=True))

        with idempotency.answered_before_commit(answer, completed):
            result = rules.complete_action(action_id, actor=person, via=Via.API, **data)
        if answer.committed:  # answer without touching the database again
            return answer.response()
        return idempotency.keep_without_change(
            answer, _completion_body(result.action, changed=result.changed), replay)


COMPLETE_ENDPOINT = "actions.complete"


_COMPLETION = CompletionSchema()  # stateless: built once (a schema's construction costs more
# than its dump)


def _completion_body(action: Action, *, changed: bool) -> dict[str, Any]:
    message = "Completed." if changed else "Already completed: nothing changed."
    return _COMPLETION.dump({"action": action, "changed": changed, "message": message})


@blp.route("/<int:action_id>/reopen")
class ActionReopening(MethodView):
    @blp.doc(operationId="reopenAction")
    @blp.response(200, ActionSchema)
    def post(self, action_id: int) -> Action:
        """Undo a completion (a cadre within 24 hours; coordinators and leads any time)."""
        return rules.reopen_action(action_id, actor=api_person())


@blp.route("/<int:action_id>/cancel")
class ActionCancelling(MethodView):
    @blp.doc(operationId="cancelAction")
    @blp.response(200, ActionSchema)
    def post(self, action_id: int) -> Action:
        """Cancel an open action."""
        return rules.cancel_action(action_id, actor=api_person())


@blp.route("/<int:action_id>/reschedule")
class ActionRescheduling(MethodView):
    @blp.doc(operationId="rescheduleAction")
    @blp.arguments(RescheduleSchema)
    @blp.response(200, ActionSchema)
    def post(self, data: dict[str, Any], action_id: int) -> Action:
        """Move an open action's due time; overdue counts and reminders follow the new one.
        A due time in the past is refused (422)."""
        require_due_not_past(data.get("due_at"))
        return rules.reschedule_action(action_id, actor=api_person(), **data)


@blp.route("/<int:action_id>/reassign")
class ActionReassignment(MethodView):
    @blp.doc(operationId="reassignAction")
    @blp.arguments(ReassignSchema)
    @blp.response(200, ActionSchema)
    def post(self, data: dict[str, Any], action_id: int) -> Action:
        """Give an open action to another person of its kelurahan (null: unassigned)."""
        return rules.reassign_action(action_id, actor=api_person(), **data)
