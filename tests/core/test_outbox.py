"""Is every message kept until it is delivered, whatever happens to the mail server?"""

import re
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.controller import Controller
from flask_babel import lazy_gettext as _l
from redis import Redis
from rq import SimpleWorker
from sqlalchemy import select, update

from app.core import jobs
from app.core.db import utcnow
from app.core.models import MessageStatus, OutboxMessage
from app.core.outbox import compose, deliver_due, queue_mail, retry_delay
from app.extensions import db


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on loopback that Convene is configured to use."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False)
    yield inbox
    controller.stop()


@pytest.fixture
def dead_smtp_port(app) -> int:
    """A port where no mail server answers."""
    port = free_port()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_USE_TLS=False, MAIL_TIMEOUT=2)
    return port


def queue_test_mail(user, **context):
    return queue_mail(
        user,
        kind="password_reset",
        subject=_l("Reset your Convene password"),
        template="reset_password",
        reset_url="http://localhost/account/reset/token",
        valid_minutes=60,
        **context,
    )


def test_is_a_message_lost_when_the_change_that_caused_it_is_rolled_back(app, make_user, outbox):
    user = make_user()
    queue_test_mail(user)
    db.session.rollback()
    assert outbox() == []


def test_is_a_message_delivered_after_commit_and_marked_sent(app, make_user, outbox, caplog):
    user = make_user(email="lee@example.org")
    queue_test_mail(user)
    with caplog.at_level("INFO", logger="convene.mail"):
        db.session.commit()
    [message] = outbox()
    assert message.status == MessageStatus.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert "To: lee@example.org" in caplog.text


def test_is_the_message_written_in_the_recipients_language(app, make_user, outbox):
    queue_test_mail(make_user(locale="es"))
    db.session.commit()
    [message] = outbox()
    assert message.subject == "Restablece tu contraseña de Convene"
    assert "Hola" in message.body_text


def test_is_mail_sent_through_smtp_when_configured(app, make_user, outbox, smtp_server):
    queue_test_mail(make_user(email="lee@example.org", name="Lee"))
    db.session.commit()
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["lee@example.org"]
    body = envelope.content.decode()
    assert "Subject: Reset your Convene password" in body
    assert "multipart/alternative" in body
    assert outbox()[0].status == MessageStatus.SENT


def received(envelope):
    """A message as the mail server got it, parsed from its bytes."""
    return message_from_bytes(envelope.content, policy=policy.default)


@pytest.mark.parametrize(
    ("locale", "language"),
    [("en", "en-GB"), ("en_US", "en-US"), ("es", "es"), ("zh_Hant", "zh-Hant")],
)
def test_does_every_message_say_when_what_language_and_which_message_it_is(
    app, make_user, outbox, smtp_server, locale, language
):
    queue_test_mail(make_user(locale=locale))
    db.session.commit()
    [envelope] = smtp_server.messages
    email = received(envelope)
    [message] = outbox()
    assert parsedate_to_datetime(email["Date"]) == message.created_at.replace(microsecond=0)
    assert email["Date"].datetime.utcoffset() == timedelta(0)
    assert email["Content-Language"] == language
    assert email["Message-ID"].startswith("<")
    assert email["Message-ID"].endswith("@convene.test>")  # PUBLIC_BASE_URL's host


def test_is_the_message_id_on_the_sites_domain_and_the_same_at_every_attempt(app, make_user):
    app.config["PUBLIC_BASE_URL"] = "https://outreach.example.ac.uk:8443/convene"
    first, second = queue_test_mail(make_user()), queue_test_mail(make_user())
    db.session.flush()
    assert compose(first)["Message-ID"].endswith("@outreach.example.ac.uk>")
    assert compose(first)["Message-ID"] == compose(first)["Message-ID"]
    assert compose(first)["Message-ID"] != compose(second)["Message-ID"]


#: Subjects as they are sent. A title with a dash made Python's folder break the line
#: between two spaces (the first two here), which mail programs show as a doubled
#: space; Chinese and a long plain subject are folded here too.
LONG_SUBJECTS = [
    "Your place is confirmed: Primary Science for Digital Classrooms — Spring 2026",
    "Tienes una oferta: International School of Scientific Research — Cohorte 2026 de México,"
    " Colombia y Chile",
    "你的名額已確認：London-Munich Joint Doctoral Academy — AI, healthcare and robotics 2026",  # noqa: RUF001
    "Your place is confirmed: Get Online by Phone - Thursday afternoons at the Central Library",
]


@pytest.mark.parametrize("subject", LONG_SUBJECTS)
def test_is_a_long_subject_folded_without_doubled_spaces(
    app, make_user, outbox, smtp_server, subject
):
    queue_mail(make_user(), kind="test", subject=subject, template="password_changed")
    db.session.commit()
    [envelope] = smtp_server.messages
    head = envelope.content.split(b"\r\n\r\n")[0].decode("ascii")
    assert max(len(line) for line in head.split("\r\n")) <= 78
    [raw] = re.findall(r"^Subject: (.*?)\r\n(?! )", head + "\r\n", re.S | re.M)
    assert "  " not in raw.replace("\r\n", "")  # unfolded as a mail program does
    assert received(envelope)["Subject"] == subject


def test_does_a_dead_mail_server_lose_nothing(app, make_user, outbox, dead_smtp_port):
    user = make_user()
    queue_test_mail(user)
    db.session.commit()  # the request that caused it still succeeds
    [message] = outbox()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > utcnow()


def test_is_a_failed_message_retried_once_the_server_is_back(app, make_user, outbox, smtp_server):
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()  # nothing listens there
    queue_test_mail(make_user())
    db.session.commit()
    assert outbox()[0].status == MessageStatus.PENDING

    app.config["MAIL_PORT"] = port
    assert deliver_due().sent == 0  # not due yet: back-off
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    assert deliver_due().sent == 1
    [message] = outbox()
    assert (message.status, message.attempts, message.last_error) == (MessageStatus.SENT, 2, None)
    assert len(smtp_server.messages) == 1


def test_is_a_message_given_up_after_the_last_attempt(app, make_user, outbox, dead_smtp_port):
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue_test_mail(make_user())
    db.session.commit()
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    report = deliver_due()
    assert report.failed == 1
    assert outbox()[0].status == MessageStatus.FAILED


def test_does_the_back_off_grow_and_stop_growing():
    delays = [retry_delay(n) for n in (1, 2, 3, 4, 20)]
    assert delays[:4] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert delays[-1] == timedelta(hours=6)


@pytest.mark.real_commits  # threads, each with a connection of its own
def test_do_two_deliverers_at_once_send_each_message_only_once(app, make_user, outbox, smtp_server):
    user = make_user()
    port = app.config["MAIL_PORT"]
    app.config["MAIL_PORT"] = free_port()
    for _ in range(10):
        queue_test_mail(user)
    db.session.commit()  # first attempt fails: all ten wait for a retry
    app.config["MAIL_PORT"] = port
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()

    def deliver():
        with app.app_context():
            deliver_due()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(smtp_server.messages) == 10
    assert {m.status for m in outbox()} == {MessageStatus.SENT}


def test_is_a_message_abandoned_by_a_crashed_deliverer_sent_later(app, make_user, outbox):
    queue_test_mail(make_user())
    db.session.commit()
    db.session.execute(
        update(OutboxMessage).values(
            status=MessageStatus.SENDING, claimed_at=utcnow() - timedelta(hours=1), sent_at=None
        )
    )
    db.session.commit()
    assert deliver_due().sent == 1


def test_can_an_admin_retry_a_failed_message(app, client, auth, make_user, outbox, smtp_server):
    auth.login_as(make_user(is_admin=True))
    queue_test_mail(make_user())
    db.session.commit()
    message = outbox()[0]
    db.session.execute(update(OutboxMessage).values(status=MessageStatus.FAILED, attempts=8))
    db.session.commit()
    smtp_server.messages.clear()
    response = client.post(f"/admin/outbox/{message.id}/retry")
    assert response.status_code == 302
    assert outbox()[0].status == MessageStatus.SENT
    assert len(smtp_server.messages) == 1


def test_does_delivery_go_to_a_worker_when_redis_is_configured(app, make_user, outbox):
    redis_url = "redis://127.0.0.1:6379/14"
    try:
        Redis.from_url(redis_url).ping()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app.config["REDIS_URL"] = redis_url
    queue = jobs.queue()
    queue.empty()

    queue_test_mail(make_user())
    db.session.commit()
    assert outbox()[0].status == MessageStatus.PENDING  # nothing sent inline
    assert queue.count == 1

    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert outbox()[0].status == MessageStatus.SENT
    queue.empty()


def test_does_the_cli_deliver_what_is_due(app, make_user, outbox, dead_smtp_port):
    queue_test_mail(make_user())
    db.session.commit()
    app.config["MAIL_SERVER"] = None
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow()))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["mail", "deliver"])
    assert "sent 1" in result.output
    assert db.session.scalar(select(OutboxMessage.status)) == MessageStatus.SENT
