"""A progress line for long CLI work, on stderr: rewritten in place on a terminal, one plain line
per quarter when stderr is a file or a pipe (logs stay short)."""
from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    """``Progress("Regions of Indonesia")(done, total)`` after each chunk of work."""

    def __init__(self, label: str, stream: TextIO | None = None, unit: str = "rows") -> None:
        self.label, self.unit = label, unit
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.perf_counter()
        self.last_quarter = -1
        self.last_draw = 0.0

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        elapsed = time.perf_counter() - self.started
        line = f"{self.label}: {done:,} / {total:,} {self.unit} ({percent}%, {elapsed:.0f} s)"
        if self.tty:
            now = time.perf_counter()
            if now - self.last_draw >= 0.2 or done >= total:  # at most five redraws a second
                self.last_draw = now
                end = "\n" if done >= total else ""
                self.stream.write(f"\r{line}\x1b[K{end}")
                self.stream.flush()
        elif percent // 25 > self.last_quarter:
            self.last_quarter = percent // 25
            self.stream.write(line + "\n")
            self.stream.flush()
