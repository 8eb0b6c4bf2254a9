"""The Bolt app: built in one place, listeners registered in one place.

Slow work never runs on Bolt's own executor (five threads shared by every ack,
BOLT-NOTES fact 6): listeners ack at once and hand the work to ``WorkPool``, a
pool of the bot's own.  The pool is created lazily so that a pre-forking server
(gunicorn) creates it in the worker process, after the fork.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

from bot.adapters.idempotency_memory import InMemoryIdempotencyKeys
from bot.adapters.slack.listeners import register_listeners
from bot.ports import IdempotencyKeys
from bot.services import Services

log = logging.getLogger(__name__)


class WorkPool:
    """The bot's own worker threads, with a way to wait until they are quiet."""

    def __init__(self, workers: int = 8) -> None:
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._pending = 0
        self._idle = threading.Condition(self._lock)

    def submit(self, fn: Callable[..., None], *args: Any) -> Future[None]:
        """Run ``fn(*args)`` on the pool; an exception is logged with a correlation id."""
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="kumo-work")
            self._pending += 1
            executor = self._executor
        return executor.submit(self._run, fn, *args)

    def _run(self, fn: Callable[..., None], *args: Any) -> None:
        try:
            fn(*args)
        except Exception:  # the pool is the last edge: log, never kill the worker
            log.exception("unexpected error in background work (id %s)", uuid.uuid4().hex[:12])
        finally:
            with self._lock:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until no work is pending (or ``timeout``); True when idle."""
        with self._lock:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def shutdown(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)


def make_web_client(token: str | None, base_url: str) -> WebClient:
    """A Web API client that retries rate limits and dropped connections (BOLT-NOTES 2)."""
    return WebClient(
        token=token,
        base_url=base_url,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=1),
            RateLimitErrorRetryHandler(max_retry_count=2),
        ],
    )


def local_authorize(bot_user_id: str = "U0KUMOBOT") -> Callable[..., AuthorizeResult]:
    """An ``authorize`` that needs no ``auth.test``: for the local emulator."""

    def authorize(**_: Any) -> AuthorizeResult:
        return AuthorizeResult(
            enterprise_id=None,
            team_id="T0LOCAL",
            bot_token="xoxb-local",  # noqa: S106  # the emulator's token, not a secret
            bot_user_id=bot_user_id,
            bot_id="B0KUMOBOT",
        )

    return authorize


class SlackBot:
    """The Bolt ``App`` wired to the services and a worker pool."""

    def __init__(
        self,
        services: Services,
        *,
        client: WebClient,
        signing_secret: str | None,
        authorize: Callable[..., AuthorizeResult] | None = None,
        # Our listeners only ack and hand off, so they may run in the request's own
        # thread: Bolt then answers at once instead of polling its executor every 10 ms.
        process_before_response: bool = True,
        workers: int = 8,
        keys: IdempotencyKeys | None = None,
    ) -> None:
        self.services = services
        # bootstrap passes the SQL keys every replica shares; a bare bot keeps its own.
        self.keys: IdempotencyKeys = keys or InMemoryIdempotencyKeys()
        self.pool = WorkPool(workers)
        self.app = App(
            client=client,
            # An empty secret makes every HTTP request fail closed (500), never open.
            signing_secret=signing_secret or "",
            authorize=authorize,
            token_verification_enabled=False,
            process_before_response=process_before_response,
            raise_error_for_unhandled_request=False,
        )
        register_listeners(self.app, services=services, pool=self.pool, keys=self.keys)
