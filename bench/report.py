"""One row per figure, and the one table the runner prints."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    """A figure beside its baseline from the same run; ``met`` is None where no target applies."""

    bench: str
    figure: str
    value: str
    baseline: str = "-"
    ratio: str = "-"
    target: str = "-"
    met: bool | None = None
    note: str = ""

    def cells(self) -> list[str]:
        met = "-" if self.met is None else ("yes" if self.met else "NO")
        figure = f"{self.figure} ({self.note})" if self.note else self.figure
        return [self.bench, figure, self.value, self.baseline, self.ratio, self.target, met]


HEADER = ["#", "figure", "measured", "baseline (same run)", "ratio", "target", "met?"]


def table(rows: list[Row]) -> str:
    """A Markdown table: readable in a terminal and pasted as is into RESULTS.md."""
    lines = [HEADER, ["---"] * len(HEADER)] + [r.cells() for r in rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def ratio(value: float, baseline: float) -> str:
    return f"{value / baseline:.2f} ×" if baseline > 0 else "-"


def percentile(values: list[float], p: float) -> float:
    """The nearest-rank percentile (``p`` in 0..100) of ``values``; 0 for none."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
