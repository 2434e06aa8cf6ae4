"""A background thread that calls a function every interval, and knows its own CPU cost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Sampler:
    """Calls ``fn`` every ``interval_s`` (by ``clock``) until ``stop``; ``stop`` is idempotent.

    Ticks are scheduled on a fixed grid (start + k × interval) so that a slow tick does not push
    the later ones back; missed grid points are skipped, not bunched up.
    """

    def __init__(
        self,
        fn: Callable[[], None],
        interval_s: float,
        clock: Callable[[], float] = time.monotonic,
        name: str = "energybill-sampler",
    ) -> None:
        if interval_s <= 0:
            raise ValueError(f"interval_s must be > 0, got {interval_s}")
        self.fn = fn
        self.interval_s = interval_s
        self.clock = clock
        self.cpu_s = 0.0  # CPU seconds this thread used, known once it has stopped
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._lock = threading.Lock()
        self._started = False

    def start(self) -> None:
        with self._lock:
            if not self._started and not self._stop.is_set():
                self._started = True
                self._thread.start()

    def stop(self) -> None:
        """Stop and join the thread; harmless when already stopped or never started."""
        self._stop.set()
        with self._lock:
            started = self._started
        if started and self._thread is not threading.current_thread():
            self._thread.join()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        cpu0 = time.thread_time()
        next_s = self.clock() + self.interval_s
        while not self._stop.wait(max(0.0, next_s - self.clock())):
            try:
                self.fn()
            except Exception as exc:  # keep sampling; the meter reports what went wrong
                self.errors.append(exc)
            now_s = self.clock()
            next_s += self.interval_s
            if next_s <= now_s:
                next_s = now_s + self.interval_s - (now_s - next_s) % self.interval_s
        self.cpu_s = time.thread_time() - cpu0
