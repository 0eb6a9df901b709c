"""Keeping the C allocator from holding memory the process has freed (glibc only; elsewhere a no-op).

Measured with bench/memory_trace.py (the memory bench's calls through uvicorn, in process, with glibc's and
pymalloc's own figures at each mark): what grows in `callqa serve` past the first thousands of interactions is
mostly memory that is free inside glibc's heaps but never handed back (49 MiB free against 75 MiB in use after
15,000 interactions, 87 MiB free after 25,000), not live objects. Each thread that allocates gets a heap (arena)
of its own, up to 8 per core, and a freed request body or dict table leaves holes that the next, differently
sized, allocation does not fill. Two remedies, both settings:
- fewer arenas (`mallopt(M_ARENA_MAX)`, CALLQA_MALLOC_ARENAS): the request threads share them, so one thread's
  holes are another's next allocation; it must be set before the threads first allocate (process start);
- `malloc_trim(0)` every CALLQA_MALLOC_TRIM_SECONDS on a thread of its own: the whole free pages inside every
  arena go back to the system (a few ms per call, the allocator's locks taken one arena at a time).
"""

import ctypes
import ctypes.util
import threading

_M_ARENA_MAX = -8  # glibc's malloc.h


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None)
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


_LIBC = _glibc()


def limit_arenas(arenas: int) -> bool:
    """At most `arenas` malloc heaps for all threads (0: leave glibc's default); True if the allocator took it."""
    if _LIBC is None or arenas <= 0:
        return False
    return bool(_LIBC.mallopt(_M_ARENA_MAX, arenas))


def trim() -> bool:
    """Hand the free pages of every malloc heap back to the system; True if any memory was released."""
    return _LIBC is not None and bool(_LIBC.malloc_trim(0))


class Trimmer:
    """Calls `trim()` every `seconds` on a daemon thread until `close()`; nothing when `seconds` is 0 or the C
    library is not glibc."""

    def __init__(self, seconds: float) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if seconds > 0 and _LIBC is not None:
            self._thread = threading.Thread(target=self._run, args=(seconds,), name="callqa-malloc-trim", daemon=True)
            self._thread.start()

    def _run(self, seconds: float) -> None:
        while not self._stop.wait(seconds):
            trim()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
