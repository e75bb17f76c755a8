"""/api/v1/clients: list, create, read, change, archive, and a client's notes."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fitnesscrm.clients import services
from fitnesscrm.clients.models import Client, EntryKind, Status, TimelineEntry
from fitnesscrm.core.models import AuditEntry
from tests.api.test_errors import assert_api_error
from tests.factories import (
    AssignmentFactory,
    ClientFactory,
    TagFactory,
    build_gym,
    give_health_consent,
)

URL = "/api/v1/clients"


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


def send(client, method: str, url: str, data=None):
    """A JSON request through the test client."""
    body = json.dumps(data) if data is not None else ""
    return getattr(client, method)(url, body, content_type="application/json")


def fields_of(body: dict) -> list[str]:
    return [error["field"] for error in body["errors"]]


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content[:500]
    return {item["id"] for item in response.json()["items"]}


# --- List ------------------------------------------------------------------------------------


def test_the_list_is_a_page_with_count_limit_offset_and_items(owner, login):
    ClientFactory.create_batch(3)
    body = login(owner).get(URL).json()
    assert set(body) == {"count", "limit", "offset", "items"}
    assert (body["count"], body["limit"], body["offset"], len(body["items"])) == (3, 25, 0, 3)


def test_limit_and_offset_walk_through_the_list_in_name_order(owner, login):
    for name in ["Ada", "Ben", "Cat", "Dan", "Eve"]:
        ClientFactory(first_name=name, last_name=name)
    body = login(owner).get(URL, {"limit": 2, "offset": 2}).json()
    assert body["count"] == 5
    assert [item["first_name"] for item in body["items"]] == ["Cat", "Dan"]


@pytest.mark.parametrize("limit", [0, 101, "many"])
def test_a_limit_outside_1_to_100_answers_422_naming_limit(owner, login, limit):
    body = assert_api_error(login(owner).get(URL, {"limit": limit}), 422, "validation_error")
    assert fields_of(body) == ["limit"]


def test_a_limit_of_100_is_accepted(owner, login):
    assert login(owner).get(URL, {"limit": 100}).json()["limit"] == 100


def test_the_list_costs_the_same_queries_for_3_and_30_clients(owner, login, gym):
    session = login(owner)
    tag = TagFactory()

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert session.get(URL, {"limit": 100}).status_code == 200
        return len(ctx.captured_queries)

    for client in ClientFactory.create_batch(3):
        client.tags.add(tag)
        AssignmentFactory(client=client, trainer=gym.coach)
    few = queries()
    for client in ClientFactory.create_batch(27):
        client.tags.add(tag)
        AssignmentFactory(client=client, trainer=gym.other_coach)
    assert queries() == few


def test_search_ignores_case_and_accents(owner, login):
    ClientFactory(first_name="José", last_name="Núñez")
    ClientFactory(first_name="Other", last_name="Person")
    items = login(owner).get(URL, {"q": "jose nunez"}).json()["items"]
    assert [item["full_name"] for item in items] == ["José Núñez"]


def test_search_finds_clients_by_email_and_by_phone_as_people_type_it(owner, login):
    found = ClientFactory(email="zoe@gym.example", phone="+447911123456")
    ClientFactory(phone="+447911123999")
    session = login(owner)
    assert ids(session.get(URL, {"q": "ZOE@gym"})) == {found.pk}
    assert ids(session.get(URL, {"q": "07911 123456"})) == {found.pk}


def test_filters_by_status_source_trainer_and_tag(owner, login, gym):
    tag = TagFactory(name="Early bird")
    tagged = ClientFactory(status=Status.TRIAL, source="referral")
    tagged.tags.add(tag)
    session = login(owner)
    assert ids(session.get(URL, {"status": "trial"})) == {tagged.pk}
    assert ids(session.get(URL, {"source": "referral"})) == {tagged.pk}
    assert ids(session.get(URL, {"trainer": gym.coach.pk})) == {gym.member.pk}
    assert ids(session.get(URL, {"tag": tag.pk})) == {tagged.pk}
    assert ids(session.get(URL, {"tag": "early BIRD"})) == {tagged.pk}
    assert ids(session.get(URL, {"tag": "no such tag"})) == set()


@pytest.mark.parametrize("param", ["status", "source", "sort"])
def test_an_unknown_filter_value_answers_422_naming_the_parameter(owner, login, param):
    body = assert_api_error(login(owner).get(URL, {param: "bogus"}), 422, "validation_error")
    assert fields_of(body) == [param]
    assert body["errors"][0]["location"] == "query"


def test_sorting_by_newest_puts_the_latest_client_first(owner, login):
    older = ClientFactory(first_name="Aaron")
    newer = ClientFactory(first_name="Zed")
    Client.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    items = login(owner).get(URL, {"sort": "-created"}).json()["items"]
    assert [item["id"] for item in items] == [newer.pk, older.pk]


def test_list_items_show_tags_and_trainers_but_never_health_data(owner, login, gym):
    gym.member.tags.add(TagFactory(name="VIP"))
    (item,) = login(owner).get(URL, {"q": "cleo member"}).json()["items"]
    assert [tag["name"] for tag in item["tags"]] == ["VIP"]
    assert [(t["trainer"]["name"], t["is_primary"]) for t in item["trainers"]] == [
        ("Tom Trainer", True)
    ]
    assert "health_notes" not in item and "injuries" not in item


def test_archived_clients_leave_the_list(owner, login, gym):
    services.client_archive(actor=owner, client=gym.stranger)
    assert gym.stranger.pk not in ids(login(owner).get(URL))


def test_a_trainer_lists_only_the_clients_assigned_to_them(trainer, login, gym):
    assert ids(login(trainer).get(URL)) == {gym.member.pk}


def test_a_client_lists_only_their_own_record(client_user, outsider, login, gym):
    assert ids(login(client_user).get(URL)) == {gym.member.pk}
    assert ids(login(outsider).get(URL)) == {gym.outsider_record.pk}


def test_filtering_by_another_trainer_shows_a_trainer_nothing_new(trainer, login, gym):
    assert ids(login(trainer).get(URL, {"trainer": gym.other_coach.pk})) == set()


def test_an_anonymous_caller_gets_401(db):
    from django.test import Client as HttpClient

    assert_api_error(HttpClient().get(URL), 401, "not_authenticated")


# --- Create ----------------------------------------------------------------------------------


def test_staff_create_a_client_with_normalised_phone_and_email(owner, login):
    response = send(
        login(owner),
        "post",
        URL,
        {
            "first_name": " Zoë ",
            "last_name": "Łukasiewicz",
            "email": "Zoe@Example.TEST",
            "phone": "07911 123456",
            "source": "referral",
            "tags": ["Morning", "VIP"],
            "email_consent": True,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["first_name"], body["last_name"]) == ("Zoë", "Łukasiewicz")
    assert (body["email"], body["phone"]) == ("zoe@example.test", "+447911123456")
    assert (body["status"], body["source"]) == ("lead", "referral")
    assert sorted(tag["name"] for tag in body["tags"]) == ["Morning", "VIP"]
    assert body["email_consent"] is True and body["email_consent_at"]
    assert body["sms_consent"] is False and body["sms_consent_at"] is None
    client = Client.objects.get(pk=body["id"])
    assert client.created_by == owner
    assert AuditEntry.objects.filter(action="client.create", object_id=str(client.pk)).exists()


def test_an_api_key_can_create_a_client(owner, api_key_for, bearer):
    response = send(bearer(api_key_for(owner)), "post", URL, {"first_name": "Keyed"})
    assert response.status_code == 201
    assert Client.objects.filter(first_name="Keyed").exists()


def test_an_existing_email_in_any_case_answers_409_naming_email(owner, login):
    ClientFactory(email="taken@example.test")
    response = send(login(owner), "post", URL, {"first_name": "Dup", "email": "TAKEN@example.test"})
    body = assert_api_error(response, 409, "email_taken")
    assert fields_of(body) == ["email"]
    assert Client.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"first_name": "Ann", "phone": "12"}, "phone"),
        ({"first_name": "Ann", "phone": "+44 not a phone"}, "phone"),
        ({"first_name": "Ann", "emergency_contact_phone": "999"}, "emergency_contact_phone"),
        ({"first_name": "Ann", "email": "not-an-email"}, "email"),
        ({"first_name": "Ann", "country": "1X"}, "country"),
        ({"first_name": "Ann", "date_of_birth": "2999-01-01"}, "date_of_birth"),
    ],
)
def test_a_value_the_service_refuses_answers_422_naming_the_field(owner, login, payload, field):
    body = assert_api_error(send(login(owner), "post", URL, payload), 422, "validation_error")
    assert fields_of(body) == [field]
    assert body["errors"][0]["message"]
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "first_name"),
        ({"first_name": "   "}, "first_name"),
        ({"first_name": "x" * 81}, "first_name"),
        ({"first_name": "Ann", "goals": "g" * 4001}, "goals"),
        ({"first_name": "Ann", "status": "vip"}, "status"),
        ({"first_name": "Ann", "source": "tv"}, "source"),
        ({"first_name": "Ann", "tags": ["t" * 41]}, "tags.0"),
        ({"first_name": "Ann", "date_of_birth": "yesterday"}, "date_of_birth"),
    ],
)
def test_a_body_that_breaks_the_schema_answers_422_naming_the_field(owner, login, payload, field):
    body = assert_api_error(send(login(owner), "post", URL, payload), 422, "validation_error")
    assert fields_of(body) == [field]
    assert not Client.objects.exists()


def test_text_at_the_limit_is_accepted(owner, login):
    response = send(login(owner), "post", URL, {"first_name": "x" * 80, "goals": "g" * 4000})
    assert response.status_code == 201


def test_the_front_desk_cannot_record_health_data_403(front_desk, login):
    response = send(login(front_desk), "post", URL, {"first_name": "Ann", "injuries": "Bad back"})
    assert_api_error(response, 403, "forbidden")
    assert not Client.objects.exists()


def test_a_client_created_by_a_trainer_gets_them_as_primary_trainer(trainer, login, gym):
    response = send(login(trainer), "post", URL, {"first_name": "Newbie"})
    assert response.status_code == 201
    body = response.json()
    assert [(t["trainer"]["id"], t["is_primary"]) for t in body["trainers"]] == [
        (gym.coach.pk, True)
    ]


def test_a_new_client_cannot_arrive_with_health_notes_before_consenting(trainer, login, gym):
    response = send(login(trainer), "post", URL, {"first_name": "Newbie", "injuries": "Knee"})
    body = assert_api_error(response, 400, "consent_required")
    assert "consent" in body["detail"]
    assert not Client.objects.filter(first_name="Newbie").exists()


def test_a_client_can_be_created_with_a_primary_trainer_and_status(owner, login, gym):
    response = send(
        login(owner),
        "post",
        URL,
        {"first_name": "Ann", "trainer": gym.other_coach.pk, "status": "trial"},
    )
    body = response.json()
    assert body["status"] == "trial"
    assert [t["trainer"]["id"] for t in body["trainers"]] == [gym.other_coach.pk]


def test_an_unknown_trainer_id_answers_422_naming_trainer(owner, login):
    body = assert_api_error(
        send(login(owner), "post", URL, {"first_name": "Ann", "trainer": 987654}),
        422,
        "validation_error",
    )
    assert fields_of(body) == ["trainer"]
    assert not Client.objects.exists()


def test_a_client_login_cannot_create_clients(client_user, login):
    assert_api_error(send(login(client_user), "post", URL, {"first_name": "X"}), 403, "forbidden")
    assert not Client.objects.exists()


# --- Read -------------------------------------------------------------------------------------


def test_owners_and_the_assigned_trainer_see_health_data(owner, manager, trainer, login, gym):
    for user in (owner, manager, trainer):
        body = login(user).get(f"{URL}/{gym.member.pk}").json()
        assert body["health_notes"] == "Asthma, carries an inhaler."
        assert body["injuries"] == "Left knee ligament, 2023."


def test_the_front_desk_and_the_client_see_the_record_without_health_fields(
    front_desk, client_user, login, gym
):
    for user in (front_desk, client_user):
        response = login(user).get(f"{URL}/{gym.member.pk}")
        assert response.status_code == 200
        body = response.json()
        assert body["email"] == "cleo.member@example.test"
        assert "health_notes" not in body and "injuries" not in body
        assert b"Asthma" not in response.content


def test_a_guessed_id_answers_404_without_the_other_persons_data(
    trainer, outsider, owner, login, gym
):
    for user, client_id in [
        (trainer, gym.stranger.pk),
        (outsider, gym.member.pk),
        (owner, 987654),
    ]:
        response = login(user).get(f"{URL}/{client_id}")
        assert_api_error(response, 404, "not_found")
        assert b"Stranger" not in response.content and b"Member" not in response.content


def test_a_client_id_that_is_not_a_number_answers_422(owner, login):
    body = assert_api_error(login(owner).get(f"{URL}/abc"), 422, "validation_error")
    assert fields_of(body) == ["client_id"]


# --- Patch ------------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(owner, login, gym):
    response = send(login(owner), "patch", f"{URL}/{gym.member.pk}", {"goals": "Run 10k"})
    assert response.status_code == 200, response.content
    gym.member.refresh_from_db()
    assert gym.member.goals == "Run 10k"
    assert gym.member.email == "cleo.member@example.test"
    assert gym.member.injuries == "Left knee ligament, 2023."
    assert response.json()["phone"] == "+447911100001"


def test_patch_with_an_invalid_phone_answers_422_and_changes_nothing(owner, login, gym):
    response = send(
        login(owner), "patch", f"{URL}/{gym.member.pk}", {"goals": "New", "phone": "123"}
    )
    body = assert_api_error(response, 422, "validation_error")
    assert fields_of(body) == ["phone"]
    gym.member.refresh_from_db()
    assert (gym.member.goals, gym.member.phone) == ("", "+447911100001")


def test_patch_to_an_email_another_client_has_answers_409(owner, login, gym):
    response = send(
        login(owner), "patch", f"{URL}/{gym.member.pk}", {"email": gym.stranger.email.upper()}
    )
    assert_api_error(response, 409, "email_taken")


def test_null_clears_a_text_field_but_not_the_first_name(owner, login, gym):
    session = login(owner)
    response = send(session, "patch", f"{URL}/{gym.member.pk}", {"phone": None})
    assert response.json()["phone"] == ""
    body = assert_api_error(
        send(session, "patch", f"{URL}/{gym.member.pk}", {"first_name": None}),
        422,
        "validation_error",
    )
    assert fields_of(body) == ["first_name"]


def test_patch_replaces_tags_when_sent_and_keeps_them_otherwise(owner, login, gym):
    session = login(owner)
    send(session, "patch", f"{URL}/{gym.member.pk}", {"tags": ["VIP", "Morning"]})
    body = send(session, "patch", f"{URL}/{gym.member.pk}", {"goals": "x"}).json()
    assert sorted(tag["name"] for tag in body["tags"]) == ["Morning", "VIP"]
    body = send(session, "patch", f"{URL}/{gym.member.pk}", {"tags": []}).json()
    assert body["tags"] == []


def test_the_front_desk_writing_health_fields_gets_403_and_nothing_changes(front_desk, login, gym):
    for payload in ({"injuries": "None any more"}, {"health_notes": ""}):
        response = send(login(front_desk), "patch", f"{URL}/{gym.member.pk}", payload)
        assert_api_error(response, 403, "forbidden")
    gym.member.refresh_from_db()
    assert gym.member.injuries == "Left knee ligament, 2023."
    assert gym.member.health_notes == "Asthma, carries an inhaler."


def test_the_assigned_trainer_can_update_health_notes(trainer, login, gym):
    give_health_consent(gym.member)
    response = send(login(trainer), "patch", f"{URL}/{gym.member.pk}", {"health_notes": "Inhaler."})
    assert response.json()["health_notes"] == "Inhaler."
    audit = AuditEntry.objects.get(action="client.update")
    assert audit.changes == {"health_notes": "changed"}


def test_a_status_change_is_kept_in_the_history(owner, login, gym):
    response = send(login(owner), "patch", f"{URL}/{gym.member.pk}", {"status": "paused"})
    assert response.json()["status"] == "paused"
    entry = TimelineEntry.objects.get(client=gym.member, kind=EntryKind.STATUS)
    assert entry.data == {"from": "active", "to": "paused"}


def test_losing_a_lead_needs_a_reason_and_nothing_else_is_saved_without_one(owner, login):
    lead = ClientFactory(status=Status.LEAD)
    session = login(owner)
    response = send(session, "patch", f"{URL}/{lead.pk}", {"goals": "x", "lead_stage": "lost"})
    body = assert_api_error(response, 422, "validation_error")
    assert fields_of(body) == ["lost_reason"]
    lead.refresh_from_db()
    assert (lead.goals, lead.lead_stage) == ("", "new")
    response = send(
        session, "patch", f"{URL}/{lead.pk}", {"lead_stage": "lost", "lost_reason": "Too far"}
    )
    assert (response.json()["lead_stage"], response.json()["lost_reason"]) == ("lost", "Too far")


def test_a_won_lead_becomes_an_active_client(owner, login):
    lead = ClientFactory(status=Status.LEAD)
    response = send(login(owner), "patch", f"{URL}/{lead.pk}", {"lead_stage": "won"})
    assert (response.json()["status"], response.json()["lead_stage"]) == ("active", "won")


def test_giving_consent_records_when(owner, login, gym):
    body = send(login(owner), "patch", f"{URL}/{gym.member.pk}", {"sms_consent": True}).json()
    assert body["sms_consent"] is True and body["sms_consent_at"]


def test_a_client_cannot_patch_their_record_here_and_an_outsider_gets_404(
    client_user, outsider, login, gym
):
    url = f"{URL}/{gym.member.pk}"
    assert_api_error(send(login(client_user), "patch", url, {"goals": "x"}), 403, "forbidden")
    assert_api_error(send(login(outsider), "patch", url, {"goals": "x"}), 404, "not_found")
    gym.member.refresh_from_db()
    assert gym.member.goals == ""


# --- Delete = archive ----------------------------------------------------------------------


def test_delete_archives_the_client_who_stays_retrievable_with_history(front_desk, login, gym):
    session = login(front_desk)
    response = session.delete(f"{URL}/{gym.member.pk}")
    assert response.status_code == 204
    assert gym.member.pk not in ids(session.get(URL))
    body = session.get(f"{URL}/{gym.member.pk}").json()
    assert body["archived_at"] is not None
    assert TimelineEntry.objects.filter(client=gym.member, body="Archived.").exists()
    assert session.delete(f"{URL}/{gym.member.pk}").status_code == 204


def test_the_assigned_trainer_cannot_archive_403(trainer, login, gym):
    assert_api_error(login(trainer).delete(f"{URL}/{gym.member.pk}"), 403, "forbidden")
    gym.member.refresh_from_db()
    assert gym.member.archived_at is None


# --- Notes ------------------------------------------------------------------------------------


def test_the_timeline_lists_pinned_notes_first_then_newest_first(owner, login, gym):
    first = services.note_add(actor=owner, client=gym.member, body="First")
    pinned = services.note_add(actor=owner, client=gym.member, body="Pinned", pinned=True)
    last = services.note_add(actor=owner, client=gym.member, body="Last", kind="call")
    body = login(owner).get(f"{URL}/{gym.member.pk}/notes").json()
    assert [item["id"] for item in body["items"][:3]] == [pinned.pk, last.pk, first.pk]
    assert body["items"][1]["kind"] == "call"
    assert body["items"][1]["author"] == {"id": owner.pk, "full_name": "Olga Owner"}


def test_adding_a_note_call_or_email(trainer, login, gym):
    session = login(trainer)
    for kind in ("note", "call", "email"):
        response = send(
            session, "post", f"{URL}/{gym.member.pk}/notes", {"body": f"A {kind}", "kind": kind}
        )
        assert response.status_code == 201, response.content
        assert response.json()["kind"] == kind
    kinds = TimelineEntry.objects.filter(client=gym.member, author=trainer).values_list(
        "kind", flat=True
    )
    assert sorted(kinds) == ["call", "email", "note"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 10001}, "body"),
        ({"body": "ok", "kind": "status"}, "kind"),
    ],
)
def test_a_bad_note_answers_422_naming_the_field(owner, login, gym, payload, field):
    response = send(login(owner), "post", f"{URL}/{gym.member.pk}/notes", payload)
    assert fields_of(assert_api_error(response, 422, "validation_error")) == [field]


def test_the_timeline_costs_the_same_queries_for_3_and_30_entries(owner, manager, login, gym):
    session = login(owner)

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert session.get(f"{URL}/{gym.member.pk}/notes", {"limit": 100}).status_code == 200
        return len(ctx.captured_queries)

    for n in range(3):
        services.note_add(actor=owner if n % 2 else manager, client=gym.member, body=f"n{n}")
    few = queries()
    for n in range(27):
        services.note_add(actor=owner if n % 2 else manager, client=gym.member, body=f"m{n}")
    assert queries() == few


def test_notes_are_for_staff_a_client_gets_403_and_an_outsider_404(
    client_user, outsider, login, gym
):
    url = f"{URL}/{gym.member.pk}/notes"
    assert_api_error(login(client_user).get(url), 403, "forbidden")
    assert_api_error(send(login(client_user), "post", url, {"body": "hi"}), 403, "forbidden")
    assert_api_error(login(outsider).get(url), 404, "not_found")
    assert_api_error(send(login(outsider), "post", url, {"body": "hi"}), 404, "not_found")


def test_an_unassigned_trainer_cannot_read_or_add_notes(login, gym):
    session = login(gym.other_coach.user)
    url = f"{URL}/{gym.member.pk}/notes"
    assert_api_error(session.get(url), 404, "not_found")
    assert_api_error(send(session, "post", url, {"body": "hi"}), 404, "not_found")


def test_a_trainer_who_was_unassigned_loses_access(trainer, owner, login, gym):
    services.assignment_end(actor=owner, assignment=gym.assignment)
    assert_api_error(login(trainer).get(f"{URL}/{gym.member.pk}"), 404, "not_found")


# --- OpenAPI ----------------------------------------------------------------------------------


def _schemas() -> dict:
    from fitnesscrm.api import api

    return api.get_openapi_schema()["components"]["schemas"]


def test_the_input_schemas_carry_the_models_length_limits():
    # Phones arrive formatted and are stored shorter, in E.164: the input allows the spaces.
    formatted = {"phone", "emergency_contact_phone"}
    choices = {field.name for field in Client._meta.fields if field.choices}
    schemas = _schemas()
    for schema_name in ("ClientIn", "ClientPatch"):
        properties = schemas[schema_name]["properties"]
        for field in Client._meta.fields:
            skip = field.name in formatted or field.name in choices or not field.max_length
            if skip or field.name not in properties:
                continue
            prop = properties[field.name]
            limits = [prop.get("maxLength")] + [p.get("maxLength") for p in prop.get("anyOf", ())]
            assert field.max_length in limits, (schema_name, field.name, prop)


def test_only_the_health_schema_documents_health_fields():
    schemas = _schemas()
    for name in ("ClientOut", "ClientListItem"):
        assert {"health_notes", "injuries"}.isdisjoint(schemas[name]["properties"])
    assert {"health_notes", "injuries"} <= set(schemas["ClientWithHealthOut"]["properties"])
