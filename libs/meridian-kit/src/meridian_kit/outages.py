"""The one outage rule: a datastore that cannot answer becomes `Unavailable` (503 + Retry-After),
answered by the app's one ServiceError handler, so in the service's own error shape.

An `Outage` names an engine, the exceptions its client raises, and the rule that turns one of them
into the `Unavailable` to answer (None: not an outage, the error goes on). Two ways to apply it,
the same rule either way:

- `outage.guard()` around the calls (a client wrapper, a dependency, a worker): the exceptions
  whose types are too wide to catch app-wide (OSError) or that must be turned before they leave;
- `answer_outages(app, *outages)`: the engine's own exceptions escaping any route are answered
  the same way (and logged), so no route catches them one by one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from fastapi import FastAPI, Request
from starlette.responses import Response

from meridian_kit.errors import Unavailable, answer_error

log = logging.getLogger("meridian_kit.outages")


@dataclass(frozen=True)
class Outage:
    """One engine's outage rule: which exceptions, and the Unavailable each one is (or None)."""

    engine: str
    errors: tuple[type[Exception], ...]
    rule: Callable[[BaseException], Unavailable | None]

    def unavailable(self, exc: BaseException) -> Unavailable | None:
        """The answer to `exc` if it is one of this engine's outages, else None."""
        return self.rule(exc) if isinstance(exc, self.errors) else None

    @contextmanager
    def guard(self) -> Iterator[None]:
        """Turns an outage of the engine raised inside into its Unavailable; the rest passes."""
        try:
            yield
        except self.errors as exc:
            answer = self.rule(exc)
            if answer is None:
                raise
            raise answer from exc


def always(
    message: str, *, retry_after: int = 5, detail: bool = False
) -> Callable[..., Unavailable]:
    """A rule for an engine whose listed exceptions are all outages: `message`, the exception's
    text as detail if asked, Retry-After seconds."""

    def rule(exc: BaseException) -> Unavailable:
        return Unavailable(message, detail=str(exc) if detail else None, retry_after=retry_after)

    return rule


def answer_outages(app: FastAPI, *outages: Outage) -> None:
    """Each engine's own exceptions escaping a route become its Unavailable, answered by the app's
    ServiceError handler and logged (a warning naming the engine, the route and the error); one
    that is not an outage goes on to the unhandled-error answer (500, logged with its trace)."""
    for outage in outages:

        async def answer(request: Request, exc: Exception, outage: Outage = outage) -> Response:
            unavailable = outage.unavailable(exc)
            if unavailable is None:
                raise exc
            log.warning(
                "%s outage on %s %s: %r", outage.engine, request.method, request.url.path, exc
            )
            return await answer_error(request, unavailable)

        for kind in outage.errors:
            app.add_exception_handler(kind, answer)
