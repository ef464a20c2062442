"""Region choices for forms, limited to what the person may use: a flat list for a single
choice, a searchable tree (kecamatan > kelurahan checkboxes) for several."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Person, Region
from coordinator.policy import region_filter, scope_code

CITY_CODE = "31.73"
HOME_PROVINCE = "31"  # DKI Jakarta


def regions_in_scope(person: Person, levels: tuple[str, ...]) -> list[Region]:
    """Regions of ``levels`` inside ``person``'s subtree (the whole DKI tree for an admin:
    pickers of every kelurahan of Indonesia would be unusable)."""
    query = select(Region).where(Region.level.in_(levels)).order_by(Region.code)
    query = query.where(region_filter(Region.code, scope_code(person) or HOME_PROVINCE))
    return list(db.session.scalars(query).all())


def region_choices(person: Person, levels: tuple[str, ...]) -> list[tuple[str, str]]:
    indent = {"province": "", "city": "", "kecamatan": "· ", "kelurahan": "·· "}
    return [(r.code, f"{indent.get(r.level, '')}{r.name} ({r.code})")
            for r in regions_in_scope(person, levels)]


@dataclass
class RegionNode:
    """One region of a picker tree, with the children the search left."""

    code: str
    name: str
    level: str
    children: list[RegionNode] = field(default_factory=list)
    kelurahan_total: int = 0

    def codes(self) -> set[str]:
        """This code and every code below it that the tree shows."""
        return {self.code}.union(*(child.codes() for child in self.children))


def _matches(region: Region, needle: str) -> bool:
    return needle in region.name.casefold() or region.code.startswith(needle)


def region_tree(person: Person, query: str = "",
                levels: tuple[str, ...] = ("city", "kecamatan", "kelurahan")) -> list[RegionNode]:
    """The regions ``person`` may pick as a tree (city > kecamatan > kelurahan), narrowed by
    ``query`` (part of a name or a code prefix): a matching region keeps all its children,
    a matching kelurahan keeps its kecamatan and city. One query."""
    regions = regions_in_scope(person, levels)
    nodes = {r.code: RegionNode(r.code, r.name, r.level) for r in regions}
    roots: list[RegionNode] = []
    for r in regions:
        parent = nodes.get(r.parent_code or "")
        (parent.children if parent else roots).append(nodes[r.code])
    for r in reversed(regions):  # children come after parents in code order
        node = nodes[r.code]
        node.kelurahan_total = 1 if r.level == "kelurahan" else sum(
            c.kelurahan_total for c in node.children)
    needle = query.strip().casefold()
    if not needle:
        return roots
    by_code = {r.code: r for r in regions}
    return [n for n in (_narrow(node, needle, by_code) for node in roots) if n is not None]


@dataclass
class RegionPicker:
    """What the picker shows: the (narrowed) tree and the ticked regions the search hides."""

    tree: list[RegionNode]
    query: str
    hidden_chosen: list[tuple[str, str]]  # (code, name), kept as hidden inputs


def region_picker(person: Person, query: str, chosen: list[str] | None) -> RegionPicker:
    full = region_tree(person)
    tree = region_tree(person, query) if query.strip() else full
    shown = set().union(*(node.codes() for node in tree))
    names = {code: name for node in full for code, name in _names(node)}
    # Codes outside the person's tree are dropped: kept hidden, they could never be unticked.
    hidden = [(code, names[code]) for code in (chosen or []) if code not in shown and code in names]
    return RegionPicker(tree, query.strip(), hidden)


def _names(node: RegionNode) -> list[tuple[str, str]]:
    return [(node.code, node.name), *(pair for child in node.children for pair in _names(child))]


def _narrow(node: RegionNode, needle: str, regions: dict[str, Region]) -> RegionNode | None:
    if _matches(regions[node.code], needle):
        return node
    children = [c for c in (_narrow(child, needle, regions) for child in node.children)
                if c is not None]
    if not children:
        return None
    return RegionNode(node.code, node.name, node.level, children, node.kelurahan_total)
