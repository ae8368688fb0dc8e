"""E-mail senders broken on purpose; :class:`~crmkit.testing.contracts.EmailSenderContract` fails each.

Every mutant wraps a working sender (``Mutant(sender)``) and passes every
message through except for what it breaks: attachments dropped, the subject
altered, every message sent to the first recipient, every refusal reported as
temporary (or as permanent), one send delivered twice.
"""

from __future__ import annotations

import unicodedata

import attrs

from crmkit.ports.messaging import EmailMessage, EmailSender
from crmkit.testing.mutants._wrapping import FirstRecipientOnly, ForcedPermanence, Relay

__all__ = [
    "MUTANTS",
    "AsciiSubject",
    "DropsAttachments",
    "EveryFailurePermanent",
    "EveryFailureTemporary",
    "SenderMutant",
    "SendsTwice",
    "SticksToTheFirstRecipient",
]


class SenderMutant(Relay):
    """A mutant that breaks nothing yet: passes every message to the wrapped sender; subclasses break one."""

    def __init__(self, sender: EmailSender) -> None:
        super().__init__(sender)
        self.sender = sender


class DropsAttachments(SenderMutant):
    """Sends the text and leaves the attachments behind."""

    def send(self, message: EmailMessage) -> str:
        """Send without attachments."""
        return self.sender.send(attrs.evolve(message, attachments=()))


class AsciiSubject(SenderMutant):
    """Folds the subject to ASCII ("Şubat" → "Subat") for old servers, instead of encoding it."""

    def send(self, message: EmailMessage) -> str:
        """Send with the subject's accents stripped."""
        folded = unicodedata.normalize("NFKD", message.subject.replace("ı", "i").replace("İ", "I"))
        subject = folded.encode("ascii", "ignore").decode()
        return self.sender.send(attrs.evolve(message, subject=subject))


class SticksToTheFirstRecipient(FirstRecipientOnly, SenderMutant):
    """Every message goes to the first recipient ever sent to (a reused envelope)."""


class EveryFailureTemporary(ForcedPermanence, SenderMutant):
    """Reports every refusal as temporary: mail to an address that does not exist is retried for ever."""

    permanent = False


class EveryFailurePermanent(ForcedPermanence, SenderMutant):
    """Reports every refusal as permanent: a greylisting server dead-letters the message."""

    permanent = True


class SendsTwice(SenderMutant):
    """Sends each message twice (a retry after a reply that was only slow)."""

    def send(self, message: EmailMessage) -> str:
        """Send, then send again."""
        self.sender.send(message)
        return self.sender.send(message)


MUTANTS: tuple[type[SenderMutant], ...] = (
    DropsAttachments,
    AsciiSubject,
    SticksToTheFirstRecipient,
    EveryFailureTemporary,
    EveryFailurePermanent,
    SendsTwice,
)
"""Every e-mail sender mutant."""
