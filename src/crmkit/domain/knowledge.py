"""Knowledge-base articles and their ranked search (SPEC §6 S7): values only.

An :class:`Article` has a title, a body and keywords. Search is by words,
Turkish-case-insensitive (``İ``/``i``, ``I``/``ı`` fold the Turkish way, see
:func:`crmkit.domain.text.fold`). Every article is indexed as weighted terms
(:func:`index_terms`): a keyword weighs :data:`KEYWORD_WEIGHT`, a title word
:data:`TITLE_WEIGHT`, a body word :data:`BODY_WEIGHT` (each term counted once
per article at its highest weight). A search scores an article by the sum of
the weights of the query terms it holds and ranks by score, then
id — one rule, run by every storage in its database.

>>> sorted(index_terms(title="Isı pompası arızası", body="Kompresör ısınıyor", keywords=("ISI",)).items())
[('arizasi', 2), ('isi', 3), ('isiniyor', 1), ('kompresor', 1), ('pompasi', 2)]
>>> query_terms("ısı POMPASI")
['isi', 'pompasi']
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any, NewType

import attrs

from crmkit.domain.errors import ValidationError
from crmkit.domain.ids import EmployeeId
from crmkit.domain.text import fold

__all__ = [
    "ARTICLE_AGGREGATE",
    "BODY_WEIGHT",
    "KEYWORD_WEIGHT",
    "TITLE_WEIGHT",
    "Article",
    "ArticleId",
    "index_terms",
    "query_terms",
]

ArticleId = NewType("ArticleId", uuid.UUID)
"""Identifies a knowledge-base article (S7)."""
ARTICLE_AGGREGATE = "kb_article"
"""``aggregate_type`` of the audit entries of articles (C12)."""
KEYWORD_WEIGHT = 3
"""Weight of a query term found among an article's keywords."""
TITLE_WEIGHT = 2
"""Weight of a query term found in an article's title."""
BODY_WEIGHT = 1
"""Weight of a query term found only in an article's body."""
TITLE_LENGTH = 300
"""Longest article title, in characters."""
TERM_LENGTH = 100
"""Longest indexed term, in characters (longer words are cut)."""

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """The folded words of ``text``, in order, cut to :data:`TERM_LENGTH`."""
    return [w[:TERM_LENGTH] for w in _WORD.findall(fold(text))]


def query_terms(query: str) -> list[str]:
    """The distinct folded words of a search query, in order."""
    return list(dict.fromkeys(words(query)))


def index_terms(*, title: str, body: str, keywords: tuple[str, ...]) -> dict[str, int]:
    """Each term of an article with its weight (the highest place it appears in)."""
    found: dict[str, int] = {}
    for weight, texts in ((BODY_WEIGHT, [body]), (TITLE_WEIGHT, [title]), (KEYWORD_WEIGHT, list(keywords))):
        for text in texts:
            for word in words(text):
                found[word] = max(found.get(word, 0), weight)
    return found


def _title(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(attribute.name, "must not be blank")
    if len(value) > TITLE_LENGTH:
        raise ValidationError(attribute.name, f"is {len(value)} characters long; at most {TITLE_LENGTH}")


def _keywords(value: object) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValidationError("keywords", "a list of keywords")
    cleaned = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ValidationError("keywords", f"{item!r} is not a keyword")
        cleaned.append(" ".join(item.split()))
    return tuple(dict.fromkeys(cleaned))


@attrs.frozen(kw_only=True)
class Article:
    """A knowledge-base article (S7).

    Attributes:
        id: its id.
        title: its title.
        body: its text.
        keywords: the keywords it is found by (the heaviest terms).
        created_by: who wrote it.
        created_at: when.
        version: optimistic-locking version.
    """

    id: ArticleId
    title: str = attrs.field(validator=_title)
    body: str = ""
    keywords: tuple[str, ...] = attrs.field(default=(), converter=_keywords)
    created_by: EmployeeId
    created_at: datetime
    version: int = 1

    @property
    def terms(self) -> dict[str, int]:
        """Its indexed terms and their weights."""
        return index_terms(title=self.title, body=self.body, keywords=self.keywords)
