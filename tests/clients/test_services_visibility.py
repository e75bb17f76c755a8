"""The selectors decide who sees which client, health data, timeline and assignment."""

import pytest
from django.contrib.auth.models import AnonymousUser

from fitnesscrm.clients import selectors, services
from fitnesscrm.clients.models import Status
from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.core.roles import Role
from tests.factories import ClientFactory, UserFactory, build_gym

ROLES = (
    "owner",
    "manager",
    "trainer_assigned",
    "trainer_unassigned",
    "front_desk",
    "client_own",
    "outsider",
    "anonymous",
    "disabled_owner",
)


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.fixture
def as_role(owner, manager, trainer, front_desk, client_user, outsider, gym):
    users = {
        "owner": owner,
        "manager": manager,
        "trainer_assigned": trainer,
        "trainer_unassigned": gym.other_coach.user,
        "front_desk": front_desk,
        "client_own": client_user,
        "outsider": outsider,
        "anonymous": AnonymousUser(),
        "disabled_owner": UserFactory(role=Role.OWNER, is_active=False),
    }
    return users.__getitem__


# Which of the gym's records each role sees: member, stranger, outsider_record.
VISIBLE = {
    "owner": {"member", "stranger", "outsider_record"},
    "manager": {"member", "stranger", "outsider_record"},
    "trainer_assigned": {"member"},
    "trainer_unassigned": {"stranger"},
    "front_desk": {"member", "stranger", "outsider_record"},
    "client_own": {"member"},
    "outsider": {"outsider_record"},
    "anonymous": set(),
    "disabled_owner": set(),
}
HEALTH = {"owner", "manager", "trainer_assigned"}
EDITS = {"owner", "manager", "trainer_assigned", "front_desk"}
TIMELINE = {"owner", "manager", "trainer_assigned", "front_desk"}


def _names(gym, clients) -> set[str]:
    by_pk = {
        gym.member.pk: "member",
        gym.stranger.pk: "stranger",
        gym.outsider_record.pk: "outsider_record",
    }
    return {by_pk[c.pk] for c in clients}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_clients(role, gym, as_role):
    user = as_role(role)
    assert _names(gym, selectors.visible_clients(user)) == VISIBLE[role]
    assert _names(gym, selectors.client_list(user=user)) == VISIBLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_a_record_outside_ones_view_is_not_found_by_id(role, gym, as_role):
    user = as_role(role)
    for name in ("member", "stranger", "outsider_record"):
        client_id = getattr(gym, name).pk
        if name in VISIBLE[role]:
            assert selectors.client_get(user=user, client_id=client_id).pk == client_id
        else:
            with pytest.raises(NotFound):
                selectors.client_get(user=user, client_id=client_id)


@pytest.mark.parametrize("role", ROLES)
def test_health_data_is_for_owners_managers_and_assigned_trainers(role, gym, as_role):
    assert selectors.can_see_health(as_role(role), gym.member) is (role in HEALTH)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_who_see_a_client_may_edit_it(role, gym, as_role):
    assert selectors.can_edit_client(as_role(role), gym.member) is (role in EDITS)


@pytest.mark.parametrize("role", ROLES)
def test_the_timeline_is_for_staff_who_see_the_client(role, gym, as_role, owner):
    services.note_add(actor=owner, client=gym.member, body="Internal note")
    user = as_role(role)
    if role in TIMELINE:
        bodies = selectors.client_timeline(user=user, client=gym.member).values_list(
            "body", flat=True
        )
        assert "Internal note" in bodies
    elif "member" in VISIBLE[role]:
        with pytest.raises(Forbidden):
            selectors.client_timeline(user=user, client=gym.member)
    else:
        with pytest.raises(NotFound):
            selectors.client_timeline(user=user, client=gym.member)


@pytest.mark.parametrize("role", ROLES)
def test_assignments_are_listed_for_the_clients_one_sees(role, gym, as_role):
    clients = {a.client_id for a in selectors.assignment_list(user=as_role(role))}
    assert _names(gym, [c for c in (gym.member, gym.stranger) if c.pk in clients]) == (
        VISIBLE[role] - {"outsider_record"}
    )


def test_a_guessed_assignment_id_is_not_found(trainer, gym):
    stranger_assignment = gym.stranger.assignments.get()
    with pytest.raises(NotFound):
        selectors.assignment_get(user=trainer, assignment_id=stranger_assignment.pk)
    with pytest.raises(NotFound):
        selectors.assignment_get(user=trainer, assignment_id="abc")


def test_archived_clients_are_hidden_unless_asked_for(owner, gym):
    services.client_archive(actor=owner, client=gym.stranger)
    assert gym.stranger not in selectors.visible_clients(owner)
    assert gym.stranger in selectors.visible_clients(owner, include_archived=True)
    assert gym.stranger in selectors.client_list(user=owner, include_archived=True)


def test_a_trainer_loses_sight_of_a_client_when_the_assignment_ends(owner, trainer, gym):
    services.assignment_end(actor=owner, assignment=gym.assignment)
    assert list(selectors.visible_clients(trainer)) == []
    assert selectors.can_see_health(trainer, gym.member) is False


def test_filters_never_widen_a_trainers_view(trainer, gym):
    for filters in (
        {"trainer_id": gym.other_coach.pk},
        {"q": "stranger"},
        {"status": Status.ACTIVE},
    ):
        assert gym.stranger not in selectors.client_list(user=trainer, **filters)


def test_follow_up_tasks_show_only_the_users_own_on_clients_they_see(
    owner, trainer, front_desk, gym
):
    mine = services.task_create(
        actor=owner,
        client=gym.member,
        title="Mine",
        due_date=gym.member.created_at.date(),
        assigned_to=trainer,
    )
    services.task_create(
        actor=owner,
        client=gym.member,
        title="Desk's",
        due_date=gym.member.created_at.date(),
        assigned_to=front_desk,
    )
    assert list(selectors.tasks_for(user=trainer)) == [mine]
    services.assignment_end(actor=owner, assignment=gym.assignment)
    assert list(selectors.tasks_for(user=trainer)) == []


def test_the_lead_board_shows_a_trainer_only_their_leads(trainer, owner, gym):
    theirs = services.client_create(actor=trainer, first_name="Theirs")
    others = ClientFactory(status=Status.LEAD)
    board = selectors.lead_board(user=trainer)
    assert theirs in board["new"] and others not in board["new"]
    assert others in selectors.lead_board(user=owner)["new"]
    assert selectors.lead_stage_counts(user=trainer)["new"] == 1
