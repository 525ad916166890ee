"""Mail out of Kring over the operator's SMTP server (KRING_SMTP_HOST…, docs/operations.md): the
daily digest and an account's one-time link. What a mail may say is its sender's business; here,
only how it is addressed and delivered."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from server.settings import SmtpSettings

# What a failed delivery raises: the server unreachable, refused, or the login or a recipient refused.
SEND_ERRORS = (OSError, smtplib.SMTPException)


def message(smtp: SmtpSettings, to: str, subject: str, body: str) -> EmailMessage:
    """A plain-text mail from the configured sender."""
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=smtp.sender.rpartition("@")[2] or None)
    mail["Auto-Submitted"] = "auto-generated"  # no out-of-office replies to a robot
    mail.set_content(body)
    return mail


def send_now(smtp: SmtpSettings, messages: Sequence[EmailMessage]) -> None:
    """Deliver over one SMTP connection (blocking: `send` runs it in a thread)."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        for one in messages:
            client.send_message(one)


async def send(smtp: SmtpSettings, messages: Sequence[EmailMessage]) -> None:
    """`send_now` off the event loop; raises one of SEND_ERRORS if the mail did not go."""
    await asyncio.to_thread(send_now, smtp, messages)
