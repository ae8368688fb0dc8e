"""Pick-lists as data (C9).

Every list of allowed values — sectors, departments, customer value classes,
micro-region codes, interaction categories … — is a :class:`PickList`
stored like any other record, never an enum in code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import PickListName
from crmkit.domain.limits import KEY_MAX, LABEL_MAX, check_text
from crmkit.domain.text import clean_text, fold

__all__ = ["KNOWN_PICKLISTS", "PickList"]

KNOWN_PICKLISTS: tuple[str, ...] = (
    "company_type_names",
    "departments",
    "sectors",
    "company_categories",
    "cities",
    "districts",
    "company_sizes",
    "income_levels",
    "duties",
    "customer_value_classes",
    "occupation_types",
    "interaction_categories",
    "micro_region_codes",
    "sales_regions",
    "contact_titles",
    "contact_position_types",
)
"""The lists crmkit itself consults (C9); hosts may add their own names."""


def _values(values: Iterable[str]) -> tuple[str, ...]:
    if isinstance(values, str):
        # a bare string is iterable too and would become one value per letter
        raise ValidationError("values", f"{values!r} is one string; give a list of values")
    if not isinstance(values, Iterable) or isinstance(values, bytes | Mapping):
        raise ValidationError("values", f"must be a list of texts, not {type(values).__name__}")
    cleaned = tuple(clean_text(check_text(f"values[{i}]", v, LABEL_MAX)) for i, v in enumerate(values))
    seen: dict[str, str] = {}
    for index, value in enumerate(cleaned):
        if not value:
            raise ValidationError(f"values[{index}]", "must not be blank")
        key = fold(value)
        if key in seen:
            raise ValidationError(f"values[{index}]", f"{value!r} repeats {seen[key]!r}")
        seen[key] = value
    return cleaned


def _name(value: str) -> PickListName:
    cleaned = check_text("name", value, KEY_MAX).strip()
    if not cleaned:
        raise ValidationError("name", "a pick-list needs a name")
    return PickListName(cleaned)


@attrs.frozen
class PickList:
    """A named list of allowed values (C9).

    Values keep their order and Turkish spelling; two values that differ only
    in case or accents (``İzmir`` / ``izmir``) are refused as duplicates.
    """

    name: PickListName = attrs.field(converter=_name)
    values: tuple[str, ...] = attrs.field(converter=_values, factory=tuple)
    version: int = 1

    def __contains__(self, value: object) -> bool:
        return isinstance(value, str) and any(fold(v) == fold(value) for v in self.values)

    def canonical(self, field: str, value: str) -> str:
        """The list's own spelling of ``value`` (matched case- and accent-insensitively).

        Raises:
            ValidationError: naming ``field`` when the value is not on the list.
        """
        key = fold(value)
        for candidate in self.values:
            if fold(candidate) == key:
                return candidate
        shown = ", ".join(self.values[:10]) + (" …" if len(self.values) > 10 else "")
        raise ValidationError(field, f"{value!r} is not in the {self.name} list ({shown})")
