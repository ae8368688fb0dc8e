"""In-memory outbox and consent repositories (issue 6), staged like the other memory repositories.

A claim is staged with the value it was read as; :meth:`verify` at commit
refuses it (``ConcurrencyConflict``) when another unit of work changed the
message since — the memory twin of a conditional ``UPDATE``.

Attachment contents are kept once per SHA-256 digest, like the SQL
``outbox_blobs``: a staged message's files are rebuilt around the one
``bytes`` object stored (or staged) under their digest, and contents first
seen in a unit of work are staged with it — written at commit, dropped on
rollback.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import attrs

from crmkit.adapters.audit import OUTBOX_AGGREGATE
from crmkit.domain.errors import ConcurrencyConflict, Duplicate, NotFound
from crmkit.domain.messaging import (
    Channel,
    ConsentRecord,
    ConsentState,
    OutboxAttachment,
    OutboxMessage,
    OutboxState,
    consent_at,
)
from crmkit.ports.outbox import OutboxCopy

if TYPE_CHECKING:
    from crmkit.adapters.memory.storage import MemoryUnitOfWork

__all__ = ["MemoryConsentRepository", "MemoryOutboxRepository", "OutboxData"]


@attrs.define
class OutboxData:
    """The committed outbox and consent records of one memory storage."""

    messages: dict[uuid.UUID, OutboxMessage] = attrs.Factory(dict)
    keys: dict[str, uuid.UUID] = attrs.Factory(dict)
    consents: list[ConsentRecord] = attrs.Factory(list)
    blobs: dict[str, bytes] = attrs.Factory(dict)
    """Attachment contents by SHA-256 hex digest, one ``bytes`` object each."""

    def clear(self) -> None:
        """Drop everything."""
        self.blobs.clear()
        self.messages.clear()
        self.keys.clear()
        self.consents.clear()


def _order(m: OutboxMessage) -> tuple[datetime, uuid.UUID]:
    return (m.created_at, m.id)


class MemoryOutboxRepository:
    """The outbox of a memory unit of work (see :class:`crmkit.ports.outbox.OutboxRepository`)."""

    def __init__(self, uow: MemoryUnitOfWork, data: OutboxData, lock: threading.RLock) -> None:
        self._uow = uow
        self._data = data
        self._lock = lock
        self._new: dict[uuid.UUID, OutboxMessage] = {}
        # id -> (the committed value it was read as, the staged value)
        self._changed: dict[uuid.UUID, tuple[OutboxMessage, OutboxMessage]] = {}
        self._blobs: dict[str, bytes] = {}  # contents first stored by this unit of work

    def _shared(
        self, files: tuple[OutboxAttachment, ...], seen: dict[int, OutboxAttachment]
    ) -> tuple[OutboxAttachment, ...]:
        """``files`` rebuilt around the one stored ``bytes`` per digest, new contents staged."""
        out = []
        for f in files:
            found = seen.get(id(f))
            if found is None:
                digest = hashlib.sha256(f.content).hexdigest()
                content = self._blobs.get(digest)
                if content is None:
                    with self._lock:
                        content = self._data.blobs.get(digest)
                    if content is None:
                        content = self._blobs[digest] = f.content
                found = seen[id(f)] = f if content is f.content else attrs.evolve(f, content=content)
            out.append(found)
        return tuple(out)

    def _current(self, id: uuid.UUID) -> OutboxMessage | None:
        if id in self._new:
            return self._new[id]
        if id in self._changed:
            return self._changed[id][1]
        return self._data.messages.get(id)

    def add(self, message: OutboxMessage) -> None:
        """Stage a new message.

        Raises:
            Duplicate: the id or key is taken.
        """
        self.add_many([message])

    def add_many(self, messages: Iterable[OutboxMessage]) -> None:
        """Stage new messages, all or none.

        Raises:
            Duplicate: an id or key is taken.
        """
        self._uow.check_usable()
        batch = list(messages)
        staged_keys = {m.key for m in self._new.values()}
        with self._lock:
            seen_ids: set[uuid.UUID] = set()
            seen_keys: set[str] = set()
            for m in batch:
                if m.id in seen_ids or self._current(m.id) is not None:
                    raise Duplicate("id", f"{m.id} is taken")
                if m.key in seen_keys or m.key in staged_keys or m.key in self._data.keys:
                    raise Duplicate("key", f"{m.key!r} is taken")
                seen_ids.add(m.id)
                seen_keys.add(m.key)
        seen: dict[int, OutboxAttachment] = {}
        for m in batch:
            if m.attachments:
                files = self._shared(m.attachments, seen)
                if any(a is not b for a, b in zip(files, m.attachments, strict=True)):
                    m = attrs.evolve(m, attachments=files)
            self._new[m.id] = m

    def add_copies(self, template: OutboxMessage, copies: Sequence[OutboxCopy]) -> None:
        """Stage one copy of ``template`` per ``(id, key, recipient, contact_id)``, all or none.

        Raises:
            Duplicate: an id or key is taken.
        """
        self.add_many(
            attrs.evolve(template, id=id, key=key, recipient=recipient, contact_id=contact)
            for id, key, recipient, contact in copies
        )

    def get(self, id: uuid.UUID) -> OutboxMessage:
        """The message with this id.

        Raises:
            NotFound: there is none.
        """
        self._uow.check_usable()
        with self._lock:
            found = self._current(id)
        if found is None:
            raise NotFound("outbox message", id)
        return found

    def by_key(self, key: str) -> OutboxMessage | None:
        """The message with this idempotency key, or ``None``."""
        with self._lock:
            for m in self._new.values():
                if m.key == key:
                    return m
            id = self._data.keys.get(key)
            return None if id is None else self._current(id)

    def cancel(self, id: uuid.UUID, now: datetime, reason: str) -> bool:
        """Stage a pending, not yet due message as skipped with ``reason`` (issue 14, I13)."""
        self._uow.check_usable()
        with self._lock:
            if id in self._new:
                fresh = self._new[id]
                if fresh.state is not OutboxState.PENDING or fresh.due_at <= now:
                    return False
                self._new[id] = fresh.skipped(reason, now)
                return True
            staged = self._changed.get(id)
            seen = staged[1] if staged is not None else self._data.messages.get(id)
            if seen is None or seen.state is not OutboxState.PENDING or seen.due_at <= now:
                return False
            original = staged[0] if staged is not None else seen
            self._changed[id] = (original, seen.skipped(reason, now))
            return True

    def _all(self) -> list[OutboxMessage]:
        with self._lock:
            merged = dict(self._data.messages)
        merged.update({id: new for id, (_, new) in self._changed.items()})
        merged.update(self._new)
        return list(merged.values())

    def claim(self, token: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Claim up to ``limit`` due messages (lapsed claims first, then oldest due), re-checked at commit."""
        self._uow.check_usable()
        with self._lock:
            due = [m for m in self._data.messages.values() if m.claimable(now) and m.id not in self._changed]
            due.sort(key=lambda m: (m.state is not OutboxState.CLAIMED, m.due_at, m.id))
            claimed = []
            for m in due[:limit]:
                new = m.claim_for(token, now, lease)
                self._changed[m.id] = (m, new)
                claimed.append(new)
        return claimed

    def hand_over(
        self, token: str, id: uuid.UUID, now: datetime, outcomes: Sequence[OutboxMessage] = ()
    ) -> tuple[list[uuid.UUID], bool]:
        """Stage ``outcomes`` and the hand-over of ``id``, then commit the unit of work (§9).

        Returns ``(lost ids, still held)``.

        Raises:
            ConcurrencyConflict: as :meth:`~crmkit.adapters.memory.storage.MemoryUnitOfWork.commit`.
        """
        lost = self.finish(token, outcomes) if outcomes else []
        with self._lock:
            staged = self._changed.get(id)
            seen = staged[1] if staged is not None else self._data.messages.get(id)
            held = seen is not None and seen.claim == token and seen.state is OutboxState.CLAIMED
            if held:
                assert seen is not None
                original = staged[0] if staged is not None else seen
                self._changed[id] = (original, seen.handed_over(now))
        self._uow.commit()
        return lost, held

    def finish(self, token: str, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Stage outcomes of messages still held by ``token``; return the ids whose claim was lost."""
        self._uow.check_usable()
        lost: list[uuid.UUID] = []
        with self._lock:
            for m in messages:
                current = self._data.messages.get(m.id)
                staged = self._changed.get(m.id)
                seen = staged[1] if staged is not None else current
                if seen is None or seen.claim != token or seen.state is not OutboxState.CLAIMED:
                    lost.append(m.id)
                    continue
                original = staged[0] if staged is not None else seen
                self._changed[m.id] = (original, attrs.evolve(m, claim=None))
        return lost

    def by_provider_ids(
        self, channel: Channel, provider_ids: Iterable[str]
    ) -> dict[str, list[OutboxMessage]]:
        """Sent messages of ``channel`` by provider id; unknown ids left out."""
        self._uow.check_usable()
        wanted = set(provider_ids)
        found: dict[str, list[OutboxMessage]] = {}
        for m in sorted(self._all(), key=_order):
            if m.channel is channel and m.provider_id in wanted and m.state is OutboxState.SENT:
                found.setdefault(m.provider_id, []).append(m)
        return found

    def record_deliveries(self, messages: Sequence[OutboxMessage]) -> list[uuid.UUID]:
        """Stage final delivery reports of sent messages that have none yet; return the ids refused."""
        self._uow.check_usable()
        refused: list[uuid.UUID] = []
        with self._lock:
            for m in messages:
                staged = self._changed.get(m.id)
                seen = staged[1] if staged is not None else self._data.messages.get(m.id)
                if seen is None or seen.state is not OutboxState.SENT or seen.delivery_status is not None:
                    refused.append(m.id)
                    continue
                original = staged[0] if staged is not None else seen
                self._changed[m.id] = (
                    original,
                    attrs.evolve(
                        seen,
                        delivery_status=m.delivery_status,
                        delivery_at=m.delivery_at,
                        delivery_error=m.delivery_error,
                    ),
                )
        return refused

    def requeue(self, ids: Sequence[uuid.UUID], now: datetime) -> list[OutboxMessage]:
        """Stage dead messages among ``ids`` back to pending, each with its audit entry (§9, C12)."""
        self._uow.check_usable()
        done: list[OutboxMessage] = []
        with self._lock:
            for i in ids:
                staged = self._changed.get(i)
                seen = staged[1] if staged is not None else self._data.messages.get(i)
                new = None if seen is None else seen.requeued(now)
                if seen is None or new is None:
                    continue
                self._changed[i] = (staged[0] if staged is not None else seen, new)
                self._uow.record_change(OUTBOX_AGGREGATE, i, 1, seen, new)
                done.append(new)
        return done

    def awaiting_delivery(
        self, channel: Channel, *, after: tuple[datetime, uuid.UUID] | None = None, limit: int = 500
    ) -> list[OutboxMessage]:
        """Sent messages of ``channel`` without a final report, by (sent_at, id), after ``after``."""
        self._uow.check_usable()
        found = sorted(
            (
                (m.due_at, m.id, m)
                for m in self._all()
                if m.channel is channel
                and m.state is OutboxState.SENT
                and m.provider_id is not None
                and m.delivery_status is None
                and (after is None or (m.due_at, m.id) > after)
            ),
            key=lambda t: (t[0], t[1]),
        )
        return [m for _, _, m in found[:limit]]

    def count(self, state: OutboxState | None = None) -> int:
        """How many messages (in ``state``)."""
        return sum(1 for m in self._all() if state is None or m.state is state)

    def stored_files(self) -> tuple[int, int]:
        """``(distinct attachment contents, their bytes)``, this unit of work's staged ones included."""
        self._uow.check_usable()
        with self._lock:
            merged = {**self._data.blobs, **self._blobs}
        return len(merged), sum(len(content) for content in merged.values())

    def list(
        self, state: OutboxState | None = None, *, limit: int = 100, offset: int = 0
    ) -> list[OutboxMessage]:
        """Messages (in ``state``), by creation time then id."""
        found = sorted((m for m in self._all() if state is None or m.state is state), key=_order)
        return found[offset : offset + limit]

    # -- staging -----------------------------------------------------------------------
    def verify(self) -> None:
        """Refuse the commit when a staged change lost a race or a new key was taken meanwhile."""
        for id, (original, _) in self._changed.items():
            if self._data.messages.get(id) != original:
                raise ConcurrencyConflict("outbox message", id, original.attempts)
        for m in self._new.values():
            if m.id in self._data.messages:
                raise Duplicate("id", f"{m.id} is taken")
            if m.key in self._data.keys:
                raise Duplicate("key", f"{m.key!r} is taken")

    def apply(self) -> None:
        """Write the staged messages and new contents (under the storage lock).

        A content another unit of work stored meanwhile is kept as stored, and the
        messages of this one are pointed at that one ``bytes`` object.
        """
        replaced: dict[int, bytes] = {}
        for digest, content in self._blobs.items():
            kept = self._data.blobs.setdefault(digest, content)
            if kept is not content:
                replaced[id(content)] = kept
        for m in self._new.values():
            if replaced and any(id(f.content) in replaced for f in m.attachments):
                m = attrs.evolve(
                    m,
                    attachments=tuple(
                        attrs.evolve(f, content=replaced.get(id(f.content), f.content)) for f in m.attachments
                    ),
                )
            self._data.messages[m.id] = m
            self._data.keys[m.key] = m.id
        for id_, (_, new) in self._changed.items():
            self._data.messages[id_] = new
        self.discard()

    def discard(self) -> None:
        """Forget the staged messages and the contents first staged with them."""
        self._new = {}
        self._changed = {}
        self._blobs = {}


class MemoryConsentRepository:
    """Consent history of a memory unit of work (see :class:`crmkit.ports.outbox.ConsentRepository`)."""

    def __init__(self, uow: MemoryUnitOfWork, data: OutboxData, lock: threading.RLock) -> None:
        self._uow = uow
        self._data = data
        self._lock = lock
        self._new: list[ConsentRecord] = []

    def _all(self) -> list[ConsentRecord]:
        with self._lock:
            return [*self._data.consents, *self._new]

    def add(self, record: ConsentRecord) -> None:
        """Stage a decision.

        Raises:
            Duplicate: the id is taken.
        """
        self._uow.check_usable()
        if any(r.id == record.id for r in self._all()):
            raise Duplicate("id", f"{record.id} is taken")
        self._new.append(record)

    def history(self, channel: Channel, address: str) -> list[ConsentRecord]:
        """Decisions for one address, oldest first."""
        found = [r for r in self._all() if r.channel is channel and r.address == address]
        return sorted(found, key=lambda r: (r.at, r.id))

    def current(self, channel: Channel, addresses: Iterable[str], at: datetime) -> dict[str, ConsentState]:
        """The decision in force at ``at`` per address; never-asked ones left out."""
        wanted = set(addresses)
        by_address: dict[str, list[ConsentRecord]] = {}
        for r in self._all():
            if r.channel is channel and r.address in wanted:
                by_address.setdefault(r.address, []).append(r)
        out: dict[str, ConsentState] = {}
        for address, records in by_address.items():
            state = consent_at(sorted(records, key=lambda r: (r.at, r.id)), at)
            if state is not None:
                out[address] = state
        return out

    def verify(self) -> None:
        """Refuse the commit when an id was taken meanwhile."""
        taken = {r.id for r in self._data.consents}
        for r in self._new:
            if r.id in taken:
                raise Duplicate("id", f"{r.id} is taken")

    def apply(self) -> None:
        """Write the staged decisions."""
        self._data.consents.extend(self._new)
        self._new = []

    def discard(self) -> None:
        """Forget the staged decisions."""
        self._new = []
