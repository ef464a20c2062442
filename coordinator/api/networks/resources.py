"""Networks: the cadre networks (PKK, Dasawisma, ...)."""
from __future__ import annotations

from collections.abc import Sequence

from flask.views import MethodView
from sqlalchemy import select

from coordinator.api.common import make_blueprint
from coordinator.api.networks.schemas import NetworkSchema
from coordinator.extensions import db
from coordinator.models import Network

blp = make_blueprint("api_networks", "/networks", "Cadre networks.")


@blp.route("")
class Networks(MethodView):
    @blp.doc(operationId="listNetworks")
    @blp.response(200, NetworkSchema(many=True))
    def get(self) -> Sequence[Network]:
        """Every network, by name."""
        return db.session.scalars(select(Network).order_by(Network.name)).all()
