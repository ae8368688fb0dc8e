"""SQLAlchemy Core tables of the outbox and the consent history (issue 6), on the adapter's ``metadata``.

``outbox_messages.due_at`` is when the dispatcher should next look at a
row — when a pending message may be sent, or when a claimed message's
lease lapses — so one index on ``(state, due_at)`` serves every claim.
Besides the primary key and the unique idempotency key it is the only
index: every index costs each of a campaign's inserts (listings sort).
``provider_id`` is indexed for delivery reports, partially (``WHERE
provider_id IS NOT NULL``) on SQLite and PostgreSQL, so an enqueued message —
which has none yet — costs the index nothing. E-mail attachments live in
``outbox_attachments`` (name, type, digest), written in the unit of work of
their message; their bytes live once per distinct content in
``outbox_blobs``, keyed by SHA-256, so copies of one e-mail share them.
Claims never read "ids greater than the last one seen": a transaction that
commits late with a small id is claimed like any other (issue 6 item 2).
:mod:`crmkit.adapters.sqlalchemy.tables` imports this module, so Alembic and
``reset_database`` see these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

from crmkit.adapters.sqlalchemy.tables.schema import (
    EMAIL,
    KEY,
    NOTE,
    SECRET,
    TABLE_OPTIONS,
    blob_type,
    metadata,
    offset_column,
    time_type,
    uuid_type,
)

__all__ = [
    "OUTBOX_CONSTRAINT_FIELDS",
    "consent_records",
    "outbox_attachments",
    "outbox_blobs",
    "outbox_messages",
]

SUBJECT = 500
"""Longest e-mail subject stored, in characters."""
KEY_LENGTH = 200
"""Longest idempotency key."""

outbox_messages = sa.Table(
    "outbox_messages",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("key", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("recipient", sa.String(EMAIL), nullable=False),
    sa.Column("body", sa.Text(), nullable=False),
    sa.Column("subject", sa.String(SUBJECT), nullable=False),
    sa.Column("created_at", time_type(), nullable=False),
    sa.Column("due_at", time_type(), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("uncertain_attempts", sa.Integer(), nullable=False),
    sa.Column("claim", sa.String(64), nullable=True),
    sa.Column("provider_id", sa.String(KEY), nullable=True),
    sa.Column("last_error", sa.String(NOTE), nullable=True),
    sa.Column("sent_at", time_type(), nullable=True),
    sa.Column("parts", sa.Integer(), nullable=False),
    sa.Column("contact_id", uuid_type(), nullable=True),
    sa.Column("campaign_id", uuid_type(), nullable=True),
    sa.Column("recipient_type", sa.String(10), nullable=False),
    sa.Column("delivery_status", sa.String(10), nullable=True),
    sa.Column("delivery_at", time_type(), nullable=True),
    sa.Column("delivery_error", sa.String(NOTE), nullable=True),
    sa.Column("created_at_offset", sa.Integer, nullable=True),  # UTC offsets in seconds, revision 0018
    sa.Column("due_at_offset", sa.Integer, nullable=True),
    offset_column("sent_at"),  # UTC offsets in seconds, revision 0023
    offset_column("delivery_at"),
    sa.UniqueConstraint("key"),
    sa.Index(None, "state", "due_at"),
    sa.Index(
        None,
        "provider_id",
        sqlite_where=sa.text("provider_id IS NOT NULL"),
        postgresql_where=sa.text("provider_id IS NOT NULL"),
    ),
    **TABLE_OPTIONS,
)
"""Messages to deliver and their delivery state (issue 6 items 1, 2). ``created_at_offset`` and
``due_at_offset`` keep the UTC offset (seconds) the enqueuer gave those times in, so they read back
with their own local date (revision 0018); times the dispatcher rewrites (claims, retries) keep the
instant it wrote, shown at the enqueuer's offset. ``sent_at_offset`` and ``delivery_at_offset`` keep
the offsets of the dispatcher's clock and of the delivery report (revision 0023)."""

DIGEST = 64
"""Length of a SHA-256 digest in hex, the key of ``outbox_blobs``."""

outbox_blobs = sa.Table(
    "outbox_blobs",
    metadata,
    sa.Column("digest", sa.String(DIGEST), primary_key=True),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("content", blob_type(), nullable=False),
    **TABLE_OPTIONS,
)
"""Attachment contents, each stored once under the SHA-256 (hex) of its bytes (issue 6 items 2, 7; M2).

Content-addressed: a campaign's 100,000 copies of one brochure (I8) share one
row; rows are only ever inserted (insert-if-absent), never changed.
"""

outbox_attachments = sa.Table(
    "outbox_attachments",
    metadata,
    sa.Column("message_id", uuid_type(), sa.ForeignKey("outbox_messages.id"), primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("filename", sa.String(SECRET), nullable=False),
    sa.Column("media_type", sa.String(KEY), nullable=False),
    sa.Column("digest", sa.String(DIGEST), sa.ForeignKey("outbox_blobs.digest"), nullable=False),
    **TABLE_OPTIONS,
)
"""The files of outbox e-mails, in order: name, type and the digest of the bytes in ``outbox_blobs``
(issue 6 item 2)."""

consent_records = sa.Table(
    "consent_records",
    metadata,
    sa.Column("id", uuid_type(), primary_key=True),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("address", sa.String(EMAIL), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("at", time_type(), nullable=False),
    sa.Column("source", sa.String(KEY), nullable=False),
    sa.Column("contact_id", uuid_type(), nullable=True),
    sa.Column("at_offset", sa.Integer, nullable=True),  # its UTC offset in seconds, revision 0018
    sa.Index(None, "channel", "address", "at"),
    **TABLE_OPTIONS,
)
"""Consent decisions, append-only history (M3)."""

OUTBOX_CONSTRAINT_FIELDS: dict[str, str] = {
    "pk_outbox_messages": "id",
    "uq_outbox_messages_key": "key",
    "pk_consent_records": "id",
}
"""Constraint name → the domain field it guards."""
