"""Document dispatch: ``crm.dispatch`` (SPEC §5 I8; §1 C5, C10; §8 M3).

Admins upload templates through the document port (C10); each is checked
when it is uploaded: it must parse, use only the fields of
:data:`~crmkit.domain.dispatch.TEMPLATE_FIELDS` and render in the sandbox.
Templates are Jinja2 run in a ``jinja2.sandbox.ImmutableSandboxedEnvironment``
with strict undefined values and auto-escaping for HTML: a template can
read the values it is given and nothing else — no attribute of Python's
internals, no call that changes anything.

A rep sends a template to a chosen contact: it is filled from the customer
card and signed with his name and title, attached to an e-mail queued in the
outbox (a commercial message: the dispatcher sends it only with the
contact's consent, M3), and the company's status moves forward for the
kind sent (C5) — all in one unit of work. The policy decides as for
recording an interaction at that company (A3, A6).
"""

from __future__ import annotations

from typing import Any

import attrs
import jinja2
from jinja2 import meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from crmkit.domain.access import Action, InteractionResource, decide
from crmkit.domain.dispatch import TEMPLATE_FIELDS, DocumentKind, card_values
from crmkit.domain.documents import Document, DocumentOwner, OwnerKind
from crmkit.domain.employees import Employee
from crmkit.domain.errors import NotFound, PermissionDenied, ValidationError
from crmkit.domain.ids import CompanyId, ContactId, DocumentId, parse_id
from crmkit.domain.limits import FILE_NAME_MAX, TEMPLATE_MAX, check_text
from crmkit.domain.messaging import MessageKind, OutboxAttachment
from crmkit.domain.offers import Offer
from crmkit.domain.parties import Company, Contact
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, parse_enum
from crmkit.services.customers import facts_of
from crmkit.services.guard import require_active_company
from crmkit.services.messaging import enqueue_email
from crmkit.services.offer_records import record_offer
from crmkit.services.policy import PolicyUseCases
from crmkit.services.status_moves import save_status_move

__all__ = ["DispatchUseCases", "Sent", "check_template", "render_template"]

_MEDIA_TYPES = ("text/html", "text/plain", "text/markdown")


def _environment(media_type: str) -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=media_type == "text/html", keep_trailing_newline=True
    )


def _sample() -> dict[str, Any]:
    return {
        name: {field: f"<{name}.{field}>" for field in fields} or "2026-01-01"
        for name, fields in TEMPLATE_FIELDS.items()
    }


def check_template(source: str, media_type: str) -> None:
    """Refuse a template that does not parse, names an unknown field, or breaks out of the sandbox.

    Raises:
        ValidationError: naming ``template`` with the reason.
    """
    env = _environment(media_type)
    try:
        parsed = env.parse(source)
    except jinja2.TemplateSyntaxError as error:
        raise ValidationError("template", f"line {error.lineno}: {error.message}") from None
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(TEMPLATE_FIELDS))
    if unknown:
        known = ", ".join(sorted(TEMPLATE_FIELDS))
        raise ValidationError("template", f"unknown field {unknown[0]!r}; a template may use {known}")
    try:
        env.from_string(source).render(_sample())
    except jinja2.UndefinedError as error:
        raise ValidationError("template", f"unknown field: {error.message}") from None
    except SecurityError as error:
        raise ValidationError("template", f"not allowed in a template: {error}") from None


@attrs.frozen(kw_only=True)
class Sent:
    """A dispatched document (I8).

    Attributes:
        message_key: the idempotency key of the queued e-mail.
        company: the company after its C5 status move (unchanged when the kind moves nothing).
        attachment: the filled document as attached.
        offer: the offer recorded when the template is an offer (I8), else ``None``.
    """

    message_key: str
    company: Company
    attachment: OutboxAttachment
    offer: Offer | None = None


class DispatchUseCases(PolicyUseCases):
    """Templates (admins) and sending them to contacts (I8, C5)."""

    def upload_template(
        self,
        *,
        actor: ActorRef,
        kind: str | DocumentKind,
        name: str,
        source: str,
        media_type: str = "text/html",
    ) -> Document:
        """Store a template of ``kind`` through the document port (C10); admins only.

        Raises:
            ValidationError: naming ``kind``, ``media_type`` or ``template`` (syntax, an unknown
                field, anything the sandbox refuses); nothing is stored.
            PermissionDenied: the actor is not an admin, or may not act (A5).
        """
        chosen = parse_enum(DocumentKind, "kind", kind)
        if media_type not in _MEDIA_TYPES:
            raise ValidationError("media_type", f"{media_type!r} is not one of: {', '.join(_MEDIA_TYPES)}")
        if not isinstance(source, str):
            raise ValidationError("template", "give the template as text")
        check_text("template", source, TEMPLATE_MAX)  # NUL, lone surrogates, size: the same everywhere
        check_text("name", name, FILE_NAME_MAX)
        with self._work(None) as uow:
            who = self._acting(uow, actor)
            if not who.position.is_admin:
                raise PermissionDenied(
                    f"only admins upload templates; {who.name} is {who.position.value} (I8)"
                )
        check_template(source, media_type)
        document = Document(
            id=DocumentId(self._new_id()),
            owner=DocumentOwner(OwnerKind.TEMPLATE, chosen.value),
            name=name,
            media_type=media_type,
            content=source.encode("utf-8"),
        )
        self._ctx.documents.put(document)
        return document

    def templates(self, *, actor: ActorRef, kind: str | DocumentKind) -> list[Document]:
        """The templates of ``kind`` (every active employee may list them)."""
        chosen = parse_enum(DocumentKind, "kind", kind)
        with self._work(None) as uow:
            self._acting(uow, actor)
        return self._ctx.documents.list_for(DocumentOwner(OwnerKind.TEMPLATE, chosen.value))

    def send(
        self,
        *,
        actor: ActorRef,
        template: object,
        contact: object,
        subject: str | None = None,
        opportunity: object | None = None,
    ) -> Sent:
        """Fill ``template`` for ``contact``'s company, sign it, e-mail it to the contact, move C5 (I8).

        An *offer* is also recorded (``crm.offers``), linked to ``opportunity`` when given,
        to be accepted or rejected later (I8).

        Raises:
            ValidationError: naming ``template`` (not a template), ``contact`` (unknown, or
                without an e-mail address) or ``opportunity`` (unknown, of another company, or
                given for a template that is not an offer); nothing is queued or moved.
            PermissionDenied: with the policy's reason (A3, A5, A6).
        """
        document = self._template(template)
        kind = DocumentKind(document.owner.id)
        now = self._now()
        with self._as_policy_actor(actor) as (uow, who):
            person = self._contact(uow, contact)
            company = uow.companies.get(CompanyId(person.company_id))
            resource = InteractionResource(company=facts_of(uow, company, now), owner_id=who.employee.id)
            decide(who, Action.CREATE, resource, now).enforce()
            require_active_company(company)  # C13
            if person.email is None:
                raise ValidationError("contact", f"{person.name} has no e-mail address")
            filled = self._render(document, company, person, who.employee, now.date().isoformat())
            attachment = OutboxAttachment(document.name, document.media_type, filled.encode("utf-8"))
            key = f"dispatch:{document.id}:{person.id}:{now.isoformat()}"
            enqueue_email(
                uow,
                id=self._new_id(),
                key=key,
                to=person.email,
                subject=subject or f"{company.name}: {document.name}",
                body=f"Sayın {person.name},\n\nEkte {document.name} sunulur.\n\n{who.employee.name}\n",
                kind=MessageKind.COMMERCIAL,
                now=now,
                contact_id=person.id,
                attachments=[attachment],
            )
            offer = record_offer(
                uow, kind, key, person, who.employee.id, document.id, opportunity, now, self._new_id
            )
            moved = company
            if kind.trigger is not None:
                target = (
                    company.record_contract()
                    if kind.trigger.target.rank == 2
                    else company.advance_status(kind.trigger)
                )
                moved = save_status_move(uow, company, target, now)
            return Sent(message_key=key, company=moved, attachment=attachment, offer=offer)

    def _template(self, value: object) -> Document:
        try:
            document = self._ctx.documents.get(DocumentId(parse_id("template", value)))
        except NotFound:
            raise ValidationError("template", f"there is no template {value}") from None
        if document.owner.kind is not OwnerKind.TEMPLATE:
            raise ValidationError("template", f"document {value} is not a dispatch template")
        return document

    @staticmethod
    def _contact(uow: UnitOfWork, value: object) -> Contact:
        key = ContactId(parse_id("contact", value))
        try:
            found = uow.contacts.get(key)
        except NotFound:
            raise ValidationError("contact", f"there is no contact {key}") from None
        return found

    @staticmethod
    def _render(document: Document, company: Company, contact: Contact, rep: Employee, today: str) -> str:
        return render_template(document, company, contact, rep, today)


def render_template(document: Document, company: Company, contact: Contact, rep: Employee, today: str) -> str:
    """Fill a stored template in the sandbox from the customer card, the contact and the signing rep.

    Raises:
        ValidationError: naming ``template`` when it uses what the sandbox refuses.
    """
    env = _environment(document.media_type)
    try:
        return env.from_string(document.content.decode("utf-8")).render(
            card_values(company, contact, rep, today)
        )
    except (jinja2.UndefinedError, SecurityError) as error:  # checked at upload; kept for old templates
        raise ValidationError("template", str(error)) from None
