"""Rollups: program progress and indicator counts per region, kept up to date by events."""
from coordinator.rollups.incremental import apply_event, apply_events
from coordinator.rollups.recompute import RecomputeResult, recompute_all

__all__ = ["RecomputeResult", "apply_event", "apply_events", "recompute_all"]
