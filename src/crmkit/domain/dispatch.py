"""Document dispatch (SPEC §5 I8; §1 C5): template kinds, the fields a template may use, status moves.

Admins upload templates of eight kinds; a rep sends one, filled from the
customer card and signed with his name and title, to a contact by e-mail.
Sending a brochure, CD / intro film, presentation or offer moves the company
to ``in_talks``; a contract or order contract to ``potential`` (C5, never
back). A template may use only the fields of :data:`TEMPLATE_FIELDS`; the
engine that renders it lives outside the domain (a sandbox: no code runs
from a template).

>>> DocumentKind("brochure").trigger
<StatusTrigger.BROCHURE_SENT: 'brochure_sent'>
>>> DocumentKind.MAGAZINE.trigger is None
True
"""

from __future__ import annotations

import enum
from typing import Any

from crmkit.domain.employees import Employee
from crmkit.domain.parties import Company, Contact, StatusTrigger

__all__ = ["TEMPLATE_FIELDS", "DocumentKind", "card_values"]


class DocumentKind(enum.StrEnum):
    """What a dispatch template is (I8)."""

    OFFER = "offer"
    CONTRACT = "contract"
    ORDER_CONTRACT = "order_contract"
    BROCHURE = "brochure"
    PRESENTATION = "presentation"
    MAGAZINE = "magazine"
    INTRO_FILM = "intro_film"
    CONTACT_CARD = "contact_card"

    @property
    def trigger(self) -> StatusTrigger | None:
        """The C5 trigger sending this kind fires (``None``: no status move)."""
        return _TRIGGERS.get(self)


_TRIGGERS = {
    DocumentKind.OFFER: StatusTrigger.OFFER_SENT,
    DocumentKind.BROCHURE: StatusTrigger.BROCHURE_SENT,
    DocumentKind.PRESENTATION: StatusTrigger.PRESENTATION_SENT,
    DocumentKind.INTRO_FILM: StatusTrigger.CD_SENT,
    DocumentKind.CONTRACT: StatusTrigger.CONTRACT_ADDED,
    DocumentKind.ORDER_CONTRACT: StatusTrigger.CONTRACT_ADDED,
}

TEMPLATE_FIELDS: dict[str, tuple[str, ...]] = {
    "company": ("name", "type", "tax_no", "email", "phone", "city", "district", "sector"),
    "contact": ("name", "title", "position_type", "email", "phone"),
    "rep": ("name", "title", "department", "email", "phone"),
    "today": (),
}
"""The top-level names a template may use and their attributes (I8: the customer card and the signature)."""


def card_values(company: Company, contact: Contact, rep: Employee, today: str) -> dict[str, Any]:
    """The values a template is filled with: the customer card, the contact met, the signing rep.

    The rep's *title* is his department when he has one, else his position.
    """
    seg = company.segmentation
    return {
        "company": {
            "name": company.name,
            "type": company.type.value,
            "tax_no": company.tax_no or "",
            "email": company.email or "",
            "phone": company.phone or "",
            "city": seg.city or "",
            "district": seg.district or "",
            "sector": seg.sector or "",
        },
        "contact": {
            "name": contact.name,
            "title": contact.title or "",
            "position_type": contact.position_type or "",
            "email": contact.email or "",
            "phone": contact.phone or "",
        },
        "rep": {
            "name": rep.name,
            "title": rep.department or rep.position.value,
            "department": rep.department or "",
            "email": rep.email or "",
            "phone": rep.phone or "",
        },
        "today": today,
    }
