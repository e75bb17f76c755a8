"""The task queue: enqueued in the caller's transaction, run by `fitnesscrm worker`.

These tests use real commits (transactional_db), because what they prove is
what a commit or a rollback does to an enqueued task.
"""

import email
import email.policy
import io
import re
import signal
import smtplib
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.tasks import TaskResultStatus
from django.test import Client, override_settings
from django_tasks_db.models import DBTaskResult

from fitnesscrm.core.roles import Role
from fitnesscrm.core.tasks import send_email
from tests.factories import UserFactory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_mailers(port: int) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "use_tls": False, "timeout": 10},
        }
    }


@pytest.fixture
def run_worker():
    """`run_worker()` runs `fitnesscrm worker` until the queue is empty.

    The worker installs its own SIGINT/SIGTERM handlers; they are put back
    afterwards so that Ctrl-C still stops the test run.
    """
    signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
    saved = {sig: signal.getsignal(sig) for sig in signals}

    def _run() -> str:
        out = io.StringIO()
        call_command("worker", "--batch", "--no-startup-delay", stdout=out, stderr=out)
        return out.getvalue()

    yield _run
    for sig, handler in saved.items():
        signal.signal(sig, handler)


class Inbox:
    """An aiosmtpd handler that keeps what it receives and refuses `refused@` addresses."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("refused@"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1; the app's default mailer sends to it."""
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with override_settings(MAILERS=smtp_mailers(port)):
            yield inbox
    finally:
        controller.stop()


def _enqueue_welcome(to: str = "member@example.test"):
    return send_email.enqueue(to=[to], subject="Welcome", text="Hello and welcome.")


def test_a_task_enqueued_in_a_transaction_that_rolls_back_never_runs(transactional_db, run_worker):
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue_welcome()
        raise RuntimeError("the rest of the work failed")
    assert not DBTaskResult.objects.exists()
    run_worker()
    assert mail.outbox == []


def test_a_committed_task_is_run_by_the_worker_and_marked_successful(transactional_db, run_worker):
    with transaction.atomic():
        result = _enqueue_welcome()
    assert send_email.get_result(result.id).status == TaskResultStatus.READY
    run_worker()
    assert send_email.get_result(result.id).status == TaskResultStatus.SUCCESSFUL
    assert [(m.to, m.subject) for m in mail.outbox] == [(["member@example.test"], "Welcome")]


def test_the_worker_runs_tasks_of_every_queue_by_default(transactional_db, run_worker):
    assert send_email.queue_name == "email"
    result = _enqueue_welcome()
    run_worker()
    assert send_email.get_result(result.id).status == TaskResultStatus.SUCCESSFUL


def test_an_email_to_an_smtp_server_that_is_down_marks_the_task_failed(
    transactional_db, run_worker
):
    result = _enqueue_welcome()
    with override_settings(MAILERS=smtp_mailers(_free_port())):
        run_worker()  # returns: the failure is recorded, the worker does not crash
    task_result = send_email.get_result(result.id)
    assert task_result.status == TaskResultStatus.FAILED
    assert issubclass(task_result.errors[0].exception_class, OSError)


def test_an_email_the_smtp_server_refuses_fails_while_the_next_one_is_delivered(
    transactional_db, run_worker, smtp_server
):
    refused = _enqueue_welcome("refused@example.test")
    delivered = _enqueue_welcome("member@example.test")
    run_worker()
    refused_result = send_email.get_result(refused.id)
    assert refused_result.status == TaskResultStatus.FAILED
    assert refused_result.errors[0].exception_class is smtplib.SMTPRecipientsRefused
    assert send_email.get_result(delivered.id).status == TaskResultStatus.SUCCESSFUL
    assert [m["To"] for m in smtp_server.messages] == ["member@example.test"]


def test_the_password_reset_email_arrives_by_smtp_with_a_working_link(
    transactional_db, run_worker, smtp_server
):
    user = UserFactory(role=Role.TRAINER, email="tom@example.test", full_name="Tom Trainer")
    response = Client().post("/account/password/reset/", {"email": "TOM@example.test"})
    assert response.status_code == 302
    assert smtp_server.messages == []  # sent by the worker, not by the request

    run_worker()

    [message] = smtp_server.messages
    assert message["To"] == user.email
    assert "FitnessCRM" in message["From"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Tom" in text
    links = re.findall(r"http://testserver(/account/password/reset/[^/\s]+/[^/\s]+/)", text)
    assert len(links) == 1
    html = message.get_body(preferencelist=("html",))
    assert html is not None and links[0] in html.get_content()

    # The link leads to the form for a new password.
    follow = Client().get(links[0], follow=True)
    assert follow.status_code == 200
    assert follow.redirect_chain[-1][0].endswith("/set-password/")
    assert follow.context["validlink"] is True


def test_no_password_reset_email_is_sent_for_an_unknown_address(
    transactional_db, run_worker, smtp_server
):
    response = Client().post("/account/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302  # same answer: addresses are not revealed
    run_worker()
    assert smtp_server.messages == []
    assert not DBTaskResult.objects.exists()
