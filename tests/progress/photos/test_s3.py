"""With S3 configured, photos live in a private bucket and still reach people only through us.

moto's S3 server runs on loopback for these tests; the storage is the real
django-storages S3 backend, talking HTTP to it.
"""

import io

import boto3
import pytest
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer
from PIL import Image

from fitnesscrm.progress.services import photos as services
from fitnesscrm.progress.storage import photo_storage
from tests.progress.photos.conftest import jpeg_with_location, stored_files

pytestmark = pytest.mark.django_db

BUCKET = "gym-progress-photos"
CREDENTIALS = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="eu-west-2", **CREDENTIALS)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    settings.STORAGES = {
        **settings.STORAGES,
        "progress_photos": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "eu-west-2",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": "private",
                "querystring_auth": False,
                "file_overwrite": False,
            },
        },
    }
    yield s3
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


def keys(s3) -> list[str]:
    return [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_a_photo_goes_to_the_private_bucket_is_served_through_the_view_and_deleted_from_it(
    bucket, trainer, consented, login, media, django_capture_on_commit_callbacks
):
    assert type(photo_storage()).__name__ == "S3Storage"

    photo = services.photo_upload(
        actor=trainer,
        client=consented,
        upload=jpeg_with_location(),
        pose="front",
        taken_on=timezone.localdate(),
    )

    assert keys(bucket) == [photo.image.name]
    assert stored_files(media) == []  # nothing on the local disk
    stored = bucket.get_object(Bucket=BUCKET, Key=photo.image.name)["Body"].read()
    assert b"PhoneCam" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    grants = bucket.get_object_acl(Bucket=BUCKET, Key=photo.image.name)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner only

    response = login(trainer).get(reverse("photos:file", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == stored

    thumbnail = login(trainer).get(reverse("photos:thumbnail", args=[photo.pk]))
    assert Image.open(io.BytesIO(thumbnail.content)).format == "JPEG"

    with django_capture_on_commit_callbacks(execute=True):
        services.photo_delete(actor=trainer, photo=photo)
    assert keys(bucket) == []


def test_a_refused_upload_leaves_nothing_in_the_bucket(bucket, trainer, gym):
    with pytest.raises(services.ApplicationError):
        services.photo_upload(
            actor=trainer,
            client=gym.member,  # no consent
            upload=jpeg_with_location(),
            pose="front",
            taken_on=timezone.localdate(),
        )

    assert keys(bucket) == []


def test_when_the_row_cannot_be_written_the_object_is_deleted_again(
    bucket, trainer, consented, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "audit_record", broken)

    with pytest.raises(RuntimeError):
        services.photo_upload(
            actor=trainer,
            client=consented,
            upload=jpeg_with_location(),
            pose="front",
            taken_on=timezone.localdate(),
        )

    assert keys(bucket) == []


def test_without_the_setting_photos_stay_on_the_local_disk(trainer, consented, media):
    photo = services.photo_upload(
        actor=trainer,
        client=consented,
        upload=jpeg_with_location(),
        pose="front",
        taken_on=timezone.localdate(),
    )

    assert [path.name for path in stored_files(media)] == [photo.image.name.rsplit("/", 1)[1]]
