"""API tokens: create (the token is shown once), list and revoke your own."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask.views import MethodView
from sqlalchemy import or_, select

from coordinator.api.auth import api_person, hash_token, new_token
from coordinator.api.common import make_blueprint
from coordinator.api.errors import ApiError
from coordinator.api.tokens.schemas import NewTokenSchema, TokenCreateSchema, TokenSchema
from coordinator.domain.changes import record_audit
from coordinator.domain.sessions import token_expiry
from coordinator.extensions import db
from coordinator.models import ApiToken, utcnow

blp = make_blueprint("api_tokens", "/tokens", "Your API tokens.")
MAX_ACTIVE_TOKENS = 20


@blp.route("")
class Tokens(MethodView):
    @blp.doc(operationId="listTokens")
    @blp.response(200, TokenSchema(many=True))
    def get(self) -> Sequence[ApiToken]:
        """Your tokens (never their secret)."""
        return db.session.scalars(select(ApiToken).where(
            ApiToken.person_id == api_person().id).order_by(ApiToken.id)).all()

    @blp.doc(operationId="createToken")
    @blp.arguments(TokenCreateSchema)
    @blp.response(201, NewTokenSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Create a token; only its SHA-256 is stored, so this answer is the only copy."""
        person = api_person()
        active = db.session.scalars(select(ApiToken.id).where(
            ApiToken.person_id == person.id, ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > utcnow()))).all()
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise ApiError(409, "conflict", f"At most {MAX_ACTIVE_TOKENS} active tokens; revoke one.")
        secret = new_token()
        token = ApiToken(person_id=person.id, name=data["name"].strip() or "token",
                         token_hash=hash_token(secret), created_at=utcnow(),
                         expires_at=token_expiry())
        db.session.add(token)
        db.session.flush()
        record_audit(person.id, "create_token", "api_token", token.id, None, {"name": token.name})
        db.session.commit()
        return {**{key: getattr(token, key) for key in TokenSchema().fields}, "token": secret}


@blp.route("/<int:token_id>")
class TokenById(MethodView):
    @blp.doc(operationId="revokeToken")
    @blp.response(204)
    def delete(self, token_id: int) -> None:
        """Revoke one of your tokens (revoking twice is harmless)."""
        person = api_person()
        token = db.session.get(ApiToken, token_id)
        if token is None or token.person_id != person.id:
            raise ApiError(404, "not_found", "No such token.")
        if token.revoked_at is None:
            token.revoked_at = utcnow()
            record_audit(person.id, "revoke_token", "api_token", token.id, None, None)
            db.session.commit()
