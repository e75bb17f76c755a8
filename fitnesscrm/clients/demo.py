"""The demo gym behind `make demo`: trainers, a few hundred clients and leads, a year of history.

Everything is drawn from a fixed-seed random generator, so every demo shows the
same gym; only the dates move, so that the history always ends today. Rows are
written with bulk inserts and their times backdated afterwards (auto_now_add would
stamp them "now"), which keeps the whole load to a few seconds on SQLite.

The names are written out here rather than taken from Faker: Faker is a test
dependency, and `make demo` installs only what production installs.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import models, transaction
from django.utils import timezone

from fitnesscrm.accounts.models import User
from fitnesscrm.clients import counting
from fitnesscrm.clients.models import (
    Assignment,
    Client,
    EntryKind,
    FollowUpTask,
    LeadStage,
    Source,
    Status,
    Tag,
    TimelineEntry,
)
from fitnesscrm.core import generations
from fitnesscrm.core.roles import Role
from fitnesscrm.core.text import search_key
from fitnesscrm.trainers import selectors as trainer_selectors
from fitnesscrm.trainers import services as trainer_services
from fitnesscrm.trainers.models import Trainer

SEED = 20260301

# Chloe's client record: once it exists, the demo gym has been loaded.
MARKER_EMAIL = "client@demo.fitnesscrm.test"
DEMO_TRAINER_EMAIL = "trainer@demo.fitnesscrm.test"

# --- Names ------------------------------------------------------------------------------
# (first names, last names, phone prefixes with the number of digits that follow) per
# origin, with a weight: a British gym with a mixed, international membership.

NAMES = {
    "en": (
        50,
        "Oliver Amelia Harry Isla George Ava Noah Mia Jack Grace Charlie Freya Thomas Emily "
        "James Poppy William Sophie Oscar Ruby Alfie Ella Henry Lily Leo Evie Archie Daisy "
        "Joshua Holly Priya Arjun Aisha Rohan Anika Chidi Ngozi Tunde Adaeze Kofi Ama Zainab "
        "Jacob Harper Ethan Scarlett Samuel Matilda Daniel Rosie Benjamin Phoebe Max Imogen "
        "Isaac Florence Dylan Alice Theo Millie Lucas Eliza Finley Maya Ryan Zara Adam Layla "
        "Nathan Hannah Luke Megan Callum Jessica Yusuf Maryam",
        "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans "
        "Walker White Roberts Green Hall Wood Jackson Clarke Hughes Edwards Turner Cooper Ward "
        "Morris Patel Khan Ali Begum Sharma Singh Okafor Adeyemi Mensah Boateng Campbell Reid "
        "Harris Martin Lewis Young King Scott Baker Adams Mitchell Phillips Parker Bennett "
        "Carter Collins Stewart Murray Shaw Bell Gray Hunter Palmer Mills Knight Holmes Barnes "
        "Fox Ellis Lloyd Owen Price Rahman Hussain Chowdhury Mahmood Asante Osei Francis Grant",
        [("+4474", 8), ("+4475", 8), ("+4478", 8)],
    ),
    "es": (
        10,
        "José María Lucía Álvaro Sofía Martín Carmen Javier Inés Raúl Núria Andrés Elena Sergio "
        "Paula Begoña Iñaki",
        "García Fernández González Rodríguez López Martínez Sánchez Pérez Gómez Jiménez Ruiz "
        "Hernández Díaz Muñoz Álvarez Romero Núñez Peña Ibáñez",
        [("+346", 8), ("+4474", 8)],
    ),
    "fr": (
        8,
        "Léa Chloé Zoé Hélène Théo Jérôme Amélie Clément Noémie Gaël Maël Océane François "
        "Éloïse Benoît Anaïs",
        "Dubois Lefèvre Moreau Girard Bonnet Mercier Lambert Fontaine Rousseau Chevalier "
        "Gauthier Perrin Leroy Dupont Bélanger Lemaître",
        [("+4475", 8)],
    ),
    "de": (
        7,
        "Jürgen Jörg Lena Lukas Anja Felix Sören Katrin Maximilian Björn Hanna Jonas Käthe",
        "Müller Schröder Weiß Köhler Schäfer Becker Hoffmann Krüger Groß Fischer Wagner "
        "Schulz Vogel Böhm",
        [("+49151", 8), ("+49176", 8), ("+4478", 8)],
    ),
    "pl": (
        6,
        "Łukasz Agnieszka Małgorzata Paweł Zofia Michał Katarzyna Wojciech Magdalena "
        "Bartłomiej Jędrzej",
        "Nowak Kowalska Wiśniewski Wójcik Kamiński Lewandowska Zieliński Dąbrowski "
        "Kozłowska Szymański Łuczak",
        [("+4851", 7), ("+4474", 8)],
    ),
    "pt": (
        4,
        "João Inês Gonçalo Beatriz Tomás Leonor Rúben Mariana",
        "Silva Santos Conceição Gonçalves Simões Araújo Magalhães Pereira",
        [("+35191", 7), ("+4475", 8)],
    ),
    "ie": (
        8,
        "Siobhán Seán Aoife Niamh Ciarán Róisín Pádraig Saoirse Oisín Caoimhe",
        "Murphy O'Brien Kelly O'Sullivan Byrne Ryan O'Connor Walsh McCarthy Doyle",
        [("+35385", 7), ("+4478", 8)],
    ),
    "nordic": (
        3,
        "Åsa Søren Ingrid Lars Sigrún Mikkel Freja Håkon",
        "Jørgensen Nilsson Lindqvist Østergaard Håkansson Sæther Eriksson Ångström",
        [("+4474", 8)],
    ),
    "tr": (
        2,
        "Ayşe Çağla Emre Gökhan Elif",
        "Yılmaz Öztürk Şahin Çelik Doğan",  # noqa: RUF001 - a real Turkish letter
        [("+4475", 8)],
    ),
}
ORIGINS = [
    (key, weight, first.split(), last.split(), phones)
    for key, (weight, first, last, phones) in NAMES.items()
]
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")


def random_phone(rng: random.Random, prefixes) -> str:
    """A mobile number in E.164 from a range that phonenumbers accepts as valid."""
    prefix, length = rng.choice(prefixes)
    return prefix + "".join(rng.choice("0123456789") for _ in range(length))


def ascii_slug(text: str) -> str:
    return "".join(ch for ch in search_key(text) if ch.isascii() and ch.isalnum())


def random_person(rng: random.Random) -> tuple[str, str, str, list]:
    """(origin, first name, last name, phone prefixes) drawn by the origin weights."""
    origin, _weight, first, last, phones = rng.choices(ORIGINS, weights=[o[1] for o in ORIGINS])[0]
    return origin, rng.choice(first), rng.choice(last), phones


# --- The gym -------------------------------------------------------------------------------

TAGS = [
    ("VIP", "#d63384"),
    ("Student", "#0d6efd"),
    ("Corporate", "#6f42c1"),
    ("Morning crew", "#fd7e14"),
    ("Over 60", "#20c997"),
    ("Online coaching", "#0dcaf0"),
    ("Referral reward", "#198754"),
]


@dataclass
class TrainerSpec:
    email: str
    name: str
    bio: str
    specializations: list[str]
    rate: int  # pence per hour
    colour: str
    # (name, issuer, issued days ago, expires in days or None)
    certifications: list[tuple[str, str, int, int | None]]
    active: bool = True


TRAINERS = [
    TrainerSpec(
        DEMO_TRAINER_EMAIL,
        "Tara Trainer",
        "Former county sprinter. Coaches strength for busy people: three sessions a week, "
        "no wasted minutes. Also runs the 6:30 Morning crew class.",
        ["Strength and conditioning", "Mobility", "Running"],
        4500,
        "#1f8a70",
        [
            ("Level 3 Personal Trainer", "Active IQ", 2100, None),
            ("Emergency First Aid at Work", "St John Ambulance", 1050, 38),
            ("Kettlebell Instructor", "Kettlebell Training Education", 1140, -45),
        ],
    ),
    TrainerSpec(
        "sofia.martinez@demo.fitnesscrm.test",
        "Sofía Martínez",
        "Yoga and Pilates teacher from Valencia. Calm, precise, and very good with "
        "beginners and stiff backs.",
        ["Yoga", "Pilates", "Mobility"],
        4000,
        "#6f42c1",
        [
            ("Yoga Alliance RYT-200", "Yoga Alliance", 2500, None),
            ("Level 3 Mat Pilates", "YMCA Awards", 900, 560),
            ("Emergency First Aid at Work", "St John Ambulance", 400, 695),
        ],
    ),
    TrainerSpec(
        "kwame.mensah@demo.fitnesscrm.test",
        "Kwame Mensah",
        "Boxing coach and HIIT addict. Runs the Saturday boxing fitness class and the "
        "corporate lunchtime circuits.",
        ["Boxing", "HIIT", "Weight loss"],
        4200,
        "#dc3545",
        [
            ("England Boxing Level 1 Coach", "England Boxing", 800, 300),
            ("Level 3 Personal Trainer", "YMCA Awards", 1500, None),
            ("Emergency First Aid at Work", "Red Cross", 1070, 25),
        ],
    ),
    TrainerSpec(
        "lea.dubois@demo.fitnesscrm.test",
        "Léa Dubois",
        "Nutrition coach and pre- and postnatal specialist. Helps clients build habits "
        "that last longer than January.",
        ["Nutrition coaching", "Pre- and postnatal", "Weight loss"],
        4800,
        "#fd7e14",
        [
            ("Level 4 Nutrition for Physical Activity", "Future Fit", 1200, None),
            ("Pre and Postnatal Exercise", "CIMSPA", 700, 400),
        ],
    ),
    TrainerSpec(
        "ben.carter@demo.fitnesscrm.test",
        "Ben Carter",
        "Powerlifting coach. Left in the spring to open his own barbell club; his "
        "clients moved to the team.",
        ["Powerlifting", "Olympic lifting"],
        4500,
        "#0d6efd",
        [("British Weight Lifting Level 2 Coach", "British Weight Lifting", 1600, 130)],
        active=False,
    ),
]
# How many clients the demo trainer looks after (active assignments).
DEMO_TRAINER_CLIENTS = 25
# Ben left this many days ago; his clients were handed over on that day.
BEN_LEFT_DAYS = 130

# (status, lead stage, how many)
POPULATION = [
    (Status.LEAD, LeadStage.NEW, 20),
    (Status.LEAD, LeadStage.CONTACTED, 16),
    (Status.LEAD, LeadStage.LOST, 14),
    (Status.TRIAL, LeadStage.TRIAL_BOOKED, 14),
    (Status.ACTIVE, LeadStage.WON, 171),  # plus Chloe
    (Status.PAUSED, LeadStage.WON, 24),
    (Status.INACTIVE, LeadStage.WON, 40),
]
ARCHIVED = 4  # of the inactive ones

LOST_REASONS = [
    "Too expensive for now.",
    "Moved away.",
    "Chose a gym closer to work.",
    "No reply after three calls.",
    "Our class times do not fit their shifts.",
    "Only wanted a day pass.",
    "Decided to train at home.",
]
GOALS = [
    "Lose 8 kg before the wedding in September.",
    "Run a half marathon in under two hours.",
    "Get stronger: bodyweight squat for five reps.",
    "Less back pain from desk work; better posture.",
    "Get back into shape after having a baby.",
    "Stay mobile and keep up with the grandchildren.",
    "First unassisted pull-up.",
    "Build muscle: four kilos of lean mass this year.",
    "Train for a Hyrox race in the spring.",
    "Feel fitter and sleep better.",
    "Ski season in February: legs and knees ready.",
    "Tone up and enjoy training again.",
]
HEALTH_NOTES = [
    "Mild asthma; keeps an inhaler in the bag.",
    "Type 1 diabetes: checks glucose before sessions, has glucose tablets.",
    "High blood pressure, on medication; avoid breath-holding.",
    "Pregnant (second trimester); cleared by the midwife for moderate exercise.",
    "Migraines after very hard intervals.",
]
INJURIES = [
    "ACL reconstruction, left knee (2019). Full clearance.",
    "Lower back pain when deadlifting heavy; no heavy pulls from the floor.",
    "Rotator cuff tendinopathy, right shoulder: no overhead pressing for now.",
    "Sprained ankle in March; cleared by the physio.",
    "Tennis elbow, right arm.",
]
STREETS = [
    "Gloucester Road", "Whiteladies Road", "Cheltenham Road", "North Street", "Park Street",
    "Stokes Croft", "Coronation Road", "Church Road", "St Michael's Hill", "Cotham Hill",
    "Wells Road", "Fishponds Road", "Zetland Road", "Chandos Road",
]  # fmt: skip
TRAINER_NOTES = [
    "Initial assessment done: squat pattern good, hip hinge needs work. Starting a "
    "three-day full-body plan.",
    "Deadlift up to {kg} kg for five, clean reps. Adding a fourth session next month.",
    "Missed two sessions this week with work travel; sent a 20-minute hotel workout.",
    "Down {cm} cm on the waist since we started. Wants to keep the same plan.",
    "Reviewed goals together and refreshed the programme for the next six weeks.",
    "Great energy today. First unassisted pull-up!",
    "Switched to an upper/lower split; four days a week.",
    "Worked on running technique: cadence up, overstriding gone.",
    "Deload week planned after the next block.",
]
DESK_CALLS = [
    "Called back, no answer. Left a voicemail.",
    "Asked about off-peak prices; sent the price list by email.",
    "Rang to check in after the first month: happy, wants to add a class pass.",
    "Confirmed the corporate discount with their HR contact.",
    "Called to move Thursday's session to Friday at the same time.",
    "Asked whether the membership can be shared with a partner; explained the couples plan.",
]
DESK_EMAILS = [
    "Sent the welcome pack and the class timetable.",
    "Emailed the price list and a link to book a trial.",
    "Sent the updated timetable for the holidays.",
    "Sent the receipt for the annual plan.",
]
PINNED_NOTES = [
    "Prefers sessions before 7:30: works in the city.",
    "Corporate plan: invoices go to the employer, ask for a PO number.",
    "Brings their own mat and kettlebell to the outdoor sessions.",
    "Likes to be called, not emailed.",
    "Only free on Tuesday and Thursday evenings.",
]
PAUSE_REASONS = [
    "Paused for six weeks: travelling for work.",
    "Paused for the summer holidays.",
    "Paused while moving house; back next month.",
    "Paused during exams.",
]
CANCEL_REASONS = [
    "Cancelled: moved to Manchester for a new job.",
    "Cancelled: prefers to train at home now.",
    "Did not renew after the annual plan ended.",
    "Cancelled: the cost, for now. Open to coming back in the new year.",
    "Cancelled: new shift pattern, cannot make the class times.",
]


# --- Plans ----------------------------------------------------------------------------------


@dataclass
class Event:
    at: datetime
    kind: str
    body: str = ""
    data: dict = field(default_factory=dict)
    author: User | None = None
    pinned: bool = False


@dataclass
class Stint:
    trainer: str  # trainer email
    start: date
    end: date | None = None
    primary: bool = True


@dataclass
class Plan:
    client: Client
    created_at: datetime
    status_changed_at: datetime
    tags: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    stints: list[Stint] = field(default_factory=list)
    # When a current primary trainer is wanted (set once trainers are handed out).
    wants_trainer_from: datetime | None = None


class _Gym:
    """Builds the plans of every client, then writes them in a handful of bulk inserts."""

    def __init__(self, users: dict[str, User]):
        self.rng = random.Random(SEED)  # noqa: S311 - demo data, not secrets  # nosec B311
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.users = users  # by role value, plus trainer emails
        self.emails: set[str] = set(
            Client.objects.exclude(email="").values_list("email", flat=True)
        )
        self.plans: list[Plan] = []
        self.tasks: list[tuple[FollowUpTask, datetime]] = []

    # Times ------------------------------------------------------------------------

    def at(self, days_ago: float, hour: int | None = None) -> datetime:
        """A believable working-hours time `days_ago` days back, never in the future."""
        day = self.today - timedelta(days=int(days_ago))
        hour = hour if hour is not None else self.rng.randint(7, 19)
        moment = datetime.combine(
            day, time(hour, self.rng.randrange(0, 60)), tzinfo=timezone.get_current_timezone()
        )
        return min(moment, self.now - timedelta(minutes=self.rng.randint(5, 90)))

    def days_ago(self, moment: datetime) -> int:
        return (self.today - timezone.localtime(moment).date()).days

    # People --------------------------------------------------------------------------

    def unique_email(self, first: str, last: str) -> str:
        rng = self.rng
        local = rng.choice(
            [
                f"{first}.{last}",
                f"{first}{last}",
                f"{first[0]}{last}",
                f"{first}.{last}{rng.randint(1, 99)}",
            ]
        )
        local = ".".join(filter(None, (ascii_slug(part) for part in local.split(".")))) or "member"
        domain = rng.choice(EMAIL_DOMAINS)
        email, n = f"{local}@{domain}", 1
        while email in self.emails:
            n += 1
            email = f"{local}{n}@{domain}"
        self.emails.add(email)
        return email

    def new_client(self, status: str, stage: str) -> Client:
        rng = self.rng
        origin, first, last, phones = random_person(rng)
        lead = status == Status.LEAD
        client = Client(first_name=first, last_name=last, status=status, lead_stage=stage)
        if rng.random() < (0.75 if lead else 0.95):
            client.email = self.unique_email(first, last)
        if rng.random() < (0.8 if lead else 0.92) or not client.email:
            client.phone = random_phone(rng, phones)
        client.source = rng.choices(
            [Source.WALK_IN, Source.REFERRAL, Source.WEBSITE, Source.SOCIAL, Source.OTHER],
            weights=[22, 26, 28, 19, 5],
        )[0]
        if not lead or rng.random() < 0.3:
            client.goals = rng.choice(GOALS)
        if not lead:
            if rng.random() < 0.7:
                client.date_of_birth = self.today - timedelta(
                    days=int(rng.triangular(18, 74, 30) * 365)
                )
            if rng.random() < 0.6:
                bath = rng.random() < 0.12
                client.address_line1 = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
                client.city = "Bath" if bath else "Bristol"
                client.postal_code = (
                    f"{'BA' if bath else 'BS'}{rng.randint(1, 2 if bath else 16)} "
                    f"{rng.randint(1, 9)}{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
                    f"{rng.choice('ABDEFGHJLNPQRSTUWXY')}"
                )
                client.country = "GB"
            if rng.random() < 0.45:
                _o, contact_first, _l, contact_phones = random_person(rng)
                client.emergency_contact_name = f"{contact_first} {last}"
                client.emergency_contact_phone = random_phone(rng, contact_phones)
            if rng.random() < 0.12:
                client.health_notes = rng.choice(HEALTH_NOTES)
            if rng.random() < 0.18:
                client.injuries = rng.choice(INJURIES)
        client._origin = origin  # for a pinned note in the client's language
        return client

    def consent(self, client: Client, since: datetime) -> None:
        if client.email and self.rng.random() < 0.6:
            client.email_consent = True
            client.email_consent_at = since
        if client.phone and self.rng.random() < 0.35:
            client.sms_consent = True
            client.sms_consent_at = since

    def tags_for(self, client: Client) -> list[str]:
        rng, tags = self.rng, []
        for name, chance in [
            ("VIP", 0.05),
            ("Student", 0.1),
            ("Corporate", 0.12),
            ("Morning crew", 0.14),
            ("Online coaching", 0.05),
        ]:
            if rng.random() < chance:
                tags.append(name)
        if client.date_of_birth and (self.today - client.date_of_birth).days > 60 * 365:
            tags.append("Over 60")
        if client.source == Source.REFERRAL and rng.random() < 0.3:
            tags.append("Referral reward")
        return tags

    # Histories --------------------------------------------------------------------------

    def desk(self) -> User:
        return self.rng.choices(
            [self.users[Role.FRONT_DESK], self.users[Role.MANAGER], self.users[Role.OWNER]],
            weights=[7, 2, 1],
        )[0]

    def created(self, plan: Plan, status: str) -> None:
        author = None if plan.client.source == Source.WEBSITE else self.desk()
        body = (
            "Enquiry from the website form."
            if author is None and status == Status.LEAD
            else "Record created."
        )
        plan.events.append(
            Event(plan.created_at, EntryKind.SYSTEM, body, {"status": status}, author)
        )

    def stage(self, plan: Plan, moment: datetime, old: str, new: str, reason: str = "") -> None:
        plan.events.append(
            Event(moment, EntryKind.STAGE, reason, {"from": old, "to": new}, self.desk())
        )

    def status(self, plan: Plan, moment: datetime, old: str, new: str, author=None) -> None:
        plan.events.append(
            Event(moment, EntryKind.STATUS, "", {"from": old, "to": new}, author or self.desk())
        )
        plan.status_changed_at = moment

    def later(self, moment: datetime, min_days: int, max_days: int) -> datetime:
        """A time some days after `moment`, but not in the future."""
        days_ago = max(self.days_ago(moment) - self.rng.randint(min_days, max_days), 0)
        return max(self.at(days_ago), moment + timedelta(minutes=5))

    def pipeline(self, plan: Plan, until: str) -> datetime:
        """new → contacted (→ trial booked → won): the stage and status changes on the way."""
        rng, moment = self.rng, plan.created_at
        moment = self.later(moment, 0, 3)
        self.stage(plan, moment, LeadStage.NEW, LeadStage.CONTACTED)
        plan.events.append(
            Event(
                moment,
                EntryKind.CALL,
                rng.choice(
                    [
                        "Spoke for ten minutes: wants a plan that fits around the kids. "
                        "Sent the prices.",
                        "Interested in personal training, evenings. Sent the price list.",
                        "Friend of a member; wants to try a class first.",
                        "Asked about the student rate and the class timetable.",
                    ]
                ),
                author=self.users[Role.FRONT_DESK],
            )
        )
        if until == LeadStage.CONTACTED:
            return moment
        if until == LeadStage.LOST:
            moment = self.later(moment, 5, 30)
            self.stage(plan, moment, LeadStage.CONTACTED, LeadStage.LOST, plan.client.lost_reason)
            return moment
        moment = self.later(moment, 1, 5)
        self.stage(plan, moment, LeadStage.CONTACTED, LeadStage.TRIAL_BOOKED)
        self.status(plan, moment, Status.LEAD, Status.TRIAL)
        plan.wants_trainer_from = moment
        if until == LeadStage.TRIAL_BOOKED:
            return moment
        moment = self.later(moment, 5, 14)
        self.stage(plan, moment, LeadStage.TRIAL_BOOKED, LeadStage.WON)
        self.status(plan, moment, Status.TRIAL, Status.ACTIVE)
        return moment

    def chatter(self, plan: Plan, since: datetime, until: datetime, trainer: bool) -> None:
        """Notes, calls and emails between two times."""
        rng = self.rng
        span = max(self.days_ago(since) - self.days_ago(until), 0)
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4])):
            moment = self.later(since, 0, span) if span else since + timedelta(minutes=30)
            if moment > until:
                moment = until - timedelta(minutes=rng.randint(10, 300))
            roll = rng.random()
            if trainer and roll < 0.5:
                body = rng.choice(TRAINER_NOTES).format(
                    kg=rng.choice([60, 70, 80, 90, 100, 110]), cm=rng.randint(2, 9)
                )
                # The author is the trainer of the day, known once trainers are handed out.
                plan.events.append(Event(moment, EntryKind.NOTE, body, {"_trainer_note": True}))
            elif roll < 0.8:
                plan.events.append(
                    Event(moment, EntryKind.CALL, rng.choice(DESK_CALLS), author=self.desk())
                )
            else:
                plan.events.append(
                    Event(moment, EntryKind.EMAIL, rng.choice(DESK_EMAILS), author=self.desk())
                )
        if rng.random() < 0.07:
            body = rng.choice(PINNED_NOTES)
            if getattr(plan.client, "_origin", "") == "es":
                body = "Prefers Spanish on the phone."
            plan.events.append(
                Event(
                    since + timedelta(hours=1),
                    EntryKind.NOTE,
                    body,
                    author=self.desk(),
                    pinned=True,
                )
            )

    def plan_client(self, status: str, stage: str) -> Plan:
        rng = self.rng
        client = self.new_client(status, stage)
        if stage == LeadStage.LOST:
            client.lost_reason = rng.choice(LOST_REASONS)
        ranges = {
            (Status.LEAD, LeadStage.NEW): (0, 26),
            (Status.LEAD, LeadStage.CONTACTED): (4, 60),
            (Status.LEAD, LeadStage.LOST): (12, 200),
            (Status.TRIAL, LeadStage.TRIAL_BOOKED): (3, 24),
            (Status.ACTIVE, LeadStage.WON): (20, 365),
            (Status.PAUSED, LeadStage.WON): (90, 365),
            (Status.INACTIVE, LeadStage.WON): (150, 365),
        }
        low, high = ranges[(status, stage)]
        created_days = int(rng.triangular(low, high, low + (high - low) * 0.35))
        created = self.at(created_days)
        plan = Plan(client, created, created)
        self.consent(client, created)
        plan.tags = self.tags_for(client)
        walk_in_signup = status in (Status.ACTIVE, Status.PAUSED, Status.INACTIVE) and (
            rng.random() < 0.35
        )
        if walk_in_signup:
            # Signed up on the spot: created as an active client, never a lead.
            client.lead_stage = LeadStage.NEW
            plan.client.source = rng.choice([Source.WALK_IN, Source.REFERRAL])
            self.created(plan, Status.ACTIVE)
            joined = created
            plan.wants_trainer_from = created
        else:
            self.created(plan, Status.LEAD)
            joined = created if stage == LeadStage.NEW else self.pipeline(plan, stage)
        if status == Status.ACTIVE:
            if rng.random() > 0.86:
                plan.wants_trainer_from = None  # trains alone, classes only
            self.chatter(plan, joined, self.now, trainer=plan.wants_trainer_from is not None)
        elif status == Status.PAUSED:
            paused = self.at(rng.randint(3, min(80, max(self.days_ago(joined) - 20, 3))))
            self.chatter(plan, joined, paused, trainer=True)
            self.status(plan, paused, Status.ACTIVE, Status.PAUSED)
            plan.events.append(
                Event(paused, EntryKind.NOTE, rng.choice(PAUSE_REASONS), author=self.desk())
            )
        elif status == Status.INACTIVE:
            ended = self.at(rng.randint(8, min(140, max(self.days_ago(joined) - 30, 8))))
            self.chatter(plan, joined, ended, trainer=True)
            previous = Status.ACTIVE
            if rng.random() < 0.3:
                paused = ended - timedelta(days=rng.randint(20, 40))
                if paused > joined:
                    self.status(plan, paused, Status.ACTIVE, Status.PAUSED)
                    previous = Status.PAUSED
            self.status(plan, ended, previous, Status.INACTIVE, author=self.users[Role.MANAGER])
            plan.events.append(
                Event(ended, EntryKind.NOTE, rng.choice(CANCEL_REASONS), author=self.desk())
            )
            plan._ended = ended
        elif status == Status.LEAD and stage == LeadStage.NEW and rng.random() < 0.3:
            plan.events.append(
                Event(
                    self.later(created, 0, 2),
                    EntryKind.EMAIL,
                    "Emailed the price list and a link to book a trial.",
                    author=self.users[Role.FRONT_DESK],
                )
            )
        return plan

    def chloe(self, user: User) -> Plan:
        client = Client(
            first_name="Chloe",
            last_name="Client",
            email=MARKER_EMAIL,
            phone="+447400123456",
            date_of_birth=date(1991, 6, 14),
            address_line1="42 Cotham Hill",
            city="Bristol",
            postal_code="BS6 6LA",
            country="GB",
            emergency_contact_name="Sam Client",
            emergency_contact_phone="+447400654321",
            goals="Run the Bristol 10K in under 55 minutes, and deadlift her bodyweight.",
            injuries="Sprained left ankle two years ago; fully healed.",
            source=Source.REFERRAL,
            status=Status.ACTIVE,
            lead_stage=LeadStage.WON,
            user=user,
        )
        created = self.at(210, 12)
        plan = Plan(client, created, created, tags=["Morning crew"])
        self.consent(client, created)
        client.email_consent, client.email_consent_at = True, created
        self.created(plan, Status.LEAD)
        joined = self.pipeline(plan, LeadStage.WON)
        plan.wants_trainer_from = joined
        plan._trainer = DEMO_TRAINER_EMAIL
        plan.events.append(
            Event(
                joined + timedelta(hours=2),
                EntryKind.NOTE,
                "Prefers sessions before 7:30: works in the city.",
                author=self.users[Role.FRONT_DESK],
                pinned=True,
            )
        )
        self.chatter(plan, joined, self.now, trainer=True)
        return plan

    # Trainers ------------------------------------------------------------------------------

    def hand_out_trainers(self, trainers: dict[str, Trainer]) -> None:
        """Primary trainers for everyone who wants one: the demo trainer gets ~25 clients."""
        rng = self.rng
        others = [t.email for t in TRAINERS if t.active and t.email != DEMO_TRAINER_EMAIL]
        ben = next(t.email for t in TRAINERS if not t.active)
        left = self.at(BEN_LEFT_DAYS, 17)
        wanting = [p for p in self.plans if p.wants_trainer_from is not None]
        current = [
            p for p in wanting if p.client.status in (Status.ACTIVE, Status.TRIAL, Status.PAUSED)
        ]
        rng.shuffle(current)
        tara_quota = DEMO_TRAINER_CLIENTS - sum(
            1 for p in current if getattr(p, "_trainer", "") == DEMO_TRAINER_EMAIL
        )
        for plan in current:
            if getattr(plan, "_trainer", ""):
                continue
            if tara_quota > 0 and plan.client.status != Status.PAUSED:
                plan._trainer, tara_quota = DEMO_TRAINER_EMAIL, tara_quota - 1
            else:
                plan._trainer = rng.choices(others, weights=[5, 4, 3])[0]
        for plan in wanting:
            start_at = plan.wants_trainer_from
            end_at = getattr(plan, "_ended", None)
            if plan.client.status == Status.INACTIVE:
                plan._trainer = rng.choice(others)
            first = plan._trainer
            if start_at < left and rng.random() < 0.25:
                first = ben  # Ben's client until he left, then handed over
            if first == ben and plan.client.status != Status.INACTIVE:
                self.assign(plan, ben, start_at, left)
                self.assign(plan, plan._trainer, left, None)
            elif first == ben and end_at > left:
                self.assign(plan, ben, start_at, left)
                self.assign(plan, plan._trainer, left, end_at)
            else:
                self.assign(plan, first, start_at, end_at)
            if plan.client.status == Status.ACTIVE and rng.random() < 0.08:
                # A second, specialist trainer (never the demo trainer, whose count is fixed).
                second = rng.choice([o for o in others if o != plan._trainer])
                self.assign(plan, second, self.later(start_at, 7, 60), None, primary=False)
        self.trainers = trainers

    def assign(self, plan: Plan, email: str, start_at: datetime, end_at, *, primary=True) -> None:
        plan.stints.append(
            Stint(
                email,
                timezone.localtime(start_at).date(),
                timezone.localtime(end_at).date() if end_at else None,
                primary,
            )
        )
        name = next(t.name for t in TRAINERS if t.email == email)
        author = (
            self.users[Role.MANAGER] if self.rng.random() < 0.5 else self.users[Role.FRONT_DESK]
        )
        plan.events.append(
            Event(
                start_at + timedelta(minutes=10),
                EntryKind.ASSIGNMENT,
                f"{name} assigned{' as primary trainer' if primary else ''}.",
                {"trainer_email": email, "action": "assigned", "primary": primary},
                author,
            )
        )
        if end_at is not None:
            plan.events.append(
                Event(
                    end_at + timedelta(minutes=20),
                    EntryKind.ASSIGNMENT,
                    f"{name} no longer assigned.",
                    {"trainer_email": email, "action": "ended"},
                    self.users[Role.MANAGER],
                )
            )

    # Tasks ------------------------------------------------------------------------------

    def task(self, plan: Plan, title: str, user: User, due_in: int, *, done: bool = False) -> None:
        due = self.today + timedelta(days=due_in)
        created = min(self.at(max(-due_in, 0) + self.rng.randint(1, 6)), self.now)
        created = max(created, plan.created_at)
        task = FollowUpTask(
            client=plan.client,
            title=title,
            due_date=due,
            assigned_to=user,
            created_by=user
            if user.role in (Role.OWNER, Role.TRAINER)
            else self.users[Role.FRONT_DESK],
            done_at=(self.later(created, 0, 3) if done else None),
        )
        self.tasks.append((task, created))

    def plan_tasks(self) -> None:
        rng, desk = self.rng, self.users[Role.FRONT_DESK]
        by = {}
        for plan in self.plans:
            by.setdefault((plan.client.status, plan.client.lead_stage), []).append(plan)
        for plan in by.get((Status.LEAD, LeadStage.NEW), [])[:12]:
            self.task(plan, "Call back about the enquiry", desk, rng.randint(-2, 4))
        for plan in by.get((Status.LEAD, LeadStage.CONTACTED), [])[:8]:
            self.task(
                plan,
                "Follow up on the price list",
                desk,
                rng.randint(-1, 9),
                done=rng.random() < 0.25,
            )
        for plan in by.get((Status.TRIAL, LeadStage.TRIAL_BOOKED), [])[:6]:
            self.task(
                plan, "Ask how the trial went; offer the first-month rate", desk, rng.randint(0, 6)
            )
        manager = self.users[Role.MANAGER]
        for plan in by.get((Status.INACTIVE, LeadStage.WON), [])[:5]:
            self.task(plan, "Win-back call: offer a free week", manager, rng.randint(-5, 14))
        for plan in by.get((Status.PAUSED, LeadStage.WON), [])[:4]:
            self.task(
                plan,
                "Check the restart date of the paused membership",
                manager,
                rng.randint(-3, 10),
            )
        tara = self.users[DEMO_TRAINER_EMAIL]
        mine = [
            p
            for p in self.plans
            if any(s.trainer == DEMO_TRAINER_EMAIL and s.end is None for s in p.stints)
        ]
        titles = [
            "Programme review after six weeks",
            "Send the mobility routine",
            "Book a progress check-in",
            "Plan the deload week",
            "Retest the 5 km time",
        ]
        for i, plan in enumerate(mine[:9]):
            self.task(plan, titles[i % len(titles)], tara, rng.randint(-4, 12), done=i in (2, 6))
        owner = self.users[Role.OWNER]
        corporate = [
            p for p in self.plans if "Corporate" in p.tags and p.client.status == Status.ACTIVE
        ]
        for plan in corporate[:2]:
            self.task(
                plan, "Renew the corporate rate with their employer", owner, rng.randint(-1, 20)
            )

    # Writing ---------------------------------------------------------------------------------

    def build(self, chloe_user: User) -> None:
        self.plans.append(self.chloe(chloe_user))
        for status, stage, count in POPULATION:
            for _ in range(count):
                self.plans.append(self.plan_client(status, stage))

    def write(self, trainers: dict[str, Trainer]) -> dict[str, int]:
        tags = {}
        for name, colour in TAGS:
            tags[name] = Tag.objects.filter(name__iexact=name).first() or Tag.objects.create(
                name=name, colour=colour
            )
        long_gone = [
            p
            for p in self.plans
            if p.client.status == Status.INACTIVE and self.days_ago(p._ended) > 45
        ]
        for plan in long_gone[:ARCHIVED]:
            plan.client.archived_at = plan._ended + timedelta(days=30)
            plan.events.append(
                Event(
                    plan.client.archived_at,
                    EntryKind.SYSTEM,
                    "Archived.",
                    author=self.users[Role.MANAGER],
                )
            )
        clients = []
        for plan in self.plans:
            client = plan.client
            client.search_text = search_key(
                client.first_name,
                client.last_name,
                client.email,
                client.phone,
                client.phone.lstrip("+"),
            )[:600]
            client.created_by = plan.events[0].author
            clients.append(client)
        _insert_backdated(
            Client,
            clients,
            [
                {
                    "created_at": p.created_at,
                    "status_changed_at": p.status_changed_at,
                    "updated_at": max([e.at for e in p.events], default=p.created_at),
                }
                for p in self.plans
            ],
        )
        Through = Client.tags.through
        Through.objects.bulk_create(
            [
                Through(client_id=p.client.pk, tag_id=tags[name].pk)
                for p in self.plans
                for name in p.tags
            ],
            batch_size=1000,
        )
        assignments, assignment_times = [], []
        for plan in self.plans:
            for stint in plan.stints:
                assignments.append(
                    Assignment(
                        client=plan.client,
                        trainer=trainers[stint.trainer],
                        is_primary=stint.primary,
                        start_date=stint.start,
                        end_date=stint.end,
                    )
                )
                start = datetime.combine(
                    stint.start, time(9), tzinfo=timezone.get_current_timezone()
                )
                assignment_times.append({"created_at": min(start, self.now)})
        _insert_backdated(Assignment, assignments, assignment_times)
        entries, entry_times = [], []
        for plan in self.plans:
            for event in sorted(plan.events, key=lambda e: e.at):
                data = dict(event.data)
                author = event.author
                if data.pop("_trainer_note", False):
                    coach = _trainer_on(plan.stints, timezone.localtime(event.at).date())
                    author = trainers[coach].user if coach else self.desk()
                if "trainer_email" in data:
                    data["trainer_id"] = trainers[data.pop("trainer_email")].pk
                entries.append(
                    TimelineEntry(
                        client=plan.client,
                        kind=event.kind,
                        body=event.body,
                        data=data,
                        author=author,
                        pinned=event.pinned,
                    )
                )
                entry_times.append({"created_at": min(event.at, self.now)})
        _insert_backdated(TimelineEntry, entries, entry_times)
        self.plan_tasks()
        _insert_backdated(
            FollowUpTask, [t for t, _ in self.tasks], [{"created_at": c} for _, c in self.tasks]
        )
        return {
            "clients": len(clients),
            "leads": sum(1 for p in self.plans if p.client.status in (Status.LEAD, Status.TRIAL)),
            "timeline": len(entries),
            "tasks": len(self.tasks),
        }


def _trainer_on(stints: list[Stint], day: date) -> str | None:
    """The primary trainer on `day` (or the first one, for a note just before the start)."""
    for stint in stints:
        if stint.primary and stint.start <= day and (stint.end is None or day <= stint.end):
            return stint.trainer
    return stints[0].trainer if stints else None


def _insert_backdated(model: type[models.Model], objs: list, times: list[dict]) -> None:
    """bulk_create, then set the auto_now(_add) times that the insert stamped "now"."""
    model.objects.bulk_create(objs, batch_size=500)
    counting.clients_changed()  # bulk_create sends no signals
    for obj, values in zip(objs, times, strict=True):
        for name, value in values.items():
            setattr(obj, name, value)
    if objs:
        model.objects.bulk_update(objs, sorted(times[0]), batch_size=500)


# --- Entry points -----------------------------------------------------------------------------


def demo_gym_exists() -> bool:
    return (
        Client.objects.filter(email=MARKER_EMAIL).exists()
        or Trainer.objects.filter(
            user__email__in=[t.email for t in TRAINERS if t.email != DEMO_TRAINER_EMAIL]
        ).exists()
    )


def demo_trainer_accounts() -> list[tuple[str, str]]:
    """(email, name) of the trainers who can sign in, beside the five role accounts."""
    return [(t.email, t.name) for t in TRAINERS if t.email != DEMO_TRAINER_EMAIL and t.active]


@transaction.atomic
def load_demo_gym(*, password: str) -> dict[str, int] | None:
    """Load the demo gym once; None if it is already there. Needs the five demo accounts."""
    if demo_gym_exists():
        return None
    users: dict[str, User] = {}
    for role, email in [
        (Role.OWNER, "owner@demo.fitnesscrm.test"),
        (Role.MANAGER, "manager@demo.fitnesscrm.test"),
        (Role.FRONT_DESK, "desk@demo.fitnesscrm.test"),
        (Role.CLIENT, "client@demo.fitnesscrm.test"),
    ]:
        users[role] = User.objects.get(email=email)
    owner = users[Role.OWNER]
    trainers: dict[str, Trainer] = {}
    for spec in TRAINERS:
        user = User.objects.filter(email=spec.email).first()
        if user is None:
            user = User(email=spec.email, full_name=spec.name, role=Role.TRAINER)
            user.set_password(password)
            user.save()
        users[spec.email] = user
        trainer = Trainer.objects.filter(user=user).first() or trainer_services.trainer_create(
            actor=owner,
            user=user,
            bio=spec.bio,
            specializations=spec.specializations,
            hourly_rate_minor=spec.rate,
            colour=spec.colour,
        )
        today = timezone.localdate()
        for name, issuer, issued_days, expires_in in spec.certifications:
            if not trainer.certifications.filter(name=name).exists():
                trainer_services.certification_add(
                    actor=owner,
                    trainer=trainer,
                    name=name,
                    issuer=issuer,
                    issued_on=today - timedelta(days=issued_days),
                    expires_on=today + timedelta(days=expires_in)
                    if expires_in is not None
                    else None,
                )
        trainers[spec.email] = trainer
    gym = _Gym(users)
    gym.build(users[Role.CLIENT])
    gym.hand_out_trainers(trainers)
    counts = gym.write(trainers)
    for spec in TRAINERS:
        if not spec.active and trainers[spec.email].is_active:
            # Deactivated last (assignments go to active trainers only); he left, so
            # his login was switched off too.
            Trainer.objects.filter(pk=trainers[spec.email].pk).update(is_active=False)
            User.objects.filter(pk=users[spec.email].pk).update(is_active=False)
    generations.changed(trainer_selectors.GENERATION)  # update() sends no signals
    counts["trainers"] = len(trainers)
    return counts
