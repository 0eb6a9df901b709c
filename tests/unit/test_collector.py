import subprocess
import sys

PROBE = """
import gc
from service.collector import settle_after_start
settle_after_start({young})
print(gc.get_threshold()[0], gc.get_freeze_count() > 0)
"""


def _settled(young: int) -> str:
    # A process of its own: a frozen generation is kept for the life of the process that froze it.
    probe = PROBE.format(young=young)
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()


def test_startup_objects_are_frozen_and_the_young_generation_is_larger() -> None:
    assert _settled(10_000) == ["10000", "True"]


def test_zero_keeps_pythons_threshold() -> None:
    assert _settled(0) == ["700", "True"]
