"""The CLI's progress line: redrawn in place on a terminal, a line per quarter in a log."""
from __future__ import annotations

import io

from coordinator.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_log_gets_one_line_per_quarter() -> None:
    log = io.StringIO()
    progress = Progress("Regions of Indonesia", log, unit="regions")
    for done in range(0, 91_001, 1_000):
        progress(done, 91_000)
    lines = log.getvalue().splitlines()
    assert len(lines) == 5  # 0 %, 25 %, 50 %, 75 %, 100 %
    assert lines[-1].startswith("Regions of Indonesia: 91,000 / 91,000 regions (100%")


def test_a_terminal_line_is_redrawn_and_ends_with_a_newline() -> None:
    screen = Terminal()
    progress = Progress("Recompute", screen, unit="steps")
    for step in range(1, 6):
        progress(step, 5)
    text = screen.getvalue()
    assert text.startswith("\rRecompute: 1 / 5 steps (20%") and text.endswith("\n")
    assert "\rRecompute: 5 / 5 steps (100%" in text
