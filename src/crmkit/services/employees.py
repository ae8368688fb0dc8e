"""Employee use cases: first admin, hire, credentials, dismiss, resign (C8)."""

from __future__ import annotations

from crmkit.domain.employees import Employee, Position, check_employing_firm
from crmkit.domain.errors import Duplicate, RuleViolation, ValidationError
from crmkit.domain.ids import CompanyId, EmployeeId, PickListName, parse_id
from crmkit.domain.party_events import EmployeeHired, EmployeeLeft
from crmkit.domain.permissions import may_end_employment, may_hire, may_set_credentials
from crmkit.domain.versions import require_version
from crmkit.ports.storage import UnitOfWork
from crmkit.services.base import ActorRef, ServiceBase, parse_enum
from crmkit.services.passwords import hash_password, verify_password
from crmkit.validation import normalize_email, normalize_phone

__all__ = ["EmployeeUseCases"]


class EmployeeUseCases(ServiceBase):
    """Staff of the host company and of its distributors/dealers (C8)."""

    def _department(self, uow: UnitOfWork, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        found = uow.picklists.get_many([PickListName("departments")]).get(PickListName("departments"))
        if found is None:
            raise ValidationError("department", "no 'departments' pick-list is set yet (C9)")
        return found.canonical("department", value)

    def _build(
        self,
        uow: UnitOfWork,
        *,
        name: str,
        position: object,
        firm: object | None,
        department: str | None,
        manager: object | None,
        email: str | None,
        phone: str | None,
        login: str | None,
        password: str | None,
    ) -> Employee:
        firm_id = None
        if firm is not None:
            firm_id = CompanyId(parse_id("firm", firm))
            check_employing_firm(uow.companies.get(firm_id).type)
        manager_id = None
        if manager is not None:
            manager_id = EmployeeId(parse_id("manager", manager))
            boss = uow.employees.get_many([manager_id]).get(manager_id)
            if boss is None or not boss.is_active:
                raise ValidationError("manager", f"no active employee {manager_id}")
        employee = Employee(
            id=EmployeeId(self._new_id()),
            name=name,
            position=parse_enum(Position, "position", position),
            hired_at=self._now(),
            firm_id=firm_id,
            department=self._department(uow, department),
            manager_id=manager_id,
            email=None if not email else normalize_email(email),
            phone=None if not phone else normalize_phone(phone, region=self._ctx.settings.phone_region),
        )
        if login is not None:
            if password is None or len(password) < 8:
                raise ValidationError("password", "a login needs a password of at least 8 characters")
            if uow.employees.by_login(login.strip()) is not None:
                raise Duplicate("login", f"{login!r} is taken")
            employee = employee.with_credentials(login, hash_password(password))
        return employee

    def create_first_admin(
        self,
        *,
        name: str,
        email: str | None = None,
        login: str | None = None,
        password: str | None = None,
    ) -> Employee:
        """Create the first employee, an admin of the host company; refused once anyone exists."""
        with self._work(None) as uow:
            if uow.employees.count() > 0:
                raise RuleViolation("C8", "the first admin exists already; hire through an admin")
            admin = self._build(
                uow,
                name=name,
                position=Position.ADMIN,
                firm=None,
                department=None,
                manager=None,
                email=email,
                phone=None,
                login=login,
                password=password,
            )
            uow.employees.add(admin)
            uow.emit(EmployeeHired(at=self._now(), employee_id=admin.id, by=None))
            return admin

    def hire(
        self,
        *,
        actor: ActorRef,
        name: str,
        position: str | Position = Position.EMPLOYEE,
        firm: object | None = None,
        department: str | None = None,
        manager: object | None = None,
        email: str | None = None,
        phone: str | None = None,
        login: str | None = None,
        password: str | None = None,
    ) -> Employee:
        """Add an employee to the host company or a distributor/dealer (C8).

        Admins hire anywhere; a manager of a dealer firm hires into his own firm.
        """
        with self._as(actor) as (uow, who):
            firm_id = None if firm is None else CompanyId(parse_id("firm", firm))
            may_hire(who, firm_id).enforce()
            employee = self._build(
                uow,
                name=name,
                position=position,
                firm=firm,
                department=department,
                manager=manager,
                email=email,
                phone=phone,
                login=login,
                password=password,
            )
            may_hire(who, firm_id, employee.position).enforce()
            uow.employees.add(employee)
            uow.emit(EmployeeHired(at=self._now(), employee_id=employee.id, by=who.id))
            return employee

    def set_credentials(
        self,
        *,
        actor: ActorRef,
        employee: object,
        login: str,
        password: str,
        expected_version: int | None = None,
    ) -> Employee:
        """Give an active employee a login and password (admins, or the employee himself).

        ``expected_version`` is the ``version`` of the employee the caller read (§9).

        Raises:
            ConcurrencyConflict: ``expected_version`` is given and the employee moved on since.
        """
        if len(password) < 8:
            raise ValidationError("password", "must be at least 8 characters")
        with self._as(actor) as (uow, who):
            target = uow.employees.get(EmployeeId(parse_id("employee", employee)))
            require_version("employee", target.id, stored=target.version, expected=expected_version)
            may_set_credentials(who, target).enforce()
            taken = uow.employees.by_login(login.strip())
            if taken is not None and taken.id != target.id:
                raise Duplicate("login", f"{login!r} is taken")
            return uow.employees.save(target.with_credentials(login, hash_password(password)))

    def authenticate(self, *, login: str, password: str) -> Employee | None:
        """The active employee with these credentials, or ``None`` (departed employees have none, C8)."""
        with self._work(None) as uow:
            found = uow.employees.by_login(login.strip())
        if found is None or not found.can_act(self._now()):
            return None
        return found if verify_password(password, found.password_hash) else None

    def _leave(
        self, actor: ActorRef, employee: object, reason: str, resign: bool, expected_version: int | None
    ) -> Employee:
        with self._as(actor) as (uow, who):
            target = uow.employees.get(EmployeeId(parse_id("employee", employee)))
            require_version("employee", target.id, stored=target.version, expected=expected_version)
            may_end_employment(who, target, resign=resign).enforce()
            left = target.resign(reason, self._now()) if resign else target.dismiss(reason, self._now())
            saved = uow.employees.save(left)
            uow.emit(
                EmployeeLeft(at=self._now(), employee_id=saved.id, status=saved.status.value, reason=reason)
            )
            return saved

    def dismiss(
        self, *, actor: ActorRef, employee: object, reason: str, expected_version: int | None = None
    ) -> Employee:
        """Dismiss an employee now: reason and exit date recorded, credentials and access gone (C8).

        ``expected_version``: the employee's ``version`` the caller read; a stale one raises
        ``ConcurrencyConflict`` (§9).
        """
        return self._leave(actor, employee, reason, False, expected_version)

    def resign(
        self, *, actor: ActorRef, employee: object, reason: str, expected_version: int | None = None
    ) -> Employee:
        """Record a resignation now: reason and exit date, credentials and access gone (C8).

        ``expected_version``: the employee's ``version`` the caller read; a stale one raises
        ``ConcurrencyConflict`` (§9).
        """
        return self._leave(actor, employee, reason, True, expected_version)

    def get_employee(self, *, actor: ActorRef, employee: object) -> Employee:
        """One employee."""
        with self._as(actor) as (uow, _):
            return uow.employees.get(EmployeeId(parse_id("employee", employee)))

    def staff(self, *, actor: ActorRef, firm: object | None = None) -> list[Employee]:
        """Employees of a firm (``None``: the host company)."""
        with self._as(actor) as (uow, _):
            return uow.employees.for_firm(None if firm is None else CompanyId(parse_id("firm", firm)))
