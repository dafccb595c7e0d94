"""Publish / subscribe-from-id: how a webhook the relay accepted reaches the desks' streams.

The interface is two calls, so a later engine shared by several relays (behind a load
balancer) can take the journal's place without touching the desk protocol::

    hub.publish(message)                               # after the webhook is committed
    subscription = hub.subscribe(after_id=1234, topic="701")   # topic None: every message
    batch = await subscription.next_batch(timeout=15)  # replay from the store, then live
    subscription.close("bye")

:class:`JournalHub` is today's implementation: the store is the webhook journal in the
relay's ``desk.sqlite3`` (``seq`` is the message id), live messages are handed over in
memory. A subscription replays every stored message after ``after_id`` for its topic,
then goes live with no gap and no duplicate:

1. replay pages from the journal until a page comes back short;
2. go live (messages published from now on are queued), then read the journal once
   more: what was committed meanwhile is there, and a message both read and queued
   is skipped by its id (ids only grow);
3. live: what is queued, in order.

Each subscription's queue is bounded: a desk that cannot keep up (it stopped reading, or
its network is slow) is dropped with :attr:`Subscription.reason` ``"behind"``; it
reconnects and resumes from the journal, and nobody else waits for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from desktop_app.core import sse
from desktop_app.webhooks.journal import AsyncJournal, JournalEntry

log = logging.getLogger(__name__)

REPLAY_PAGE = 500
QUEUE_LIMIT = 2000  # live messages waiting for one desk before it counts as behind
ALL = None  # the topic of a subscription that takes every message


@dataclass(frozen=True)
class Message:
    """One message of the stream; ``topic`` is the extension whose call it is (None when
    it concerns no extension: only subscriptions to every message get it)."""

    id: int
    kind: str  # event | history | campaign_report
    topic: str | None
    data: str  # one line of JSON
    received: float | None = None  # time.perf_counter() when the webhook came in (live only)

    @cached_property
    def frame(self) -> bytes:
        """The SSE bytes, encoded once however many desks receive them."""
        return sse.encode(self.data, event=self.kind, id=self.id)


class Closed(Exception):
    """The subscription ended; ``reason`` says why."""


class Subscription(Protocol):
    reason: str | None  # why it ended (None while open)
    last_id: int  # the last message id handed out (or skipped as not for this topic)

    async def next_batch(self, timeout: float) -> list[Message]:
        """The next messages in id order ([] when ``timeout`` passed without any); raises
        :class:`Closed` once closed."""
        ...

    def close(self, reason: str) -> None: ...


class Hub(Protocol):
    @property
    def last_id(self) -> int:
        """The newest message id: where a subscriber without history starts."""
        ...

    def publish(self, message: Message) -> None: ...

    def subscribe(self, after_id: int, topic: str | None) -> Subscription: ...


# Turns a journal row into a message for a topic (None: not for that topic).
Render = Callable[[JournalEntry, "str | None"], "Message | None"]


class JournalHub:
    """:class:`Hub` over the webhook journal; ``reader`` is a journal connection of its own,
    so replays never queue behind the PBX's commits."""

    def __init__(self, reader: AsyncJournal, render: Render, *, last_id: int = 0,
                 queue_limit: int | None = None) -> None:
        self._reader = reader
        self._render = render
        self._queue_limit = queue_limit or QUEUE_LIMIT
        self._by_topic: dict[str | None, set[_JournalSubscription]] = {}
        self._last_id = last_id

    @property
    def last_id(self) -> int:
        return self._last_id

    def publish(self, message: Message) -> None:
        self._last_id = max(self._last_id, message.id)
        for topic in (message.topic, ALL) if message.topic is not None else (ALL,):
            for subscription in tuple(self._by_topic.get(topic, ())):
                subscription.offer(message)

    def subscribe(self, after_id: int, topic: str | None) -> _JournalSubscription:
        return _JournalSubscription(self, after_id, topic)

    @property
    def subscribers(self) -> int:
        return sum(len(s) for s in self._by_topic.values())

    def _go_live(self, subscription: _JournalSubscription) -> None:
        self._by_topic.setdefault(subscription.topic, set()).add(subscription)

    def _leave(self, subscription: _JournalSubscription) -> None:
        subscribers = self._by_topic.get(subscription.topic)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._by_topic[subscription.topic]

    async def _page(self, after_id: int, topic: str | None) -> tuple[list[Message], int, bool]:
        """Stored messages for ``topic`` after ``after_id``: (messages, last id read, more)."""
        entries = await self._reader.entries(after_seq=after_id, limit=REPLAY_PAGE)
        messages = []
        for entry in entries:
            message = self._render(entry, topic)
            if message is not None:
                messages.append(message)
        last = entries[-1].seq if entries else after_id
        return messages, last, len(entries) == REPLAY_PAGE


class _JournalSubscription:
    def __init__(self, hub: JournalHub, after_id: int, topic: str | None) -> None:
        self.hub = hub
        self.topic = topic
        self.last_id = after_id
        self.reason: str | None = None
        self._live = False  # published messages are queued
        self._caught_up = False  # the store has nothing more: only the queue from now on
        self._queue: deque[Message] = deque()
        self._wakeup: asyncio.Future[None] | None = None

    def offer(self, message: Message) -> None:
        if self.reason is not None:
            return
        if len(self._queue) >= self.hub._queue_limit:
            log.info("a subscriber of %s fell %d messages behind; dropped", self.topic or "everything",
                     len(self._queue))
            self.close("behind")
            return
        self._queue.append(message)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    def close(self, reason: str) -> None:
        if self.reason is not None:
            return
        self.reason = reason
        self._queue.clear()
        self.hub._leave(self)
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def next_batch(self, timeout: float) -> list[Message]:
        if self.reason is not None:
            raise Closed(self.reason)
        if not self._caught_up:
            batch = await self._replay()
            if batch or not self._caught_up:
                return batch
        if not self._queue:
            self._wakeup = asyncio.get_running_loop().create_future()
            try:
                async with asyncio.timeout(timeout):
                    await self._wakeup
            except TimeoutError:
                return []
            finally:
                self._wakeup = None
            if self.reason is not None:
                raise Closed(self.reason)
        batch = []
        while self._queue:
            message = self._queue.popleft()
            if message.id > self.last_id:  # read from the store already
                batch.append(message)
                self.last_id = message.id
        return batch

    async def _replay(self) -> list[Message]:
        """The next stored messages; [] once caught up (then :attr:`_caught_up` is set)."""
        while True:
            messages, last, more = await self.hub._page(self.last_id, self.topic)
            if self.reason is not None:
                raise Closed(self.reason)
            self.last_id = last
            if more:
                if messages:
                    return messages
                continue  # a full page of other desks' messages
            if self._live:  # the read after going live: from now on, the queue
                self._caught_up = True
                return messages
            self.hub._go_live(self)
            self._live = True
            if messages:
                return messages
