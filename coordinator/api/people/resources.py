"""People: list, create, read, edit, deactivate, and the cadre import (preview, then commit)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView

from coordinator import policy
from coordinator.api.auth import api_person
from coordinator.api.common import decode_cursor, encode_cursor, make_blueprint, page
from coordinator.api.people.schemas import (
    ImportResultSchema,
    ImportUploadSchema,
    PeopleQueryArgsSchema,
    PersonCreateSchema,
    PersonPageSchema,
    PersonSchema,
    PersonUpdateSchema,
)
from coordinator.domain import people as rules
from coordinator.domain.people_import import import_people, preview_people_import
from coordinator.errors import InvalidInput
from coordinator.extensions import db
from coordinator.models import Person, person_networks

blp = make_blueprint("api_people", "/people", "People: staff and cadres.")


@blp.route("")
class People(MethodView):
    @blp.doc(operationId="listPeople")
    @blp.arguments(PeopleQueryArgsSchema, location="query")
    @blp.response(200, PersonPageSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """List the people you may see, by id."""
        query = policy.scoped_people(api_person())
        for key in ("role", "region_code", "active"):
            if key in args:
                query = query.where(getattr(Person, key) == args[key])
        if "network_id" in args:
            query = query.where(Person.id.in_(
                person_networks.select().with_only_columns(person_networks.c.person_id)
                .where(person_networks.c.network_id == args["network_id"])))
        if args["cursor"]:
            (last_id,) = decode_cursor(args["cursor"], (int,))
            query = query.where(Person.id > last_id)
        rows = list(db.session.scalars(query.order_by(Person.id).limit(args["limit"] + 1)))
        return page(rows, args["limit"], lambda p: encode_cursor(p.id))

    @blp.doc(operationId="createPerson")
    @blp.arguments(PersonCreateSchema)
    @blp.response(201, PersonSchema)
    def post(self, data: dict[str, Any]) -> Person:
        """Create a person in your scope (coordinators: cadres of their kelurahan)."""
        return rules.create_person(actor=api_person(), **data)


@blp.route("/<int:person_id>")
class PersonById(MethodView):
    @blp.doc(operationId="getPerson")
    @blp.response(200, PersonSchema)
    def get(self, person_id: int) -> Person:
        """One person."""
        return policy.get_person_or_404(api_person(), person_id)

    @blp.doc(operationId="updatePerson")
    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    def patch(self, data: dict[str, Any], person_id: int) -> Person:
        """Edit a person."""
        return rules.update_person(person_id, actor=api_person(), **data)


@blp.route("/<int:person_id>/deactivate")
class PersonDeactivation(MethodView):
    @blp.doc(operationId="deactivatePerson")
    @blp.response(200, PersonSchema)
    def post(self, person_id: int) -> Person:
        """Deactivate a person: no login, no new actions; history stays."""
        return rules.deactivate_person(person_id, actor=api_person())


@blp.route("/import")
class PeopleImport(MethodView):
    @blp.doc(operationId="importPeople")
    @blp.arguments(ImportUploadSchema, location="multipart")
    @blp.response(200, ImportResultSchema)
    @blp.alt_response(201, schema=ImportResultSchema, description="imported")
    def post(self, form: dict[str, Any]) -> Any:
        """Import cadres from CSV or Excel: ``commit=false`` previews, ``commit=true`` imports
        the whole file or nothing (422 with row-level errors)."""
        person = api_person()
        policy.require(person, "person.import", person.region_code)
        upload = form["file"]
        data = upload.read()
        filename = (upload.filename or "upload")[:120]
        preview = preview_people_import(filename, data, actor=person)
        if preview.file_problem is not None:  # nothing to preview: the file itself is refused
            raise InvalidInput(f"{filename}: {preview.file_problem}", preview.error_fields())
        result = {"valid": preview.is_valid, "committed": False, "rows": preview.rows,
                  "errors": preview.errors, "created_ids": []}
        if not form["commit"]:
            return result, 200
        if not preview.is_valid:
            raise InvalidInput(f"{filename}: the file has errors; nothing was imported.",
                               preview.error_fields())
        result["created_ids"] = import_people(filename, data, actor=person)
        result["committed"] = True
        return result, 201
