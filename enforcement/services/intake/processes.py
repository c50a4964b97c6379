"""Checking a large file's rows in worker processes.

The checks are pure Python, so within one process they share the GIL with everything else the intake does in
Python (reading the file, building the rows to write); in forked workers they run beside it. The workers run
the very same `_judgment` on blocks of rows and send back its answers in order, so a row is refused with the
same message either way; duplicates within the file are still found in this process, in line order.

Workers are used only where forking is safe and pays; otherwise the rows are checked in-process:
- not on a file of fewer than `MIN_LINES` lines (starting the workers would cost more than they save);
- only on Linux (fork is unsafe on macOS and absent on Windows);
- not in a daemonic process: a Celery prefork worker's child (billiard marks it daemonic) may not have
  children of its own;
- not in a process with other threads alive (a threaded development server, a threaded worker): a fork copies
  only the calling thread, and with it any lock another thread held at that moment.
"""

import collections
import logging
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.utils import translation

from enforcement.services.intake.validate import _judgment

logger = logging.getLogger(__name__)

MIN_LINES = 20_000
BLOCK_ROWS = 2000  # rows per message to a worker: a few large pickles, yet every worker kept busy


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# Two cores stay with this process (reading, writing) and the database; the rest, if any, check rows. Measured
# on 2 cores (bench, 100,000 rows): a worker costs more than it saves there, since sending a block of rows and
# its answers between processes costs about half as much CPU as checking them, and the database needs the
# other core.
PROCESSES = max(0, min(4, _cpus() - 2))


def _check_block(block: list, court, today, language: str | None) -> list:
    with translation.override(language):
        return [_judgment(line, row, court, today, language) for line, row in block]


class CheckingPool:
    def __init__(self, processes: int):
        self.processes = processes
        self._pool = multiprocessing.get_context("fork").Pool(processes)

    def checked(self, rows: Iterable, *, court, today, language: str | None) -> Iterator[tuple]:
        """`_judgment`'s answer for each (line, row), in order. At most two blocks per worker are in flight, so
        the answers never pile up in memory ahead of the writer."""
        pending: collections.deque = collections.deque()
        block: list = []
        for item in rows:
            block.append(item)
            if len(block) >= BLOCK_ROWS:
                pending.append(self._pool.apply_async(_check_block, (block, court, today, language)))
                block = []
                if len(pending) >= 2 * self.processes:
                    yield from pending.popleft().get()
        if block:
            pending.append(self._pool.apply_async(_check_block, (block, court, today, language)))
        while pending:
            yield from pending.popleft().get()

    def close(self) -> None:
        self._pool.terminate()
        self._pool.join()


def why_in_process(text: str, processes: int) -> str | None:
    """Why this file's rows are checked in this process, or None if workers may check them."""
    if processes < 1:
        return "no worker processes configured"
    if sys.platform != "linux":
        return "forking is only used on Linux"
    if multiprocessing.current_process().daemon:
        return "a daemonic process (a Celery prefork worker) may not have children"
    if threading.active_count() > 1:
        return "other threads are alive"
    if text.count("\n") < MIN_LINES:
        return "a small file"
    return None


@contextmanager
def checking_pool(text: str, processes: int | None = None):
    """A `CheckingPool` for the file's rows, or None where they are checked in-process."""
    processes = PROCESSES if processes is None else processes
    reason = why_in_process(text, processes)
    pool = None
    if reason is None:
        try:
            pool = CheckingPool(processes)
        except OSError as exc:  # no more processes allowed, no memory to fork: check in-process
            logger.warning("intake: rows checked in-process, the workers did not start: %s", exc)
    try:
        yield pool
    finally:
        if pool is not None:
            pool.close()
