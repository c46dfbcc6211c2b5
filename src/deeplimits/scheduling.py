"""A workaround for Snakemake's scheduler loop, applied by the workflow at parse time (workflow/rules/common.smk).

Snakemake 9 (``snakemake.scheduling.job_scheduler.JobScheduler``, checked up to 9.27.1) ends every scheduling round
by starting a timer of one ``--max-jobs-per-timespan`` timespan (default 1 s) whose expiry starts another round,
which starts another timer. Every finished job starts a round of its own, hence another such chain: after k finished
jobs the main process re-evaluates the ready jobs about k times a second, to the end of the run. Measured on the
smoke DAG (136 jobs, 2 cores): the main process used 23-29 CPU-seconds, 6.4 with at most one timer pending; in a
default run about 220 of its 3600 CPU-seconds (README, "What Snakemake's own process costs").
"""

from __future__ import annotations

import threading


def one_pending_reevaluation() -> bool:
    """Make Snakemake keep at most one re-evaluation timer pending; True where applied.

    The rate limit is still re-checked one timespan after the last round, as before, and rounds still follow every
    finished job. The timer is a daemon thread, so Snakemake exits as soon as its jobs are done instead of waiting for
    the last timer (up to one timespan). A no-op (False) where the scheduler has no ``_schedule_reevalutation``
    (Snakemake's spelling), e.g. once Snakemake changes it."""
    try:
        from snakemake.scheduling.job_scheduler import JobScheduler
    except ImportError:
        return False
    if not hasattr(JobScheduler, "_schedule_reevalutation"):
        return False

    def schedule_reevaluation(self, delay: float) -> None:
        if getattr(self, "_reevaluation_pending", False):
            return
        self._reevaluation_pending = True

        def expire() -> None:
            self._reevaluation_pending = False  # before the round it starts, which schedules the next timer
            self._open_jobs.release()

        timer = threading.Timer(delay, expire)
        timer.daemon = True
        timer.start()

    JobScheduler._schedule_reevalutation = schedule_reevaluation
    return True
