"""Every way a file gets into the app, attacked the same way.

The entry points: a client's photo (new-client form), an exercise's picture (library
form), a progress photo (staff page and API) and the client CSV import. Each is sent
a file whose content is not what its name says (a script or a web page called .jpg or
.csv), a file over the entry point's limit, and an acceptable file under a
path-traversal name. The disguised and oversized files are refused with a message at
the field and leave no record and no file behind; the acceptable one is stored under
a name the server made up, inside MEDIA_ROOT. Each stored file is served back only
through a permission-checked view, with Content-Disposition and nosniff.

The last test lists every FileField and ImageField of every model: a new one fails it
until it is reviewed and added to REVIEWED here (and gets its own rows above).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
import yaml
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.urls import reverse

from fitnesscrm.clients.imports import files as csv_files
from fitnesscrm.clients.models import Client, ClientImport
from fitnesscrm.progress.models import ProgressPhoto
from fitnesscrm.training.models import Exercise
from tests.core.test_env_example import ROOT
from tests.factories import EquipmentFactory, MuscleGroupFactory, build_gym, give_health_consent
from tests.training_world import picture

MB = 1024 * 1024
SCRIPT = b'<script>\nfetch("/api/v1/clients").then(r => r.text()).then(alert)\n</script>\n'
HTML = b"<!DOCTYPE html>\n<html>\n<body>\n<img src=x onerror=alert(1)>\n</body>\n</html>\n"
SHELL = b"#!/bin/sh\nrm -rf / --no-preserve-root\n"
TRAVERSAL = "../../etc/passwd"
# What the server names a stored file: a random hex name with the type's extension.
GENERATED = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp|csv)$")
CSV = b"First name,Last name,Email\nAna,Silva,ana@example.test\n"


@dataclass
class EntryPoint:
    """One upload form or endpoint: how to post a file, and what it stores."""

    name: str
    limit: int  # bytes
    good: bytes  # an acceptable file's content
    extension: str  # the disguise's extension
    post: Callable  # (world, upload) -> response
    stored: Callable  # (world) -> names of the stored files of this entry point (in the DB)
    download: Callable | None = None  # (world) -> response serving the stored file


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def world(owner, trainer, client_user, outsider, login):
    gym = build_gym(trainer=trainer, client_user=client_user, outsider=outsider)
    give_health_consent(gym.member)
    gym.browser = login(owner)
    gym.chest = MuscleGroupFactory(slug="chest-upload", name="Chest (uploads)")
    gym.bench = EquipmentFactory(slug="bench-upload", name="Bench (uploads)")
    return gym


def _client_photo(world, upload):
    data = {"first_name": "Ana", "status": "lead", "source": "other", "photo": upload}
    return world.browser.post(reverse("clients:create"), data)


def _client_photos(world):
    return [c.photo.name for c in Client.objects.exclude(photo="")]


def _client_photo_download(world):
    client = Client.objects.exclude(photo="").get()
    return world.browser.get(reverse("clients:photo", args=[client.pk]))


def _exercise_image(world, upload):
    data = {
        "name": "Upload test press",
        "category": "strength",
        "level": "beginner",
        "tracking": "weight_reps",
        "primary_muscles": [world.chest.pk],
        "equipment": [world.bench.pk],
        "instructions": "1. Press.",
        "video_url": "",
        "image": upload,
    }
    return world.browser.post(reverse("exercises:create"), data)


def _exercise_images(world):
    return [e.image.name for e in Exercise.objects.exclude(image="")]


def _exercise_image_download(world):
    exercise = Exercise.objects.exclude(image="").get()
    return world.browser.get(reverse("exercises:image", args=[exercise.pk]))


def _photo_page(world, upload):
    data = {"pose": "front", "taken_on": "2026-01-05", "file": upload}
    return world.browser.post(reverse("photos:upload", args=[world.member.pk]), data)


def _photo_api(world, upload):
    from fitnesscrm.accounts import services

    _key, raw = services.api_key_create(user=world.browser_user, name="Uploads")
    data = {"client_id": world.member.pk, "pose": "front", "taken_on": "2026-01-05", "file": upload}
    return world.browser.post("/api/v1/photos", data, headers={"Authorization": f"Bearer {raw}"})


def _photos(world):
    return [p.image.name for p in ProgressPhoto.objects.all()]


def _photo_download(world):
    photo = ProgressPhoto.objects.get()
    return world.browser.get(reverse("photos:file", args=[photo.pk]))


def _csv_import(world, upload):
    return world.browser.post(reverse("clients-io:import"), {"file": upload, "encoding": "utf-8"})


def _imports(world):
    return [job.file.name for job in ClientImport.objects.all()]


ENTRY_POINTS = [
    EntryPoint("client photo", 5 * MB, picture(), "jpg", _client_photo, _client_photos,
               _client_photo_download),
    EntryPoint("exercise image", 5 * MB, picture("PNG"), "png", _exercise_image,
               _exercise_images, _exercise_image_download),
    EntryPoint("progress photo page", 10 * MB, picture(), "jpg", _photo_page, _photos,
               _photo_download),
    EntryPoint("progress photo API", 10 * MB, picture(), "jpg", _photo_api, _photos,
               _photo_download),
    EntryPoint("client CSV import", csv_files.MAX_FILE_BYTES, CSV, "csv", _csv_import, _imports),
]  # fmt: skip
IDS = [entry.name for entry in ENTRY_POINTS]


def files_in(media) -> list:
    return sorted(p for p in media.rglob("*") if p.is_file()) if media.exists() else []


def assert_refused(response, media, entry: EntryPoint, world) -> None:
    assert response.status_code in (400, 413, 422), response.status_code
    body = response.content.decode()
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["detail"]
    else:
        assert 'class="invalid-feedback' in body or "is-invalid" in body, body[:500]
    assert entry.stored(world) == []
    assert files_in(media) == []


@pytest.fixture
def entry_world(world, owner):
    world.browser_user = owner
    return world


@pytest.mark.parametrize("content", [SCRIPT, HTML, SHELL], ids=["script", "html", "shell"])
@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=IDS)
def test_a_disguised_file_is_refused_and_nothing_is_stored(entry, content, entry_world, media):
    upload = SimpleUploadedFile(f"clients.{entry.extension}", content, content_type="image/jpeg")
    if entry.extension == "csv":
        upload.content_type = "text/csv"

    response = entry.post(entry_world, upload)

    assert_refused(response, media, entry, entry_world)


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=IDS)
def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(entry, entry_world, media):
    # An acceptable start, padded past the entry point's limit.
    content = entry.good + b"\n" * (entry.limit + 1 - len(entry.good))
    upload = SimpleUploadedFile(f"big.{entry.extension}", content)

    response = entry.post(entry_world, upload)

    assert_refused(response, media, entry, entry_world)
    if response.status_code != 413:  # refused by the app itself, not the body limit
        assert "MB" in response.content.decode()


@pytest.mark.parametrize("entry", ENTRY_POINTS, ids=IDS)
def test_a_path_traversal_name_is_ignored_and_the_server_names_the_file(entry, entry_world, media):
    upload = SimpleUploadedFile(f"{TRAVERSAL}.{entry.extension}", entry.good)

    response = entry.post(entry_world, upload)

    assert response.status_code in (201, 302), response.content[:500]
    [name] = entry.stored(entry_world)
    base = name.rpartition("/")[2]
    assert GENERATED.match(base), name
    assert ".." not in name and "passwd" not in name
    [path] = files_in(media)
    assert path.resolve().is_relative_to(media.resolve())
    assert path.name == base
    if entry.download:
        served = entry.download(entry_world)
        assert served.status_code == 200
        assert served["Content-Disposition"].startswith("inline")
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Type"] in ("image/jpeg", "image/png", "image/webp")


def test_an_uploaded_csv_file_is_never_served_back(entry_world, media):
    _csv_import(entry_world, SimpleUploadedFile("c.csv", CSV))
    job = ClientImport.objects.get()

    assert entry_world.browser.get(f"/media/{job.file.name}").status_code == 404


def test_the_web_server_never_serves_uploaded_files_itself():
    # Uploads reach a browser only through the app's permission-checked views: nginx has no
    # location for them and does not even mount the volume they are kept on.
    conf = (ROOT / "deploy" / "nginx" / "nginx.conf").read_text()
    locations = re.findall(r"location\s+[^{]*\{[^}]*\}", conf)
    assert locations, "nginx.conf has no location blocks?"
    assert "/var/lib/fitnesscrm" not in conf
    for block in locations:
        assert "media" not in block.lower() or "internal;" in block, block
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.prod.yml").read_text())
    nginx_volumes = compose["services"]["nginx"].get("volumes", [])
    assert nginx_volumes
    assert not [v for v in nginx_volumes if "fitnesscrm" in v or v.startswith("data:")]


# --- Every file field is reviewed -------------------------------------------------------------

# model label.field -> the entry points above that fill it and how it is served.
REVIEWED = {
    "clients.Client.photo": "client photo: clean_image, 5 MB, random name; clients:photo",
    "clients.ClientImport.file": "CSV import: files.inspect, 10 MB, random name; never served",
    "training.Exercise.image": "exercise image: clean_image, 5 MB, random name; exercises:image",
    "progress.ProgressPhoto.image": "progress photo: clean_image, 10 MB, random name; photos:file",
    # Not an upload: the zip the server builds of a client's data; only its owners get it.
    "privacy.DataExport.file": "GDPR export: server-built zip, uuid4 name, expires; the "
    "download views check who asks (tests/privacy/test_export.py)",
}


def test_every_file_field_of_every_model_has_been_reviewed():
    fields = {
        f"{model._meta.app_label}.{model.__name__}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)  # ImageField is a FileField
    }

    assert fields - set(REVIEWED) == set(), "review these uploads and add them here and above"
    assert set(REVIEWED) - fields == set(), "these fields no longer exist"
