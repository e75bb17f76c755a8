"""/api/v1/goals: goals with their progress, computed from measurements and workout logs.

Values are in the measure's stored unit (kg, cm, %, bpm, or a count of workouts),
whatever units the business shows. `progress` is never sent: `current_value` is the
newest measurement since the start (or the best estimated 1RM of the exercise since
the start, or the workouts logged since), and `percent` is (current - start) /
(target - start) clamped to 0-100. Coaching staff set goals for their clients; a
client may set personal goals and change or delete those only.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ninja import Field, Header, Query, Router, Schema, Status

from fitnesscrm.core.api_helpers import PageParams, missing, page, text, utc
from fitnesscrm.core.errors import ApplicationError, NotFound
from fitnesscrm.core.idempotency import HEADER, idempotent
from fitnesscrm.progress.models import Goal, GoalMetric, GoalStatus
from fitnesscrm.progress.selectors import goals as selectors
from fitnesscrm.progress.selectors.measurements import progress_client_get
from fitnesscrm.progress.services import goals as services

router = Router(tags=["Progress"])

MetricName = Literal[tuple(GoalMetric.values)]  # type: ignore[valid-type]
StatusName = Literal[tuple(GoalStatus.values)]  # type: ignore[valid-type]
IDEMPOTENCY_HEADER = Header(
    None,
    alias=HEADER,
    description="The same key and body within 24 hours answer the first result again.",
)


class MilestoneIn(Schema):
    value: Decimal
    label: text(80) = ""


class MilestoneOut(Schema):
    value: float
    label: str
    reached: bool
    reached_on: date | None


class ProgressOut(Schema):
    current_value: float | None = Field(description="None until there is data since the start.")
    current_on: date | None
    percent: int = Field(description="0 to 100.")
    reached: bool


class GoalOut(Schema):
    id: int
    client_id: int
    title: str
    metric: str
    exercise_id: int | None
    start_value: float
    target_value: float
    start_date: date
    target_date: date
    status: str
    achieved_on: date | None
    notes: str
    progress: ProgressOut
    milestones: list[MilestoneOut]
    created_by_id: int | None
    created_at: datetime


class GoalPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[GoalOut]


def goal_out(goal: Goal) -> dict:
    progress = goal.progress
    return {
        "id": goal.pk,
        "client_id": goal.client_id,
        "title": goal.title,
        "metric": goal.metric,
        "exercise_id": goal.exercise_id,
        "start_value": float(goal.start_value),
        "target_value": float(goal.target_value),
        "start_date": goal.start_date,
        "target_date": goal.target_date,
        "status": goal.status,
        "achieved_on": goal.achieved_on,
        "notes": goal.notes,
        "progress": {
            "current_value": float(progress.current) if progress.current is not None else None,
            "current_on": progress.current_on,
            "percent": progress.percent,
            "reached": progress.reached,
        },
        "milestones": [
            {
                "value": float(m.value),
                "label": m.label,
                "reached": m.reached,
                "reached_on": m.reached_on,
            }
            for m in goal.milestones.all()
        ],
        "created_by_id": goal.created_by_id,
        "created_at": utc(goal.created_at),
    }


class GoalFilters(PageParams):
    client_id: int | None = Field(None, description="Only this client's goals.")
    status: StatusName | None = None


@router.get("/goals", response=GoalPage, summary="Goals with their progress")
def goal_list(request, filters: Query[GoalFilters]):
    goals = selectors.goal_list(
        user=request.auth, client_id=filters.client_id, status=filters.status
    )
    return page(goals, filters, lambda rows: [goal_out(g) for g in selectors.attach_progress(rows)])


class GoalIn(Schema):
    client_id: int
    title: text(120, 1)
    metric: MetricName
    exercise_id: int | None = Field(None, description="Required for metric e1rm_kg.")
    start_value: Decimal | None = Field(
        None, description="The client's current value of the measure when left out."
    )
    target_value: Decimal
    start_date: date | None = Field(None, description="Today when left out.")
    target_date: date
    notes: text(2000) = ""
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=10)


@router.post("/goals", response={201: GoalOut}, summary="Set a goal")
def goal_create(request, payload: GoalIn, idempotency_key: str | None = IDEMPOTENCY_HEADER):
    """Coaching staff for their clients; a client a personal goal. Honours `Idempotency-Key`."""
    user = request.auth

    def run() -> tuple[int, dict]:
        try:
            client = progress_client_get(user=user, client_id=payload.client_id)
        except NotFound as exc:
            raise missing("client_id", "No such client.") from exc
        try:
            goal = services.goal_create(
                actor=user,
                client=client,
                title=payload.title,
                metric=payload.metric,
                exercise=payload.exercise_id,
                start_value=payload.start_value,
                target_value=payload.target_value,
                start_date=payload.start_date,
                target_date=payload.target_date,
                notes=payload.notes,
                milestones=[(m.label, m.value) for m in payload.milestones],
            )
        except NotFound as exc:
            if exc.errors and exc.errors[0].get("field") == "exercise":
                raise missing("exercise_id", exc.message) from exc
            raise
        except ApplicationError as exc:
            for error in exc.errors:
                if error.get("field") == "exercise":
                    error["field"] = "exercise_id"
            raise
        goal = selectors.goal_get(user=user, goal_id=goal.pk)
        return 201, GoalOut(**goal_out(goal)).model_dump()

    return idempotent(
        request,
        scope="goals.create",
        key=idempotency_key,
        payload=payload.model_dump(mode="json"),
        run=run,
    )


@router.get("/goals/{goal_id}", response=GoalOut, summary="One goal with its progress")
def goal_get(request, goal_id: int):
    return goal_out(selectors.goal_get(user=request.auth, goal_id=goal_id))


class GoalPatch(Schema):
    title: text(120, 1) | None = None
    target_value: Decimal | None = None
    target_date: date | None = None
    notes: text(2000) | None = None
    milestones: list[MilestoneIn] | None = Field(None, max_length=10)
    status: Literal["abandoned"] | None = Field(
        None, description='"abandoned" stops an active goal; other statuses are computed.'
    )


@router.patch("/goals/{goal_id}", response=GoalOut, summary="Change or abandon a goal")
def goal_update(request, goal_id: int, payload: GoalPatch):
    user = request.auth
    goal = selectors.goal_get(user=user, goal_id=goal_id)
    sent = payload.model_dump(exclude_unset=True)
    status = sent.pop("status", None)
    if "milestones" in sent:
        sent["milestones"] = [(m.label, m.value) for m in payload.milestones or []]
    fields = {name: value for name, value in sent.items() if value is not None}
    if fields:
        goal = services.goal_update(actor=user, goal=goal, **fields)
    if status == GoalStatus.ABANDONED:
        services.goal_abandon(actor=user, goal=goal)
    return goal_out(selectors.goal_get(user=user, goal_id=goal_id))


@router.delete("/goals/{goal_id}", response={204: None}, summary="Delete a goal")
def goal_delete(request, goal_id: int):
    user = request.auth
    goal = selectors.goal_get(user=user, goal_id=goal_id)
    services.goal_delete(actor=user, goal=goal)
    return Status(204, None)
