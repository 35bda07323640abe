"""Mail that is never lost: queue in the caller's transaction, deliver after commit.

`queue_mail()` adds a row to the caller's session and does not commit: the
message exists exactly when the change that caused it does. Once a session
that queued mail commits, `deliver_due()` runs (inline, or as an RQ job when
Redis is configured). Delivery claims each message with a conditional UPDATE,
so two deliverers never send the same one, and a failure is retried later
with back-off until MAIL_MAX_ATTEMPTS.
"""

import base64
import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Protocol

from flask import current_app, render_template
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.core import jobs
from app.core.address import site_domain
from app.core.db import utcnow
from app.core.i18n import with_region
from app.core.models import MessageStatus, OutboxMessage
from app.core.templating import template_helpers
from app.core.transaction import after_commit, after_rollback
from app.extensions import db

log = logging.getLogger("convene.mail")


class Recipient(Protocol):
    """Whom a message goes to: an account, or anyone with an address and a language."""

    email: str
    locale: str | None


#: A claim older than this is taken to belong to a deliverer that died.
STALE_CLAIM = timedelta(minutes=10)


def queue_mail(
    recipient: Recipient,
    *,
    kind: str,
    subject: str,
    template: str,
    attachments: list[dict[str, str]] | None = None,
    **context,
) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` (and `.html`) in the recipient's language.

    `subject` should be a lazy string so that it is translated here too. Their dates
    follow the region on their account; English kept without one reads as British.
    """
    if recipient.locale:
        locale = with_region(recipient.locale)
    else:
        locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    with force_locale(locale):
        context.update(user=recipient, subject=str(subject))
        message = OutboxMessage(
            kind=kind,
            recipient=recipient.email,
            subject=str(subject),
            locale=locale,
            body_text=render_template(f"mail/{template}.txt", **context),
            body_html=render_template(f"mail/{template}.html", **context),
            attachments=attachments or [],
        )
    db.session.add(message)
    return message


def requeue(message: OutboxMessage) -> None:
    """Give a message a fresh set of attempts; it is delivered once the caller commits."""
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = utcnow()
    _deliver_when_committed(db.session(), {message.id})


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_due(limit: int = 100, only: list[int] | None = None) -> DeliveryReport:
    """Try every message that is due, or only the given ones (those a change just
    queued). Safe to run from several processes at once."""
    report = DeliveryReport()
    now = utcnow()
    # A session of its own: this runs right after another session's commit.
    with Session(db.engine) as session:
        statement = select(OutboxMessage.id).where(_claimable(now))
        if only is not None:
            statement = statement.where(OutboxMessage.id.in_(only))
        due = session.scalars(statement.order_by(OutboxMessage.id).limit(limit)).all()
        for message_id in due:
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, _claimable(now))
                .values(status=MessageStatus.SENDING, claimed_at=now)
            ).rowcount
            session.commit()
            if claimed:
                _attempt(session, session.get(OutboxMessage, message_id), report)
    return report


def _claimable(now: datetime):
    return or_(
        (OutboxMessage.status == MessageStatus.PENDING) & (OutboxMessage.next_attempt_at <= now),
        (OutboxMessage.status == MessageStatus.SENDING)
        & (OutboxMessage.claimed_at < now - STALE_CLAIM),
    )


def _attempt(session: Session, message: OutboxMessage, report: DeliveryReport) -> None:
    message.attempts += 1
    try:
        send(message)
    except (OSError, smtplib.SMTPException) as error:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
            message.status = MessageStatus.FAILED
            report.failed += 1
        else:
            message.status = MessageStatus.PENDING
            message.next_attempt_at = utcnow() + retry_delay(message.attempts)
            report.retrying += 1
        log.warning("mail %s to %s not sent: %s", message.id, message.recipient, error)
    else:
        message.status = MessageStatus.SENT
        message.sent_at = utcnow()
        message.last_error = None
        report.sent += 1
    session.commit()


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes between tries, at most six hours."""
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def compose(message: OutboxMessage) -> EmailMessage:
    """The message as it goes to the mail server.

    Date is when the message was queued (when what it tells happened), in UTC. The
    Message-ID is on the site's domain and the same at every attempt, so that a
    message sent twice (the server took it, then the connection dropped) is one
    message to the recipient's mail program.
    """
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email.set_raw("Subject", folded_subject(message.subject))
    email["Date"] = format_datetime(message.created_at)
    email["Message-ID"] = (
        f"<convene.{message.id}.{message.created_at:%Y%m%d%H%M%S%f}@{site_domain()}>"
    )
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments or []:
        maintype, subtype = attachment["content_type"].split("/", 1)
        email.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
        )
    # After the parts are made: making a message multipart moves Content-* headers
    # into its first part.
    email["Content-Language"] = message.locale.replace("_", "-")  # zh_Hant -> zh-Hant
    return email


#: The longest line of a header (RFC 5322) and the longest encoded word (RFC 2047).
LINE_LENGTH = 78
ENCODED_WORD_LENGTH = 75
_SUBJECT_WIDTH = LINE_LENGTH - len("Subject: ")
#: Subjects written as they are: printable ASCII, no encoded-word look-alike, no space
#: at either end.
_PLAIN = re.compile(r"[!-~](?:[ -~]*[!-~])?")
#: Where a plain subject may be folded: before a run of spaces.
_FOLD_POINT = re.compile(r"(?<! )(?= )")


def folded_subject(subject: str) -> str:
    """The Subject's value as written on the wire: lines of at most 78 characters that
    unfold (line breaks removed) to the subject exactly.

    Python 3.11's own folder sometimes moves the space between two words into a line
    break when one of them is encoded: the header then unfolds with a doubled space and
    decodes with the two words run together. So a plain ASCII subject is folded here
    before its spaces, and any other is written as UTF-8 encoded words, one per line,
    that hold its spaces inside them (the space between two encoded words is not part
    of the text).
    """
    if _PLAIN.fullmatch(subject) and "=?" not in subject:
        lines = [""]
        for piece in _FOLD_POINT.split(subject):
            width = _SUBJECT_WIDTH if len(lines) == 1 else LINE_LENGTH
            if lines[-1] and len(lines[-1]) + len(piece) > width:
                lines.append(piece)
            else:
                lines[-1] += piece
        if len(lines[0]) <= _SUBJECT_WIDTH and all(len(line) <= LINE_LENGTH for line in lines[1:]):
            return "\n".join(lines)
    return "\n ".join(_encoded_words(subject))


def _encoded_words(text: str) -> list[str]:
    """`text` as RFC 2047 encoded words (UTF-8, base64) that fit on a header's lines,
    split between characters."""
    words: list[str] = []
    chunk = ""
    width = _SUBJECT_WIDTH
    for character in text:
        if chunk and len(_encoded_word(chunk + character)) > width:
            words.append(_encoded_word(chunk))
            chunk, width = "", ENCODED_WORD_LENGTH
        chunk += character
    words.append(_encoded_word(chunk))
    return words


def _encoded_word(text: str) -> str:
    return f"=?utf-8?b?{base64.b64encode(text.encode()).decode()}?="


def send(message: OutboxMessage) -> None:
    """Hand one message to SMTP when MAIL_SERVER is set, else write it to the log."""
    config = current_app.config
    if not config["MAIL_SERVER"]:
        log.info(
            "mail (no MAIL_SERVER set, logged only)\nTo: %s\nSubject: %s\n\n%s",
            message.recipient,
            message.subject,
            message.body_text,
        )
        return
    email = compose(message)
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    ) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


@event.listens_for(db.session, "after_flush")
def _note_queued_mail(session, flush_context) -> None:
    """Deliver what a transaction queued once it commits; `flask mail deliver` catches
    up anything a failed delivery left behind."""
    if queued := {obj.id for obj in session.new if isinstance(obj, OutboxMessage)}:
        _deliver_when_committed(session, queued)


def _deliver_when_committed(session, message_ids: set[int]) -> None:
    if "mail_queued" not in session.info:
        after_commit(lambda: _deliver_queued(session), session)
        after_rollback(lambda: session.info.pop("mail_queued", None), session)
    session.info.setdefault("mail_queued", set()).update(message_ids)


def _deliver_queued(session) -> None:
    if queued := session.info.pop("mail_queued", None):
        jobs.run_or_enqueue(deliver_due, 100, sorted(queued))


#: How the admin outbox names each state of a message.
MESSAGE_STATUS_LABELS = {
    MessageStatus.PENDING: _l("pending"),
    MessageStatus.SENDING: _l("sending"),
    MessageStatus.SENT: _l("sent"),
    MessageStatus.FAILED: _l("failed"),
}


def message_status_label(status: MessageStatus | str) -> str:
    return str(MESSAGE_STATUS_LABELS.get(status, status))


template_helpers({"message_status_label": message_status_label, "MessageStatus": MessageStatus})
