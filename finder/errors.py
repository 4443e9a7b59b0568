"""The errors the library raises. The web and CLI layers map them to responses in one place."""


class FinderError(Exception):
    """A problem a user can act on. `code` is stable (API clients match on it). `headers` go
    on the web response as they are: Retry-After says when to try again, WWW-Authenticate how
    to send a key."""

    status = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.headers = dict(headers or {})
        if code:
            self.code = code
        if status:
            self.status = status


class InvalidInput(FinderError):
    status = 400
    code = "invalid"


class NotFound(FinderError):
    status = 404
    code = "not_found"


class NotCovered(FinderError):
    """A real place this service does not cover (Channel Islands, Isle of Man)."""

    status = 404
    code = "not_covered"


class DataMissing(FinderError):
    """A table the request needs has not been built yet (an operator must run a command)."""

    status = 503
    code = "data_missing"
