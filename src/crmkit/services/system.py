"""The operations meant for the system, not for an employee (A8): the one documented list.

Every other public method of every ``crm.*`` namespace takes the acting
employee (``actor=``) and is decided by the access policy; a meta-test walks
them all by introspection and fails on a method that takes no ``actor`` and
is not named here, so a new method cannot skip the policy unnoticed.

Who may run each is said beside it: these run in the host's own processes
(a worker, a web hook, a scheduled job, the deployment), never on a user's
request, so the host decides who can start them — they are not exposed to
an employee. Operations that change business data for a user *do* take an
actor, even when a scheduled job usually runs them: the invoice import
(``crm.invoices.import_from`` / ``import_records``) is run by an active
employee (a service account for the nightly job), recorded in the audit trail
as the importer; ``crm.invoices.mark_delivered`` by an employee who may see the
invoice's buyer (A8).

>>> "dispatcher.run_until_idle" in SYSTEM_OPERATIONS
True
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["SYSTEM_OPERATIONS"]

SYSTEM_OPERATIONS: Mapping[str, str] = MappingProxyType(
    {
        "migrate": "the deployment (``crmkit db upgrade`` or ``crm.migrate()``): schema migrations",
        "close": "the host process that built the CRM: releases its connections",
        "parties.create_first_admin": (
            "the installer, once: refused as soon as any employee exists (C8), so it cannot"
            " be used to add an admin later"
        ),
        "parties.authenticate": "the host's login screen, before there is an actor (C8: departed ones fail)",
        "dispatcher.run_once": "an outbox worker process (§9): delivers what committed use cases queued",
        "dispatcher.run_until_idle": "an outbox worker process (§9)",
        "inbound.receive": "the SMS gateway's inbound web hook (M3: STOP/RET/IPTAL revokes consent)",
        "inbound.register": "the host wiring keyword handlers at start-up (plugins do it too)",
        "inbound.keywords": "the host wiring: which keywords are routed",
        "inbound.routes": "the host wiring: whether a keyword is routed",
        "inbound.handler": "the host wiring: which handler a keyword is routed to",
        "inbound.unregister": "the host wiring: stop routing a keyword",
        "inbound.fallback": "answers a text with no keyword (crm.points reads a serial, V7)",
        "deliveries.receive": "the SMS gateway's delivery-report web hook",
        "deliveries.record": "a worker recording delivery reports it fetched",
        "deliveries.poll": "a scheduled job polling the gateway for delivery reports",
        "parties.finish_erasures": (
            "a worker at start-up or a scheduled job (M4): finishes the document deletions and"
            " rewrites an erasure recorded but did not do before a crash; idempotent"
        ),
        "points.expire": "the scheduled expiry job of loyalty points (V8): idempotent per day",
        "points.review_tiers": "the scheduled tier job of loyalty points (V8): idempotent per day",
        "points.match_returns": "the scheduled return matching job (V1, V8): settles returns waiting for"
        " a stored original; idempotent",
        "points.repair_returns": "the one-off (or scheduled) repair of returns matched by older versions"
        " (V1, V8): audited adjust entries; idempotent",
        "points.enable_sms": "the host wiring the balance keyword and serial credits at start-up (V6, V7)",
        "points.disable_sms": "the host turning the default PUAN and serial routing off at start-up (V6, V7)",
        "service.use_calendar": "the host choosing the calendar of service levels (S8), at start-up",
    }
)
"""``"namespace.method"`` (or a method of the :class:`~crmkit.bootstrap.Crm` itself) → who runs it."""
