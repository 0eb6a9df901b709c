"""service.jobs.Prompted: a job woken by a commit runs then, not on its next tick, and once more on close."""

import threading

from service.jobs import Job, Prompted

HOUR = 3600.0  # a tick that never comes within a test: every run below is a wake or the close


def test_a_wake_runs_the_job_at_once_and_close_runs_it_once_more() -> None:
    runs: list[int] = []
    ran = threading.Event()

    def job() -> None:
        runs.append(len(runs))
        ran.set()

    prompted = Prompted(Job("flush", HOUR, job))
    prompted.start()
    try:
        prompted.wake()
        assert ran.wait(60), "woken, the job runs without waiting for its tick"
        assert runs == [0]
    finally:
        prompted.close()
    assert runs == [0, 1], "once more on close: what the last commits queued goes out"
    assert not prompted.is_alive()


def test_a_failing_run_does_not_stop_the_thread() -> None:
    first, second = threading.Event(), threading.Event()

    def job() -> None:
        if not first.is_set():
            first.set()
            raise RuntimeError("broker gone")
        second.set()

    prompted = Prompted(Job("flush", HOUR, job))
    prompted.start()
    try:
        prompted.wake()
        assert first.wait(60)
        prompted.wake()  # after the first run began: a wake is never lost to a run in progress
        assert second.wait(60), "the next wake runs it again"
    finally:
        prompted.close()
