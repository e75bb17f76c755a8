"""Uploaded pictures, made safe to keep: checked by content, re-encoded, stripped of metadata.

Whatever the file is called and whatever type the browser claims, only the bytes
decide: Pillow must recognise a JPEG, PNG or WebP picture. The picture is decoded
and written again from its pixels alone, so EXIF (GPS position, camera, time),
XMP, ICC profiles and text chunks are gone, and so is anything appended to the
file. A picture whose header announces more pixels than `MAX_PIXELS` (a
decompression bomb: a few kilobytes that would need gigabytes of memory) is refused
before its pixels are decoded.
"""

import io
import uuid
from dataclasses import dataclass

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from fitnesscrm.core.errors import ApplicationError

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
# 40 megapixels: more than any phone camera takes, far less than a bomb.
MAX_PIXELS = 40_000_000

UNREADABLE = "This file is not a picture we can read: use a JPEG, PNG or WebP photo."


@dataclass(frozen=True)
class CleanImage:
    content: ContentFile  # named <random hex>.<jpg|png|webp>
    width: int
    height: int


def _refuse(field: str, message: str) -> ApplicationError:
    return ApplicationError(message, code="invalid", errors=[{"field": field, "message": message}])


def _megabytes(limit: int) -> str:
    return f"{limit // (1024 * 1024)} MB"


def clean_image(upload, *, field: str, max_bytes: int, max_side: int) -> CleanImage:
    """The upload re-encoded (at most `max_side` px a side), or ApplicationError at `field`."""
    size = getattr(upload, "size", None)
    if size is None or size > max_bytes:
        raise _refuse(field, f"The picture is larger than {_megabytes(max_bytes)}.")
    too_many_pixels = "The picture has too many pixels: use a photo of at most 40 megapixels."
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            kind = probe.format
            width, height = probe.size
            if kind not in FORMATS:
                raise _refuse(field, UNREADABLE)
            if width * height > MAX_PIXELS:
                raise _refuse(field, too_many_pixels)
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as source:
            source.load()
            image = ImageOps.exif_transpose(source)  # keep the way up the camera meant
            image.thumbnail((max_side, max_side))
    except ApplicationError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own limit (far above ours) can trip as the file is opened.
        raise _refuse(field, too_many_pixels) from exc
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise _refuse(field, UNREADABLE) from exc
    if kind == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA")
    # Only the pixels are written: no exif=, icc_profile= or text chunks are passed on,
    # and nothing the decoder kept (a PNG's writer would copy info["icc_profile"]).
    image.info = {}
    out = io.BytesIO()
    image.save(out, format=kind, quality=85)
    return CleanImage(
        content=ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{FORMATS[kind]}"),
        width=image.width,
        height=image.height,
    )
