"""Errors of the review loop, each carrying the HTTP status its edge answers with (never chosen from the text)."""


class ReviewError(Exception):
    status_code = 422  # input the standard or the data does not allow (an unknown root cause, item or metric)


class NotFound(ReviewError):
    status_code = 404


class Forbidden(ReviewError):
    status_code = 403  # an agent's key on another agent's interaction, a reviewer outside a panel


class Conflict(ReviewError):
    status_code = 409  # the state does not allow it (an illegal status change, a dispute already decided)
