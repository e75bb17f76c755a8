"""The demo gym's progress: health-data consent, measurements, goals and progress photos.

Every demo client whose record holds health notes or injuries agreed to it in person
(the form they signed is what lets those notes be kept). Chloe, the demo client, also
agreed in the portal, and has two months of weekly weigh-ins, a weight goal and a
deadlift goal, and front and side photos from her first and latest week. Built
through the services, as the trainer and Chloe would.
"""

import io
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from PIL import Image, ImageDraw

from fitnesscrm.clients.consent import HEALTH_CONSENT_WORDING, consent_grant, has_health_consent
from fitnesscrm.clients.models import Client, ConsentMethod, ConsentRecord
from fitnesscrm.progress.models import GoalMetric, Measurement
from fitnesscrm.progress.services.goals import goal_create
from fitnesscrm.progress.services.measurements import measurement_record
from fitnesscrm.progress.services.photos import photo_upload
from fitnesscrm.training.models import Exercise

WEEKS = 8


def demo_progress_exists() -> bool:
    return ConsentRecord.objects.exists()


def _picture(label: str, shade: int) -> SimpleUploadedFile:
    """A stand-in photo: a figure's outline on a plain wall, with the pose and date."""
    image = Image.new("RGB", (600, 800), (shade, shade - 8, shade - 16))
    draw = ImageDraw.Draw(image)
    draw.ellipse((255, 90, 345, 190), outline=(60, 60, 60), width=6)
    draw.rounded_rectangle((215, 200, 385, 520), radius=40, outline=(60, 60, 60), width=6)
    draw.line((250, 520, 235, 740), fill=(60, 60, 60), width=6)
    draw.line((350, 520, 365, 740), fill=(60, 60, 60), width=6)
    draw.text((20, 20), label, fill=(40, 40, 40))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")


def _chloe(coach_user, client: Client) -> dict:
    today = timezone.localdate()
    start = today - timedelta(weeks=WEEKS)
    for week in range(WEEKS + 1):
        values = {"weight_kg": Decimal("71.4") - Decimal("0.35") * week}
        if week % 4 == 0:
            values.update(
                body_fat_pct=Decimal("27.5") - Decimal("0.5") * (week // 4),
                waist_cm=Decimal("78") - Decimal("0.8") * (week // 4),
                hips_cm=Decimal("101") - Decimal("0.5") * (week // 4),
                resting_hr=64 - week // 4,
                bp_systolic=118,
                bp_diastolic=76,
            )
        if week == 0:
            values["height_cm"] = Decimal("167")
        measurement_record(
            actor=coach_user if week % 4 == 0 else client.user,
            client=client,
            measured_on=start + timedelta(weeks=week),
            values=values,
            notes="Monthly check-in with Tara." if week % 4 == 0 else "",
        )
    goal_create(
        actor=coach_user,
        client=client,
        title="Race weight for the 10K",
        metric=GoalMetric.WEIGHT,
        start_value=Decimal("71.4"),
        target_value=Decimal("66"),
        start_date=start,
        target_date=today + timedelta(weeks=10),
        milestones=[Decimal("70"), Decimal("68")],
    )
    deadlift = Exercise.objects.filter(library_key="barbell-deadlift").first()
    if deadlift is not None:
        goal_create(
            actor=coach_user,
            client=client,
            title="Deadlift her bodyweight",
            metric=GoalMetric.E1RM,
            exercise=deadlift,
            start_value=Decimal("55"),
            target_value=Decimal("70"),
            start_date=start,
            target_date=today + timedelta(weeks=6),
        )
    photos = 0
    for taken_on, shade in ((start, 214), (today - timedelta(days=1), 226)):
        for pose in ("front", "side"):
            photo_upload(
                actor=client.user,
                client=client,
                upload=_picture(f"{pose} {taken_on:%d %b %Y}", shade),
                pose=pose,
                taken_on=taken_on,
            )
            photos += 1
    return {"measurements": WEEKS + 1, "goals": 2, "photos": photos}


@transaction.atomic
def load_demo_progress(*, owner, coach_user, demo_client: Client | None) -> dict | None:
    """Consents, and Chloe's measurements, goals and photos, once; None if already there."""
    if demo_progress_exists():
        return None
    counts = {"consents": 0, "measurements": 0, "goals": 0, "photos": 0}
    noted = Client.objects.filter(~Q(health_notes="") | ~Q(injuries=""), archived_at__isnull=True)
    for client in noted.exclude(pk=getattr(demo_client, "pk", None)).iterator():
        consent_grant(
            actor=owner, client=client, method=ConsentMethod.WRITTEN, wording=HEALTH_CONSENT_WORDING
        )
        counts["consents"] += 1
    if demo_client is not None and demo_client.user is not None:
        if not has_health_consent(demo_client):
            consent_grant(
                actor=demo_client.user,
                client=demo_client,
                method=ConsentMethod.PORTAL,
                wording=HEALTH_CONSENT_WORDING,
            )
            counts["consents"] += 1
        if not Measurement.objects.filter(client=demo_client).exists():
            for name, value in _chloe(coach_user, demo_client).items():
                counts[name] += value
    return counts
