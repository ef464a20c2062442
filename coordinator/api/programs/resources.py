"""Programs: list, create, read, edit, activate, close."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import func, select

from coordinator import policy
from coordinator.api.auth import api_person
from coordinator.api.common import decode_cursor, encode_cursor, make_blueprint, page
from coordinator.api.programs.schemas import (
    ProgramCreateSchema,
    ProgramDetailSchema,
    ProgramPageSchema,
    ProgramQueryArgsSchema,
    ProgramSchema,
    ProgramUpdateSchema,
)
from coordinator.domain import programs as rules
from coordinator.extensions import db
from coordinator.models import Action, Program

blp = make_blueprint("api_programs", "/programs", "Programs of the gugus tugas.")


@blp.route("")
class Programs(MethodView):
    @blp.doc(operationId="listPrograms")
    @blp.arguments(ProgramQueryArgsSchema, location="query")
    @blp.response(200, ProgramPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the programs you may see, newest first."""
        query = policy.scoped_programs(api_person())
        for key in ("status", "year", "region_code"):
            if key in args:
                query = query.where(getattr(Program, key) == args[key])
        if args["cursor"]:
            (last_id,) = decode_cursor(args["cursor"], (int,))
            query = query.where(Program.id < last_id)
        rows = list(db.session.scalars(query.order_by(Program.id.desc()).limit(args["limit"] + 1)))
        return page(rows, args["limit"], lambda p: encode_cursor(p.id))

    @blp.doc(operationId="createProgram")
    @blp.arguments(ProgramCreateSchema)
    @blp.response(201, ProgramSchema)
    def post(self, data: dict[str, Any]) -> Program:
        """Create a draft program (leads and admins, inside their region)."""
        return rules.create_program(actor=api_person(), **data)


def _detail(program: Program) -> dict[str, Any]:
    visible = policy.scoped_actions(api_person()).where(Action.program_id == program.id).subquery()
    counts: dict[str, int] = dict(db.session.execute(
        select(visible.c.status, func.count()).group_by(visible.c.status)).all())
    data = {key: getattr(program, key) for key in ProgramSchema().fields}
    data["action_counts"] = {s: counts.get(s, 0) for s in ("open", "done", "cancelled")}
    return data


@blp.route("/<int:program_id>")
class ProgramById(MethodView):
    @blp.doc(operationId="getProgram")
    @blp.response(200, ProgramDetailSchema)
    def get(self, program_id: int) -> dict[str, Any]:
        """One program with the counts of its actions (those you may see) by status."""
        return _detail(policy.get_program_or_404(api_person(), program_id))

    @blp.doc(operationId="updateProgram")
    @blp.arguments(ProgramUpdateSchema)
    @blp.response(200, ProgramSchema)
    def patch(self, data: dict[str, Any], program_id: int) -> Program:
        """Edit a draft or active program."""
        return rules.update_program(program_id, actor=api_person(), **data)


@blp.route("/<int:program_id>/activate")
class ProgramActivation(MethodView):
    @blp.doc(operationId="activateProgram")
    @blp.response(200, ProgramSchema)
    def post(self, program_id: int) -> Program:
        """Activate a draft program: it now takes actions."""
        return rules.activate_program(program_id, actor=api_person())


@blp.route("/<int:program_id>/close")
class ProgramClosing(MethodView):
    @blp.doc(operationId="closeProgram")
    @blp.response(200, ProgramSchema)
    def post(self, program_id: int) -> Program:
        """Close a program; its open actions are cancelled (reopening within 7 days restores
        them)."""
        return rules.close_program(program_id, actor=api_person())


@blp.route("/<int:program_id>/reopen")
class ProgramReopening(MethodView):
    @blp.doc(operationId="reopenProgram")
    @blp.response(200, ProgramSchema)
    def post(self, program_id: int) -> Program:
        """Reopen a program closed less than 7 days ago: exactly the actions its closing
        cancelled are open again (409 conflict after that)."""
        return rules.reopen_program(program_id, actor=api_person())
