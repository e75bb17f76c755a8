"""Who may open which client page: every role, every page and action, and guessed ids."""

import pytest
from django.test import Client as Browser

from fitnesscrm.clients.models import Client, FollowUpTask, TimelineEntry
from tests.factories import ClientFactory, FollowUpTaskFactory, TimelineEntryFactory

ROLES = ["owner", "manager", "trainer", "front_desk", "client_user", "outsider"]
NO_SUCH_ID = 987654


@pytest.fixture
def world(assigned_client, other_client, client_user):
    """The trainer's client, another trainer's client, and the client user's own record."""
    own = ClientFactory(first_name="Cleo", last_name="Client", user=client_user)
    return {"assigned": assigned_client, "other": other_client, "own": own}


# The answer each role gets for each page, about the trainer's own client ("assigned").
# 404 where a role may not see the record; 403 where the page is not for the role.
PAGES = {
    "/clients/": dict(owner=200, manager=200, trainer=200, front_desk=200, client=403),
    "/clients/new/": dict(owner=200, manager=200, trainer=200, front_desk=200, client=403),
    "/clients/{assigned}/": dict(owner=200, manager=200, trainer=200, front_desk=200, client=403),
    "/clients/{assigned}/edit/": dict(
        owner=200, manager=200, trainer=200, front_desk=200, client=403
    ),
    "/clients/{assigned}/merge/": dict(
        owner=200, manager=200, trainer=403, front_desk=200, client=403
    ),
    "/leads/": dict(owner=200, manager=200, trainer=200, front_desk=200, client=403),
    "/tasks/": dict(owner=200, manager=200, trainer=200, front_desk=200, client=403),
    "/portal/profile/": dict(owner=403, manager=403, trainer=403, front_desk=403, client=200),
}


def _expected(codes: dict, role: str) -> int:
    return codes["client" if role in ("client_user", "outsider") else role]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_gets_the_answer_meant_for_it_on_each_page(role, page, world, request, login):
    user = request.getfixturevalue(role)

    response = login(user).get(page.format(assigned=world["assigned"].pk))

    assert response.status_code == _expected(PAGES[page], role)
    if response.status_code == 403:
        assert "Ada Assigned" not in response.content.decode()


@pytest.mark.parametrize("page", list(PAGES))
def test_an_anonymous_visitor_is_sent_to_sign_in(page, world):
    path = page.format(assigned=world["assigned"].pk)

    response = Browser().get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")


@pytest.mark.parametrize("page", ["/clients/{id}/", "/clients/{id}/edit/"])
def test_a_trainer_gets_404_for_a_client_of_another_trainer(page, world, trainer, login):
    response = login(trainer).get(page.format(id=world["other"].pk))

    assert response.status_code == 404
    assert "Owen" not in response.content.decode()


@pytest.mark.parametrize("page", ["/clients/{id}/", "/clients/{id}/edit/", "/clients/{id}/merge/"])
@pytest.mark.parametrize("role", ["owner", "manager", "front_desk"])
def test_a_guessed_id_is_a_404_for_every_role(page, role, world, request, login):
    user = request.getfixturevalue(role)

    response = login(user).get(page.format(id=NO_SUCH_ID))

    assert response.status_code == 404


def test_a_trainer_with_no_clients_is_shown_none_of_the_others(world, login):
    from tests.factories import TrainerFactory

    newcomer = TrainerFactory().user

    body = login(newcomer).get("/clients/").content.decode()

    assert "Ada Assigned" not in body
    assert "Owen Other" not in body
    assert "0 clients" in body


# --- Actions (POST) ------------------------------------------------------------------------

# path, form data, and whether only the desk (owner, manager, front desk) may use it.
ACTIONS = [
    ("/clients/{id}/notes/", {"kind": "note", "body": "Hello"}, False),
    ("/clients/{id}/status/", {"status": "active"}, False),
    ("/clients/{id}/stage/", {"stage": "contacted"}, False),
    (
        "/clients/{id}/tasks/",
        {"title": "Call", "due_date": "2030-01-01", "assigned_to": "0"},
        False,
    ),
    ("/clients/{id}/invite/", {}, False),
    ("/clients/{id}/archive/", {}, True),
    ("/clients/{id}/restore/", {}, True),
    ("/clients/{id}/assignments/", {"trainer": "0"}, True),
    ("/clients/{id}/merge/", {"duplicate": "0"}, True),
]


def _snapshot() -> tuple:
    return (
        list(Client.objects.order_by("pk").values_list("status", "lead_stage", "archived_at")),
        TimelineEntry.objects.count(),
        FollowUpTask.objects.count(),
    )


@pytest.mark.parametrize(("path", "data", "desk_only"), ACTIONS)
@pytest.mark.parametrize("role", ["client_user", "outsider"])
def test_clients_cannot_use_any_staff_action(path, data, desk_only, role, world, request, login):
    user = request.getfixturevalue(role)
    before = _snapshot()

    response = login(user).post(path.format(id=world["own"].pk), data)

    assert response.status_code == 403
    assert _snapshot() == before


@pytest.mark.parametrize(("path", "data", "desk_only"), ACTIONS)
def test_anonymous_visitors_cannot_use_any_action(path, data, desk_only, world):
    before = _snapshot()

    response = Browser().post(path.format(id=world["assigned"].pk), data)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert _snapshot() == before


@pytest.mark.parametrize(("path", "data", "desk_only"), ACTIONS)
def test_a_trainer_cannot_act_on_a_client_of_another_trainer(
    path, data, desk_only, world, trainer, login
):
    before = _snapshot()

    response = login(trainer).post(path.format(id=world["other"].pk), data)

    assert response.status_code == (403 if desk_only else 404)
    assert "Owen" not in response.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize(("path", "data", "desk_only"), ACTIONS)
def test_an_action_on_a_guessed_id_is_a_404(path, data, desk_only, world, owner, login):
    before = _snapshot()

    response = login(owner).post(path.format(id=NO_SUCH_ID), data)

    assert response.status_code == 404
    assert _snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/clients/bulk/",
        "/clients/{id}/notes/",
        "/clients/{id}/archive/",
        "/clients/{id}/invite/",
        "/tasks/1/done/",
    ],
)
def test_actions_do_not_answer_a_plain_get(path, world, owner, login):
    response = login(owner).get(path.format(id=world["assigned"].pk))

    assert response.status_code == 405


def test_pinning_a_note_of_another_client_is_a_404(world, owner, login):
    note = TimelineEntryFactory(client=world["other"], body="Owen's note")

    response = login(owner).post(f"/clients/{world['assigned'].pk}/notes/{note.pk}/pin/")

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.pinned is False


def test_a_trainer_cannot_pin_a_note_of_a_client_they_do_not_train(world, trainer, login):
    note = TimelineEntryFactory(client=world["other"], body="Owen's note")

    response = login(trainer).post(f"/clients/{world['other'].pk}/notes/{note.pk}/pin/")

    assert response.status_code == 404
    note.refresh_from_db()
    assert note.pinned is False


def test_ending_an_assignment_of_another_client_is_a_404(world, owner, login):
    other_assignment = world["other"].assignments.get()

    response = login(owner).post(
        f"/clients/{world['assigned'].pk}/assignments/{other_assignment.pk}/end/"
    )

    assert response.status_code == 404
    other_assignment.refresh_from_db()
    assert other_assignment.end_date is None


def test_a_trainer_cannot_end_assignments(world, trainer, login):
    assignment = world["assigned"].assignments.get()

    response = login(trainer).post(
        f"/clients/{world['assigned'].pk}/assignments/{assignment.pk}/end/"
    )

    assert response.status_code == 403
    assignment.refresh_from_db()
    assert assignment.end_date is None


def test_a_task_of_someone_else_cannot_be_ticked_off_by_guessing_its_id(
    world, trainer, front_desk, login
):
    task = FollowUpTaskFactory(client=world["assigned"], assigned_to=front_desk)

    response = login(trainer).post(f"/tasks/{task.pk}/done/")

    assert response.status_code == 404
    task.refresh_from_db()
    assert task.done_at is None


def test_a_guessed_task_id_is_a_404(world, owner, login):
    response = login(owner).post(f"/tasks/{NO_SUCH_ID}/done/")

    assert response.status_code == 404
