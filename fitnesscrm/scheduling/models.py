"""Locations and rooms, class types, recurring series, sessions, bookings, and what hangs off them.

Times are stored in UTC. A series keeps its wall-clock start time and weekdays in the
business's time zone and is expanded there, so a 07:00 class stays at 07:00 across
daylight-saving changes. Invariants the database can hold are constraints here; on
PostgreSQL, migration 0002 adds the exclusion constraints that keep a trainer or a
room out of two sessions at once.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from fitnesscrm.trainers.models import colour_validator

# The longest session: anything longer is a typing mistake, not a workout.
MAX_SESSION_LENGTH = timedelta(hours=24)
# The largest room or class.
MAX_CAPACITY = 500
# Recurring series are expanded into at most this many sessions.
MAX_OCCURRENCES = 1000


class Location(models.Model):
    name = models.CharField("name", max_length=100)
    address = models.CharField("address", max_length=300, blank=True)
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "location"
        verbose_name_plural = "locations"
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(Lower("name"), name="location_name_ci_unique")]

    def __str__(self) -> str:
        return self.name


class Room(models.Model):
    location = models.ForeignKey(
        Location, verbose_name="location", on_delete=models.PROTECT, related_name="rooms"
    )
    name = models.CharField("name", max_length=100)
    capacity = models.PositiveSmallIntegerField(
        "capacity", validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "room"
        verbose_name_plural = "rooms"
        ordering = ["location__name", "name", "id"]
        constraints = [
            models.UniqueConstraint("location", Lower("name"), name="room_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="room_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.location.name})"


class Access(models.TextChoices):
    OPEN = "open", "Anyone can book"
    PAID = "paid", "Members, or a credit"


class ClassType(models.Model):
    """A kind of group class (Spin, Yoga, HIIT): what a new class session starts from."""

    name = models.CharField("name", max_length=100)
    description = models.TextField("description", max_length=2000, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(
        "default duration (minutes)",
        default=60,
        validators=[MinValueValidator(5), MaxValueValidator(24 * 60)],
    )
    capacity = models.PositiveSmallIntegerField(
        "default capacity",
        default=12,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)],
    )
    colour = models.CharField(
        "calendar colour", max_length=7, default="#3d6bb3", validators=[colour_validator]
    )
    # Who may book: anyone, or a client with an active membership or a credit to spend.
    access = models.CharField(
        "who can book", max_length=10, choices=Access.choices, default=Access.OPEN
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "class type"
        verbose_name_plural = "class types"
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="classtype_name_ci_unique"),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5, duration_minutes__lte=24 * 60),
                name="classtype_duration_range",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="classtype_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    PERSONAL = "personal", "Personal training"
    CLASS = "class", "Group class"


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Series(models.Model):
    """A weekly recurring session, kept as an RFC 5545 RRULE over a local wall-clock start.

    `rrule` holds FREQ=WEEKLY with BYDAY and either COUNT or UNTIL (a local date);
    `first_day` and `start_time` are the local date and wall-clock time of the first
    occurrence, `time_zone` the zone it is expanded in. Sessions point back here; an
    edit of "this and the following" ends this series before the occurrence and starts
    a new one.
    """

    kind = models.CharField("kind", max_length=20, choices=Kind.choices, default=Kind.CLASS)
    title = models.CharField("title", max_length=120)
    rrule = models.CharField("recurrence rule", max_length=300)
    # The local date and wall-clock time of the first occurrence (no zone: see time_zone).
    first_day = models.DateField("first day")
    start_time = models.TimeField("start time (local)")
    time_zone = models.CharField("time zone", max_length=64)
    duration_minutes = models.PositiveSmallIntegerField("duration (minutes)")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        verbose_name = "series"
        verbose_name_plural = "series"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class SessionQuerySet(models.QuerySet):
    def overlapping(self, start, end) -> "SessionQuerySet":
        """Sessions that overlap [start, end), found through an index on the start.

        No session lasts longer than MAX_SESSION_LENGTH, so the lower bound on the
        start is implied; with it, the (trainer, starts_at), (room, starts_at) and
        (starts_at) indexes read only the range, not a trainer's whole history.
        """
        return self.filter(
            starts_at__lt=end, starts_at__gt=start - MAX_SESSION_LENGTH, ends_at__gt=start
        )


class Session(models.Model):
    """One scheduled time with a trainer: a personal session or a class, in a room or online."""

    uid = models.UUIDField("calendar UID", default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("kind", max_length=20, choices=Kind.choices, default=Kind.PERSONAL)
    class_type = models.ForeignKey(
        ClassType,
        verbose_name="class type",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    title = models.CharField("title", max_length=120)
    description = models.TextField("description", max_length=2000, blank=True)
    trainer = models.ForeignKey(
        "trainers.Trainer",
        verbose_name="trainer",
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    room = models.ForeignKey(
        Room,
        verbose_name="room",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    # The room's location, or where an online or outdoor session is run from.
    location = models.ForeignKey(
        Location,
        verbose_name="location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sessions",
    )
    video_url = models.URLField("video link", max_length=500, blank=True)
    starts_at = models.DateTimeField("starts")
    ends_at = models.DateTimeField("ends")
    capacity = models.PositiveSmallIntegerField(
        "capacity", default=1, validators=[MinValueValidator(1), MaxValueValidator(MAX_CAPACITY)]
    )
    status = models.CharField(
        "status", max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    cancelled_at = models.DateTimeField("cancelled", null=True, blank=True)
    cancel_reason = models.CharField("reason for cancelling", max_length=200, blank=True)
    series = models.ForeignKey(
        Series,
        verbose_name="series",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sessions",
    )
    # Seats taken (booked or attended) and places on the waitlist, kept by the booking
    # services under the session's row lock; the constraint below is the last guard.
    booked_count = models.PositiveSmallIntegerField("booked", default=0)
    waitlist_count = models.PositiveIntegerField("waitlisted", default=0)
    # RFC 5545 SEQUENCE: raised on every change a calendar should pick up.
    sequence = models.PositiveIntegerField("revision", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="created by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = "session"
        verbose_name_plural = "sessions"
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="session_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1, capacity__lte=MAX_CAPACITY),
                name="session_capacity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(booked_count__lte=models.F("capacity")),
                name="session_not_overbooked",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=SessionStatus.values), name="session_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=Kind.values), name="session_kind_valid"
            ),
        ]
        indexes = [
            # A trainer's day, week or month, and the conflict check on SQLite.
            models.Index(fields=["trainer", "starts_at"], name="session_trainer_start"),
            # A room's calendar and its conflict check.
            models.Index(fields=["room", "starts_at"], name="session_room_start"),
            # The whole calendar for a range, and the public class schedule.
            models.Index(fields=["starts_at"], name="session_start"),
            # "This and the following" of a series.
            models.Index(fields=["series", "starts_at"], name="session_series_start"),
            # The periodic job that completes sessions that have ended.
            models.Index(
                fields=["ends_at"],
                name="session_scheduled_end",
                condition=models.Q(status="scheduled"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_online(self) -> bool:
        return bool(self.video_url)

    @property
    def seats_left(self) -> int:
        return max(self.capacity - self.booked_count, 0)

    @property
    def is_full(self) -> bool:
        return self.booked_count >= self.capacity

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at


class BookingStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    WAITLISTED = "waitlisted", "Waitlisted"
    CANCELLED = "cancelled", "Cancelled"
    LATE_CANCELLED = "late_cancelled", "Cancelled late"
    NO_SHOW = "no_show", "No-show"
    ATTENDED = "attended", "Attended"


# A client holds at most one of these per session; a cancelled booking may be rebooked.
LIVE_BOOKING_STATUSES = (
    BookingStatus.BOOKED,
    BookingStatus.WAITLISTED,
    BookingStatus.ATTENDED,
    BookingStatus.NO_SHOW,
)
# Bookings that hold a seat (counted in Session.booked_count).
SEAT_STATUSES = (BookingStatus.BOOKED, BookingStatus.ATTENDED, BookingStatus.NO_SHOW)


class BookingSource(models.TextChoices):
    STAFF = "staff", "Staff"
    PORTAL = "portal", "Client portal"
    API = "api", "API"


class Booking(models.Model):
    session = models.ForeignKey(
        Session, verbose_name="session", on_delete=models.PROTECT, related_name="bookings"
    )
    client = models.ForeignKey(
        "clients.Client", verbose_name="client", on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        "status", max_length=20, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    source = models.CharField(
        "booked through", max_length=20, choices=BookingSource.choices, default=BookingSource.STAFF
    )
    # When the client joined the waitlist; the earliest is promoted first.
    waitlisted_at = models.DateTimeField("waitlisted", null=True, blank=True)
    promoted_at = models.DateTimeField("promoted from the waitlist", null=True, blank=True)
    cancelled_at = models.DateTimeField("cancelled", null=True, blank=True)
    checked_in_at = models.DateTimeField("checked in", null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="checked in by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Raised when the booking changes in a way the client's calendar should show.
    sequence = models.PositiveIntegerField("revision", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="booked by",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("booked", auto_now_add=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "booking"
        verbose_name_plural = "bookings"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client"],
                condition=models.Q(status__in=LIVE_BOOKING_STATUSES),
                name="booking_one_live_per_client",
                violation_error_message="This client is already booked into this session.",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=BookingStatus.values), name="booking_status_valid"
            ),
        ]
        indexes = [
            # A session's attendee list and its waitlist in order.
            models.Index(fields=["session", "status", "created_at"], name="booking_session_status"),
            # A client's bookings, their history and attendance rate.
            models.Index(fields=["client", "status"], name="booking_client_status"),
        ]

    def __str__(self) -> str:
        return f"{self.client} — {self.session}"

    @property
    def holds_seat(self) -> bool:
        return self.status in SEAT_STATUSES

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_BOOKING_STATUSES


class SchedulingSettings(models.Model):
    """The owner's scheduling policy: one row (pk 1), created with its defaults when first read."""

    late_cancel_hours = models.PositiveSmallIntegerField(
        "late-cancel window (hours before the start)",
        default=12,
        validators=[MaxValueValidator(14 * 24)],
        help_text="A client who cancels later than this is recorded as a late cancel.",
    )
    reminder_offsets = models.JSONField(
        "reminders (minutes before the start)",
        default=list,
        help_text="Minutes before each booked session at which a reminder is sent.",
    )
    client_booking_days = models.PositiveSmallIntegerField(
        "clients may book up to (days ahead)",
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    self_booking_notice_hours = models.PositiveSmallIntegerField(
        "notice for self-booked sessions (hours)",
        default=12,
        validators=[MaxValueValidator(14 * 24)],
    )
    self_booking_minutes = models.PositiveSmallIntegerField(
        "length of a self-booked session (minutes)",
        default=60,
        validators=[MinValueValidator(15), MaxValueValidator(240)],
    )
    updated_at = models.DateTimeField("updated", auto_now=True)

    DEFAULT_REMINDER_OFFSETS = [24 * 60, 60]

    class Meta:
        verbose_name = "scheduling settings"
        verbose_name_plural = "scheduling settings"

    def __str__(self) -> str:
        return "Scheduling settings"

    @classmethod
    def load(cls) -> "SchedulingSettings":
        found, _ = cls.objects.get_or_create(
            pk=1, defaults={"reminder_offsets": list(cls.DEFAULT_REMINDER_OFFSETS)}
        )
        return found


class WorkingHours(models.Model):
    """A trainer's weekly working hours in local time: where clients may book them."""

    trainer = models.ForeignKey(
        "trainers.Trainer",
        verbose_name="trainer",
        on_delete=models.CASCADE,
        related_name="working_hours",
    )
    weekday = models.PositiveSmallIntegerField(
        "weekday",
        choices=[(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"),
                 (4, "Friday"), (5, "Saturday"), (6, "Sunday")],
    )  # fmt: skip
    starts = models.TimeField("from")
    ends = models.TimeField("until")

    class Meta:
        verbose_name = "working hours"
        verbose_name_plural = "working hours"
        ordering = ["trainer", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")),
                name="workinghours_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
            models.CheckConstraint(
                condition=models.Q(weekday__gte=0, weekday__lte=6), name="workinghours_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M} to {self.ends:%H:%M}"


class TimeOff(models.Model):
    trainer = models.ForeignKey(
        "trainers.Trainer",
        verbose_name="trainer",
        on_delete=models.CASCADE,
        related_name="time_off",
    )
    starts_at = models.DateTimeField("from")
    ends_at = models.DateTimeField("until")
    reason = models.CharField("reason", max_length=200, blank=True)

    class Meta:
        verbose_name = "time off"
        verbose_name_plural = "time off"
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="timeoff_ends_after_start",
                violation_error_message="The end must be after the start.",
            )
        ]
        indexes = [models.Index(fields=["trainer", "ends_at"], name="timeoff_trainer_end")]

    def __str__(self) -> str:
        return self.reason or "Time off"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "SMS"


class Reminder(models.Model):
    """One reminder of one booking: a row a worker claims before sending, so it goes out once."""

    booking = models.ForeignKey(
        Booking, verbose_name="booking", on_delete=models.CASCADE, related_name="reminders"
    )
    channel = models.CharField(
        "channel", max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL
    )
    offset_minutes = models.PositiveIntegerField("minutes before the start")
    due_at = models.DateTimeField("due")
    claimed_at = models.DateTimeField("claimed", null=True, blank=True)
    sent_at = models.DateTimeField("sent", null=True, blank=True)
    # Why it was not sent (the booking was cancelled, the client has no email, …).
    skipped_reason = models.CharField("skipped because", max_length=200, blank=True)

    class Meta:
        verbose_name = "reminder"
        verbose_name_plural = "reminders"
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "channel", "offset_minutes"], name="reminder_once_per_offset"
            )
        ]
        # The sender's query: reminders due and not yet claimed.
        indexes = [
            models.Index(
                fields=["due_at"],
                name="reminder_due_unclaimed",
                condition=models.Q(claimed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.offset_minutes} min before {self.booking}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """The secret address of a trainer's or a client's calendar feed; rotating changes it."""

    trainer = models.OneToOneField(
        "trainers.Trainer",
        verbose_name="trainer",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    client = models.OneToOneField(
        "clients.Client",
        verbose_name="client",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
    )
    token = models.CharField("token", max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField("created", auto_now_add=True)
    rotated_at = models.DateTimeField("rotated", null=True, blank=True)
    last_fetched_at = models.DateTimeField("last fetched", null=True, blank=True)

    class Meta:
        verbose_name = "calendar feed"
        verbose_name_plural = "calendar feeds"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(trainer__isnull=False, client__isnull=True)
                | models.Q(trainer__isnull=True, client__isnull=False),
                name="calendarfeed_one_owner",
            )
        ]

    def __str__(self) -> str:
        return f"Calendar feed of {self.trainer or self.client}"
