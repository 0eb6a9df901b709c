"""What grows in `callqa serve` as interactions pass? The same calls and the same ingest path as
bench/memory.py's HTTP run (uvicorn, POST /v1/events in batches of 500, SQLite), but the server runs in this
process under tracemalloc: at each mark the Python heap is snapshotted, and the report lists the source lines
whose live allocations grew most between the first mark and the last, beside RSS and the text caches' sizes.

    .venv/bin/python bench/memory_trace.py [--interactions 50000] [--marks 10000,50000] [--frames 1]

tracemalloc slows the process (~2x) and its own bookkeeping costs memory (left out of the diff); RSS figures
here are for comparison between marks of the same run only.
"""

import argparse
import ctypes
import gc
import os
import re
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from http_ingest import migrated_with_key  # noqa: E402
from kafka_latency import proc_kib  # noqa: E402
from memory import post_calls  # noqa: E402


def text_caches() -> dict[str, tuple[int, int]]:
    """(entries, bytes charged) of every text memo alive in the process, by owner."""
    from service.text.memo import TextMemo

    out: dict[str, tuple[int, int]] = {}
    seen = Counter[str]()
    for obj in gc.get_objects():
        if isinstance(obj, TextMemo):
            owner = next((type(r).__name__ for r in gc.get_referrers(obj) if not isinstance(r, dict | list)), "?")
            seen[owner] += 1
            out[f"{owner}#{seen[owner]}"] = (len(obj), obj.charged())
    return out


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks")
    ] + [("keepcost", ctypes.c_size_t)]


def malloc_heap() -> str:
    """glibc's heap (all arenas): bytes in use, free inside its arenas, and in mmapped blocks; pymalloc's arenas."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    mib = 2**20
    return (
        f"glibc in use {info.uordblks / mib:.0f} MiB, free in arenas {info.fordblks / mib:.0f} MiB, "
        f"mmapped {info.hblkhd / mib:.0f} MiB; pymalloc {pymalloc_arenas()}"
    )


def pymalloc_arenas() -> str:
    """Arenas pymalloc holds (from sys._debugmallocstats, which writes to the C stderr)."""
    with tempfile.TemporaryFile() as out:
        saved = os.dup(2)
        os.dup2(out.fileno(), 2)
        try:
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode()
    got = {k: v for k, v in re.findall(r"# (arenas allocated current|bytes in allocated blocks)\s*=\s*([\d,]+)", text)}
    arenas = int(got.get("arenas allocated current", "0").replace(",", ""))
    used = int(got.get("bytes in allocated blocks", "0").replace(",", ""))
    return f"{arenas} arenas, {used / 2**20:.0f} MiB in blocks"


def trim_every(seconds: float) -> None:
    libc = ctypes.CDLL(None)
    while True:
        time.sleep(seconds)
        libc.malloc_trim(0)


def object_counts() -> Counter[str]:
    return Counter(type(o).__name__ for o in gc.get_objects())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=50_000)
    parser.add_argument("--marks", default="10000,50000", help="interactions stored at each snapshot")
    parser.add_argument("--frames", type=int, default=1, help="traceback depth kept (more: slower, grouped deeper)")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--trim-seconds", type=float, default=0, help="call glibc's malloc_trim(0) this often")
    parser.add_argument("--no-trace", action="store_true", help="RSS and heap figures only (no tracemalloc cost)")
    parser.add_argument("--joined", type=int, default=2)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--port", type=int, default=18474)
    args = parser.parse_args()
    marks = [int(m) for m in args.marks.split(",")]

    tmp = Path(tempfile.mkdtemp(prefix="callqa-memtrace-"))
    url = f"sqlite:///{tmp / 'trace.db'}"
    env = {**os.environ, "CALLQA_DATABASE_URL": url, "CALLQA_LOG_LEVEL": "WARNING"}
    key = migrated_with_key(env)
    os.environ.update({"CALLQA_DATABASE_URL": url, "CALLQA_LOG_LEVEL": "WARNING"})

    import uvicorn

    from service.api.server import ServerConfig
    from service.app import create_app
    from service.config import Settings

    settings = Settings(port=args.port)
    app = create_app(settings)
    server = uvicorn.Server(ServerConfig(app, settings, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{args.port}"
    while not server.started:
        time.sleep(0.1)

    print(f"started: RSS {proc_kib(os.getpid(), 'VmRSS') / 1024:.0f} MiB; {malloc_heap()}", flush=True)
    if args.trim_seconds:
        threading.Thread(target=trim_every, args=(args.trim_seconds,), daemon=True).start()
    if not args.no_trace:
        tracemalloc.start(args.frames)
    snaps: dict[int, tracemalloc.Snapshot] = {}
    counts: dict[int, Counter[str]] = {}
    pending = list(marks)
    t0 = time.monotonic()

    def mark(stored: int) -> None:
        while pending and stored >= pending[0]:
            m = pending.pop(0)
            gc.collect()
            counts[m] = object_counts()
            if not args.no_trace:
                snaps[m] = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, tracemalloc.__file__)])
            traced, _ = tracemalloc.get_traced_memory()
            print(
                f"{m:>7,} interactions ({time.monotonic() - t0:.0f} s): "
                f"RSS {proc_kib(os.getpid(), 'VmRSS') / 1024:.0f} MiB, traced {traced / 2**20:.1f} MiB",
                flush=True,
            )
            print(f"    {malloc_heap()}", flush=True)
            for name, (n, chars) in sorted(text_caches().items()):
                print(f"    {name:28} {n:>7,} texts {chars:>10,} bytes charged")

    post_calls(base, key, args, f"t{uuid.uuid4().hex[:6]}", mark, tries=100)  # traced: slow, SQLite's lock waits
    server.should_exit = True
    thread.join(20)

    if snaps:
        report_growth(snaps[marks[0]], snaps[marks[-1]], marks, args.frames, args.top)
    print("\nobject counts that grew most:")
    for name, n in (counts[marks[-1]] - counts[marks[0]]).most_common(20):
        print(f"  {n:+10,} {name}")


def report_growth(
    first: tracemalloc.Snapshot, last: tracemalloc.Snapshot, marks: list[int], frames: int, top: int
) -> None:
    key_type = "traceback" if frames > 1 else "lineno"
    print(f"\nlargest growth of live Python allocations, {marks[0]:,} -> {marks[-1]:,} interactions:")
    for stat in last.compare_to(first, key_type)[:top]:
        where = stat.traceback.format(limit=frames) if frames > 1 else [str(stat.traceback[0])]
        print(
            f"  {stat.size_diff / 1024:+10.0f} KiB {stat.count_diff:+9,} blocks  "
            + " <- ".join(w.strip() for w in where)
        )
    all_diff = sum(s.size_diff for s in last.compare_to(first, "filename"))
    print(f"  (all lines: {all_diff / 2**20:+.1f} MiB)")


if __name__ == "__main__":
    main()
