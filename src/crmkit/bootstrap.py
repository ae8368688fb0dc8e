"""The composition root: :func:`connect` builds a ready CRM from adapter URLs or objects.

Nothing is built at import time; defaults (memory storage, console SMS and
e-mail, the system clock) are made here, when asked for.

>>> import crmkit
>>> crm = crmkit.connect()
>>> crm.storage.url
'memory://'
>>> crm.close()
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from types import TracebackType
from typing import Self

import attrs
import pluggy

from crmkit.adapters.clock import RandomIds, SystemClock
from crmkit.adapters.holidays import working_calendar
from crmkit.adapters.urls import mask_password
from crmkit.domain.calendar import WorkingCalendar
from crmkit.domain.events import DomainEvent
from crmkit.domain.invoices import Invoice, InvoiceId
from crmkit.domain.settings import Settings
from crmkit.hookspecs import AdapterContext
from crmkit.plugins import Plugins, make_plugin_manager, scheme_of
from crmkit.ports.clock import Clock, IdGenerator
from crmkit.ports.documents import DocumentStore
from crmkit.ports.invoices import InvoiceSource
from crmkit.ports.messaging import EmailSender, SmsGateway
from crmkit.ports.storage import Storage
from crmkit.services.agenda_mail import Agenda
from crmkit.services.base import ServiceContext
from crmkit.services.customers import CustomerUseCases
from crmkit.services.daily_tasks import TaskListUseCases
from crmkit.services.dead_letters import DeadLetters
from crmkit.services.dispatch import DispatchUseCases
from crmkit.services.interactions import InteractionUseCases
from crmkit.services.invoices import Invoices
from crmkit.services.marketing import MarketingUseCases
from crmkit.services.meetings import MeetingUseCases
from crmkit.services.messaging import DeliveryReports, Dispatcher, InboundRouter
from crmkit.services.offers import OfferUseCases
from crmkit.services.opportunities import OpportunityUseCases
from crmkit.services.parties import Parties
from crmkit.services.points import PointUseCases
from crmkit.services.response_times import OFFICE_HOURS, ResponseTimeUseCases
from crmkit.services.samples import SampleUseCases
from crmkit.services.service import ServiceUseCases  # issue 16
from crmkit.services.targets import TargetUseCases
from crmkit.services.territory import TerritoryUseCases
from crmkit.services.visits import VisitUseCases
from crmkit.services.workflow import WorkflowUseCases

__all__ = ["Crm", "connect"]


@functools.lru_cache(maxsize=8)
def _office_calendar(year: int, timezone: str) -> WorkingCalendar:
    """Office hours with Turkey's holidays of ``year`` ± 5 (immutable, so shared between CRMs)."""
    return working_calendar(OFFICE_HOURS, years=range(year - 5, year + 6), timezone=timezone)


@attrs.define(eq=False, repr=False)
class Crm:
    """A wired CRM: one object, a namespace per module.

    Attributes:
        parties: companies, contacts, claims, employees, parameters, documents, history (§1).
        territory: regions, teams, dated memberships, code links and owners (§2).
        customers: customers and contacts through the access policy (§3).
        interactions: interactions with companies through the access policy (§5 I1, I3; A3; M2).
        agenda: the shared agenda, appointments and reminders (§5 I6, I7; A4).
        workflow: interaction workflows as data: define, move, stage-entry e-mails (§5 I2, C9).
        response_times: response-time KPIs in working hours per channel, team, rep (§5 I3).
        tasks: one employee's day in one call: appointments, reminders, overdue interactions (§5 I10).
        dispatch: document templates (admins) sent to contacts by e-mail, moving the status (§5 I8, C5).
        meetings: meeting notes with participants, a new contact, an appointment booked (§5 I5).
        samples: samples sent to customers, per customer and product (§5 I12).
        opportunities: the sales funnel, forecast, conversion, losses, Q6 activity KPIs (§5 I9, I4; §4 Q6).
        offers: offers sent and their outcome, accepted or rejected with a reason (§5 I8).
        visits: sales visits priced at the dated rates; cost per customer against revenue (§5 I11).
        calendar: the working calendar response times count in (I3); set it to replace the default
            office hours with Turkey's public holidays, which is built on first use.
        invoices: invoice import, returns, delivery and sales orders (§7 V1, V2, V10).
        marketing: segments and campaigns through the outbox and the access policy (§8 M1–M3).
        service: service contracts, hours ledger, cases, service levels, planning, knowledge base (§6).
        targets: turnover plans and plan-vs-actual credited by the dated territory (§4 Q1, Q5).
        dispatcher: delivers the outbox through ``sms`` and ``email`` (§9); run
            ``crm.dispatcher.run_until_idle()`` from a worker, as many as the database allows.
        inbound: routes inbound SMS to keyword handlers — registered with
            ``crm.inbound.register`` or by plugins (``crmkit_register_sms_keywords``);
            ``RET``/``STOP``/``IPTAL`` revoke SMS consent (M3). ``PUAN`` (a point balance)
            and serial numbers are routed to ``crm.points`` by default (V6, V7) unless a
            plugin routes ``PUAN``; see ``crm.points.enable_sms`` / ``disable_sms``.
        deliveries: writes ``sms`` delivery reports back onto the outbox (pushed or polled).
        points: loyalty programs, rules, ledger, balances and statements (§7 V3–V8).
        outbox: lists and re-queues dead outbox messages, audited (§9); admins only.
        storage: the storage back end.
        sms: the SMS gateway.
        email: the e-mail sender.
        documents: the document store (C10).
        clock: the clock every rule uses.
        ids: makes new ids.
        settings: the settings it was built with.
        plugins: the typed plugin facade.
        context: the ports and settings every use case is given.
    """

    storage: Storage = attrs.field(kw_only=True)
    sms: SmsGateway = attrs.field(kw_only=True)
    email: EmailSender = attrs.field(kw_only=True)
    documents: DocumentStore = attrs.field(kw_only=True)
    clock: Clock = attrs.field(kw_only=True)
    ids: IdGenerator = attrs.field(kw_only=True)
    settings: Settings = attrs.field(kw_only=True)
    plugins: Plugins = attrs.field(kw_only=True)
    context: ServiceContext = attrs.field(init=False)
    customers: CustomerUseCases = attrs.field(init=False)
    parties: Parties = attrs.field(init=False)
    territory: TerritoryUseCases = attrs.field(init=False)
    interactions: InteractionUseCases = attrs.field(init=False)
    agenda: Agenda = attrs.field(init=False)
    marketing: MarketingUseCases = attrs.field(init=False)
    service: ServiceUseCases = attrs.field(init=False)  # issue 16 (S1-S8)
    points: PointUseCases = attrs.field(init=False)
    targets: TargetUseCases = attrs.field(init=False)
    invoices: Invoices = attrs.field(init=False)
    dispatcher: Dispatcher = attrs.field(init=False)
    inbound: InboundRouter = attrs.field(init=False)
    deliveries: DeliveryReports = attrs.field(init=False)
    outbox: DeadLetters = attrs.field(init=False)
    # issue 14: the working calendar (I3), workflow, response times, tasks, dispatch, meetings, samples
    calendar: WorkingCalendar | None = attrs.field(default=None, init=False)
    workflow: WorkflowUseCases = attrs.field(init=False)
    response_times: ResponseTimeUseCases = attrs.field(init=False)
    tasks: TaskListUseCases = attrs.field(init=False)
    dispatch: DispatchUseCases = attrs.field(init=False)
    meetings: MeetingUseCases = attrs.field(init=False)
    samples: SampleUseCases = attrs.field(init=False)
    opportunities: OpportunityUseCases = attrs.field(init=False)
    offers: OfferUseCases = attrs.field(init=False)
    visits: VisitUseCases = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.context = ServiceContext(
            storage=self.storage,
            clock=self.clock,
            ids=self.ids,
            settings=self.settings,
            email=self.email,
            sms=self.sms,
            documents=self.documents,
            publish=self._publish,
            calendar=self._working_calendar,  # issue 14 (I3)
        )
        self.customers = CustomerUseCases(self.context)
        self.parties = Parties(self.context, customers=self.customers)
        self.territory = TerritoryUseCases(self.context)
        self.interactions = InteractionUseCases(self.context)
        self.agenda = Agenda(self.context)  # issue 14: AgendaUseCases + e-mail notices, iCalendar (I6, I7)
        self.workflow = WorkflowUseCases(self.context)  # issue 14 (I2)
        self.response_times = ResponseTimeUseCases(self.context)  # issue 14 (I3)
        self.tasks = TaskListUseCases(self.context)  # issue 14 (I10)
        self.dispatch = DispatchUseCases(self.context)  # issue 14 (I8, C5)
        self.meetings = MeetingUseCases(self.context)  # issue 14 (I5)
        self.samples = SampleUseCases(self.context)  # issue 14 (I12)
        self.opportunities = OpportunityUseCases(self.context)  # issue 14 (I9, I4, Q6)
        self.offers = OfferUseCases(self.context)  # issue 14 (I8)
        self.visits = VisitUseCases(self.context)  # issue 14 (I11)
        self.marketing = MarketingUseCases(self.context)
        self.service = ServiceUseCases(self.context)  # issue 16 (S1-S8), counts in the CRM's calendar
        self.targets = TargetUseCases(self.context)  # plans and plan-vs-actual (Q1, Q5)
        self.points = PointUseCases(self.context)  # loyalty points (issue 15); earned by the import's hook
        self.invoices = Invoices(self.context, sources=self._invoice_source, on_imported=_ImportHook(self))
        self.dispatcher = Dispatcher(self.storage, sms=self.sms, email=self.email, clock=self.clock)
        self.inbound = InboundRouter(self.storage, clock=self.clock, ids=self.ids)
        for keyword, handler, _ in self.plugins.sms_keywords():
            if not self.inbound.routes(keyword):  # the first registration of a keyword wins
                self.inbound.register(keyword, handler)
        if not self.inbound.routes("PUAN"):  # points answer PUAN and serials by default (V6, V7)
            self.points.enable_sms(self.inbound, default=True)
        self.deliveries = DeliveryReports(
            self.storage, sms=self.sms, clock=self.clock, horizon=self.settings.delivery_report_horizon
        )
        self.outbox = DeadLetters(self.context)

    def _working_calendar(self) -> WorkingCalendar:
        """The CRM's working calendar (I3): ``self.calendar``, else the default, set on first use.

        The default is office hours (Mon–Fri 09:00–18:00) with Turkey's public holidays
        of five years either side of now.
        """
        if self.calendar is None:
            self.calendar = _office_calendar(self.clock.now().year, self.settings.timezone)
        return self.calendar

    def _publish(self, events: Sequence[DomainEvent]) -> None:
        self.plugins.publish(events)

    def _invoice_source(self, url: str) -> InvoiceSource:
        context = AdapterContext(self.clock, self.ids, self.settings, self.storage)
        return self.plugins.build("invoices", url, context)

    def migrate(self) -> None:
        """Create or upgrade the storage schema (idempotent); also ``crmkit db upgrade URL``."""
        self.storage.migrate()

    def close(self) -> None:
        """Release the storage's connections."""
        self.storage.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Crm storage={mask_password(self.storage.url)!r}>"


class _ImportHook:
    """What the invoice import calls after a batch commits: the plugins' hook, then points (issue 15, V4)."""

    def __init__(self, crm: Crm) -> None:
        self._crm = crm

    def __call__(self, invoice: Invoice, warnings: tuple[str, ...]) -> None:
        """Tell the plugins; collect the invoice for crm.points."""
        self._crm.plugins.invoice_imported(invoice, warnings)
        self._crm.points.earning.on_imported(invoice, warnings)

    def batch_done(self) -> tuple[str, ...]:
        """The import's batch is reported: earn the collected invoices' points in one go.

        Returns:
            The earning run's warnings (an invoice in another currency than a program's, V3).
        """
        return tuple(self._crm.points.earning.batch_done().warnings)

    def returns_changed(self, originals: list[InvoiceId]) -> None:
        """The import's matching moved these stored originals' returned quantities: their points follow."""
        self._crm.points.returns.correct(originals, why="matched at import")


def connect(
    storage: str | Storage = "memory://",
    *,
    sms: str | SmsGateway = "console://",
    email: str | EmailSender = "console://",
    documents: str | DocumentStore | None = None,
    timezone: str | None = None,
    phone_region: str | None = None,
    regional_access: bool | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
    plugins: Iterable[object] = (),
    load_entrypoints: bool | None = None,
    plugin_manager: pluggy.PluginManager | None = None,
) -> Crm:
    """Build a CRM from adapter URLs (or ready adapter objects).

    Args:
        storage: ``memory://`` (default), ``sqlite:///crm.db`` (relative to the working
            directory; an absolute path takes four slashes: ``sqlite:////srv/crm.db``),
            ``postgresql+psycopg://…``, ``mariadb+pymysql://…``, or any scheme a plugin
            registers; or a ``Storage``.
        sms: ``console://`` (default), ``file:///path.jsonl``, a plugin's scheme; or a gateway.
        email: ``console://`` (default), ``file:///path.jsonl``, a plugin's scheme; or a sender.
        documents: where attachments go; by default the storage's own scheme when it
            offers a document store, else memory.
        timezone: overrides ``settings.timezone``.
        phone_region: overrides ``settings.phone_region``.
        regional_access: overrides ``settings.regional_access`` (A1).
        settings: all settings at once.
        clock: the clock (default: the system clock); tests pass ``FixedClock``.
        ids: the id generator (default: random UUIDs).
        plugins: plugin modules or objects to register in code.
        load_entrypoints: load ``crmkit`` entry points (default: yes unless
            ``CRMKIT_DISABLE_PLUGIN_AUTOLOAD`` is set).
        plugin_manager: a ready plugin manager (then ``plugins``/``load_entrypoints`` are ignored).

    Raises:
        UnknownAdapter: a URL's scheme is not registered; the message lists the known ones.
        StorageUnavailable: the database cannot be reached.

    The schema is not created here; call :meth:`Crm.migrate` (memory needs nothing).
    """
    final_settings = settings or Settings()
    if timezone is not None:
        final_settings = attrs.evolve(final_settings, timezone=timezone)
    if phone_region is not None:
        final_settings = attrs.evolve(final_settings, phone_region=phone_region)
    if regional_access is not None:
        final_settings = attrs.evolve(final_settings, regional_access=regional_access)
    the_clock = clock or SystemClock()
    the_ids = ids or RandomIds()
    facade = Plugins(plugin_manager or make_plugin_manager(plugins, load_entrypoints=load_entrypoints))
    context = AdapterContext(the_clock, the_ids, final_settings)
    built_storage = facade.build("storage", storage, context) if isinstance(storage, str) else storage
    context = AdapterContext(the_clock, the_ids, final_settings, built_storage)
    built_sms = facade.build("sms", sms, context) if isinstance(sms, str) else sms
    built_email = facade.build("email", email, context) if isinstance(email, str) else email
    if documents is None:
        scheme = scheme_of(built_storage.url)
        documents = built_storage.url if scheme in facade.schemes("documents") else "memory://"
    built_documents = (
        facade.build("documents", documents, context) if isinstance(documents, str) else documents
    )
    return Crm(
        storage=built_storage,
        sms=built_sms,
        email=built_email,
        documents=built_documents,
        clock=the_clock,
        ids=the_ids,
        settings=final_settings,
        plugins=facade,
    )
