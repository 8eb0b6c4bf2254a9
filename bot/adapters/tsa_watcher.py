"""The TSA watcher: keeps the diary of one tsa-daemon (REFERENCE 5.1-5.4).

It subscribes to ``/subscribe_event_v1`` (a snapshot, then live events), falls back
to the legacy ``/subscribe_suspension_v1`` when the daemon answers 404, and to
polling alone when neither stream can be opened; it reconnects with backoff.  The
websocket never carries config overrides, so it always polls the JSON lists and
``/get_config_v1/shaping.toml`` too: a poll is a complete look, so it is also what
ends entries (expired, vanished).  While the live stream is down the diary records
a gap: refresh moments between polls may be missing there, and it says so.
Actions already active at a process's first look are recorded, not announced.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx
import orjson
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.sync.client import ClientConnection, connect

from bot.adapters.kumomta.tsa import KumoTsaReader
from bot.adapters.storage.tsa_diary_sql import SqlTsaDiary
from bot.core.errors import BotError
from bot.core.holds import NodeHolds, collect_holds
from bot.core.models import TsaState
from bot.core.tsa_diary import TsaSighting, sighting_of_frame, sightings_of_state
from bot.core.tsa_history import DiaryEntry
from bot.core.tsa_kumod import IsBotHold, kumod_tsa_keys, out_of_band_sightings
from bot.ports import Clock, MtaReader, Park

log = logging.getLogger(__name__)

EVENTS = "/subscribe_event_v1"
LEGACY = "/subscribe_suspension_v1"
# kumod applies TSA's items a few seconds after TSA makes them (recv_batch 3 s).
KUMOD_GRACE = timedelta(seconds=90)
# kumod's three lists on every node cost more than TSA's: read them at most this often
# (real seconds: a load limit, not a measurement of simulated time).
KUMOD_EVERY = 5.0
StartedFn = Callable[[list[DiaryEntry]], None]


class TsaWatcher:
    """One tsa-daemon's stream and polls, written into the diary."""

    def __init__(self, *, tsa: str, base_url: str, diary: SqlTsaDiary, clock: Clock,
                 worker: str, on_started: StartedFn | None = None, poll: float = 5.0,
                 max_backoff: float = 30.0, timeout: float = 5.0, park: Park | None = None,
                 is_bot_hold: IsBotHold = lambda _hold_id: False,
                 kumod_every: float = KUMOD_EVERY) -> None:
        self.tsa = tsa
        self.base_url = base_url.rstrip("/")
        self.diary = diary
        self.clock = clock
        self.worker = worker
        self.on_started = on_started
        self.poll_interval = poll
        self.max_backoff = max_backoff
        self.timeout = timeout
        self.stream_path: str | None = EVENTS
        self._socket: ClientConnection | None = None
        self._poll_lock = threading.Lock()
        self.frames = 0
        self._primed = False  # the first complete look of this process announces nothing
        self.park = park  # kumod's hold lists: cancellations and out-of-band holds
        self.is_bot_hold = is_bot_hold
        self.kumod_every = kumod_every
        self._kumod_next = 0.0  # monotonic time of the next read of kumod's lists

    @property
    def watching(self) -> bool:
        """The live stream is open and the first complete look is written."""
        return self._primed and self._socket is not None

    # -- polling -----------------------------------------------------------------------

    def poll_once(self) -> bool:
        """One complete look (suspensions, bounces, overrides): record it, end what left.

        False when the tsa-daemon could not be read (nothing is ended then).
        """
        with self._poll_lock:
            looked_at = self.clock.now()
            try:
                state = asyncio.run(self._read_state())
            except BotError as exc:
                log.warning("tsa watcher %s: poll failed: %s", self.tsa, exc.message)
                return False
            sightings = sightings_of_state(self.tsa, state)
            started = self.diary.observe(self.tsa, sightings, seen_at=looked_at, live=False)
            if self._primed:
                self._started(started)
            # else: already active when this process began watching: the diary keeps
            # them (``tsa history``); they are not announced as if they just happened.
            self._primed = True
            listed = self._kumod_lists(state, looked_at)
            cancelled: set[str] = set()
            if listed is not None:
                on_kumod, out_of_band = listed
                cancelled = {s.key for s in sightings
                             if s.kind != "throttle" and s.key not in on_kumod}
                self.diary.observe(self.tsa, out_of_band, seen_at=looked_at, live=False,
                                   origin="out-of-band")
                self.diary.settle(self.tsa, {s.key for s in out_of_band}, now=self.clock.now(),
                                  seen_before=looked_at, origin="out-of-band")
            self.diary.settle(self.tsa, {s.key for s in sightings}, now=self.clock.now(),
                              seen_before=looked_at, cancelled=cancelled, grace=KUMOD_GRACE)
            return True

    def _kumod_lists(self, state: TsaState, now: datetime
                     ) -> tuple[set[str], list[TsaSighting]] | None:
        """(TSA keys kumod lists, out-of-band holds), or None unless every node answered."""
        if self.park is None or time.monotonic() < self._kumod_next:
            return None
        self._kumod_next = time.monotonic() + self.kumod_every

        async def ask(reader: MtaReader) -> NodeHolds:
            suspends, bounces, ready = await asyncio.gather(
                reader.scheduled_suspensions(), reader.bounces(), reader.ready_queue_suspensions())
            return (suspends, bounces, ready)

        answer = self.park.ask(ask, nodes=self.park.tsa_serves(self.tsa))
        if answer.failures or not answer.results:
            return None  # an incomplete look cannot say what was cancelled
        holds = collect_holds(answer.results, state, now)
        return (kumod_tsa_keys(self.tsa, answer.results),
                out_of_band_sightings(self.tsa, holds, now=now, is_bot_hold=self.is_bot_hold))

    async def _read_state(self) -> TsaState:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            return await KumoTsaReader(self.tsa, self.base_url, client).state()

    # -- the live stream ---------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Watch until ``stop`` is set; the watcher is an edge: a failure is logged, the
        gap recorded when the database allows, and it tries again after a pause."""
        while not stop.is_set():
            try:
                self._watch(stop)
            except Exception:  # a watcher thread never dies of one error
                log.exception("tsa watcher %s failed; trying again", self.tsa)
                stop.wait(self.max_backoff)

    def _watch(self, stop: threading.Event) -> None:
        """Stream when possible, poll always; reconnect with backoff."""
        backoff = min(1.0, self.max_backoff)
        while not stop.is_set():
            socket = self._open()
            if socket is None:
                self.diary.open_gap(self.tsa, watcher=self.worker, at=self.clock.now(),
                                    detail="live stream unavailable; polling only")
                self.poll_once()
                stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            backoff = min(1.0, self.max_backoff)
            with socket:  # closes it however the listening ends
                self._socket = socket
                try:
                    if self.diary.close_gap(self.tsa, watcher=self.worker, at=self.clock.now()):
                        log.info("tsa watcher %s: live stream back", self.tsa)
                    self.poll_once()
                    self._listen(socket, stop)
                finally:
                    self._socket = None
            if not stop.is_set():
                self.diary.open_gap(self.tsa, watcher=self.worker, at=self.clock.now(),
                                    detail="live stream cut; reconnecting")

    def cut(self) -> None:
        """Close the current live stream (the watcher records a gap and reconnects)."""
        socket = self._socket
        if socket is not None:
            socket.close()

    def _open(self) -> ClientConnection | None:
        ws_base = self.base_url.replace("https://", "wss://").replace("http://", "ws://")
        for path in (EVENTS, LEGACY):
            try:
                opened = connect(ws_base + path, open_timeout=self.timeout, close_timeout=1)
            except InvalidStatus as exc:
                if exc.response.status_code == 404 and path == EVENTS:
                    continue  # an older tsa-daemon: the legacy stream (no bounces)
                log.warning("tsa watcher %s: %s refused: %s", self.tsa, path, exc)
                return None
            except (OSError, TimeoutError, InvalidURI, WebSocketException) as exc:
                log.warning("tsa watcher %s: cannot open %s: %s", self.tsa, path, exc)
                return None
            self.stream_path = path
            return opened
        return None

    def _listen(self, socket: ClientConnection, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                text = socket.recv(timeout=self.poll_interval)
            except TimeoutError:
                self.poll_once()  # overrides never come on the stream; ends come from polls
                continue
            except (ConnectionClosed, OSError):
                return
            self._frame(text)

    def _frame(self, text: str | bytes) -> None:
        self.frames += 1
        try:
            sighting = sighting_of_frame(self.tsa, orjson.loads(text))
        except (ValueError, orjson.JSONDecodeError) as exc:
            log.warning("tsa watcher %s: unreadable frame skipped: %s", self.tsa, exc)
            return
        self._started(self.diary.observe(self.tsa, [sighting], seen_at=self.clock.now(),
                                         live=True))

    def _started(self, entries: list[DiaryEntry]) -> None:
        if entries and self.on_started is not None:
            self.on_started(entries)


class TsaWatchers:
    """Every configured tsa-daemon's watcher, each on its own thread."""

    def __init__(self, watchers: list[TsaWatcher], *,
                 on_stop: Callable[[], None] | None = None) -> None:
        self.watchers = watchers
        self.on_stop = on_stop  # closes what the watchers share (kumod's HTTP clients)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> TsaWatchers:
        """Start one thread per tsa-daemon."""
        for watcher in self.watchers:
            thread = threading.Thread(target=watcher.run, args=(self._stop,),
                                      name=f"tsa-watch-{watcher.tsa}", daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def poll_now(self) -> None:
        """A complete look at every tsa-daemon now (the demo calls it as time advances)."""
        for watcher in self.watchers:
            watcher.poll_once()

    def stop(self) -> None:
        """Stop every watcher (each leaves within one poll interval)."""
        self._stop.set()
        for watcher in self.watchers:
            watcher.cut()
        for thread in self._threads:
            thread.join(timeout=10)
        if self.on_stop is not None:
            self.on_stop()

    def is_alive(self) -> bool:
        """Whether any watcher thread still runs."""
        return any(t.is_alive() for t in self._threads)
