"""The record types of records.jsonl, typed and versioned (documented in docs/run-directory.md).

Every record carries `schema` (this module's `SCHEMA_VERSION`); records written before the
field existed read as version 0, which this vidbench reads as well. A record of a newer
schema stops `report` and `--resume` with a message naming both versions, instead of being
misread. Known fields are typed; a field a later version adds is kept (extra="allow"), so a
newer minor addition never breaks an older reader.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from vidbench.core.seam.errors import VidbenchError

SCHEMA_VERSION = 1  # 0: records without a `schema` field (before 2026-11-30)


class RecordBase(BaseModel):
    """Fields every record has."""

    model_config = ConfigDict(extra="allow")

    ts: float = Field(description="Unix time the record was written.")
    schema_version: int = Field(0, alias="schema", description="Record schema version.")
    job_id: str | None = Field(None, description="The job the record is about, if any.")


class RunStarted(RecordBase):
    event: Literal["run_started"]
    run_id: str


class Planned(RecordBase):
    event: Literal["planned"]
    job: dict[str, Any] = Field(
        description="The planned job (vidbench.core.store.jobs.Job as a dict)."
    )


class Intent(RecordBase):
    event: Literal["intent"]
    attempt: int = Field(description="1 for the first create of the job, then 2, 3, …")


class Refused(RecordBase):
    event: Literal["refused"]
    attempt: int | None = None
    kind: str | None = None


class Reconciled(RecordBase):
    event: Literal["reconciled"]
    outcome: str
    task_id: str | None = None
    reason: str | None = None


class Submitted(RecordBase):
    event: Literal["submitted"]
    task_id: str
    request_id: str | None = None
    submitted_at: float | None = None


class Status(RecordBase):
    event: Literal["status"]
    status: str
    raw_status: str | None = None
    terminal: bool = False
    tokens: int | None = None
    model_version: str | None = None  # the model the provider reported running the task


class Downloaded(RecordBase):
    event: Literal["downloaded"]
    path: str
    sha256: str
    bytes: int | None = None
    download_started_at: float | None = None


class Failed(RecordBase):
    event: Literal["failed"]
    kind: str | None = None
    detail: str | None = None


class Finished(RecordBase):
    event: Literal["finished"]
    status: str
    error_kind: str | None = None
    detail: str | None = None
    tokens: int | None = None
    cost_usd: float | None = None
    cost_native: float | None = None
    currency: str | None = None


class Scored(RecordBase):
    event: Literal["scored"]
    scorer: str
    version: str | None = None
    values: dict[str, Any] = Field(default_factory=dict)


class ScoreFailed(RecordBase):
    event: Literal["score_failed"]
    scorer: str
    detail: str | None = None


class RunFinished(RecordBase):
    event: Literal["run_finished"]


class Interrupted(RecordBase):
    event: Literal["interrupted"]
    note: str | None = None


Record = Annotated[
    RunStarted
    | Planned
    | Intent
    | Refused
    | Reconciled
    | Submitted
    | Status
    | Downloaded
    | Failed
    | Finished
    | Scored
    | ScoreFailed
    | RunFinished
    | Interrupted,
    Field(discriminator="event"),
]
RECORD_ADAPTER: TypeAdapter[Record] = TypeAdapter(Record)
EVENT_NAMES: tuple[str, ...] = tuple(
    cls.model_fields["event"].annotation.__args__[0]  # type: ignore[union-attr]
    for cls in RecordBase.__subclasses__()
)


class NewerSchema(VidbenchError):
    """records.jsonl was written by a newer vidbench than this one."""

    def __init__(self, found: int):
        self.found = found
        super().__init__(
            f"records.jsonl has records of schema {found}; this vidbench reads schema "
            f"{SCHEMA_VERSION} and older — upgrade vidbench to read this run"
        )


def check_schema(record: dict[str, Any]) -> None:
    """Raise NewerSchema for a record this version cannot read faithfully."""
    found = record.get("schema", 0)
    if isinstance(found, int) and found > SCHEMA_VERSION:
        raise NewerSchema(found)


def parse_record(record: dict[str, Any]) -> Record:
    """The typed record (raises pydantic's ValidationError for a malformed one)."""
    check_schema(record)
    return RECORD_ADAPTER.validate_python(record)


def problems_in(records: list[dict[str, Any]]) -> list[str]:
    """Every record that does not match its type, as readable lines (for tests and doctor)."""
    out = []
    for index, record in enumerate(records):
        try:
            parse_record(record)
        except ValidationError as exc:
            out.append(f"record {index} ({record.get('event')}): {exc.errors()[0]['msg']}")
    return out


# --- records that contradict each other (what `--resume` refuses to trust) -------------

JOB_KEY_FIELDS = ("model_id", "prompt_id", "sample")


def record_conflicts(
    records: Iterable[dict[str, Any]], models: Mapping[str, tuple[str, str]] | None = None
) -> list[str]:
    """Records that cannot all be true, one readable line each: one task id held by two jobs,
    two jobs of one model × prompt × sample, a job planned twice differently or describing
    another job, one prompt id with two texts, and (given `models`: config id →
    (adapter, provider model)) a job for a model the config does not have as recorded.

    A run directory is input from whoever shared it: the fold takes the first plan and the
    last task id of each job, so a planted record could hand job X job Y's clip (counted
    twice, billed twice) or send X's prompt to another model. Job ids are not re-derived
    from their fields: a job's id is the plan's to choose; two jobs of one draw are refused."""
    planned: dict[str, dict[str, Any]] = {}
    task_of: dict[str, str] = {}
    out: list[str] = []
    for record in records:
        job_id, event = record.get("job_id"), record.get("event")
        if not isinstance(job_id, str):
            continue
        if event == "planned" and isinstance(record.get("job"), dict):
            out += _plan_conflicts(job_id, record["job"], planned)
        elif record.get("task_id") and _claims_task(record):
            task_of[job_id] = str(record["task_id"])
    out += _shared_tasks({job: task for job, task in task_of.items() if job in planned})
    out += _same_draw(planned) + _prompt_texts(planned)
    if models is not None:
        out += _model_mismatches(planned, models)
    return out


def _claims_task(record: dict[str, Any]) -> bool:
    """A record that gives its job a task (the fold keeps the last one)."""
    event = record.get("event")
    return event == "submitted" or (event == "reconciled" and record.get("outcome") == "adopt")


def _plan_conflicts(
    job_id: str, job: dict[str, Any], planned: dict[str, dict[str, Any]]
) -> list[str]:
    """A `planned` record against its own id, and against an earlier plan of the same job."""
    out = []
    if job.get("job_id") != job_id:
        out.append(f"the planned record of job {job_id} describes job {job.get('job_id')!r}")
    earlier = planned.setdefault(job_id, job)
    if earlier is not job and earlier != job:
        fields = sorted(k for k in set(earlier) | set(job) if earlier.get(k) != job.get(k))
        out.append(f"job {job_id} is planned twice, differing in {', '.join(fields[:6])}")
    return out


def _same_draw(planned: dict[str, dict[str, Any]]) -> list[str]:
    """Two jobs that are one model × prompt × sample: one of them was planted."""
    first: dict[tuple[str, ...], str] = {}
    out = []
    for job_id, job in planned.items():
        key = tuple(str(job.get(name)) for name in JOB_KEY_FIELDS)
        seen = first.setdefault(key, job_id)
        if seen != job_id:
            out.append(
                f"jobs {seen} and {job_id} are both model {key[0]!r}, prompt {key[1]!r}, "
                f"sample {key[2]}"
            )
    return out


def _shared_tasks(task_of: dict[str, str]) -> list[str]:
    holders: dict[str, list[str]] = {}
    for job_id, task_id in task_of.items():
        holders.setdefault(task_id, []).append(job_id)
    return [
        f"task {task_id} is claimed by jobs {', '.join(jobs)}: one task makes one clip"
        for task_id, jobs in holders.items()
        if len(jobs) > 1
    ]


def _prompt_texts(planned: dict[str, dict[str, Any]]) -> list[str]:
    first: dict[str, tuple[str, Any]] = {}
    out = []
    for job_id, job in planned.items():
        prompt_id = str(job.get("prompt_id"))
        seen_job, seen_text = first.setdefault(prompt_id, (job_id, job.get("text")))
        if seen_job != job_id and seen_text != job.get("text"):
            out.append(f"prompt {prompt_id!r} has one text in job {seen_job}, another in {job_id}")
    return out


def _model_mismatches(
    planned: dict[str, dict[str, Any]], models: Mapping[str, tuple[str, str]]
) -> list[str]:
    out = []
    for job_id, job in planned.items():
        model_id = str(job.get("model_id"))
        recorded = (job.get("adapter"), job.get("provider_model"))
        if model_id not in models:
            out.append(f"job {job_id} is for model {model_id!r}, which the config does not have")
        elif recorded != models[model_id]:
            adapter, provider_model = models[model_id]
            out.append(
                f"job {job_id} is planned for {recorded[0]}/{recorded[1]}, but model "
                f"{model_id!r} is {adapter}/{provider_model} in the config"
            )
    return out
