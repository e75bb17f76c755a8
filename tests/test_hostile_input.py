"""Bad input of every kind gets a clear refusal, and nothing is stored or executed.

The list is the security issue's: tampered session cookies, header injection in
emails, SQL and script in every text field, oversized and deeply nested JSON,
unicode tricks in names. (Replayed and expired TOTP codes, CSRF-less posts and path
traversal in file names have their own tests, named in docs/SECURITY_HARDENING.md.)
"""

import json

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.messages import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import mail
from django.db import models
from django.db.models import F, TextField, Value
from django.db.models.functions import Concat, Left
from django.test import Client as Browser
from django.urls import reverse

from fitnesscrm.accounts.models import User
from fitnesscrm.accounts.services import api_key_create
from fitnesscrm.clients.models import Client, TimelineEntry
from fitnesscrm.core.api_parser import MAX_JSON_DEPTH
from fitnesscrm.core.errors import ApplicationError
from fitnesscrm.core.forms_rendering import StyledFormMixin
from fitnesscrm.core.stored_text import refuse_unsafe_text, text_columns
from fitnesscrm.core.text import one_line, text_problem
from fitnesscrm.scheduling.models import Session
from tests.factories import MemberFactory, TrainerFactory, in_days
from tests.test_page_matrix import PAGES, _body, world  # noqa: F401

# --- Unicode tricks -----------------------------------------------------------------------

NAMES_KEPT = [
    "José Núñez",
    "Łukasz Wójcik",
    "Zoë O'Brien-Smith",
    "محمد الأحمد",  # Arabic, right to left without any control character
    "王小明",
    "मेहरदाद",
    "مهر\u200cداد",  # Persian needs the zero-width non-joiner  # noqa: RUF001
    "👨\u200d👩\u200d👧 family",  # an emoji sequence joined by zero-width joiners
    "Anne\u00a0Marie",  # a no-break space is a space
]
NAMES_REFUSED = {
    "NUL": ("Ann\x00", "Control characters are not allowed (U+0000)."),
    "escape": ("Ann\x1b[31m", "Control characters are not allowed (U+001B)."),
    "CRLF": ("Ann\r\nBcc: victim@example.com", "Line breaks are not allowed here."),
    "LF": ("Ann\nSmith", "Line breaks are not allowed here."),
    "line separator": ("Ann\u2028Smith", "Line breaks are not allowed here."),
    "tab": ("Ann\tSmith", "Tabs are not allowed here."),
    "RLO": (
        "Ann\u202egpj.exe",
        "Invisible formatting characters are not allowed here (U+202E RIGHT-TO-LEFT OVERRIDE).",
    ),
    "isolate": (
        "Ann\u2066x",
        "Invisible formatting characters are not allowed here (U+2066 LEFT-TO-RIGHT ISOLATE).",
    ),
    "zero-width space": (
        "An\u200bn",
        "Invisible formatting characters are not allowed here (U+200B ZERO WIDTH SPACE).",
    ),
    "BOM": (
        "\ufeffAnn",
        "Invisible formatting characters are not allowed here (U+FEFF ZERO WIDTH NO-BREAK SPACE).",
    ),
    "surrogate": ("Ann\ud800", "The text holds a broken character (U+D800)."),
}


@pytest.mark.parametrize("name", NAMES_KEPT)
def test_names_in_any_script_are_kept(name):
    assert text_problem(name, single_line=True) is None


@pytest.mark.parametrize("case", NAMES_REFUSED.keys())
def test_names_with_control_or_invisible_characters_are_refused_with_the_reason(case):
    value, reason = NAMES_REFUSED[case]
    assert text_problem(value, single_line=True) == reason


def test_a_name_from_outside_is_made_one_visible_line():
    assert one_line("members\u202egpj.csv") == "membersgpj.csv"
    assert one_line("a\r\nb\tc\x00d\u200be") == "a  b cde"
    assert one_line("مهر\u200cداد 👨\u200d👩") == "مهر\u200cداد 👨\u200d👩"  # noqa: RUF001


def test_notes_keep_line_breaks_tabs_and_bidi_marks_but_not_control_characters():
    note = "Line one\r\n\tindented\nשלום \u202bembedded\u202c"  # noqa: RUF001
    assert text_problem(note, single_line=False) is None
    assert text_problem("a\x00b", single_line=False) == (
        "Control characters are not allowed (U+0000)."
    )
    assert text_problem("a\x07b", single_line=False) == (
        "Control characters are not allowed (U+0007)."
    )


def _all_text_columns():
    for model in apps.get_models():
        for name, single_line in text_columns(model):
            yield pytest.param(model, name, single_line, id=f"{model._meta.label}.{name}")


@pytest.mark.parametrize(("model", "attname", "single_line"), list(_all_text_columns()))
def test_no_text_column_of_any_model_can_store_a_control_character(model, attname, single_line):
    instance = model()
    setattr(instance, attname, "x\x00y")
    with pytest.raises(ApplicationError) as refused:
        refuse_unsafe_text(model, instance)
    assert refused.value.errors == [
        {
            "field": attname,
            "message": "Control characters are not allowed (U+0000).",
            "type": "unsafe_text",
        }
    ]
    setattr(instance, attname, "x\r\nBcc: victim@example.com")
    if single_line:
        with pytest.raises(ApplicationError, match=r"Line breaks are not allowed here\."):
            refuse_unsafe_text(model, instance)
    else:
        refuse_unsafe_text(model, instance)


def test_single_line_columns_are_the_names_titles_and_subjects():
    single = {
        f"{m._meta.label}.{name}" for m in apps.get_models() for name, s in text_columns(m) if s
    }
    multi = {
        f"{m._meta.label}.{name}" for m in apps.get_models() for name, s in text_columns(m) if not s
    }
    assert {
        "clients.Client.first_name",
        "clients.Client.last_name",
        "accounts.User.full_name",
        "scheduling.Session.title",
        "scheduling.ClassType.name",
        "billing.Product.name",
        "billing.InvoiceLine.description",
        "billing.BillingSettings.business_name",
    } <= single
    assert {"clients.Client.goals", "clients.TimelineEntry.body"} <= multi
    # Free text keeps its lines wherever it is stored, whatever the column's type.
    free_text = ("notes", "description", "instructions", "bio", "body", "goals")
    for column in single:
        name = column.rsplit(".", 1)[1]
        assert name not in free_text or column == "billing.InvoiceLine.description", column


def _form_classes(cls=StyledFormMixin):
    for sub in cls.__subclasses__():
        yield sub
        yield from _form_classes(sub)


def test_every_text_box_that_takes_several_lines_writes_a_column_that_keeps_them():
    """A textarea in front of a one-line column would let a form pass what the save refuses."""
    checked = 0
    for form_class in set(_form_classes()):
        meta = getattr(form_class, "_meta", None)
        model = getattr(meta, "model", None)
        if model is None:
            continue
        columns = dict(text_columns(model))
        for name, field in form_class.base_fields.items():
            if columns.get(name):
                checked += 1
                widget = field.widget
                assert widget.__class__.__name__ != "Textarea", (
                    f"{form_class.__name__}.{name} is a textarea over a one-line column"
                )
    assert checked > 10


# --- The API: text, nesting and size ---------------------------------------------------------


@pytest.fixture
def api(owner):
    _key, raw = api_key_create(user=owner, name="Hostile input")
    return Browser(headers={"Authorization": f"Bearer {raw}"})


def _post(api, path: str, body) -> tuple[int, dict]:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    response = api.post(path, data, content_type="application/json")
    assert response["Content-Type"].startswith("application/json")
    return response.status_code, response.json()


@pytest.mark.django_db
@pytest.mark.parametrize("case", NAMES_REFUSED.keys())
def test_the_api_refuses_a_tricky_name_and_stores_nothing(api, case):
    value, reason = NAMES_REFUSED[case]
    status, body = _post(api, "/api/v1/clients", {"first_name": value, "last_name": "Smith"})
    assert status == 422
    assert body["code"] == "validation_error"
    assert body["errors"][0]["field"] == "first_name"
    assert body["errors"][0]["message"] == reason
    assert body["errors"][0]["type"] == "unsafe_text"
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_the_api_refuses_a_control_character_in_any_string_even_a_key(api):
    status, body = _post(api, "/api/v1/clients", {"first_name": "Ann", "goals": "run\x00"})
    assert (status, body["errors"][0]["field"]) == (422, "goals")
    assert body["errors"][0]["type"] == "unsafe_text"
    status, body = _post(api, "/api/v1/clients", {"first_name": "Ann", "go\x00als": "run"})
    assert (status, body["errors"][0]["field"]) == (422, "go\x00als")
    status, body = _post(api, "/api/v1/clients", {"first_name": "Ann", "tags": ["vip\x1b"]})
    assert (status, body["errors"][0]["field"]) == (422, "tags.0")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_the_api_keeps_sql_and_script_as_plain_text(api):
    sql = "Robert'); DROP TABLE clients_client;--"
    script = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    goals = "Run 5k\r\n\t-- '; DELETE FROM accounts_user; --"
    status, body = _post(
        api, "/api/v1/clients", {"first_name": sql, "last_name": script, "goals": goals}
    )
    assert status == 201, body
    client = Client.objects.get()
    assert (client.first_name, client.last_name, client.goals) == (sql, script, goals)
    assert body["full_name"] == f"{sql} {script}"
    assert User.objects.exists()
    # A search with SQL in it finds what contains that text, not every client.
    MemberFactory(first_name="Other")
    found = api.get("/api/v1/clients", {"q": "' OR '1'='1"}).json()
    assert found["count"] == 0
    found = api.get("/api/v1/clients", {"q": "DROP TABLE"}).json()
    assert [c["id"] for c in found["items"]] == [client.pk]


@pytest.mark.django_db
def test_deeply_nested_json_is_refused_before_it_is_read(api):
    for depth in (MAX_JSON_DEPTH + 1, 100_000):
        nested = '{"first_name": "Ann", "x": ' + "[" * depth + "]" * depth + "}"
        status, body = _post(api, "/api/v1/clients", nested)
        assert status == 400
        assert body == {
            "detail": f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.",
            "code": "json_too_deep",
            "errors": [],
        }
    # Nested just deep enough is read, and then refused for what it is.
    depth = MAX_JSON_DEPTH - 1
    status, body = _post(
        api, "/api/v1/clients", '{"first_name": ' + "[" * depth + "]" * depth + "}"
    )
    assert (status, body["errors"][0]["field"]) == (422, "first_name")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_an_oversized_body_is_refused_with_413_and_nothing_is_stored(api):
    big = json.dumps({"first_name": "Ann", "goals": "x" * (11 * 1024 * 1024)})
    status, body = _post(api, "/api/v1/clients", big)
    assert status == 413
    assert body["code"] == "payload_too_large"
    # Under the limit but over a field's own length: the field is named.
    status, body = _post(api, "/api/v1/clients", {"first_name": "Ann", "goals": "x" * 100_000})
    assert (status, body["errors"][0]["field"]) == (422, "goals")
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_a_body_that_is_not_json_or_not_utf8_is_refused(api):
    for raw in (b"\xff\xfe{", b'{"first_name": "Ann"', b"first_name=Ann", b"[1, 2"):
        status, body = _post(api, "/api/v1/clients", raw)
        assert (status, body["code"]) == (400, "malformed_json")
    assert not Client.objects.exists()


# --- Pages: the form again with the message ----------------------------------------------------


@pytest.mark.django_db
def test_the_client_form_refuses_a_name_with_a_line_break_and_keeps_the_notes(owner, login):
    browser = login(owner)
    data = {
        "first_name": "Ann\r\nBcc: victim@example.com",
        "last_name": "Smith",
        "source": "walk_in",
    }
    response = browser.post(reverse("clients:create"), data)
    assert response.status_code == 400
    assert "Line breaks are not allowed here." in response.content.decode()
    assert not Client.objects.exists()

    data = {"first_name": "Ann\u202e", "last_name": "Smith", "source": "walk_in"}
    response = browser.post(reverse("clients:create"), data)
    assert "RIGHT-TO-LEFT OVERRIDE" in response.content.decode()
    assert not Client.objects.exists()


@pytest.mark.django_db
def test_a_note_keeps_its_lines_but_not_a_nul(owner, login):
    client = MemberFactory()
    browser = login(owner)
    url = reverse("clients:note-add", args=[client.pk])
    browser.post(url, {"kind": "note", "body": "Knee: fine.\r\nBack: sore."})
    assert TimelineEntry.objects.filter(client=client, body__contains="Back: sore.").exists()
    response = browser.post(url, {"kind": "note", "body": "Ankle\x00"})
    assert response.status_code in (200, 400)
    assert not TimelineEntry.objects.filter(body__startswith="Ankle").exists()


@pytest.mark.django_db
def test_a_control_character_in_a_query_string_is_refused_before_any_view_reads_it(owner, api):
    browser = Browser()
    browser.force_login(owner)
    for query in ("q=%00", "q=ann%1b", "status%00=lead"):
        response = browser.get(f"{reverse('clients:list')}?{query}")
        assert response.status_code == 400, query
        response = api.get(f"/api/v1/clients?{query}")
        assert response.status_code == 400, query
        assert response.json()["code"] == "bad_query"
        assert response.json()["detail"].startswith("The address of this request is not valid.")
    # Accents, scripts and spaces are ordinary search text.
    assert browser.get(reverse("clients:list"), {"q": "José Ł 王"}).status_code == 200


# --- Header injection in emails -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_session_title_cannot_carry_a_header_into_the_emails_it_appears_in(api, owner):
    coach = TrainerFactory()
    status, body = _post(
        api,
        "/api/v1/sessions",
        {
            "trainer": coach.pk,
            "title": "Spin\r\nBcc: everyone@example.com",
            "starts_at": in_days(2, 9).isoformat(),
        },
    )
    assert status == 422
    assert body["errors"][0] == {
        "field": "title",
        "location": "body",
        "message": "Line breaks are not allowed here.",
        "type": "unsafe_text",
    }
    assert not Session.objects.exists()
    assert mail.outbox == []


# --- Tampered session cookies -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_tampered_session_cookie_is_a_signed_out_visitor(client_user, owner):
    cookie = django_settings.SESSION_COOKIE_NAME
    signed_in = Browser()
    signed_in.force_login(owner)
    real = signed_in.cookies[cookie].value
    tampered = [
        real[:-1] + ("a" if real[-1] != "a" else "b"),  # one character changed
        real.upper(),
        "0" * len(real),
        "x" * 4000,
        "../../etc/passwd",
        "' OR '1'='1",
        "%00",
    ]
    for value in tampered:
        visitor = Browser()
        visitor.cookies[cookie] = value
        response = visitor.get(reverse("clients:list"))
        assert response.status_code == 302, value
        assert response["Location"].startswith("/account/login/")
        response = visitor.get("/api/v1/clients")
        assert response.status_code == 401, value
    # The real session still works: tampering with a copy ended nothing.
    assert signed_in.get(reverse("clients:list")).status_code == 200


@pytest.mark.django_db
def test_a_forged_flash_message_is_not_shown(owner, login):
    browser = login(owner)
    # A message signed with the server's key, then altered: its signature no longer matches.
    signed = CookieStorage(None)._encode([Message(25, "<script>alert(1)</script>")])
    payload, signature = signed.rsplit(":", 1)
    browser.cookies[django_settings.MESSAGES_COOKIE_NAME] = f"{payload}x:{signature}"
    response = browser.get(reverse("clients:list"))
    assert response.status_code == 200
    assert "alert(1)" not in response.content.decode()
    browser.cookies[django_settings.MESSAGES_COOKIE_NAME] = (
        '[["__json_message",0,25,"<script>alert(1)</script>"]]'
    )
    response = browser.get(reverse("clients:list"))
    assert "<script>alert(1)</script>" not in response.content.decode()


# --- Script in every text field, on every page --------------------------------------------------

MARK = "<s>Q'\"</s>"
RAW = "<s>Q"
# The columns people read on pages: names, titles, notes, descriptions, reasons.
DISPLAYED = {
    "address",
    "address_line1",
    "address_line2",
    "bio",
    "body",
    "business_address",
    "business_name",
    "cancel_reason",
    "city",
    "description",
    "emergency_contact_name",
    "first_name",
    "full_name",
    "goals",
    "health_notes",
    "injuries",
    "instructions",
    "invoice_footer",
    "issuer",
    "label",
    "last_name",
    "lost_reason",
    "name",
    "notes",
    "reason",
    "tax_name",
    "title",
}
NOT_DISPLAYED = {("core", "periodicjob")}


def _mark_every_displayed_text() -> int:
    """Prefix every displayed text value in the database with MARK (as if typed in)."""
    changed = 0
    for model in apps.get_models():
        opts = model._meta
        if not model.__module__.startswith("fitnesscrm.") or (
            (opts.app_label, opts.model_name) in NOT_DISPLAYED
        ):
            continue
        for field in opts.concrete_fields:
            if field.name not in DISPLAYED or field.choices:
                continue
            if not isinstance(field, models.CharField | models.TextField):
                continue
            value = Concat(Value(MARK), F(field.attname), output_field=TextField())
            if field.max_length:
                value = Left(value, field.max_length)
            changed += model._default_manager.update(**{field.attname: value})
    return changed


def _pages_read_by(role: str) -> list[str]:
    return [name for name, page in PAGES.items() if page.get[role] == 200]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["owner", "client"])
def test_script_typed_into_any_text_field_is_shown_as_text_on_every_page(
    role, request, settings, tmp_path
):
    """Every page a role can open, with every displayed text in the database holding markup."""
    gym = request.getfixturevalue("world")
    pages = _pages_read_by(role)
    assert len(pages) > 20
    browser = Browser()
    shown = 0
    settings.MEDIA_ROOT = tmp_path
    prepared = set()
    for name in pages:
        prepare = PAGES[name].prepare
        if prepare is not None and prepare not in prepared:
            prepared.add(prepare)
            prepare(gym)
    assert _mark_every_displayed_text() > 30
    browser.force_login(gym.users[role])
    for name in pages:
        page = PAGES[name]
        url = reverse(name, kwargs=page.ids(gym))
        response = browser.get(url, page.query(gym))
        assert response.status_code < 500, url
        if not response.get("Content-Type", "").startswith("text/html"):
            continue
        body = _body(response)
        assert RAW not in body, f"{url} shows markup from the database unescaped"
        shown += "&lt;s&gt;Q" in body
    # Most pages show at least one of the marked names.
    assert shown > len(pages) // 2, (shown, len(pages))
