"""service.allocator: the glibc heap settings are taken, and the trimming thread starts and stops with its runtime."""

import threading

from service import allocator


def _trimmers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "callqa-malloc-trim"]


def test_arena_limit_and_trim_are_accepted_by_glibc_and_harmless_elsewhere() -> None:
    glibc = allocator._LIBC is not None
    assert allocator.limit_arenas(2) is glibc
    assert allocator.limit_arenas(0) is False  # 0: glibc's default, nothing set
    bytearray(64 * 2**20)  # freed at once: something to hand back
    allocator.trim()  # True when pages were released; either way no error


def test_the_trimmer_runs_on_its_own_thread_until_closed() -> None:
    before = len(_trimmers())
    off = allocator.Trimmer(0)
    assert len(_trimmers()) == before
    off.close()
    on = allocator.Trimmer(0.01)
    assert len(_trimmers()) == before + (allocator._LIBC is not None)
    on.close()
    assert len(_trimmers()) == before
