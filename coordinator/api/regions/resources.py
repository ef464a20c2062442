"""Regions: the wilayah tree and one region by code (reference data: any signed-in user)."""
from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import select

from coordinator import policy
from coordinator.api.auth import api_person
from coordinator.api.common import make_blueprint
from coordinator.api.errors import ApiError
from coordinator.api.regions.schemas import (
    RegionDetailSchema,
    RegionTreeArgsSchema,
    RegionTreeSchema,
)
from coordinator.extensions import db
from coordinator.models import Region

blp = make_blueprint("api_regions", "/regions", "The wilayah tree (Kemendagri codes).")


def _region_or_404(code: str) -> Region:
    region = db.session.get(Region, code)
    if region is None:
        raise ApiError(404, "not_found", f"No region with code {code!r}.")
    return region


def _subtree(root: Region, depth: int) -> dict[str, Any]:
    """``root`` with ``depth`` levels below it, in one query."""
    rows = db.session.scalars(select(Region).where(
        policy.region_filter(Region.code, root.code)).order_by(Region.code)).all()
    max_parts = len(root.code.split(".")) + depth
    nodes: dict[str, dict[str, Any]] = {r.code: {"code": r.code, "name": r.name, "level": r.level,
                      "parent_code": r.parent_code, "children": []}
             for r in rows if len(r.code.split(".")) <= max_parts}
    for node in nodes.values():
        if node["code"] != root.code and node["parent_code"] in nodes:
            nodes[node["parent_code"]]["children"].append(node)
    return nodes[root.code]


@blp.route("")
class Regions(MethodView):
    @blp.doc(operationId="listRegions")
    @blp.arguments(RegionTreeArgsSchema, location="query")
    @blp.response(200, RegionTreeSchema(many=True))
    def get(self, args: dict[str, Any]) -> list[dict[str, Any]]:
        """The tree under ``root`` (default: your own scope; admins: the provinces)."""
        code = args.get("root") or policy.scope_code(api_person())
        if code is not None:
            return [_subtree(_region_or_404(code), args["depth"])]
        provinces = db.session.scalars(
            select(Region).where(Region.level == "province").order_by(Region.code)).all()
        return [_subtree(p, args["depth"]) for p in provinces]


@blp.route("/<string:code>")
class RegionByCode(MethodView):
    @blp.doc(operationId="getRegion")
    @blp.response(200, RegionDetailSchema)
    def get(self, code: str) -> dict[str, Any]:
        """One region with its parent and children."""
        region = _region_or_404(code)
        children = db.session.scalars(
            select(Region).where(Region.parent_code == code).order_by(Region.code)).all()
        return {"code": region.code, "name": region.name, "level": region.level,
                "parent_code": region.parent_code, "parent": region.parent, "children": children}
