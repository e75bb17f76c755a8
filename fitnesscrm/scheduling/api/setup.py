"""/api/v1/class-types, /api/v1/locations and /api/v1/rooms: what the schedule is built from.

Everyone signed in reads them; owners and managers write them.
"""

from typing import Literal

from django.db.models import QuerySet
from ninja import Field, Query, Router, Schema, Status

from fitnesscrm.core.api_helpers import PageParams, missing, page, text
from fitnesscrm.core.errors import NotFound
from fitnesscrm.scheduling import selectors, services
from fitnesscrm.scheduling.api.common import NamedRef
from fitnesscrm.scheduling.models import MAX_CAPACITY, Access, ClassType, Location, Room

router = Router(tags=["schedule setup"])


class SetupFilters(PageParams):
    include_inactive: bool = Field(False, description="Include those no longer in use.")


def _sent(payload: Schema) -> dict:
    """The fields sent; a null text is blank (and refused where a value is required)."""
    sent = payload.model_dump(exclude_unset=True)
    return {name: ("" if value is None and name in ("name", "address", "description", "colour")
                   else value) for name, value in sent.items()}  # fmt: skip


# --- Class types -------------------------------------------------------------------------------


class ClassTypeOut(Schema):
    id: int
    name: str
    description: str
    duration_minutes: int
    capacity: int
    colour: str
    access: str
    is_active: bool


class ClassTypePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ClassTypeOut]


class ClassTypeIn(Schema):
    name: text(100, 1)
    description: text(2000) = ""
    duration_minutes: int = Field(60, ge=5, le=24 * 60, description="Default length.")
    capacity: int = Field(12, ge=1, le=MAX_CAPACITY, description="Default capacity.")
    colour: str = Field("#3d6bb3", max_length=7, description="Calendar colour, #rrggbb.")
    access: Literal[tuple(Access.values)] = Field(  # type: ignore[valid-type]
        Access.OPEN, description="open: anyone; paid: members, or a class credit."
    )


class ClassTypePatch(Schema):
    name: text(100, 1) | None = None
    description: text(2000) | None = None
    duration_minutes: int | None = Field(None, ge=5, le=24 * 60)
    capacity: int | None = Field(None, ge=1, le=MAX_CAPACITY)
    colour: str | None = Field(None, max_length=7)
    access: Literal[tuple(Access.values)] | None = None  # type: ignore[valid-type]
    is_active: bool | None = None


def _class_type_get(class_type_id: int) -> ClassType:
    found = ClassType.objects.filter(pk=class_type_id).first()
    if found is None:
        raise NotFound("No such class type.")
    return found


def _rows(rows: list) -> list:
    return rows


@router.get("/class-types", response=ClassTypePage, summary="Class types")
def class_type_list(request, filters: Query[SetupFilters]):
    types = selectors.class_type_list(include_inactive=filters.include_inactive)
    return page(types, filters, _rows)


@router.post("/class-types", response={201: ClassTypeOut}, summary="Add a class type")
def class_type_create(request, payload: ClassTypeIn):
    """Owners and managers; a name in use answers 409."""
    return Status(201, services.class_type_create(actor=request.auth, **payload.model_dump()))


@router.get("/class-types/{class_type_id}", response=ClassTypeOut, summary="One class type")
def class_type_get(request, class_type_id: int):
    return _class_type_get(class_type_id)


@router.patch("/class-types/{class_type_id}", response=ClassTypeOut, summary="Change a class type")
def class_type_patch(request, class_type_id: int, payload: ClassTypePatch):
    class_type = _class_type_get(class_type_id)
    return services.class_type_update(actor=request.auth, class_type=class_type, **_sent(payload))


# --- Locations ---------------------------------------------------------------------------------


class LocationOut(Schema):
    id: int
    name: str
    address: str
    is_active: bool


class LocationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[LocationOut]


class LocationIn(Schema):
    name: text(100, 1)
    address: text(300) = ""


class LocationPatch(Schema):
    name: text(100, 1) | None = None
    address: text(300) | None = None
    is_active: bool | None = None


def _locations(include_inactive: bool) -> QuerySet[Location]:
    return Location.objects.all() if include_inactive else selectors.location_list()


@router.get("/locations", response=LocationPage, summary="Locations")
def location_list(request, filters: Query[SetupFilters]):
    return page(_locations(filters.include_inactive), filters, _rows)


@router.post("/locations", response={201: LocationOut}, summary="Add a location")
def location_create(request, payload: LocationIn):
    return Status(201, services.location_create(actor=request.auth, **payload.model_dump()))


@router.patch("/locations/{location_id}", response=LocationOut, summary="Change a location")
def location_patch(request, location_id: int, payload: LocationPatch):
    location = Location.objects.filter(pk=location_id).first()
    if location is None:
        raise NotFound("No such location.")
    return services.location_update(actor=request.auth, location=location, **_sent(payload))


# --- Rooms -------------------------------------------------------------------------------------


class RoomOut(Schema):
    id: int
    name: str
    capacity: int
    is_active: bool
    location: NamedRef


class RoomPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RoomOut]


class RoomFilters(SetupFilters):
    location: int | None = Field(None, description="Rooms of this location.")


class RoomIn(Schema):
    location: int = Field(description="The location's id.")
    name: text(100, 1)
    capacity: int = Field(ge=1, le=MAX_CAPACITY)


class RoomPatch(Schema):
    name: text(100, 1) | None = None
    capacity: int | None = Field(None, ge=1, le=MAX_CAPACITY)
    is_active: bool | None = None


def _room_out(room: Room) -> dict:
    return {
        "id": room.pk,
        "name": room.name,
        "capacity": room.capacity,
        "is_active": room.is_active,
        "location": {"id": room.location_id, "name": room.location.name},
    }


@router.get("/rooms", response=RoomPage, summary="Rooms")
def room_list(request, filters: Query[RoomFilters]):
    if filters.include_inactive:
        rooms = Room.objects.select_related("location")
        if filters.location is not None:
            rooms = rooms.filter(location_id=filters.location)
    else:
        rooms = selectors.room_list(location_id=filters.location)
    return page(rooms, filters, lambda rows: [_room_out(room) for room in rows])


@router.post("/rooms", response={201: RoomOut}, summary="Add a room")
def room_create(request, payload: RoomIn):
    location = Location.objects.filter(pk=payload.location).first()
    if location is None:
        raise missing("location", "No such location.")
    room = services.room_create(
        actor=request.auth, location=location, name=payload.name, capacity=payload.capacity
    )
    return Status(201, _room_out(room))


@router.patch("/rooms/{room_id}", response=RoomOut, summary="Change a room")
def room_patch(request, room_id: int, payload: RoomPatch):
    room = Room.objects.select_related("location").filter(pk=room_id).first()
    if room is None:
        raise NotFound("No such room.")
    return _room_out(services.room_update(actor=request.auth, room=room, **_sent(payload)))
