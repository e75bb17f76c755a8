"""Each role's home page: the figures in a small known gym, caching, and fixed query counts."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.clients.models import Client, LeadStage, Status
from fitnesscrm.core.roles import Role
from fitnesscrm.trainers.models import Trainer
from tests.factories import (
    AssignmentFactory,
    BookingFactory,
    CertificationFactory,
    ClassSessionFactory,
    LeadFactory,
    SessionFactory,
    TimelineEntryFactory,
    TrainerFactory,
    UserFactory,
    created_days_ago,
    stage_change,
)
from tests.factories import FollowUpTaskFactory as TaskFactory
from tests.factories import MemberFactory as ClientFactory
from tests.paths import HOME_PATHS

pytestmark = pytest.mark.django_db

# Far enough back to be in an earlier month whatever today's date is.
LAST_MONTH = 40


@dataclass
class Gym:
    coach: Trainer
    colleague: Trainer
    coach_clients: list[Client]
    won: list[Client]
    lost: Client


@pytest.fixture
def gym(owner, trainer) -> Gym:
    """A small gym whose figures are known.

    Active clients: 2 new this month (coach's), 1 older, 2 won from leads 5 days ago,
    1 won 120 days ago (outside the conversion window) = 6; one archived active client
    does not count. Leads: 2 new this month (new, contacted), 1 older with a trial
    booked, 1 lost 10 days ago. Conversion: 2 won, 1 lost = 67 %.
    """
    today = timezone.localdate()
    coach = TrainerFactory(user=trainer, colour="#aa3300")
    colleague = TrainerFactory(
        user=UserFactory(role=Role.TRAINER, full_name="Cora Colleague"), colour="#0033aa"
    )
    TrainerFactory(user=UserFactory(role=Role.TRAINER, full_name="Ivan Inactive"), is_active=False)

    coach_clients = [
        ClientFactory(first_name="Ann", last_name="Active"),
        ClientFactory(first_name="Ben", last_name="Active"),
    ]
    for client in coach_clients:
        AssignmentFactory(client=client, trainer=coach)
    created_days_ago(ClientFactory(first_name="Old", last_name="Timer"), LAST_MONTH)
    created_days_ago(ClientFactory(status=Status.PAUSED), LAST_MONTH)
    archived = ClientFactory(archived_at=timezone.now())
    AssignmentFactory(client=archived, trainer=coach, is_primary=False)
    ended = AssignmentFactory(
        trainer=coach, client=created_days_ago(ClientFactory(status=Status.INACTIVE), LAST_MONTH)
    )
    ended.end_date = today
    ended.save()

    LeadFactory(first_name="Nina", last_name="New")
    LeadFactory(first_name="Carl", last_name="Contacted", lead_stage=LeadStage.CONTACTED)
    created_days_ago(
        LeadFactory(status=Status.TRIAL, lead_stage=LeadStage.TRIAL_BOOKED), LAST_MONTH
    )
    won = [created_days_ago(LeadFactory(), LAST_MONTH) for _ in range(2)]
    for client in won:
        stage_change(client, LeadStage.WON, days_ago=5, author=owner)
    AssignmentFactory(client=won[0], trainer=colleague)
    lost = created_days_ago(LeadFactory(first_name="Lou", last_name="Lost"), LAST_MONTH)
    stage_change(lost, LeadStage.LOST, days_ago=10, author=owner)
    long_ago = created_days_ago(LeadFactory(), 150)
    stage_change(long_ago, LeadStage.WON, days_ago=120)

    CertificationFactory(trainer=coach, name="CPR", expires_on=today + timedelta(days=10))
    CertificationFactory(trainer=colleague, name="First aid", expires_on=today - timedelta(days=2))
    CertificationFactory(trainer=colleague, name="Far off", expires_on=today + timedelta(days=300))
    CertificationFactory(
        trainer=Trainer.objects.get(is_active=False), name="Lapsed", expires_on=today
    )
    return Gym(coach=coach, colleague=colleague, coach_clients=coach_clients, won=won, lost=lost)


def dashboard(login, user):
    response = login(user).get(HOME_PATHS[Role(user.role)])
    assert response.status_code == 200
    return response.context["dashboard"], response.content.decode()


# --- Who may open which home page ------------------------------------------------------------


@pytest.mark.parametrize("page_role", list(Role), ids=[r.value for r in Role])
def test_each_home_page_opens_only_for_its_own_role(users_by_role, outsider, login, page_role):
    for role, user in users_by_role.items():
        expected = 200 if role == page_role else 403
        assert login(user).get(HOME_PATHS[page_role]).status_code == expected, role
    expected_outsider = 200 if page_role == Role.CLIENT else 403
    assert login(outsider).get(HOME_PATHS[page_role]).status_code == expected_outsider


@pytest.mark.parametrize("path", list(HOME_PATHS.values()))
def test_anonymous_visitors_are_sent_to_sign_in(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


# --- Owner and manager ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER])
def test_the_management_dashboard_shows_the_business_figures(users_by_role, login, gym, role):
    data, html = dashboard(login, users_by_role[role])

    assert data["active_clients"] == 6
    assert data["new_clients"] == 2
    assert data["new_leads"] == 2
    assert {s["stage"]: s["count"] for s in data["pipeline"]} == {
        "new": 1,
        "contacted": 1,
        "trial_booked": 1,
    }
    assert data["conversion"] == {"won": 2, "lost": 1, "rate": 67, "days": 90}
    assert 'data-testid="stat-active-clients">6<' in html
    assert 'data-testid="stat-conversion">67&nbsp;%<' in html
    assert "2 won · 1 lost, last 90 days" in html


def test_trainer_load_counts_active_clients_of_active_trainers(owner, login, gym):
    data, html = dashboard(login, owner)

    load = [(t["name"], t["clients"]) for t in data["load"]["trainers"]]
    assert load == [("Tom Trainer", 2), ("Cora Colleague", 1)]
    assert data["load"]["average"] == "1.5"
    assert 'fill="#aa3300"' in html
    assert "Ivan Inactive" not in html


def test_expiring_and_expired_certifications_of_active_trainers_are_listed(owner, login, gym):
    data, html = dashboard(login, owner)

    assert [(c["trainer"], c["name"], c["expired"]) for c in data["certifications"]] == [
        ("Cora Colleague", "First aid", True),
        ("Tom Trainer", "CPR", False),
    ]
    assert "In 10 days" in html
    assert "Far off" not in html and "Lapsed" not in html


def test_without_won_or_lost_leads_the_conversion_rate_is_a_dash(owner, login):
    data, html = dashboard(login, owner)

    assert data["conversion"]["rate"] is None
    assert 'data-testid="stat-conversion">—<' in html


def test_recent_activity_shows_the_last_ten_entries_newest_first_with_client_links(owner, login):
    member = ClientFactory(first_name="Tess", last_name="Timeline")
    for n in range(12):
        TimelineEntryFactory(client=member, body=f"Note number {n}", author=owner)

    data, html = dashboard(login, owner)

    assert [a["summary"] for a in data["activity"]] == [
        f"Note number {n}" for n in range(11, 1, -1)
    ]
    assert html.count('data-testid="activity"') == 10
    assert "Note number 1<" not in html
    assert f'href="{reverse("clients:detail", args=[member.pk])}"' in html


def test_stage_changes_read_as_sentences_in_the_activity(owner, login, gym):
    data, _html = dashboard(login, owner)

    summaries = [a["summary"] for a in data["activity"]]
    assert "Lead new → lost: Too expensive" in summaries
    assert "Lead new → won" in summaries


def test_the_viewer_sees_only_their_own_open_tasks(owner, manager, login):
    TaskFactory(title="Owner calls Ann", assigned_to=owner)
    TaskFactory(title="Manager calls Ben", assigned_to=manager)
    TaskFactory(title="Already done", assigned_to=owner, done_at=timezone.now())

    _data, html = dashboard(login, owner)

    assert "Owner calls Ann" in html
    assert "Manager calls Ben" not in html and "Already done" not in html


# --- Caching ----------------------------------------------------------------------------------


def test_the_figures_are_cached_for_a_minute_but_tasks_are_always_fresh(owner, login, gym):
    task = TaskFactory(title="Ring the new lead", assigned_to=owner, client=gym.lost)
    first, _ = dashboard(login, owner)
    ClientFactory()  # one more active client
    task.done_at = timezone.now()
    task.save()

    second, html = dashboard(login, owner)

    assert first["active_clients"] == second["active_clients"] == 6  # cached
    assert "Ring the new lead" not in html  # tasks are read each time
    cache.clear()
    assert dashboard(login, owner)[0]["active_clients"] == 7


def test_a_cached_dashboard_makes_fewer_queries(owner, login, gym):
    c = login(owner)
    with CaptureQueriesContext(connection) as cold:
        c.get("/owner/")
    with CaptureQueriesContext(connection) as warm:
        c.get("/owner/")

    assert len(warm) < len(cold)


def test_a_trainer_sees_their_own_counts_after_the_owner_filled_the_cache(
    owner, trainer, login, gym
):
    owner_data, _ = dashboard(login, owner)
    trainer_data, html = dashboard(login, trainer)

    assert owner_data["active_clients"] == 6
    assert trainer_data["client_total"] == 2
    assert 'data-testid="my-client-count">2<' in html


def test_two_trainers_each_see_their_own_clients_whoever_looks_first(trainer, login, gym):
    colleague_data, _ = dashboard(login, gym.colleague.user)
    coach_data, _ = dashboard(login, trainer)

    assert [c["name"] for c in colleague_data["clients"]] == [gym.won[0].full_name]
    assert [c["name"] for c in coach_data["clients"]] == ["Ann Active", "Ben Active"]


def test_a_manager_never_gets_figures_cached_for_a_trainer(manager, trainer, login, gym):
    dashboard(login, trainer)

    data, _ = dashboard(login, manager)

    assert data["active_clients"] == 6


# --- Trainer ---------------------------------------------------------------------------------


def test_the_trainer_home_lists_their_clients_tasks_and_certifications(trainer, login, gym):
    gym.coach_clients[1].status = Status.PAUSED
    gym.coach_clients[1].save()
    TaskFactory(title="Check Ann's squat", assigned_to=trainer, client=gym.coach_clients[0])

    data, html = dashboard(login, trainer)

    assert data["client_total"] == 2
    assert {s["status"]: s["count"] for s in data["by_status"]} == {"active": 1, "paused": 1}
    assert [(c["name"], c["status"]) for c in data["clients"]] == [
        ("Ann Active", "active"),
        ("Ben Active", "paused"),
    ]
    assert "Check Ann's squat" in html or "Check Ann&#x27;s squat" in html
    assert [c["name"] for c in data["certifications"]] == ["CPR"]  # not the colleague's
    assert f'href="/trainers/{gym.coach.pk}/"' in html


def test_the_trainer_home_lists_their_sessions_of_today_only(trainer, login, gym):
    now = timezone.localtime()
    today_late = now.replace(hour=23, minute=0, second=0, microsecond=0)
    SessionFactory(
        trainer=gym.coach, title="Ann's session", starts_at=today_late - timedelta(hours=1)
    )
    SessionFactory(
        trainer=gym.coach, title="Cancelled one", starts_at=today_late, status="cancelled"
    )
    SessionFactory(trainer=gym.coach, title="Tomorrow's", starts_at=today_late + timedelta(days=1))
    SessionFactory(
        trainer=gym.colleague, title="Colleague's", starts_at=today_late - timedelta(hours=1)
    )

    data, html = dashboard(login, trainer)

    assert [s.title for s in data["today"]] == ["Ann's session"]
    assert "Colleague&#x27;s" not in html and "Tomorrow&#x27;s" not in html


def test_a_trainer_without_a_profile_is_told_so(trainer, login):
    data, html = dashboard(login, trainer)

    assert data["client_total"] == 0
    assert "no trainer profile yet" in html


# --- Front desk --------------------------------------------------------------------------------


def test_the_front_desk_sees_today_and_overdue_tasks_but_not_later_ones(front_desk, login):
    today = timezone.localdate()
    TaskFactory(title="Due today", assigned_to=front_desk, due_date=today)
    TaskFactory(title="Overdue", assigned_to=front_desk, due_date=today - timedelta(days=2))
    TaskFactory(title="Next week", assigned_to=front_desk, due_date=today + timedelta(days=7))

    data, html = dashboard(login, front_desk)

    assert [t.title for t in data["tasks"]["items"]] == ["Overdue", "Due today"]
    assert "Next week" not in html


def test_the_front_desk_sees_every_session_of_today_with_its_seats(front_desk, login):
    today_late = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    spin = ClassSessionFactory(title="Evening spin", starts_at=today_late - timedelta(hours=2))
    BookingFactory(session=spin)
    SessionFactory(title="Late PT", starts_at=today_late)

    data, html = dashboard(login, front_desk)

    assert [s.title for s in data["today"]] == ["Evening spin", "Late PT"]
    assert f'href="/schedule/sessions/{spin.pk}/"' in html
    assert "1/12" in html


def test_the_front_desk_search_box_sends_the_query_to_the_client_list(front_desk, login):
    _data, html = dashboard(login, front_desk)

    assert 'action="/clients/"' in html
    assert 'name="q"' in html


def test_the_front_desk_sees_the_newest_open_leads(front_desk, login):
    created_days_ago(LeadFactory(first_name="Older", last_name="Lead"), 3)
    LeadFactory(first_name="Newest", last_name="Lead")
    ClientFactory(first_name="Not", last_name="Alead")
    LeadFactory(first_name="Archived", last_name="Lead", archived_at=timezone.now())
    LeadFactory(first_name="Lost", last_name="Cause", lead_stage=LeadStage.LOST)

    data, html = dashboard(login, front_desk)

    assert [c.full_name for c in data["recent_leads"]] == ["Newest Lead", "Older Lead"]
    assert "Not Alead" not in html and "Archived Lead" not in html
    assert "Lost Cause" not in html


# --- Client portal ------------------------------------------------------------------------------


def test_a_client_sees_a_welcome_with_their_trainers_only(client_user, login, gym):
    me = ClientFactory(user=client_user, first_name="Cleo", last_name="Client")
    AssignmentFactory(client=me, trainer=gym.coach)
    former = AssignmentFactory(client=me, trainer=gym.colleague, is_primary=False)
    former.end_date = timezone.localdate()
    former.save()

    data, html = dashboard(login, client_user)

    assert [t.name for t in data["trainers"]] == ["Tom Trainer"]
    assert "Welcome, Cleo" in html
    assert "Cora Colleague" not in html
    assert f'href="{reverse("clients:portal-profile")}"' in html


def test_an_outsider_client_sees_no_one_else_trainers(outsider, login, gym):
    data, html = dashboard(login, outsider)

    assert data["trainers"] == []
    assert "No trainer is assigned to you yet" in html
    assert "Tom Trainer" not in html


# --- Query counts ---------------------------------------------------------------------------------


def _populate(size: int, *, trainer_user, desk_user, owner_user) -> None:
    coach = Trainer.objects.filter(user=trainer_user).first() or TrainerFactory(user=trainer_user)
    for n in range(size):
        member = ClientFactory(status=[Status.ACTIVE, Status.TRIAL, Status.PAUSED][n % 3])
        AssignmentFactory(client=member, trainer=coach)
        TimelineEntryFactory(client=member, author=owner_user)
        lead = LeadFactory(lead_stage=[LeadStage.NEW, LeadStage.CONTACTED][n % 2])
        stage_change(lead, [LeadStage.WON, LeadStage.LOST][n % 2], days_ago=n % 30)
        for user in (owner_user, trainer_user, desk_user):
            TaskFactory(client=member, assigned_to=user)
        CertificationFactory(trainer=coach, expires_on=timezone.localdate() + timedelta(days=n))


def _home_queries(login, user) -> int:
    cache.clear()
    c = login(user)
    with CaptureQueriesContext(connection) as queries:
        assert c.get(HOME_PATHS[Role(user.role)]).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_each_dashboard_makes_the_same_number_of_queries_for_3_or_30_clients(
    users_by_role, login, role
):
    user = users_by_role[role]
    if role == Role.CLIENT:
        me = ClientFactory(user=user)
        AssignmentFactory(client=me, trainer=TrainerFactory())
    people = {
        "trainer_user": users_by_role[Role.TRAINER],
        "desk_user": users_by_role[Role.FRONT_DESK],
        "owner_user": users_by_role[Role.OWNER],
    }

    _populate(3, **people)
    few = _home_queries(login, user)
    _populate(27, **people)
    many = _home_queries(login, user)

    assert few == many
