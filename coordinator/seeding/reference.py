"""Cadre networks, indicators (with their consistency rules) and the 2021 baselines and 2022
targets of Jakarta Barat and of DKI Jakarta, from DESIGN.md."""
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
# How the counts must agree (coordinator.domain.case_stat_rules): the KTPA total is women plus
# children; TPPO victims are counted among the KTPA victims.
SUM_OF = {"ktpa_victims": ["ktpa_women", "ktpa_children"]}
WITHIN = {"tppo_victims": "ktpa_victims"}

DKI_JAKARTA = "31"
JAKARTA_BARAT = "31.73"
BASELINE_SOURCE = "Sudin PPAPP Jakarta Barat, Januari-Oktober 2021"
DKI_BASELINE_SOURCE = ("Sudin PPAPP Jakarta Barat, laporan November 2021 "
                       "(DKI Jakarta, Januari-Oktober 2021)")
# Jan-Oct 2021 victims in Jakarta Barat (307 of DKI Jakarta's 1,051): 81 women, 226 children;
# trafficking (TPPO) the largest kind with 105. The 2022 aim: no increase.
BASELINES_2021 = {"ktpa_victims": 307, "ktpa_women": 81, "ktpa_children": 226, "tppo_victims": 105}
# DKI Jakarta's own baseline, from the same report: only the KTPA total is known for DKI.
DKI_BASELINES_2021 = {"ktpa_victims": 1051}
# (region, baselines, source): every level's baseline is its own, never a child's.
BASELINES = (
    (JAKARTA_BARAT, BASELINES_2021, BASELINE_SOURCE),
    (DKI_JAKARTA, DKI_BASELINES_2021, DKI_BASELINE_SOURCE),
)


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
    existing = {i.code: i for i in db.session.scalars(select(Indicator))}
    new = [
        Indicator(code=code, name_id=name_id, name_en=name_en)
        for code, name_id, name_en in INDICATORS
        if code not in existing
    ]
    db.session.add_all(new)
    for indicator in [*existing.values(), *new]:  # an edited rule is kept
        if indicator.sum_of is None and indicator.code in SUM_OF:
            indicator.sum_of = list(SUM_OF[indicator.code])
        if indicator.within_code is None and indicator.code in WITHIN:
            indicator.within_code = WITHIN[indicator.code]
    return len(new)


def _seed_targets_of(region_code: str, baselines: dict[str, int], source: str) -> int:
    if db.session.get(Region, region_code) is None:
        return 0
    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    existing = set(
        db.session.scalars(
            select(Target.indicator_id).where(
                Target.region_code == region_code, Target.year == 2022
            )
        )
    )
    new = [
        Target(
            region_code=region_code, indicator_id=indicators[code].id, year=2022,
            baseline_year=2021, baseline_month_from=1, baseline_month_to=10,
            baseline_value=value, baseline_source=source, target_value=value,
            rule="not_above_baseline", direction="lower_is_better",
        )
        for code, value in baselines.items()
        if indicators[code].id not in existing
    ]
    db.session.add_all(new)
    return len(new)


def _seed_targets() -> int:
    return sum(_seed_targets_of(code, values, source) for code, values, source in BASELINES)


def seed_reference_data() -> ReferenceCount:
    """Networks, indicators and targets; idempotent (a second run adds nothing)."""
    networks = _seed_networks()
    indicators = _seed_indicators()
    db.session.flush()
    targets = _seed_targets()
    db.session.commit()
    return ReferenceCount(networks, indicators, targets)
