"""SQLAlchemy Core tables of the storage adapter (SPEC §9), one module per concept.

:mod:`~crmkit.adapters.sqlalchemy.tables.schema` holds what every table module
shares — one :data:`metadata` with a naming convention, so every constraint
has a stable name, the portable column types and the text lengths. Each
concept's module defines its tables on that metadata and its own map of
constraint name → guarded field; this package imports them all (so Alembic
and ``reset_database`` see every table) and merges the maps into
:data:`CONSTRAINT_FIELDS`, by which the adapter turns a violated constraint
back into the domain field it guards. The modules never write into each
other, so there is no import cycle: a new concept adds one module and one
line to the merge below.
"""

from __future__ import annotations

from crmkit.adapters.sqlalchemy.tables.erasure import (  # M4
    ERASURE_CONSTRAINT_FIELDS,
    erasure_documents,
    erasures,
)
from crmkit.adapters.sqlalchemy.tables.interaction import (
    INTERACTION_CONSTRAINT_FIELDS,
    appointments,
    interactions,
    reminders,
)
from crmkit.adapters.sqlalchemy.tables.invoice import (
    INVOICE_CONSTRAINT_FIELDS,
    DecimalText,
    invoice_cursors,
    invoice_lines,
    invoices,
    return_locks,
    return_references,
    sales_order_lines,
    sales_orders,
)
from crmkit.adapters.sqlalchemy.tables.marketing import (
    MARKETING_CONSTRAINT_FIELDS,
    campaign_recipients,
    campaigns,
    segments,
)
from crmkit.adapters.sqlalchemy.tables.opportunities import OPPORTUNITY_CONSTRAINT_FIELDS  # issue 14 (I8, I9)
from crmkit.adapters.sqlalchemy.tables.outbox import (
    OUTBOX_CONSTRAINT_FIELDS,
    consent_records,
    outbox_attachments,
    outbox_blobs,
    outbox_messages,
)
from crmkit.adapters.sqlalchemy.tables.party import (
    PARTY_CONSTRAINT_FIELDS,
    audit_entries,
    claims,
    companies,
    contacts,
    documents,
    employees,
    picklists,
)
from crmkit.adapters.sqlalchemy.tables.points import POINT_CONSTRAINT_FIELDS  # loyalty points (issue 15)
from crmkit.adapters.sqlalchemy.tables.schema import (
    EMAIL,
    KEY,
    LABEL,
    NAME,
    NAMING_CONVENTION,
    NOTE,
    PHONE,
    SECRET,
    TABLE_OPTIONS,
    blob_type,
    metadata,
    ordered_text,
    serial_type,
    time_type,
    uuid_type,
)
from crmkit.adapters.sqlalchemy.tables.service import SERVICE_CONSTRAINT_FIELDS  # issue 16 (S1-S8)
from crmkit.adapters.sqlalchemy.tables.targets import TARGET_CONSTRAINT_FIELDS  # targets (issue 13)
from crmkit.adapters.sqlalchemy.tables.territory import (
    TERRITORY_CONSTRAINT_FIELDS,
    VISIBILITY_INDEX,
    code_links,
    owner_assignments,
    region_closure,
    regions,
    sales_teams,
    team_memberships,
)
from crmkit.adapters.sqlalchemy.tables.workflow import WORKFLOW_CONSTRAINT_FIELDS  # workflow (issue 14)

CONSTRAINT_FIELDS: dict[str, str] = {
    **PARTY_CONSTRAINT_FIELDS,
    **INTERACTION_CONSTRAINT_FIELDS,
    **INVOICE_CONSTRAINT_FIELDS,
    **MARKETING_CONSTRAINT_FIELDS,
    **OUTBOX_CONSTRAINT_FIELDS,
    **TERRITORY_CONSTRAINT_FIELDS,
    **POINT_CONSTRAINT_FIELDS,
    **SERVICE_CONSTRAINT_FIELDS,  # issue 16
    **WORKFLOW_CONSTRAINT_FIELDS,  # issue 14
    **TARGET_CONSTRAINT_FIELDS,
    **ERASURE_CONSTRAINT_FIELDS,  # M4
    **OPPORTUNITY_CONSTRAINT_FIELDS,  # issue 14 (I8, I9)
    **WORKFLOW_CONSTRAINT_FIELDS,
}
"""Constraint name → the domain field it guards; errors name the field, not the constraint."""

__all__ = [
    "CONSTRAINT_FIELDS",
    "EMAIL",
    "INTERACTION_CONSTRAINT_FIELDS",
    "INVOICE_CONSTRAINT_FIELDS",
    "KEY",
    "LABEL",
    "MARKETING_CONSTRAINT_FIELDS",
    "NAME",
    "NAMING_CONVENTION",
    "NOTE",
    "OUTBOX_CONSTRAINT_FIELDS",
    "PARTY_CONSTRAINT_FIELDS",
    "PHONE",
    "SECRET",
    "TABLE_OPTIONS",
    "TERRITORY_CONSTRAINT_FIELDS",
    "VISIBILITY_INDEX",
    "DecimalText",
    "appointments",
    "audit_entries",
    "blob_type",
    "campaign_recipients",
    "campaigns",
    "claims",
    "code_links",
    "companies",
    "consent_records",
    "contacts",
    "documents",
    "employees",
    "erasure_documents",
    "erasures",
    "interactions",
    "invoice_cursors",
    "invoice_lines",
    "invoices",
    "metadata",
    "ordered_text",
    "outbox_attachments",
    "outbox_blobs",
    "outbox_messages",
    "owner_assignments",
    "picklists",
    "region_closure",
    "regions",
    "reminders",
    "return_locks",
    "return_references",
    "sales_order_lines",
    "sales_orders",
    "sales_teams",
    "segments",
    "serial_type",
    "team_memberships",
    "time_type",
    "uuid_type",
]
