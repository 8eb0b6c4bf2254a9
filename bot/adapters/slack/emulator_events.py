"""Delivering emulator events to subscribers: in order, outside the state lock.

Events are queued while the state lock is held (so the queue order is the order
in which things happened) and delivered by one pump thread. The request that
caused them waits until they are delivered before it answers, so when a
``chat_postMessage`` call returns, every subscriber has already seen the post.
A subscriber that itself calls the emulator and waits would stall the pump; the
wait is therefore bounded and a slow subscriber only delays, never deadlocks.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from bot.adapters.slack.emulator_model import EmulatorEvent

log = logging.getLogger(__name__)

Subscriber = Callable[[EmulatorEvent], None]
DELIVERY_WAIT_S = 5.0


class EventPump:
    """One thread that calls subscribers for each event, in the order events were queued."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[list[EmulatorEvent], threading.Event] | None] = queue.Queue()
        self._subscribers: list[Subscriber] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Register ``callback``; returns a function that unregisters it."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)

        return unsubscribe

    def start(self) -> None:
        """Start the delivery thread."""
        self._thread = threading.Thread(target=self._run, name="slack-emulator-events", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Deliver what is queued, then stop the thread."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout=DELIVERY_WAIT_S)
        self._thread = None

    def enqueue(self, events: list[EmulatorEvent]) -> threading.Event:
        """Queue events (call while holding the state lock); the returned flag is set
        once every subscriber has been called for them."""
        done = threading.Event()
        if events and self._thread is not None:
            self._queue.put((events, done))
        else:
            done.set()
        return done

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            events, done = item
            with self._lock:
                subscribers = list(self._subscribers)
            for event in events:
                for callback in subscribers:
                    try:
                        callback(event)
                    except Exception:
                        # A broken printer must not stop the workspace; say so loudly.
                        log.exception("emulator subscriber %r failed on %s", callback, event.kind)
            done.set()
