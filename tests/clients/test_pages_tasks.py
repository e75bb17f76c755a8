"""My tasks: the signed-in staff member's open follow-ups, overdue ones marked, done buttons."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.core.models import AuditEntry
from tests.factories import AssignmentFactory, ClientFactory, FollowUpTaskFactory

TASKS = "/tasks/"


def titles(body: str) -> list[str]:
    return [
        part.split('<div class="fw-semibold text-break">', 1)[1].split("</div>", 1)[0]
        for part in body.split('data-testid="task"')[1:]
    ]


def test_the_page_lists_only_my_open_tasks_soonest_first(front_desk, manager, login):
    today = timezone.localdate()
    client = ClientFactory(first_name="Ana", last_name="Silva")
    FollowUpTaskFactory(
        client=client, assigned_to=front_desk, title="Later", due_date=today + timedelta(days=3)
    )
    FollowUpTaskFactory(client=client, assigned_to=front_desk, title="Sooner", due_date=today)
    FollowUpTaskFactory(client=client, assigned_to=front_desk, title="Done", done_at=timezone.now())
    FollowUpTaskFactory(client=client, assigned_to=manager, title="Not mine")

    body = login(front_desk).get(TASKS).content.decode()

    assert titles(body) == ["Sooner", "Later"]
    assert "Ana Silva" in body
    assert f'href="/clients/{client.pk}/"' in body


def test_overdue_tasks_are_highlighted_and_counted(front_desk, login):
    client = ClientFactory()
    FollowUpTaskFactory(
        client=client, assigned_to=front_desk, due_date=timezone.localdate() - timedelta(days=2)
    )
    FollowUpTaskFactory(client=client, assigned_to=front_desk, due_date=timezone.localdate())

    body = login(front_desk).get(TASKS).content.decode()

    assert body.count('data-testid="overdue"') == 1
    assert "fc-overdue" in body
    assert "1 overdue." in body


def test_a_done_button_ticks_the_task_off_and_returns_to_the_list(front_desk, login):
    task = FollowUpTaskFactory(client=ClientFactory(), assigned_to=front_desk, title="Call Ana")
    browser = login(front_desk)

    response = browser.post(f"/tasks/{task.pk}/done/", {"next": TASKS}, follow=True)

    task.refresh_from_db()
    assert task.done_at is not None
    assert "“Call Ana” done." in response.content.decode()
    assert titles(response.content.decode()) == []
    assert AuditEntry.objects.filter(action="task.complete", object_id=str(task.pk)).exists()


def test_an_empty_task_list_says_there_is_nothing_to_follow_up(trainer, login):
    assert "Nothing to follow up." in login(trainer).get(TASKS).content.decode()


def test_a_trainer_does_not_see_tasks_about_clients_no_longer_theirs(
    trainer, trainer_profile, login
):
    mine = ClientFactory()
    AssignmentFactory(client=mine, trainer=trainer_profile)
    former = ClientFactory()
    FollowUpTaskFactory(client=mine, assigned_to=trainer, title="About mine")
    FollowUpTaskFactory(client=former, assigned_to=trainer, title="About a former client")

    body = login(trainer).get(TASKS).content.decode()

    assert titles(body) == ["About mine"]


@pytest.mark.parametrize("role", ["client_user", "outsider"])
def test_clients_have_no_tasks_page(role, request, login):
    assert login(request.getfixturevalue(role)).get(TASKS).status_code == 403


def test_the_page_takes_as_many_queries_for_40_tasks_as_for_4(front_desk, login):
    browser = login(front_desk)

    def make(count):
        for _ in range(count):
            FollowUpTaskFactory(client=ClientFactory(), assigned_to=front_desk)

    make(4)
    browser.get(TASKS)
    with CaptureQueriesContext(connection) as few:
        browser.get(TASKS)
    make(36)
    with CaptureQueriesContext(connection) as many:
        body = browser.get(TASKS).content.decode()

    assert len(titles(body)) == 40
    assert len(many) == len(few)
