"""One definition per client call, driven by a sync loop and by an async loop.

A call is a generator: it yields the ``httpx.Request`` objects it needs, receives each
``httpx.Response`` (or the transport error, thrown in), and returns the parsed result.
``PragmaClient`` sends with ``httpx.Client``; ``AsyncPragmaClient`` awaits ``httpx.AsyncClient``.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Generator
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

import httpx

if TYPE_CHECKING:
    from pragma_sdk.client._clients import AsyncPragmaClient, PragmaClient

P = ParamSpec("P")
R = TypeVar("R")

Call = Generator[httpx.Request, httpx.Response, R]
"""What every call definition returns: requests out, responses in, a result at the end."""


def drive_sync(client: httpx.Client, call: Call[R]) -> R:
    """Run ``call`` to completion, sending each request with ``client``."""
    request = next(call)
    while True:
        try:
            response = client.send(request)
        except httpx.TransportError as error:
            send: Callable[[], httpx.Request] = functools.partial(call.throw, error)
        else:
            send = functools.partial(call.send, response)
        try:
            request = send()
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


async def drive_async(client: httpx.AsyncClient, call: Call[R]) -> R:
    """Run ``call`` to completion, awaiting each request with ``client``."""
    request = next(call)
    while True:
        try:
            response = await client.send(request)
        except httpx.TransportError as error:
            send: Callable[[], httpx.Request] = functools.partial(call.throw, error)
        else:
            send = functools.partial(call.send, response)
        try:
            request = send()
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


class operation(Generic[P, R]):  # noqa: N801 - used as a decorator
    """Turn a call definition into a method of both clients.

    On a ``PragmaClient`` the method returns the result; on an ``AsyncPragmaClient`` it
    returns an awaitable of it. Signature and docstring are the definition's.
    """

    def __init__(self, definition: Callable[Concatenate[Any, P], Call[R]]) -> None:
        self._definition = definition
        self.__doc__ = definition.__doc__
        self.__name__ = definition.__name__
        self.__wrapped__ = definition

    @overload
    def __get__(self, client: None, owner: type) -> operation[P, R]: ...
    @overload
    def __get__(self, client: PragmaClient, owner: type) -> Callable[P, R]: ...
    @overload
    def __get__(self, client: AsyncPragmaClient, owner: type) -> Callable[P, Awaitable[R]]: ...
    def __get__(self, client: Any, owner: type) -> Any:
        if client is None:
            return self
        definition = self._definition

        @functools.wraps(definition)
        def bound(*args: Any, **kwargs: Any) -> Any:
            return client._drive(definition(client, *args, **kwargs))

        return bound
