"""Who may export whose data: owners and managers any client, a client only themselves."""

import pytest

from fitnesscrm.core.errors import Forbidden, NotFound
from fitnesscrm.privacy import selectors, services
from fitnesscrm.privacy.models import DataExport, DataSubjectRequest
from tests.factories import MemberFactory, build_gym

pytestmark = pytest.mark.django_db


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


@pytest.mark.parametrize(
    ("role", "outcome"),
    [
        ("owner", None),
        ("manager", None),
        ("trainer", Forbidden),  # even the member's own trainer
        ("front_desk", Forbidden),
        ("client_user", None),  # the member themselves
        ("outsider", NotFound),  # another client guessing the member's id
    ],
)
def test_each_role_exporting_the_members_data(gym, role, outcome, request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    actor = request.getfixturevalue(role)
    if outcome is None:
        assert services.export_create(actor=actor, client=gym.member).client == gym.member
        return
    with pytest.raises(outcome):
        services.export_create(actor=actor, client=gym.member)
    assert not DataExport.objects.exists()
    assert not DataSubjectRequest.objects.exists()


def test_a_client_guessing_ids_finds_no_export_and_no_request(
    gym, owner, outsider, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    export = services.export_create(actor=owner, client=gym.member)
    item = services.request_create(actor=owner, client=gym.member, kind="erasure")

    with pytest.raises(NotFound):
        selectors.export_get(user=outsider, export_id=export.pk)
    with pytest.raises(NotFound):
        selectors.request_get(user=outsider, request_id=item.pk)
    assert list(selectors.requests_list(user=outsider, status=None)) == []
    with pytest.raises(Forbidden):
        selectors.request_get(user=gym.member.user, request_id=item.pk, for_update=True)


def test_a_client_cannot_log_a_request_for_someone_else(gym, outsider):
    other = MemberFactory()
    with pytest.raises(NotFound):
        services.request_create(actor=outsider, client=other, kind="erasure")
    assert not DataSubjectRequest.objects.exists()
