"""Safe parsing of untrusted UBL XML and a reader of its elements (SPEC §7 V1).

DTDs, entities and external references are refused (:class:`UnsafeXml`); see
:mod:`crmkit.adapters.invoices.ubl` for the source that reads files with it.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import Element, ParseError, XMLParser

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from crmkit.domain.errors import ValidationError

__all__ = ["UnsafeXml"]

_INV = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
_CAC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2}"
_CBC = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
_ROOT = "{" + _INV + "}Invoice"


class UnsafeXml(ValidationError):
    """A file was refused before or while parsing: too large, a DTD, an entity, not XML."""


def _q(path: str) -> str:
    """Expand ``cac:``/``cbc:`` prefixes of a simple path to ElementTree's ``{ns}`` form."""
    return path.replace("cac:", _CAC).replace("cbc:", _CBC)


_PATHS: dict[str, str] = {}


def _p(path: str) -> str:
    found = _PATHS.get(path)
    if found is None:
        found = _PATHS[path] = _q(path)
    return found


class _Reader:
    """Reads one parsed document, collecting warnings; errors name the invoice and the element."""

    def __init__(self, root: Element, where: str) -> None:
        self.root = root
        self.where = where
        self.warnings: list[str] = []

    def text(self, path: str, node: Element | None = None) -> str | None:
        value = (self.root if node is None else node).findtext(_p(path))
        if value is None:
            return None
        value = value.strip()
        return value or None

    def required(self, path: str, node: Element | None = None) -> str:
        value = self.text(path, node)
        if value is None:
            raise ValidationError(path, f"{self.where}: {path} is missing")
        return value

    def amount(self, path: str, node: Element | None = None, *, default: Decimal | None = None) -> Decimal:
        value = self.text(path, node)
        if value is None:
            if default is not None:
                return default
            raise ValidationError(path, f"{self.where}: {path} is missing")
        return self.number(path, value)

    def optional_amount(self, path: str, node: Element | None = None) -> Decimal | None:
        value = self.text(path, node)
        return None if value is None else self.number(path, value)

    def number(self, path: str, value: str) -> Decimal:
        try:
            result = Decimal(value.replace(" ", ""))
        except InvalidOperation:
            raise ValidationError(path, f"{self.where}: {path} {value!r} is not a number") from None
        if not result.is_finite():
            raise ValidationError(path, f"{self.where}: {path} {value!r} is not a number")
        return result


_UTF8_DECLARATION = re.compile(
    rb"""<\?xml[^>]*encoding\s*=\s*["'](utf-?8|us-ascii|ascii)["']""", re.IGNORECASE
)


def _plain_utf8_without_dtd(data: bytes) -> bool:
    """Whether ``data`` is UTF-8 (or ASCII) XML with no ``<!DOCTYPE`` anywhere.

    Without a document type declaration there is nothing to declare an entity
    with, so neither an entity bomb nor an external entity can occur.
    """
    if (
        data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"<\x00", b"\x4c\x6f\xa7\x94"))
        or b"<!DOCTYPE" in data
    ):
        return False
    head = data[:200]
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    if not head.lstrip().startswith(b"<?xml"):
        return True  # no declaration: UTF-8 by definition
    declaration = head[: head.find(b"?>") + 2]
    return b"encoding" not in declaration or _UTF8_DECLARATION.match(declaration.lstrip()) is not None


def _parse_xml(data: bytes, where: str) -> Element:
    """Parse untrusted XML: DTDs, entities and external references are refused.

    A UTF-8 document without a ``<!DOCTYPE`` (every e-invoice) goes through the
    C-accelerated parser: with no DTD there can be no entity declaration, so no
    entity bomb and no external entity. Anything else — a DTD, another
    encoding — goes through :mod:`defusedxml`, which refuses the DTD itself.
    """
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise UnsafeXml("file", f"{where}: line 1: is UTF-32, which cannot be read; send it as UTF-8")
    try:
        if _plain_utf8_without_dtd(data):
            fast = XMLParser()
            fast.feed(data)
            root: Element = fast.close()
            return root
        parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise UnsafeXml("file", f"{where}: refused unsafe XML ({type(error).__name__}: {error})") from None
    except ParseError as error:
        raise UnsafeXml("file", f"{where}: not well-formed XML ({error})") from None
    except (LookupError, ValueError) as error:  # expat refuses UTF-7, Shift_JIS, UTF-32, unknown names
        declared = _DECLARED.search(data[:200])
        name = declared[1].decode("ascii", "replace") if declared else "?"
        raise UnsafeXml(
            "file",
            f"{where}: line 1: declares the encoding {name!r}, which cannot be read ({error});"
            " send it as UTF-8",
        ) from None
    return root


_DECLARED = re.compile(rb"""encoding\s*=\s*["']([^"']*)["']""")
