"""Samples sent to customers (SPEC §5 I12): values only, no I/O.

>>> import uuid
>>> from datetime import UTC, datetime
>>> sample = Sample(
...     id=SampleId(uuid.UUID(int=1)), company_id=CompanyId(uuid.UUID(int=2)), product=" Sıvı Sabun 5 L ",
...     quantity=2, sent_at=datetime(2026, 3, 2, tzinfo=UTC), sent_by=EmployeeId(uuid.UUID(int=3)),
... )
>>> sample.product
'Sıvı Sabun 5 L'
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import CompanyId, ContactId, EmployeeId

__all__ = ["PRODUCT_LENGTH", "SAMPLE_AGGREGATE", "Sample", "SampleId"]

SampleId = NewType("SampleId", uuid.UUID)
"""Identifies a sample shipment (I12)."""

SAMPLE_AGGREGATE = "sample"
"""``aggregate_type`` of the audit entries of samples (C12)."""

PRODUCT_LENGTH = 200
"""Longest product name or code, in characters."""


def _product(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("product", "name the product sent")
    cleaned = " ".join(value.split())
    if len(cleaned) > PRODUCT_LENGTH:
        raise ValidationError("product", f"is {len(cleaned)} characters long; at most {PRODUCT_LENGTH}")
    return cleaned


def _quantity(_: object, attribute: attrs.Attribute[int], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValidationError(attribute.name, f"a sample quantity is a whole number ≥ 1, not {value!r}")


def _aware(_: object, attribute: attrs.Attribute[datetime], value: object) -> None:
    if not isinstance(value, datetime) or value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(attribute.name, f"{value!r} is not a timezone-aware datetime")


@attrs.frozen(kw_only=True)
class Sample:
    """Samples of one product sent to a customer (I12).

    Attributes:
        id: its id.
        company_id: the customer.
        product: the product's name or code (spaces collapsed).
        quantity: how many, ≥ 1.
        sent_at: when it was sent (aware).
        sent_by: the employee who sent it.
        contact_id: the contact it was sent to, if any.
        note: a free note.
        version: optimistic-concurrency version, kept by storage.

    Raises:
        ValidationError: naming the field: a blank product, a quantity below one, a naive time.
    """

    id: SampleId
    company_id: CompanyId
    product: str = attrs.field(converter=_product)
    quantity: int = attrs.field(validator=_quantity)
    sent_at: datetime = attrs.field(validator=_aware)
    sent_by: EmployeeId
    contact_id: ContactId | None = None
    note: str = ""
    version: int = 1
