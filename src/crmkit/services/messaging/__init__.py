"""Messaging use cases: enqueue in the caller's unit of work, dispatch with retries, route inbound SMS.

**Enqueue.** :func:`enqueue_sms` and :func:`enqueue_email` add an
:class:`~crmkit.domain.messaging.OutboxMessage` to a unit of work the caller
already holds, so the message commits — or rolls back — with the change that
caused it (SPEC §9). Nothing is sent there.

**Dispatch.** :class:`Dispatcher` repeats: claim a batch of due messages
(one unit of work, committed), send each through its gateway outside any
transaction, then record every outcome in one batched unit of work.
Commercial messages whose recipient has no consent at send time are skipped
(M3). A temporary failure comes back after an exponential backoff with jitter;
a permanent one, or the last attempt, goes to the dead letters. Several
dispatchers may run at once (each claim skips the others' rows). Before
handing a message to a gateway without idempotency the dispatcher commits
the outcomes so far and the hand-over of that message (one small
transaction per message), so at any moment at most one message of its batch
is in flight. A crash leaves the claim to lapse; the batch is then claimed
again: the message that was in flight is sent again — counted in
``uncertain_attempts`` and flagged
:attr:`~crmkit.domain.messaging.OutboxMessage.possible_duplicate` — and the
messages never handed over are sent normally, without the flag (§9). A
gateway with idempotency receives the same idempotency key and drops any
repeat, so its messages are sent in batches without that record and never
flagged: nothing is sent twice there. The record costs a round trip to the
database per message, which a real provider's own round trip dwarfs
(``docs/performance.md``).

**Delivery reports.** :class:`DeliveryReports` writes a provider's
delivery reports (from its webhook, or polled with the gateway's
``status``) back onto the outbox message sent with that provider id:
delivered, failed with the reason, or expired. The first final report
wins, a repeated one changes nothing, and a report for an id no message
was sent with is returned in the result, never raised. Polling stops at a
horizon (:data:`REPORT_HORIZON`, 72 hours — the usual SMS validity period,
after which the operator's SMS centre drops an undelivered message): a
message sent longer ago without a final report is no longer asked about and
is recorded ``expired``, "no delivery report within the horizon". That
expiry is a final report like the provider's own — the first final report
wins — so a report arriving after it changes nothing (returned as
``unchanged``): past the validity period a real "delivered" can no longer
happen, and a message never swings between states. A deployment whose
provider keeps messages longer sets a longer ``horizon``.

**Attachments.** An outbox e-mail carries its files' bytes
(:class:`~crmkit.domain.messaging.OutboxAttachment`), stored with it in the
same unit of work; :func:`attachment_of` copies a stored document (C10).
The bytes are copied rather than referenced because the document store is
not part of the unit of work: a document deleted or replaced after the
commit must not change, or lose, an e-mail already promised. The outbox
stores each distinct content once, by its SHA-256, however many e-mails
carry it: the copies of a campaign share one brochure (M2).

**Inbound.** :class:`InboundRouter` takes a parsed inbound SMS: ``RET``,
``STOP`` or ``IPTAL`` revokes the sender's SMS consent (M3); a registered
keyword's handler answers; anything else gets the help reply. Replies are
informational outbox messages keyed by the inbound message, so a webhook
delivered twice answers once.
"""

from crmkit.services.messaging.dispatch import Dispatcher, DispatchReport, Probe
from crmkit.services.messaging.enqueue import (
    attachment_of,
    enqueue_email,
    enqueue_email_copies,
    enqueue_sms,
    enqueue_sms_copies,
    record_consent,
    sms_message,
)
from crmkit.services.messaging.inbound import InboundResult, InboundRouter, KeywordHandler
from crmkit.services.messaging.reports import REPORT_HORIZON, DeliveryReports, DeliveryResult

__all__ = [
    "REPORT_HORIZON",
    "DeliveryReports",
    "DeliveryResult",
    "DispatchReport",
    "Dispatcher",
    "InboundResult",
    "InboundRouter",
    "KeywordHandler",
    "Probe",
    "attachment_of",
    "enqueue_email",
    "enqueue_email_copies",
    "enqueue_sms",
    "enqueue_sms_copies",
    "record_consent",
    "sms_message",
]
