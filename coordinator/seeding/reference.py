"""Cadre networks, indicators and the Jakarta Barat baselines and targets from DESIGN.md."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from coordinator.extensions import db
from coordinator.models import Indicator, Network, Region, Target

NETWORKS = (
    ("jumantik", "Jumantik"),
    ("pkk", "PKK"),
    ("rptra", "RPTRA"),
    ("dasawisma", "Dasawisma"),
    ("karang-taruna", "Karang Taruna"),
    ("tagana", "Tagana"),
    ("fkdm", "FKDM"),
    ("rt-rw", "RT/RW"),
)

INDICATORS = (
    ("ktpa_victims", "Korban KTPA (total)", "KTPA victims (total)"),
    ("ktpa_women", "Korban KTPA perempuan", "KTPA victims: women"),
    ("ktpa_children", "Korban KTPA anak", "KTPA victims: children"),
    ("tppo_victims", "Korban TPPO", "TPPO (trafficking) victims"),
)

JAKARTA_BARAT = "31.73"
BASELINE_SOURCE = "Sudin PPAPP Jakarta Barat, Januari-Oktober 2021"
# Jan-Oct 2021 victims in Jakarta Barat (307 of DKI Jakarta's 1,051): 81 women, 226 children;
# trafficking (TPPO) the largest kind with 105. The 2022 aim: no increase.
BASELINES_2021 = {"ktpa_victims": 307, "ktpa_women": 81, "ktpa_children": 226, "tppo_victims": 105}


@dataclass(frozen=True)
class ReferenceCount:
    networks: int
    indicators: int
    targets: int


def _seed_networks() -> int:
    existing = set(db.session.scalars(select(Network.slug)))
    new = [Network(slug=slug, name=name) for slug, name in NETWORKS if slug not in existing]
    db.session.add_all(new)
    return len(new)


def _seed_indicators() -> int:
    existing = set(db.session.scalars(select(Indicator.code)))
    new = [
        Indicator(code=code, name_id=name_id, name_en=name_en)
        for code, name_id, name_en in INDICATORS
        if code not in existing
    ]
    db.session.add_all(new)
    return len(new)


def _seed_targets() -> int:
    if db.session.get(Region, JAKARTA_BARAT) is None:
        return 0
    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    existing = set(
        db.session.scalars(
            select(Target.indicator_id).where(
                Target.region_code == JAKARTA_BARAT, Target.year == 2022
            )
        )
    )
    new = [
        Target(
            region_code=JAKARTA_BARAT, indicator_id=indicators[code].id, year=2022,
            baseline_year=2021, baseline_month_from=1, baseline_month_to=10,
            baseline_value=value, baseline_source=BASELINE_SOURCE, target_value=value,
            rule="not_above_baseline", direction="lower_is_better",
        )
        for code, value in BASELINES_2021.items()
        if indicators[code].id not in existing
    ]
    db.session.add_all(new)
    return len(new)


def seed_reference_data() -> ReferenceCount:
    """Networks, indicators and targets; idempotent (a second run adds nothing)."""
    networks = _seed_networks()
    indicators = _seed_indicators()
    db.session.flush()
    targets = _seed_targets()
    db.session.commit()
    return ReferenceCount(networks, indicators, targets)
