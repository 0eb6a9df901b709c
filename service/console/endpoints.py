"""GET /console and /console/static/*: the supervisor console's files, served without auth.

The page holds no data of its own: it asks for an API key and sends it on every /v1 call, so the
files themselves are public. They are served from a fixed listing of the package folder, never from
a path the client builds, so no request can reach outside it.
"""

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from service.api.errors import problem

router = APIRouter(tags=["console"], include_in_schema=False)

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
FILES = {p.name: p for p in STATIC.iterdir() if p.suffix in MEDIA_TYPES}

# The page keeps an API key in sessionStorage and shows transcript text typed by strangers: the policy
# allows only this origin's own script and style, so injected markup could neither run nor send the key away.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # Revalidate on each load (ETag makes it cheap) so a new release is seen without a hard refresh.
    "Cache-Control": "no-cache",
}


def _serve(name: str) -> FileResponse:
    path = FILES.get(name)
    if path is None:
        raise HTTPException(404, detail=f"no console file {name!r}")
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=SECURITY_HEADERS)


@router.get("/console")
def console_page() -> FileResponse:
    return _serve("index.html")


@router.get("/console/static/{name}", responses={404: problem("No console file of this name")})
def console_file(name: str) -> FileResponse:
    return _serve(name)
