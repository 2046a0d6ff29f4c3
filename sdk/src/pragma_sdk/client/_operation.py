"""One definition per client call, driven by a sync loop and by an async loop.

A call is a generator: it yields the ``httpx.Request`` objects it needs, receives each
``httpx.Response`` (or the transport error, thrown in), and returns the parsed result.
``PragmaClient`` sends with ``httpx.Client``; ``AsyncPragmaClient`` awaits ``httpx.AsyncClient``.

A call whose answer stays open (a watch, a followed log) is a ``Follow``: the request and what
each line of the answer gives. The descriptors below turn a definition into a method of both
clients; each client only supplies the few methods that do I/O (``_drive``, ``_follow``,
``_first``, ``_stream``).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable, Iterator
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

import httpx

if TYPE_CHECKING:
    from pragma_sdk.client._clients import AsyncPragmaClient, PragmaClient

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
SyncR = TypeVar("SyncR")
AsyncR = TypeVar("AsyncR")

Call = Generator[httpx.Request, httpx.Response, R]
"""What every call definition returns: requests out, responses in, a result at the end."""


@dataclass(frozen=True)
class Follow(Generic[T]):
    """A call whose answer stays open: the request, and what each line of the answer gives.

    ``feed`` keeps whatever state it needs between lines (an SSE parser) and may raise to
    end the stream with an error. ``timeout`` bounds a ``first_of`` call as a whole.
    """

    request: httpx.Request
    feed: Callable[[str], Iterable[T]]
    timeout: float | None = None
    gave_up: Callable[[], Exception] = TimeoutError
    """The error of a ``first_of`` call whose stream ends, or whose ``timeout`` passes, first."""


class _Run(Generic[R]):
    """Where a call stands between two requests; both drivers only send what it asks for."""

    def __init__(self, call: Call[R]) -> None:
        self._call = call
        self.request: httpx.Request | None = next(call)
        self.result: R | None = None

    def answer(self, outcome: httpx.Response | httpx.TransportError) -> None:
        try:
            if isinstance(outcome, httpx.TransportError):
                self.request = self._call.throw(outcome)
            else:
                self.request = self._call.send(outcome)
        except StopIteration as stop:
            self.request, self.result = None, stop.value


def drive_sync(client: httpx.Client, call: Call[R]) -> R:
    """Run ``call`` to completion, sending each request with ``client``."""
    run = _Run(call)
    while (request := run.request) is not None:
        try:
            outcome: httpx.Response | httpx.TransportError = client.send(request)
        except httpx.TransportError as error:
            outcome = error
        run.answer(outcome)
    return run.result  # type: ignore[return-value]


async def drive_async(client: httpx.AsyncClient, call: Call[R]) -> R:
    """Run ``call`` to completion, awaiting each request with ``client``."""
    run = _Run(call)
    while (request := run.request) is not None:
        try:
            outcome: httpx.Response | httpx.TransportError = await client.send(request)
        except httpx.TransportError as error:
            outcome = error
        run.answer(outcome)
    return run.result  # type: ignore[return-value]


class _ClientMethod(Generic[P, SyncR, AsyncR]):
    """A definition bound to a client: the client's ``driver`` method runs what it returns,
    giving ``SyncR`` on ``PragmaClient`` and ``AsyncR`` on ``AsyncPragmaClient``."""

    driver = ""

    def __init__(self, definition: Callable[Concatenate[Any, P], Any]) -> None:
        self._definition = definition
        self.__doc__ = definition.__doc__
        self.__name__ = definition.__name__
        self.__wrapped__ = definition

    def __set_name__(self, owner: type, name: str) -> None:
        # A definition made by a factory is named after the attribute that holds it.
        self.__name__ = self._definition.__name__ = name
        self._definition.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, client: None, owner: type) -> Self: ...
    @overload
    def __get__(self, client: PragmaClient, owner: type) -> Callable[P, SyncR]: ...
    @overload
    def __get__(self, client: AsyncPragmaClient, owner: type) -> Callable[P, AsyncR]: ...
    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self
        definition, drive = self._definition, getattr(client, self.driver)

        @functools.wraps(definition)
        def bound(*args: Any, **kwargs: Any) -> Any:
            return drive(definition(client, *args, **kwargs))

        return bound


class operation(_ClientMethod[P, R, Awaitable[R]]):  # noqa: N801 - used as a decorator
    """Turn a call definition into a method of both clients.

    On a ``PragmaClient`` the method returns the result; on an ``AsyncPragmaClient`` it
    returns an awaitable of it. Signature and docstring are the definition's.
    """

    driver = "_drive"

    def __init__(self, definition: Callable[Concatenate[Any, P], Call[R]]) -> None:
        super().__init__(definition)


class streamed(_ClientMethod[P, Iterator[T], AsyncIterator[T]]):  # noqa: N801 - used as a decorator
    """Turn a ``Follow`` definition into an iterator method: a generator on ``PragmaClient``,
    an async generator on ``AsyncPragmaClient``; leaving the loop closes the stream."""

    driver = "_follow"

    def __init__(self, definition: Callable[Concatenate[Any, P], Follow[T]]) -> None:
        super().__init__(definition)


class first_of(_ClientMethod[P, T, Awaitable[T]]):  # noqa: N801 - used as a decorator
    """Turn a ``Follow`` definition into a method that returns the first thing the stream gives
    (awaitable on ``AsyncPragmaClient``), within the timeout the definition was given."""

    driver = "_first"

    def __init__(self, definition: Callable[Concatenate[Any, P], Follow[T]]) -> None:
        super().__init__(definition)


_Opened = AbstractContextManager[httpx.Response]
_AsyncOpened = AbstractAsyncContextManager[httpx.Response]


class opened(_ClientMethod[P, _Opened, _AsyncOpened]):  # noqa: N801 - used as a decorator
    """Turn a request definition into a method that opens its answer as a stream: a context
    manager on ``PragmaClient``, an async one on ``AsyncPragmaClient``; an error answer raises."""

    driver = "_stream"

    def __init__(self, definition: Callable[Concatenate[Any, P], httpx.Request]) -> None:
        super().__init__(definition)
