"""Progress while the engine runs: a tqdm bar (``tqdm.auto``: a widget in Jupyter, text in a terminal) when
tqdm is installed, otherwise one line on standard error that rewrites itself."""

from __future__ import annotations

import sys
import time
from typing import Callable, Optional

Callback = Callable[[int, int], None]


class _Line:
    """A one-line bar on standard error, for when tqdm is not installed."""

    def __init__(self, what: str):
        self.what = what
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else 0
        seconds = time.monotonic() - self.started
        sys.stderr.write(f"\r{self.what}: [{'#' * filled}{'.' * (width - filled)}] {done}/{total} ({seconds:.0f} s)")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


class _Tqdm:
    """A tqdm bar, made when the total is first known."""

    def __init__(self, what: str, tqdm: type):
        self.what = what
        self.tqdm = tqdm
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = self.tqdm(total=total, desc=self.what, unit="run")
        if self.bar.total != total:
            self.bar.total = total
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


class Progress:
    """A context manager giving the callback the engine reports ``(done, total)`` to, or ``None``."""

    def __init__(self, enabled: bool, what: str):
        self.shower = None
        if enabled:
            try:
                from tqdm.auto import tqdm
            except ImportError:
                self.shower = _Line(what)
            else:
                self.shower = _Tqdm(what, tqdm)

    def __enter__(self) -> Optional[Callback]:
        return self.shower

    def __exit__(self, *exc: object) -> None:
        if self.shower is not None:
            self.shower.close()
