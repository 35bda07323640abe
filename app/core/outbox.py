"""Mail that is never lost: queue in the caller's transaction, deliver after commit.

`queue_mail()` adds a row to the caller's session and does not commit: the
message exists exactly when the change that caused it does. Once a session
that queued mail commits, `deliver_due()` runs (inline, or as an RQ job when
Redis is configured). Delivery claims each message with a conditional UPDATE,
so two deliverers never send the same one, and a failure is retried later
with back-off until MAIL_MAX_ATTEMPTS.
"""

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

from flask import current_app, has_request_context, render_template, url_for
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from app.core import jobs
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


def absolute_url(endpoint: str, **values) -> str:
    """A full URL for mail: from the request when there is one, else PUBLIC_BASE_URL
    (jobs and commands run without a request)."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


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
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(idstring=f"convene-{message.id}")
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
