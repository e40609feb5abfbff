"""Queues envelopes and delivers them, signed, from a few background threads.

ComfyUI's threads only ever touch ``submit``, which encodes the event, takes a
short lock and returns; all network work happens on the sender threads.

First attempts leave one at a time, in the order ComfyUI reported the events.
A delivery that fails steps out of that line: its retries wait and are made on
the side, so they hold back no one else. Its own prompt's later events wait
behind it, though, since each prompt's events (events without a prompt id count
as one more prompt) must arrive in ComfyUI's order: a prompt has at most one
delivery under way, in flight or waiting for a retry.
"""

import collections
import email.utils
import heapq
import http.client
import itertools
import random
import threading
import time
import urllib.error
import urllib.request
from datetime import timezone

from . import envelope
from .config import Config, describe_url
from .logs import LOG, OnceLog
from .signing import MessageIds, signed_headers

# Under pressure these are dropped first: each is superseded by the next one of
# its kind, and the end marker (executing with node null) is backed by
# execution_success. Every other event type is protected.
DROPPABLE = frozenset({"status", "executing", "progress", "progress_state"})
COALESCED = frozenset({"progress", "progress_state"})
TERMINAL = frozenset({"execution_success", "execution_error", "execution_interrupted"})

# Protected events may grow the queue to this multiple of its size before they
# are lost too, so memory stays bounded while the receiver is down for long.
OVERFLOW_FACTOR = 2
# A receiver's Retry-After is honoured up to this many seconds; a larger value
# would stall every later event of that prompt behind it.
RETRY_AFTER_CAP = 300.0
SHUTDOWN_SECONDS = 2.0
# Sender threads. At most one first attempt is in flight at a time (which keeps
# ComfyUI's order while the receiver answers) and at most WORKERS - 1 retries, so
# a retry that hangs until the request timeout holds back neither first attempts
# nor the other retries that fall due meanwhile.
WORKERS = 4
# A batch stops growing at this many bytes (one envelope larger still goes, alone): the receiver
# refuses bodies over 1 MiB, and a refused batch would lose every event in it.
MAX_BATCH_BYTES = 256 * 1024
USER_AGENT = "comfyjobs-webhook/1.0"

_STAT_NAMES = ("submitted", "superseded", "dropped", "delivered", "failed", "requests")


class Sender:
    """Forwards ComfyUI events to the webhook URL.

    Events leave in the order they were submitted, one first attempt at a time.
    A delivery is retried (or given up) before the next one of its prompt
    leaves, while other prompts' events go on.
    """

    def __init__(self, config: Config, wall_clock=time.time):
        self._config = config
        self._wall_clock = wall_clock
        self._window = config.coalesce_ms / 1000.0
        self._opener = urllib.request.build_opener(_NoRedirect, _HTTPHandler, _HTTPSHandler)
        self._log = OnceLog()
        self._seq = itertools.count()
        self._message_ids = MessageIds()
        self._cond = threading.Condition()
        self._queue = collections.deque()
        self._droppable = 0
        self._held = {}
        # Lanes with a delivery in flight or waiting for its retry.
        self._busy = set()
        # Deliveries waiting for their next attempt: a heap of (due, seq, _Delivery).
        self._retries = []
        self._in_flight = 0
        self._first_in_flight = False
        self._retries_in_flight = 0
        self._threads = []
        self._closing = False
        self._stopped = False
        self._gone = False
        self._deadline = None
        self._stats = dict.fromkeys(_STAT_NAMES, 0)

    def start(self):
        with self._cond:
            if not self._threads and not self._stopped:
                self._threads = [
                    threading.Thread(target=self._run, name=f"comfyjobs-webhook-sender-{n}", daemon=True)
                    for n in range(1, WORKERS + 1)]
                for thread in self._threads:
                    thread.start()

    def submit(self, event, data):
        """Queues one ComfyUI event for delivery; returns at once and never raises."""
        try:
            if not isinstance(event, str) or event not in self._config.events:
                return
            if self._closing or self._gone:
                return
            prompt_id = data.get("prompt_id") if isinstance(data, dict) else None
            # Encoding here, on ComfyUI's thread, snapshots the data before
            # ComfyUI or another node can change it.
            body = envelope.encode(event, data, self._config.metadata)
            with self._cond:
                if self._closing or self._gone:
                    return
                self._stats["submitted"] += 1
                self._accept(_Item(next(self._seq), event, prompt_id, body), time.monotonic())
                self._cond.notify_all()
        except Exception:
            self._log.error("submit", "[comfyjobs-webhook] could not queue a %r event; "
                            "ComfyUI is unaffected (logged once)", event, exc_info=True)

    def flush(self, timeout: float) -> bool:
        """Sends held-back progress now and waits until nothing is queued, in flight or waiting for a retry.

        Returns False when that did not happen within ``timeout`` seconds.
        """
        end = time.monotonic() + timeout
        with self._cond:
            self._release_all(time.monotonic())
            self._cond.notify_all()
            while self._pending() and not self._stopped:
                remaining = end - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return not self._pending()

    def close(self, timeout: float = SHUTDOWN_SECONDS):
        """Stops accepting events, delivers what it can within ``timeout``, then stops."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._deadline = time.monotonic() + timeout
            threads = list(self._threads)
            self._give_up_retries(due_after=self._deadline)
        if threads:
            self.flush(timeout)
        with self._cond:
            self._stopped = True
            self._release_all(time.monotonic())
            lost = len(self._queue)
            self._stats["dropped"] += lost
            self._queue.clear()
            self._droppable = 0
            self._give_up_retries()
            self._cond.notify_all()
        if lost:
            LOG.warning("[comfyjobs-webhook] %d events were still queued at shutdown and are lost", lost)
        for thread in threads:
            thread.join(max(0.0, self._deadline - time.monotonic()) + 0.1)

    def stats(self) -> dict:
        """Counters since start. Once idle: submitted = superseded + dropped + delivered + failed."""
        with self._cond:
            result = dict(self._stats)
            result["queued"] = len(self._queue)
            result["retrying"] = sum(len(delivery.items) for _, _, delivery in self._retries)
            result["held"] = sum(1 for slot in self._slots() if slot.pending is not None)
            result["gone"] = self._gone
            return result

    # Queue management; every method below runs with self._cond held.

    def _accept(self, item, now):
        if self._window > 0:
            if item.event in COALESCED:
                self._coalesce(item, now)
                return
            # Held-back progress goes out before the prompt's next other event,
            # so coalescing never reorders a prompt's events.
            self._release_prompt(item.prompt_id, now)
            if item.event in TERMINAL:
                self._held.pop(item.prompt_id, None)
        self._enqueue(item)

    def _coalesce(self, item, now):
        slots = self._held.setdefault(item.prompt_id, {})
        slot = slots.get(item.event)
        if slot is not None and slot.pending is not None:
            self._stats["superseded"] += 1
        if slot is not None and now < slot.last_sent + self._window:
            slot.pending = item
            return
        slots[item.event] = _Slot(now)
        self._enqueue(item)

    def _release_prompt(self, prompt_id, now):
        slots = self._held.get(prompt_id)
        if slots:
            self._release([slot for slot in slots.values() if slot.pending is not None], now)

    def _release_all(self, now):
        self._release([slot for slot in self._slots() if slot.pending is not None], now)

    def _release_due(self, now):
        """Releases held items whose window has passed; returns when the next one is due."""
        due, next_due = [], None
        for prompt_id in list(self._held):
            slots = self._held[prompt_id]
            for event in list(slots):
                slot = slots[event]
                ends = slot.last_sent + self._window
                if now >= ends and slot.pending is None:
                    del slots[event]
                elif now >= ends:
                    due.append(slot)
                elif slot.pending is not None:
                    next_due = ends if next_due is None else min(next_due, ends)
            if not slots:
                del self._held[prompt_id]
        self._release(due, now)
        return next_due

    def _release(self, slots, now):
        for slot in sorted(slots, key=lambda held: held.pending.seq):
            self._enqueue(slot.pending)
            slot.pending = None
            slot.last_sent = now

    def _slots(self):
        return [slot for slots in self._held.values() for slot in slots.values()]

    def _enqueue(self, item):
        if len(self._queue) >= self._config.queue_size:
            if self._droppable:
                self._evict_oldest_droppable()
            elif item.droppable:
                self._stats["dropped"] += 1
                self._warn_queue_full()
                return
            elif len(self._queue) >= self._config.queue_size * OVERFLOW_FACTOR:
                self._stats["dropped"] += 1
                self._log.error(
                    "overflow", "[comfyjobs-webhook] queue holds %d undelivered lifecycle events; "
                    "dropping new ones until the receiver catches up (logged once)", len(self._queue))
                return
        self._queue.append(item)
        if item.droppable:
            self._droppable += 1

    def _evict_oldest_droppable(self):
        for index, queued in enumerate(self._queue):
            if queued.droppable:
                del self._queue[index]
                break
        self._droppable -= 1
        self._stats["dropped"] += 1
        self._warn_queue_full()

    def _warn_queue_full(self):
        self._log.warning(
            "queue-full", "[comfyjobs-webhook] queue full (%d); dropping progress, progress_state, "
            "executing and status events to keep lifecycle events (logged once)", self._config.queue_size)

    def _pending(self):
        return self._queue or self._in_flight or self._retries

    def _give_up_retries(self, due_after=None):
        """Gives up the deliveries waiting for a retry (only those due after ``due_after`` when given)."""
        kept = []
        for entry in self._retries:
            if due_after is not None and entry[0] <= due_after:
                kept.append(entry)
            else:
                self._finish(entry[2], "failed")
        heapq.heapify(kept)
        self._retries = kept

    def _finish(self, delivery, outcome):
        self._stats[outcome] += len(delivery.items)
        self._busy.discard(delivery.lane)

    # The sender threads.

    def _run(self):
        while True:
            delivery = self._next_delivery()
            if delivery is None:
                return
            try:
                outcome, delay = self._attempt(delivery)
            except Exception:
                self._log.error("deliver", "[comfyjobs-webhook] unexpected error while delivering; "
                                "those events are lost (logged once)", exc_info=True)
                outcome, delay = "failed", None
            with self._cond:
                self._in_flight -= 1
                if not delivery.retried:
                    self._first_in_flight = False
                else:
                    self._retries_in_flight -= 1
                if outcome == "retry":
                    due = time.monotonic() + delay
                    # Past shutdown's deadline, or after a 410, the retry would never happen.
                    if self._stopped or self._gone or (self._deadline is not None and due > self._deadline):
                        outcome = "failed"
                    else:
                        # The lane stays busy, so the prompt's later events keep waiting
                        # behind this one, while this thread serves other lanes.
                        heapq.heappush(self._retries, (due, delivery.items[0].seq, delivery))
                if outcome != "retry":
                    self._finish(delivery, outcome)
                self._cond.notify_all()

    def _next_delivery(self):
        """The next attempt to make: a retry that is due, else the oldest events of a free lane."""
        with self._cond:
            while True:
                if self._stopped or self._gone:
                    return None
                now = time.monotonic()
                wake = self._release_due(now) if self._held else None
                # One thread is always left for first attempts.
                if self._retries and self._retries_in_flight < WORKERS - 1:
                    due = self._retries[0][0]
                    if due <= now:
                        self._in_flight += 1
                        self._retries_in_flight += 1
                        delivery = heapq.heappop(self._retries)[2]
                        delivery.retried = True
                        return delivery
                    wake = due if wake is None else min(wake, due)
                if not self._first_in_flight:
                    batch = self._take_batch()
                    if batch:
                        self._in_flight += 1
                        self._first_in_flight = True
                        return _Delivery(batch, self._config.batch > 1, self._message_ids.next())
                self._cond.wait(None if wake is None else max(0.0, wake - now))

    def _take_batch(self):
        """Removes from the queue the oldest events of the first lane with nothing under way."""
        first = next((item for item in self._queue if item.lane not in self._busy), None)
        if first is None:
            return []
        # One lane per POST: a refused batch then holds back no other prompt.
        batch, size = [], 0
        for item in self._queue:
            if item.lane != first.lane:
                continue
            if len(batch) == self._config.batch or (batch and size + len(item.body) > MAX_BATCH_BYTES):
                break
            batch.append(item)
            size += len(item.body) + 1
        taken = {item.seq for item in batch}
        kept = [item for item in self._queue if item.seq not in taken]
        self._queue.clear()
        self._queue.extend(kept)
        self._droppable -= sum(1 for item in batch if item.droppable)
        self._busy.add(first.lane)
        return batch

    def _attempt(self, delivery):
        """Makes one attempt; returns (stats outcome or "retry", seconds to wait before the retry)."""
        timeout = self._request_timeout()
        if timeout is None:
            return "failed", None
        delivery.attempts += 1
        status, retry_after = self._post(delivery.message_id, delivery.body, timeout)
        if status is not None and 200 <= status < 300:
            return "delivered", None
        if status == 410:
            self._go_away()
            return "failed", None
        if status is not None and not _retryable(status):
            self._log.warning(
                f"http-{status}", "[comfyjobs-webhook] receiver answered HTTP %d; delivery %s "
                "given up without retrying (logged once per status)", status, delivery.message_id)
            return "failed", None
        if delivery.attempts >= self._config.max_attempts:
            self._log.warning("exhausted", "[comfyjobs-webhook] delivery %s given up after %d attempts "
                              "(logged once)", delivery.message_id, delivery.attempts)
            return "failed", None
        delay = retry_after if retry_after is not None else self._backoff(delivery.attempts)
        LOG.debug("[comfyjobs-webhook] %s attempt %d failed (%s); retrying in %.2f s",
                  delivery.message_id, delivery.attempts, status or "no response", delay)
        return "retry", delay

    def _post(self, message_id, body, timeout):
        """Returns (HTTP status or None when there was no response, Retry-After seconds or None)."""
        # Timestamp and signature are fresh for every attempt: a receiver rejects
        # timestamps older than five minutes and retries can take longer.
        headers = signed_headers(self._config.key, message_id, int(self._wall_clock()), body)
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = USER_AGENT
        request = urllib.request.Request(self._config.url, data=body, headers=headers, method="POST")
        with self._cond:
            self._stats["requests"] += 1
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return response.status, None
        except urllib.error.HTTPError as err:
            with err:
                return err.code, parse_retry_after(err.headers.get("Retry-After"), self._wall_clock())
        except (OSError, http.client.HTTPException) as err:
            self._log.warning("network", "[comfyjobs-webhook] could not reach %s: %s "
                              "(retried as configured; logged once)", describe_url(self._config.url), err)
            return None, None

    def _request_timeout(self):
        if self._deadline is None:
            return self._config.timeout
        remaining = self._deadline - time.monotonic()
        return min(self._config.timeout, remaining) if remaining > 0 else None

    def _backoff(self, attempt):
        # Full jitter keeps many GPU machines from retrying in lockstep after an outage.
        ceiling = min(self._config.backoff_cap, self._config.backoff_initial * 2 ** (attempt - 1))
        return random.uniform(0.0, ceiling)

    def _go_away(self):
        with self._cond:
            self._gone = True
            self._stats["dropped"] += len(self._queue) + sum(
                1 for slot in self._slots() if slot.pending is not None)
            self._queue.clear()
            self._droppable = 0
            self._held.clear()
            self._give_up_retries()
            self._cond.notify_all()
        self._log.error("gone", "[comfyjobs-webhook] receiver answered 410 Gone; no more events "
                        "will be sent until ComfyUI restarts")


def parse_retry_after(value, now):
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP date), or None."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        seconds = float(value)
    else:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = when.timestamp() - now
    return min(max(seconds, 0.0), RETRY_AFTER_CAP)


def _retryable(status):
    return status in (408, 429) or status >= 500


class _Item:
    __slots__ = ("seq", "event", "prompt_id", "lane", "body", "droppable")

    def __init__(self, seq, event, prompt_id, body):
        self.seq = seq
        self.event = event
        self.prompt_id = prompt_id
        # ComfyUI's prompt ids are strings; anything else travels with the prompt-less events.
        self.lane = prompt_id if isinstance(prompt_id, str) else None
        self.body = body
        self.droppable = event in DROPPABLE


class _Delivery:
    """One POST's worth of a lane's events, with the id every attempt at it carries."""

    __slots__ = ("items", "lane", "body", "message_id", "attempts", "retried")

    def __init__(self, items, as_array, message_id):
        self.items = items
        self.lane = items[0].lane
        # With batching on, every body is an array, even of one, so that a
        # receiver sees one shape per configuration.
        self.body = envelope.encode_batch(item.body for item in items) if as_array else items[0].body
        # One id for every attempt, so the receiver can recognise a retry it already applied.
        self.message_id = message_id
        self.attempts = 0
        self.retried = False


class _Slot:
    """Coalescing state of one event type of one prompt."""

    __slots__ = ("last_sent", "pending")

    def __init__(self, last_sent):
        self.last_sent = last_sent
        self.pending = None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Treats redirects as failures: urllib would turn the POST into a bodiless GET."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class _LowercaseWebhookHeaders:
    """Sends webhook-* header names in lower case, as the Standard Webhooks spec writes them.

    urllib title-cases every header name; HTTP says names are case-insensitive, but
    receivers that look them up in a plain map (API Gateway REST events, for one)
    would miss "Webhook-Id".
    """

    def putheader(self, header, *values):
        if isinstance(header, str) and header.lower().startswith("webhook-"):
            header = header.lower()
        super().putheader(header, *values)


class _HTTPConnection(_LowercaseWebhookHeaders, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_LowercaseWebhookHeaders, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req):
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req):
        return self.do_open(_HTTPSConnection, req, context=self._context)
