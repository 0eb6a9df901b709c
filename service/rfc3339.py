"""The one time type of callqa's inputs: an RFC 3339 date-time with a UTC offset, as a string.

pydantic's lax datetime also takes numbers and numeric strings as Unix times, so `to=-1.19e-07` would be a
time in 1969: a number where a time is expected is far more often a mistake than a Unix time, and is refused.
"""

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator

_SHAPE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")


def _a_date_time_string(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _SHAPE.match(value):
        raise ValueError("must be an RFC 3339 date-time with an offset, such as 2026-11-24T09:00:00Z")
    return value


Rfc3339 = Annotated[AwareDatetime, BeforeValidator(_a_date_time_string)]
