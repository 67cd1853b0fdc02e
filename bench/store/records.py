"""The record types of records.jsonl, typed and versioned (documented in docs/run-directory.md).

Every record carries `schema` (this module's `SCHEMA_VERSION`); records written before the
field existed read as version 0, which this vidbench reads as well. A record of a newer
schema stops `report` and `--resume` with a message naming both versions, instead of being
misread. Known fields are typed; a field a later version adds is kept (extra="allow"), so a
newer minor addition never breaks an older reader.
"""

from __future__ import annotations

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
