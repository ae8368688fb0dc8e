"""Adapter URLs shown to people: the password never is (issue 11 item 7)."""

from __future__ import annotations

__all__ = ["mask_password"]


def mask_password(url: str) -> str:
    """``url`` with the password of its user part shown as ``***``, fit to print or log.

    >>> mask_password("postgresql+psycopg://crm:s3cret@db:5432/crm")
    'postgresql+psycopg://crm:***@db:5432/crm'
    >>> mask_password("sqlite:///crm.db"), mask_password("netgsm://user:key@?sender=ACME")
    ('sqlite:///crm.db', 'netgsm://user:***@?sender=ACME')
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    authority = rest[:authority_end]
    userinfo, at, host = authority.rpartition("@")
    if not at or ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}{rest[authority_end:]}"
