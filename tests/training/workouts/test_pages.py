"""The staff pages of workouts and the portal's training pages, for every role."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from fitnesscrm.training.models import LoggedSet, PersonalRecord, WorkoutLog
from fitnesscrm.training.services.workouts import SetSpec, workout_log_create
from tests.factories import AssignmentFactory, ExerciseFactory, MemberFactory
from tests.training.workouts.conftest import make_plan

pytestmark = pytest.mark.django_db


def a_log(actor, client, plan=None, *, load=100, days_ago=0):
    if plan is None:
        sets = [SetSpec(exercise=ExerciseFactory(), reps=5, load=Decimal(load))]
        day = None
    else:
        sets = [
            SetSpec(exercise=None, program_set=s, reps=5, load=Decimal(load))
            for s in plan.squat.sets.all()
        ]
        day = plan.days[0]
    return workout_log_create(
        actor=actor,
        client=client,
        performed_on=timezone.localdate() - timedelta(days=days_ago),
        program_day=day,
        sets=sets,
    )


def planned_post(plan, *, loads=(100, 100, 100), extra=None, date=None):
    """The form as the today page posts it: the squat's three planned sets, plus extra rows."""
    data = {"performed_on": str(date or timezone.localdate()), "day": str(plan.days[0].pk)}
    for index, (program_set, load) in enumerate(zip(plan.squat.sets.all(), loads, strict=False)):
        data |= {
            f"set-{index}-row": "1",
            f"set-{index}-program_set": str(program_set.pk),
            f"set-{index}-completed": "on",
            f"set-{index}-reps": "5",
            f"set-{index}-load": str(load),
            f"set-{index}-load_unit": "kg",
        }
    for offset, row in enumerate(extra or []):
        index = 10 + offset
        data |= {f"set-{index}-row": "1", f"set-{index}-load_unit": "kg"}
        data |= {f"set-{index}-{name}": str(value) for name, value in row.items()}
    return data


# --- Who may open what -------------------------------------------------------------------------


def test_staff_who_coach_the_client_see_the_workouts_page(
    login, gym, plan, owner, manager, trainer
):
    a_log(trainer, gym.member, plan)
    url = reverse("workouts:client", args=[gym.member.pk])
    for user in (owner, manager, trainer):
        response = login(user).get(url)
        assert response.status_code == 200
        assert "Logged workouts" in response.content.decode()


def test_another_trainer_gets_a_404_for_a_client_and_a_log_that_are_not_theirs(login, gym, plan):
    log = a_log(gym.coach.user, gym.member, plan)
    other = login(gym.other_coach.user)
    assert other.get(reverse("workouts:client", args=[gym.member.pk])).status_code == 404
    assert other.get(reverse("workouts:new", args=[gym.member.pk])).status_code == 404
    for name in ("detail", "edit", "delete"):
        assert other.get(reverse(f"workouts:{name}", args=[log.pk])).status_code == 404
    assert other.post(reverse("workouts:delete", args=[log.pk])).status_code == 404
    assert WorkoutLog.objects.filter(pk=log.pk).exists()


def test_the_front_desk_and_clients_are_refused_the_staff_pages(
    login, gym, plan, front_desk, client_user
):
    log = a_log(gym.coach.user, gym.member, plan)
    for user in (front_desk, client_user):
        c = login(user)
        assert c.get(reverse("workouts:client", args=[gym.member.pk])).status_code == 403
        assert c.get(reverse("workouts:detail", args=[log.pk])).status_code == 403
        assert c.post(reverse("workouts:delete", args=[log.pk])).status_code == 403
        assert c.get(reverse("workouts:adherence")).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, gym, plan):
    for url in (
        reverse("workouts:client", args=[gym.member.pk]),
        reverse("workouts:adherence"),
        reverse("portal-training:today"),
        reverse("portal-training:records"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_staff_are_refused_the_portal_pages(login, trainer, front_desk):
    for user in (trainer, front_desk):
        assert login(user).get(reverse("portal-training:today")).status_code == 403


def test_a_client_guessing_another_clients_log_id_gets_a_404(login, gym, plan, outsider):
    log = a_log(gym.coach.user, gym.member, plan)
    c = login(outsider)
    assert c.get(reverse("portal-training:log", args=[log.pk])).status_code == 404
    assert c.post(reverse("portal-training:delete", args=[log.pk])).status_code == 404
    assert WorkoutLog.objects.filter(pk=log.pk).exists()


# --- Logging from the staff page ------------------------------------------------------------------


def test_the_trainer_logs_a_program_day_and_sees_the_new_record(login, gym, plan, trainer):
    c = login(trainer)
    url = reverse("workouts:new", args=[gym.member.pk]) + f"?day={plan.days[0].pk}"
    form = c.get(url)
    assert form.status_code == 200
    assert form.content.decode().count('data-testid="planned-set"') == 6
    response = c.post(url, planned_post(plan, loads=(100, 110, 120)), follow=True)
    page = response.content.decode()
    assert f"New record: {plan.squat.exercise.name} e1RM 140 kg" in page
    log = WorkoutLog.objects.get()
    assert (log.program_day, log.week_index, log.logged_by) == (plan.days[0], 1, trainer)


def test_the_form_prefills_the_planned_load_with_the_weekly_progression(login, gym, plan, trainer):
    page = login(trainer).get(
        reverse("workouts:new", args=[gym.member.pk]) + f"?day={plan.days[0].pk}"
    )
    # Week index 1: 100 kg + 2.5 kg.
    assert 'value="102.5"' in page.content.decode()


def test_an_off_plan_workout_is_logged_from_the_extra_rows(login, gym, trainer):
    row = ExerciseFactory(name="Cable row")
    c = login(trainer)
    url = reverse("workouts:new", args=[gym.member.pk])
    data = {
        "performed_on": str(timezone.localdate()),
        "set-0-row": "1",
        "set-0-exercise": str(row.pk),
        "set-0-reps": "12",
        "set-0-load": "90",
        "set-0-load_unit": "lb",
        "set-1-row": "1",
        "set-1-load_unit": "kg",
    }
    response = c.post(url, data, follow=True)
    assert "New record: Cable row e1RM" in response.content.decode()
    logged = LoggedSet.objects.get()
    assert (logged.load, logged.load_unit, logged.load_kg) == (
        Decimal("90"),
        "lb",
        Decimal("40.82"),
    )


@pytest.mark.parametrize(
    ("load", "reps", "rpe", "message"),
    [
        ("2000", "5", "", "The load is at most 1000 kg."),
        ("100", "-3", "", "Reps are a whole number from 0 to 500."),
        ("100", "5", "11", "RPE is from 1 to 10."),
    ],
)
def test_bad_numbers_show_the_form_again_with_the_message_and_store_nothing(
    login, gym, plan, trainer, load, reps, rpe, message
):
    data = planned_post(plan)
    data |= {"set-1-load": load, "set-1-reps": reps, "set-1-rpe": rpe}
    response = login(trainer).post(
        reverse("workouts:new", args=[gym.member.pk]) + f"?day={plan.days[0].pk}", data
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not WorkoutLog.objects.exists()
    assert not PersonalRecord.objects.exists()


def test_an_extra_row_with_numbers_but_no_exercise_asks_for_one(login, gym, trainer):
    data = {
        "performed_on": str(timezone.localdate()),
        "set-0-row": "1",
        "set-0-reps": "5",
        "set-0-load_unit": "kg",
    }
    response = login(trainer).post(reverse("workouts:new", args=[gym.member.pk]), data)
    assert response.status_code == 400
    assert "Choose the exercise." in response.content.decode()


def test_editing_a_log_changes_its_sets_and_records(login, gym, plan, trainer):
    log = a_log(trainer, gym.member, plan, load=100)
    c = login(trainer)
    url = reverse("workouts:edit", args=[log.pk])
    assert c.get(url).status_code == 200
    response = c.post(url, planned_post(plan, loads=(100, 100, 130)), follow=True)
    assert "New record:" in response.content.decode()
    assert log.sets.order_by("position").last().load == Decimal("130")


def test_deleting_a_log_from_its_page(login, gym, plan, trainer):
    log = a_log(trainer, gym.member, plan)
    response = login(trainer).post(reverse("workouts:delete", args=[log.pk]))
    assert response.status_code == 302
    assert not WorkoutLog.objects.exists()
    assert not PersonalRecord.objects.exists()


def test_the_add_set_button_returns_one_more_row_and_the_next_button(login, trainer):
    response = login(trainer).get(reverse("workouts:extra-set") + "?index=7")
    page = response.content.decode()
    assert 'name="set-7-row"' in page
    assert "index=8" in page and 'hx-swap-oob="true"' in page
    assert login(trainer).get(reverse("workouts:extra-set") + "?index=x").status_code == 400


# --- Lists and their query counts ---------------------------------------------------------------


def test_the_client_workouts_page_makes_the_same_queries_for_1_or_15_logs(
    login, gym, plan, trainer, django_assert_num_queries
):
    c = login(trainer)
    url = reverse("workouts:client", args=[gym.member.pk])
    a_log(trainer, gym.member, plan)
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for n in range(14):
        a_log(trainer, gym.member, plan if n % 2 else None, days_ago=n % 9)
    with django_assert_num_queries(len(few.captured_queries)):
        response = c.get(url)
    assert response.content.decode().count('data-testid="log"') == 15


def test_the_adherence_overview_makes_the_same_queries_for_1_or_6_clients(
    login, gym, plan, owner, django_assert_num_queries
):
    c = login(owner)
    url = reverse("workouts:adherence")
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for _ in range(5):
        other = MemberFactory()
        AssignmentFactory(client=other, trainer=gym.coach)
        make_plan(other, coach=gym.coach)
    with django_assert_num_queries(len(few.captured_queries)):
        response = c.get(url)
    assert response.content.decode().count('data-testid="adherence-row"') == 6


def test_a_trainer_sees_only_their_clients_in_the_adherence_overview(login, gym, plan):
    make_plan(gym.stranger, coach=gym.other_coach)
    page = login(gym.coach.user).get(reverse("workouts:adherence")).content.decode()
    assert gym.member.full_name in page
    assert gym.stranger.full_name not in page


def test_the_adherence_shows_two_of_three_as_67_percent(login, gym, plan, trainer):
    # Week 0 (ten to four days ago): days A and B logged of three.
    start = plan.program.start_date
    for day in plan.days[:2]:
        workout_log_create(
            actor=trainer,
            client=gym.member,
            performed_on=start + timedelta(days=1),
            program_day=day,
            sets=[SetSpec(exercise=ExerciseFactory(), reps=5, load=Decimal(50))],
        )
    page = login(trainer).get(reverse("workouts:adherence")).content.decode()
    assert "67% (2 of 3)" in page
    client_page = login(trainer).get(reverse("workouts:client", args=[gym.member.pk]))
    assert "2 of 3" in client_page.content.decode()


# --- The portal ---------------------------------------------------------------------------------


def test_the_client_opens_today_with_the_first_day_not_yet_done(login, gym, plan, client_user):
    a_log(gym.coach.user, gym.member, plan)  # day A of this week done
    page = login(client_user).get(reverse("portal-training:today")).content.decode()
    assert "Day B" in page
    assert 'data-testid="today-day"' in page


def test_once_every_day_is_logged_the_client_is_told_and_may_log_off_plan(
    login, gym, plan, client_user
):
    for day in plan.days:
        workout_log_create(
            actor=client_user,
            client=gym.member,
            performed_on=timezone.localdate(),
            program_day=day,
            sets=[SetSpec(exercise=ExerciseFactory(), reps=5, load=Decimal(40))],
        )
    page = login(client_user).get(reverse("portal-training:today")).content.decode()
    assert 'data-testid="week-done"' in page
    assert 'name="free" value="1"' in page


def test_the_client_logs_today_and_sees_the_new_record(login, gym, plan, client_user):
    extra = [{"exercise": plan.bench.exercise.pk, "reps": 10, "load": 50}]
    response = login(client_user).post(
        reverse("portal-training:today"), planned_post(plan, extra=extra), follow=True
    )
    page = response.content.decode()
    assert "New record:" in page
    log = WorkoutLog.objects.get()
    assert log.client == gym.member and log.logged_by == client_user
    assert log.sets.count() == 4
    assert log.sets.filter(program_set__isnull=True).get().exercise == plan.bench.exercise


def test_the_client_without_a_program_logs_an_off_plan_workout(login, gym, client_user):
    page = login(client_user).get(reverse("portal-training:today")).content.decode()
    assert "No program running this week" in page
    assert 'data-testid="extra-set"' in page


def test_the_portal_lists_only_the_clients_own_history_and_records(login, gym, plan, client_user):
    mine = a_log(gym.coach.user, gym.member, plan)
    theirs = a_log(gym.other_coach.user, gym.stranger, None, load=300)
    c = login(client_user)
    history = c.get(reverse("portal-training:history")).content.decode()
    assert reverse("portal-training:log", args=[mine.pk]) in history
    assert reverse("portal-training:log", args=[theirs.pk]) not in history
    records = c.get(reverse("portal-training:records")).content.decode()
    assert plan.squat.exercise.name in records
    assert "300" not in records


def test_the_portal_shows_the_programs_with_this_weeks_loads(login, gym, plan, client_user):
    page = login(client_user).get(reverse("portal-training:programs")).content.decode()
    assert "Strength base" in page
    assert "5 \N{MULTIPLICATION SIGN} 102.5 kg" in page


def test_records_logged_in_pounds_show_pounds_alongside(login, gym, client_user):
    row = ExerciseFactory(name="Deadlift")
    workout_log_create(
        actor=client_user,
        client=gym.member,
        performed_on=timezone.localdate(),
        sets=[SetSpec(exercise=row, reps=1, load=Decimal(315), load_unit="lb")],
    )
    page = login(client_user).get(reverse("portal-training:records")).content.decode()
    assert "142.9 kg (315 lb)" in page


def test_the_portal_history_makes_the_same_queries_for_1_or_10_logs(
    login, gym, plan, client_user, django_assert_num_queries
):
    c = login(client_user)
    url = reverse("portal-training:history")
    a_log(client_user, gym.member, plan)
    c.get(url)
    with CaptureQueriesContext(connection) as few:
        c.get(url)
    for n in range(9):
        a_log(client_user, gym.member, None, days_ago=n + 1)
    with django_assert_num_queries(len(few.captured_queries)):
        c.get(url)
