"""Dead letters of the notifier, published on `complaints.dead-letters` as CloudEvents.

The project's `DeadLetter` shape fits a recipient given up on: the origin (the notification's topic,
partition and offset), its key and value, the error naming the staff member and channel, the attempts.
Operators already watch that topic; a notifier-only topic would be one more place to forget.
Publication is at least once; its CloudEvent id is derived from the delivery, so a repeat is recognisable.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID

from shared.bus.deadletters import publishable
from shared.contracts import DeadLetter
from shared.contracts.wire import WireMessage, encode

# send(wire message) -> resolves once the broker has acknowledged it
Send = Callable[[WireMessage], Awaitable[None]]


class DeadLetterPublisher:
    def __init__(self, send: Send, source: str = "notifier") -> None:
        self._send = send
        self.source = source

    async def publish(self, letter: DeadLetter, event_id: UUID) -> None:
        letter = publishable(letter)  # withholds the value if its origin topic carries personal data
        wire = encode(letter, key=letter.key, source=self.source, event_id=str(event_id), time=letter.dead_lettered_at)
        await self._send(wire)
