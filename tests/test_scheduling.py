"""deeplimits.scheduling: Snakemake's scheduler keeps at most one re-evaluation timer pending (the workflow applies it
in workflow/rules/common.smk)."""

from __future__ import annotations

import threading

from snakemake.scheduling.job_scheduler import JobScheduler

from deeplimits import scheduling


class SchedulerLoop:
    """What the timer touches of a JobScheduler: the semaphore its scheduling loop waits on."""

    def __init__(self):
        self._open_jobs = threading.Semaphore(0)


def pending_timers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if isinstance(t, threading.Timer) and t.is_alive()]


def test_many_rounds_leave_one_daemon_timer_that_starts_one_round():
    """50 rounds in a row (Snakemake starts one per finished job) leave one pending timer, not 50; it starts exactly
    one round when it expires, and that round's own call schedules the next timer (the rate limit is re-checked)."""
    assert scheduling.one_pending_reevaluation()
    loop = SchedulerLoop()
    before = len(pending_timers())
    for _ in range(50):
        JobScheduler._schedule_reevalutation(loop, 0.2)
    timers = pending_timers()
    assert len(timers) == before + 1 and all(t.daemon for t in timers)
    assert loop._open_jobs.acquire(timeout=5)
    assert not loop._open_jobs.acquire(timeout=0.5)
    JobScheduler._schedule_reevalutation(loop, 0.05)
    assert loop._open_jobs.acquire(timeout=5)
