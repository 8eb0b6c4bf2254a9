"""Several reads of one node at once, with their types kept.

``queue`` needs five reads per node; asked one after another they would multiply
the latency of every node by five.  ``gather_named`` runs them together and, when
one fails, cancels the rest so nothing is left running against a closed client.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Iterable
from typing import Any, TypeVar, overload

T = TypeVar("T")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")
E = TypeVar("E")
F = TypeVar("F")


@overload
async def gather_named(a: Awaitable[A], /) -> tuple[A]: ...
@overload
async def gather_named(a: Awaitable[A], b: Awaitable[B], /) -> tuple[A, B]: ...
@overload
async def gather_named(
    a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], /
) -> tuple[A, B, C]: ...
@overload
async def gather_named(
    a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], d: Awaitable[D], /
) -> tuple[A, B, C, D]: ...
@overload
async def gather_named(
    a: Awaitable[A], b: Awaitable[B], c: Awaitable[C], d: Awaitable[D], e: Awaitable[E], /
) -> tuple[A, B, C, D, E]: ...
@overload
async def gather_named(
    a: Awaitable[A],
    b: Awaitable[B],
    c: Awaitable[C],
    d: Awaitable[D],
    e: Awaitable[E],
    f: Awaitable[F],
    /,
) -> tuple[A, B, C, D, E, F]: ...
async def gather_named(*reads: Awaitable[Any]) -> tuple[Any, ...]:
    """Await ``reads`` concurrently; results in argument order, the first failure raised.

    Example: ``samples, bounces = await gather_named(reader.metrics(names), reader.bounces())``.
    """
    return tuple(await gather_all(reads))


async def gather_all(reads: Iterable[Awaitable[T]]) -> list[T]:
    """Await ``reads`` concurrently; results in order; on the first failure stop the rest."""
    tasks = [asyncio.ensure_future(read) for read in reads]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        # gather leaves the siblings of a failed read running: stop them, and wait
        # until they have stopped so none outlives the HTTP client it uses.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
