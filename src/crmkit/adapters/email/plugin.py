"""Registers the SMTP e-mail sender: ``smtp://`` (STARTTLS) and ``smtps://`` (implicit TLS)."""

from __future__ import annotations

from crmkit.adapters.email.smtp import SmtpEmailSender
from crmkit.hookspecs import EmailSenderFactory, Register, hookimpl

__all__ = ["crmkit_register_email_senders"]


@hookimpl
def crmkit_register_email_senders(register: Register[EmailSenderFactory]) -> None:
    """Offer ``smtp://`` and ``smtps://``."""
    register("smtp", SmtpEmailSender.from_url)
    register("smtps", SmtpEmailSender.from_url)
