"""Two-factor sign-in: setting up an authenticator app, the code step of a sign-in,
recovery codes, turning it off, and the owner's policy that makes it mandatory."""

import math
import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from fitnesscrm.accounts.models import RecoveryCode, SecuritySettings, TOTPDevice
from fitnesscrm.core.models import AuditEntry
from fitnesscrm.core.roles import Role
from tests.accounts.conftest import CLIENT_IP, LOGIN_URL
from tests.accounts.two_factor_helpers import Clock, code_at, controlled_clock, enrol
from tests.factories import UserFactory
from tests.paths import HOME_PATHS

CODE_URL = "/account/login/code/"
TWO_FACTOR_URL = "/account/two-factor/"
ENROL_URL = "/account/two-factor/enrol/"
DISABLE_URL = "/account/two-factor/disable/"
RECOVERY_URL = "/account/two-factor/recovery-codes/"
SECURITY_URL = "/account/security/"


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return controlled_clock(monkeypatch)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def actions(user=None) -> list[str]:
    entries = AuditEntry.objects.order_by("pk")
    if user is not None:
        entries = entries.filter(object_id=str(user.pk), object_type="accounts.user")
    return list(entries.values_list("action", flat=True))


def password_step(client: Client, user, password: str, next_url: str = ""):
    data = {"username": user.email, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(LOGIN_URL, data, REMOTE_ADDR=CLIENT_IP)


def code_step(client: Client, code: str):
    return client.post(CODE_URL, {"code": code}, REMOTE_ADDR=CLIENT_IP)


# --- Setting it up ------------------------------------------------------------------------


def test_the_set_up_page_shows_a_qr_code_and_the_key_and_a_current_code_turns_2fa_on(
    trainer, login, clock
):
    client = login(trainer)

    page = client.get(ENROL_URL)

    assert page.status_code == 200
    body = page.content.decode()
    secret = page.context["secret"]
    assert secret in body
    assert "<svg" in body and "style=" not in page.context["qr_svg"]
    assert not TOTPDevice.objects.get(user=trainer).is_confirmed
    # The key is kept encrypted, never as it is.
    assert secret not in TOTPDevice.objects.get(user=trainer).encrypted_secret

    done = client.post(ENROL_URL, {"code": code_at(secret, clock.now)})

    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and len(set(codes)) == 10
    # Four groups of six from 31 characters: 118 bits, so a keyed hash needs no salt.
    assert all(re.fullmatch(r"[a-hj-km-np-z2-9]{6}(-[a-hj-km-np-z2-9]{6}){3}", c) for c in codes)
    assert 24 * math.log2(31) > 112
    assert all(code in done.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=trainer).is_confirmed
    # Only hashes of the recovery codes are stored.
    stored = str(list(RecoveryCode.objects.values_list("code_hash", flat=True)))
    assert not any(code.replace("-", "") in stored for code in codes)
    assert "auth.2fa_enrol" in actions(trainer)


def test_a_reload_of_the_set_up_page_keeps_the_same_key(trainer, login, clock):
    client = login(trainer)

    first = client.get(ENROL_URL).context["secret"]

    assert client.get(ENROL_URL).context["secret"] == first


def test_a_wrong_code_at_set_up_keeps_2fa_off_and_says_so_at_the_field(trainer, login, clock):
    client = login(trainer)
    secret = client.get(ENROL_URL).context["secret"]
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"

    response = client.post(ENROL_URL, {"code": wrong})

    assert response.status_code == 400
    assert "That code is not valid" in str(response.context["form"].errors["code"])
    assert not TOTPDevice.objects.get(user=trainer).is_confirmed
    assert RecoveryCode.objects.count() == 0
    assert "auth.2fa_failed" in actions(trainer)


def test_a_client_account_has_no_two_factor_pages(client_user, login):
    client = login(client_user)

    for url in (TWO_FACTOR_URL, ENROL_URL, DISABLE_URL):
        assert client.get(url).status_code == 403
    assert TOTPDevice.objects.count() == 0


# --- Signing in ----------------------------------------------------------------------------


def test_with_2fa_the_password_alone_does_not_sign_in_and_the_code_does(trainer, password, clock):
    secret, _codes = enrol(trainer, clock)
    client = Client()

    first = password_step(client, trainer, password)

    assert first.status_code == 302 and first["Location"] == CODE_URL
    assert not signed_in(client)
    assert client.get(HOME_PATHS[Role.TRAINER])["Location"].startswith(LOGIN_URL)

    second = code_step(client, code_at(secret, clock.now))

    assert second.status_code == 302
    assert signed_in(client)
    assert client.get(second["Location"], follow=True).redirect_chain[-1][0] == "/trainer/"
    assert "auth.login" in actions(trainer)


def test_the_code_step_goes_on_to_the_page_asked_for(trainer, password, clock):
    secret, _codes = enrol(trainer, clock)
    client = Client()
    password_step(client, trainer, password, next_url="/account/api-keys/")

    response = code_step(client, code_at(secret, clock.now))

    assert response["Location"] == "/account/api-keys/"


def test_a_wrong_code_is_refused_with_a_message_and_audited(trainer, password, clock):
    secret, _codes = enrol(trainer, clock)
    client = Client()
    password_step(client, trainer, password)
    wrong = "123456" if code_at(secret, clock.now) != "123456" else "654321"

    response = code_step(client, wrong)

    assert response.status_code == 400
    assert "That code is not valid" in response.content.decode()
    assert not signed_in(client)
    assert actions(trainer).count("auth.2fa_failed") == 1


def test_a_code_used_once_is_refused_the_second_time(trainer, password, clock):
    secret, _codes = enrol(trainer, clock)
    code = code_at(secret, clock.now)
    first = Client()
    password_step(first, trainer, password)
    assert code_step(first, code).status_code == 302

    clock.advance(5)  # the same 30-second step: the code is still the app's current one
    second = Client()
    password_step(second, trainer, password)
    response = code_step(second, code)

    assert response.status_code == 400
    assert not signed_in(second)
    assert "auth.2fa_failed" in actions(trainer)


def test_a_code_of_the_step_before_is_accepted_but_an_older_one_has_expired(
    trainer, password, clock
):
    secret, _codes = enrol(trainer, clock)
    clock.advance(60)  # two steps after the one used at set-up, which is spent
    client = Client()
    password_step(client, trainer, password)

    expired = code_step(client, code_at(secret, clock.now.timestamp() - 60))

    assert expired.status_code == 400
    assert not signed_in(client)
    late = code_step(client, code_at(secret, clock.now.timestamp() - 30))
    assert late.status_code == 302
    assert signed_in(client)


def test_the_code_step_expires_and_sends_back_to_the_password(trainer, password, clock, settings):
    settings.TWO_FACTOR_LOGIN_TIMEOUT = 300
    secret, _codes = enrol(trainer, clock)
    client = Client()
    password_step(client, trainer, password)

    clock.advance(301)
    response = code_step(client, code_at(secret, clock.now))

    assert response.status_code == 302 and response["Location"] == LOGIN_URL
    assert not signed_in(client)
    assert "took too long" in client.get(LOGIN_URL).content.decode()


def test_the_code_step_without_a_password_first_sends_to_the_login_page(db):
    response = Client().post(CODE_URL, {"code": "123456"})

    assert response.status_code == 302 and response["Location"] == LOGIN_URL


def test_a_recovery_code_signs_in_once_only(trainer, password, clock):
    _secret, codes = enrol(trainer, clock)
    client = Client()
    password_step(client, trainer, password)

    response = code_step(client, codes[0].upper())  # typed in capitals: still the code

    assert response.status_code == 302
    assert signed_in(client)
    assert "auth.2fa_recovery_used" in actions(trainer)
    assert RecoveryCode.objects.filter(user=trainer, used_at__isnull=False).count() == 1

    again = Client()
    password_step(again, trainer, password)
    refused = code_step(again, codes[0])
    assert refused.status_code == 400
    assert not signed_in(again)


def test_new_recovery_codes_replace_the_old_ones(trainer, login, password, clock):
    secret, old_codes = enrol(trainer, clock)
    client = login(trainer)

    response = client.post(RECOVERY_URL, {"code": code_at(secret, clock.now)})

    assert response.status_code == 200
    new_codes = response.context["codes"]
    assert set(new_codes).isdisjoint(old_codes)
    assert "auth.2fa_recovery_regenerate" in actions(trainer)
    browser = Client()
    password_step(browser, trainer, password)
    assert code_step(browser, old_codes[1]).status_code == 400
    assert code_step(browser, new_codes[1]).status_code == 302


def test_new_recovery_codes_need_a_code_of_the_app(trainer, login, clock):
    _secret, old_codes = enrol(trainer, clock)

    response = login(trainer).post(RECOVERY_URL, {"code": old_codes[0]})

    assert response.status_code == 400
    assert RecoveryCode.objects.filter(user=trainer, used_at__isnull=True).count() == 10


def test_a_password_reset_does_not_sign_in_and_the_next_sign_in_asks_for_the_code(trainer, clock):
    secret, _codes = enrol(trainer, clock)
    uid = urlsafe_base64_encode(force_bytes(trainer.pk))
    token = default_token_generator.make_token(trainer)
    client = Client()
    form_url = client.get(f"/account/password/reset/{uid}/{token}/")["Location"]
    new_password = "a-brand-new-passphrase-42"

    reset = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})

    assert reset.status_code == 302
    assert not signed_in(client)
    first = password_step(client, trainer, new_password)
    assert first["Location"] == CODE_URL
    assert not signed_in(client)
    assert code_step(client, code_at(secret, clock.now)).status_code == 302


# --- Turning it off ------------------------------------------------------------------------


def test_turning_2fa_off_needs_the_password_and_a_code(trainer, login, password, clock):
    secret, _codes = enrol(trainer, clock)
    client = login(trainer)

    wrong_password = client.post(
        DISABLE_URL, {"password": "not-the-password", "code": code_at(secret, clock.now)}
    )

    assert wrong_password.status_code == 400
    assert "password is not correct" in str(wrong_password.context["form"].errors["password"])
    assert TOTPDevice.objects.filter(user=trainer).exists()

    done = client.post(DISABLE_URL, {"password": password, "code": code_at(secret, clock.now)})

    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=trainer).exists()
    assert not RecoveryCode.objects.filter(user=trainer).exists()
    assert "auth.2fa_disable" in actions(trainer)
    after = Client()
    assert password_step(after, trainer, password)["Location"] != CODE_URL
    assert signed_in(after)


def test_a_wrong_code_does_not_turn_2fa_off(trainer, login, password, clock):
    secret, _codes = enrol(trainer, clock)
    wrong = "000000" if code_at(secret, clock.now) != "000000" else "111111"

    response = login(trainer).post(DISABLE_URL, {"password": password, "code": wrong})

    assert response.status_code == 400
    assert TOTPDevice.objects.get(user=trainer).is_confirmed
    assert "auth.2fa_failed" in actions(trainer)


# --- The owner's policy --------------------------------------------------------------------


def set_policy(policy: str) -> None:
    SecuritySettings.objects.update_or_create(pk=1, defaults={"two_factor_policy": policy})


def test_the_owner_sets_the_policy_on_the_security_page(owner, manager, login):
    response = login(owner).post(SECURITY_URL, {"two_factor_policy": "management"})

    assert response.status_code == 302
    assert SecuritySettings.load().two_factor_policy == "management"
    entry = AuditEntry.objects.get(action="security.settings_update")
    assert entry.changes == {"two_factor_policy": ["optional", "management"]}
    assert login(manager).post(SECURITY_URL, {"two_factor_policy": "optional"}).status_code == 403
    assert SecuritySettings.load().two_factor_policy == "management"


def test_a_new_policy_signs_out_at_once_everyone_it_covers_who_has_no_2fa(
    owner, manager, trainer, login, clock
):
    enrolled = UserFactory(role=Role.MANAGER, email="enrolled.manager@example.test")
    enrol(enrolled, clock)
    browsers = {user: login(user) for user in (manager, trainer, enrolled)}
    owner_browser = login(owner)

    response = owner_browser.post(SECURITY_URL, {"two_factor_policy": "management"})

    # The owner, covered and without 2FA, is asked to set it up in the browser they use.
    assert response.status_code == 302 and response.url == ENROL_URL
    assert owner_browser.get(HOME_PATHS[Role.OWNER]).url == ENROL_URL
    # The manager without 2FA is signed out; the next sign-in asks them to set it up.
    assert not signed_in(browsers[manager])
    assert browsers[manager].get(HOME_PATHS[Role.MANAGER]).url.startswith(LOGIN_URL)
    # Not covered (the trainer), or already using 2FA: nothing changes.
    assert browsers[trainer].get(HOME_PATHS[Role.TRAINER]).status_code == 200
    assert browsers[enrolled].get(HOME_PATHS[Role.MANAGER]).status_code == 200
    ended = AuditEntry.objects.filter(action="auth.sessions_ended")
    assert [(entry.object_id, entry.changes) for entry in ended] == [
        (str(manager.pk), {"reason": "two_factor_required", "ended": 1})
    ]

    # Saving the same policy again signs nobody out.
    signed_in_again = login(manager)
    owner_browser.post(SECURITY_URL, {"two_factor_policy": "management"})
    assert signed_in(signed_in_again)


def test_an_unknown_policy_is_refused_and_nothing_changes(owner, login):
    response = login(owner).post(SECURITY_URL, {"two_factor_policy": "nobody"})

    assert response.status_code == 400
    assert SecuritySettings.load().two_factor_policy == "optional"


@pytest.mark.parametrize(
    ("policy", "role", "sent_to_set_up"),
    [
        ("management", Role.OWNER, True),
        ("management", Role.MANAGER, True),
        ("management", Role.TRAINER, False),
        ("staff", Role.TRAINER, True),
        ("staff", Role.FRONT_DESK, True),
        ("staff", Role.CLIENT, False),
        ("optional", Role.OWNER, False),
    ],
)
def test_the_policy_sends_the_people_it_covers_to_set_up_after_sign_in(
    policy, role, sent_to_set_up, users_by_role, password
):
    set_policy(policy)
    user = users_by_role[role]
    client = Client()

    response = password_step(client, user, password)

    assert signed_in(client)
    assert (response["Location"] == ENROL_URL) is sent_to_set_up


def test_until_set_up_is_done_every_other_page_sends_back_to_it(manager, password, clock):
    set_policy("management")
    client = Client()
    password_step(client, manager, password)

    for url in ("/manager/", "/account/api-keys/", "/clients/", TWO_FACTOR_URL, SECURITY_URL):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == ENROL_URL, url
    api = client.get("/api/v1/me")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"
    assert client.get(ENROL_URL).context["required"] is True

    secret = client.get(ENROL_URL).context["secret"]
    client.post(ENROL_URL, {"code": code_at(secret, clock.now)})

    assert client.get("/manager/").status_code == 200


def test_a_person_the_policy_covers_cannot_turn_2fa_off(owner, login, password, clock):
    secret, _codes = enrol(owner, clock)
    set_policy("management")

    response = login(owner).post(
        DISABLE_URL, {"password": password, "code": code_at(secret, clock.now)}
    )

    assert response.status_code == 400
    assert "requires two-factor authentication" in response.content.decode()
    assert TOTPDevice.objects.get(user=owner).is_confirmed


def test_a_signed_in_session_made_by_the_test_client_is_not_affected_by_the_policy(manager, login):
    set_policy("staff")

    assert login(manager).get("/manager/").status_code == 200


def test_the_secret_is_not_shown_in_the_admin(trainer, login, clock):
    secret, _codes = enrol(trainer, clock)
    client = login(UserFactory(role=Role.OWNER, is_superuser=True, email="admin@example.test"))

    page = client.get(f"/admin/accounts/user/{trainer.pk}/change/")

    assert page.status_code == 200
    assert secret not in page.content.decode()
    assert client.get("/admin/accounts/totpdevice/").status_code == 404


def test_another_staff_member_can_use_2fa_too(db, password, clock):
    user = UserFactory(role=Role.FRONT_DESK, email="desk2@example.test")
    secret, _codes = enrol(user, clock)
    client = Client()
    password_step(client, user, password)

    assert code_step(client, code_at(secret, clock.now)).status_code == 302


def test_the_password_page_leads_staff_to_the_two_factor_page(trainer, client_user, login):
    assert TWO_FACTOR_URL in login(trainer).get("/account/password/change/").content.decode()
    assert (
        TWO_FACTOR_URL not in login(client_user).get("/account/password/change/").content.decode()
    )
