"""Fixtures of the workers area: seeded regions, small factories, a clock, a real worker."""
from __future__ import annotations




