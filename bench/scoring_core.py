"""What the pure scoring core costs per event, on the realistic mix of bench/kafka_pipeline.py (no Kafka, no
database): redaction, the incremental fold, the score (sentiment, script rules, response times), its stored JSON
and the breaches of each event, in arrival order, every text new to the process as it is in a live consumer.

    .venv/bin/python bench/scoring_core.py [--events 10000] [--batch 1 500] [--against REV] [--profile]

Baselines of the same run:
- VADER: vaderSentiment's own `polarity_scores` on every text of the mix against the path the core takes
  (`sentiment.polarity` past its cache), both CPU-timed, and every answer compared;
- the core: the same events scored in a fresh process with vaderSentiment's analyzer put in place of the core's
  (`--vader reference`), so the ratio shows what the rest of the core costs beside VADER;
- with `--against REV`: the same events scored by the core of git revision REV (its service/ in a temporary
  tree), so a change to the core is measured against what it replaced, in the same run.
"""

import argparse
import cProfile
import hashlib
import io
import json
import pstats
import random
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from bench.kafka_pipeline import load_texts, mix, stamp  # noqa: E402
from service.config import DEFAULT_STANDARDS_FILE, Settings  # noqa: E402
from service.events.decode import limits_of, validate_event  # noqa: E402
from service.events.model import Event  # noqa: E402
from service.interactions.live import LiveState  # noqa: E402
from service.interactions.stored import ItemsJSON, score_document  # noqa: E402
from service.privacy.events import redact_event  # noqa: E402
from service.privacy.redact import redactor_for  # noqa: E402
from service.scoring import sentiment  # noqa: E402
from service.scoring.breaches import find_breaches  # noqa: E402
from service.scoring.quality import score_timeline  # noqa: E402
from service.standards.loader import load_standard  # noqa: E402
from service.standards.schema import Standard  # noqa: E402

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
STEP = timedelta(milliseconds=5)  # 200 events/s across the 60 live interactions


def events(n: int, seed: int = 7) -> list[Event]:
    """The mix of bench/kafka_pipeline.py as validated events, stamped by a steady clock (not the wall's)."""
    rng = random.Random(seed)
    limits = limits_of(Settings())
    out = []
    for i, it in enumerate(mix(n, rng, load_texts(rng), "core")):
        now = T0 + i * STEP
        e = validate_event(stamp(it, now), i, limits, now)
        assert isinstance(e, Event), e
        out.append(e)
    return out


def texts_of(evs: list[Event]) -> list[str]:
    return [t for e in evs for f in ("text", "subject") if isinstance(t := e.payload.get(f), str)]


def _extended(state: LiveState | None, new: list[Event]) -> LiveState | None:
    """The state with `new` folded in, as the pipeline does; None: fold again. `--against` an older core: its
    `extended` answered a copy, where `extend` folds in place."""
    if state is None:
        return None
    if hasattr(state, "extend"):
        return state if state.extend(new) else None
    return state.extended(new)  # type: ignore[attr-defined,no-any-return]


def score_all(evs: list[Event], batch: int, standard: Standard) -> tuple[float, float, int, str]:
    """(CPU s, wall s, breaches, digest of every score and breach) of the core over `evs`, in batches as a
    consumer takes them: each batch's events redacted and folded into their interaction's state, then each
    interaction it touched scored once and its score's document written (interactions.stored, the JSON the
    database stores)."""
    redactor = redactor_for(standard.redaction)
    states: dict[str, LiveState] = {}
    documents: dict[str, ItemsJSON] = {}  # each live interaction's items as its last score stored them
    breaches = 0
    judged: list[object] = []  # digested after the clock stops
    cpu, wall = time.process_time(), time.perf_counter()
    for b in range(0, len(evs), batch):
        now = T0 + (b + batch - 1) * STEP
        by_interaction: dict[str, list[Event]] = {}
        for e in evs[b : b + batch]:
            by_interaction.setdefault(e.interaction_id, []).append(redact_event(e, redactor)[0])
        for interaction_id, new in by_interaction.items():
            state = states.get(interaction_id)
            state = _extended(state, new) or LiveState.of(new)
            # The running judgement, as the pipeline keeps it (`--against` an older core: none there).
            running = {"running": state.scoring(standard)} if hasattr(state, "scoring") else {}
            score = score_timeline(state.fold.timeline(), standard, now, per_utterance=False, **running)
            _, documents[interaction_id] = score_document(score, documents.get(interaction_id, ()))
            found = find_breaches(score, standard)
            breaches += len(found)
            judged.append((score, found))
            if score.final:
                states.pop(interaction_id, None)
                documents.pop(interaction_id, None)
            else:
                states[interaction_id] = state
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu, wall, breaches, hashlib.sha256(repr(judged).encode()).hexdigest()[:16]


def vader_compare(texts: list[str], rounds: int = 3) -> dict[str, float]:
    """CPU per text of each (the best of `rounds`, taken in turns), and how many answers differ."""
    reference = SentimentIntensityAnalyzer()
    core = sentiment.polarity.__wrapped__  # past the cache: every text is scored
    best = {"reference_us": float("inf"), "core_us": float("inf")}
    for _ in range(rounds):
        for name, score in (("reference_us", reference.polarity_scores), ("core_us", core)):
            cpu = time.process_time()
            for t in texts:
                score(t)
            best[name] = min(best[name], (time.process_time() - cpu) / len(texts) * 1e6)
    want = [tuple(reference.polarity_scores(t).values()) for t in texts]
    best["differ"] = sum(w != core(t) for w, t in zip(want, texts, strict=True))
    return best


def core_run(n: int, batch: int, vader: str, profile: bool) -> dict[str, Any]:
    evs = events(n)
    if vader == "reference":
        analyzer = SentimentIntensityAnalyzer()
        sentiment.polarity._fn = lambda t: tuple(analyzer.polarity_scores(t).values())  # type: ignore[attr-defined]
    standard = load_standard(DEFAULT_STANDARDS_FILE).standard
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    cpu, wall, breaches, digest = score_all(evs, batch, standard)
    if profiler:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(40)
    return {"cpu_us": cpu / n * 1e6, "wall_us": wall / n * 1e6, "breaches": breaches, "digest": digest}


def in_fresh_process(n: int, batch: int, vader: str, profile: bool = False, root: Path = ROOT) -> dict[str, Any]:
    """A core run in its own process: every cache starts empty, as in a consumer that just started. `root`: the
    tree whose service/ it imports (this script runs from its bench/)."""
    cmd = [sys.executable, str(root / "bench" / "scoring_core.py"), "--events", str(n), "--batch", str(batch)]
    cmd += ["--core-only", vader] + (["--profile"] if profile else [])
    return json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)


def tree_at(rev: str, into: Path) -> Path:
    """The repository at `rev` under `into`, with this bench script, beside a link to ../shared (the data)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", rev], check=True, stdout=subprocess.PIPE).stdout
    root = into / "callqa"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    (root / "bench" / "scoring_core.py").write_text(Path(__file__).read_text())
    (into / "shared").symlink_to(ROOT.parent / "shared")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 500], help="events per batch (default 1 500)")
    parser.add_argument("--against", metavar="REV", help="also score with the core of this git revision")
    parser.add_argument("--profile", action="store_true", help="cProfile of the shipped core, on stderr")
    parser.add_argument("--core-only", choices=("shipped", "reference"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.core_only:
        print(json.dumps(core_run(args.events, args.batch[0], args.core_only, args.profile)))
        return
    texts = texts_of(events(args.events))
    v = vader_compare(texts)
    print(f"VADER on the mix's {len(texts)} texts (CPU per text): vaderSentiment {v['reference_us']:.1f} us,")
    speedup = v["reference_us"] / v["core_us"]
    print(f"  core path {v['core_us']:.1f} us: {speedup:.2f}x faster; answers differing: {v['differ']}")
    with tempfile.TemporaryDirectory() as tmp:
        old = tree_at(args.against, Path(tmp)) if args.against else None
        for batch in args.batch:
            ref = in_fresh_process(args.events, batch, "reference")
            shipped = in_fresh_process(args.events, batch, "shipped")
            print(f"core per event, {args.events} events in batches of {batch} (redact, fold, score once per batch):")
            print(f"  with vaderSentiment's analyzer: {ref['cpu_us']:.1f} us CPU ({ref['wall_us']:.1f} wall)")
            print(f"  as shipped:                     {shipped['cpu_us']:.1f} us CPU ({shipped['wall_us']:.1f} wall)")
            ratio = shipped["cpu_us"] / ref["cpu_us"]
            same = shipped["digest"] == ref["digest"]
            print(f"  shipped / reference CPU: {ratio:.3f}; {shipped['breaches']} breaches; same scores: {same}")
            if old:
                before = in_fresh_process(args.events, batch, "shipped", root=old)
                print(
                    f"  the core at {args.against}:        {before['cpu_us']:.1f} us CPU ({before['wall_us']:.1f} wall)"
                )
                ratio = shipped["cpu_us"] / before["cpu_us"]
                same = shipped["digest"] == before["digest"]
                print(f"  shipped / {args.against} CPU: {ratio:.3f}; same scores and breaches: {same}")
    if args.profile:
        in_fresh_process(args.events, args.batch[-1], "shipped", profile=True)


if __name__ == "__main__":
    main()
