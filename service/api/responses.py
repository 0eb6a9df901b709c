"""A JSON response written by orjson, for answers on the hot path (the ingest endpoint answers every event)."""

from typing import Any

import orjson
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """The same JSON text as JSONResponse (UTF-8, compact; callqa's answers hold no NaN), several times faster."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)
