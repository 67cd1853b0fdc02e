"""The journal: durable appends (counted fsyncs), exact bytes on disk, torn and corrupt lines
anywhere in the file skipped without losing a whole record."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from factories import make_job
from hypothesis import given, settings
from hypothesis import strategies as st

from vidbench.core.store import journal as journal_module
from vidbench.core.store.journal import EVENTS, Journal

PROPS = settings(max_examples=150, deadline=None, database=None, derandomize=True)


class FsyncSpy:
    """Counts fsync calls and records how many bytes of the journal were on disk at each."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sizes: list[int] = []
        self.fds: list[int] = []

    def __call__(self, fd: int) -> None:
        if not isinstance(fd, int):
            raise TypeError(f"fsync needs a file descriptor, not {fd!r}")  # as os.fsync does
        self.fds.append(fd)
        self.sizes.append(self.path.stat().st_size)


@pytest.fixture
def spy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FsyncSpy:
    spy = FsyncSpy(tmp_path / "records.jsonl")
    monkeypatch.setattr(journal_module.os, "fsync", spy)
    return spy


def test_every_append_is_flushed_then_fsynced_once(tmp_path: Path, spy: FsyncSpy) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    for index in range(5):
        journal.append("intent", f"job-{index}", attempt=index)
        size_on_disk = (tmp_path / "records.jsonl").stat().st_size
        assert len(spy.sizes) == index + 1  # one fsync per append, before it returns
        assert spy.sizes[-1] == size_on_disk  # the line was flushed before the fsync
        assert journal._handle is not None and spy.fds[-1] == journal._handle.fileno()
    journal.close()


def test_unsynced_appends_never_fsync_and_append_many_fsyncs_once(
    tmp_path: Path, spy: FsyncSpy
) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    journal.append("status", "a", sync=False, status="running")
    assert spy.sizes == []
    batch: list[tuple[str, str | None, dict[str, Any]]] = [
        ("planned", f"job-{i}", {"n": i}) for i in range(4)
    ]
    journal.append_many(batch)
    assert len(spy.sizes) == 1
    assert spy.sizes[0] == (tmp_path / "records.jsonl").stat().st_size  # after every line
    assert journal._handle is not None and spy.fds == [journal._handle.fileno()]
    records = list(journal.read())
    assert [r["job_id"] for r in records] == ["a", "job-0", "job-1", "job-2", "job-3"]
    assert [r.get("n") for r in records] == [None, 0, 1, 2, 3]
    journal.close()


def test_append_many_on_a_fresh_journal_with_nothing_to_write(
    tmp_path: Path, spy: FsyncSpy
) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    journal.append_many([])
    assert spy.sizes == [] and not journal.path.exists()


def test_append_async_is_durable(tmp_path: Path, spy: FsyncSpy) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    record = asyncio.run(journal.append_async("submitted", "job", task_id="t-1"))
    assert len(spy.sizes) == 1
    assert record["task_id"] == "t-1" and record["job_id"] == "job"
    assert list(journal.read()) == [record]
    journal.close()


def test_a_record_is_one_exact_json_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(journal_module.time, "time", lambda: 1700000000.1234567)
    journal = Journal(tmp_path / "deep" / "dir" / "records.jsonl")  # parents are created
    record = journal.append("status", "job-1", status="running", note="résumé")
    journal.append("run_started")
    journal.close()
    text = journal.path.read_text(encoding="utf-8")
    assert text == (
        '{"ts": 1700000000.123457, "event": "status", "schema": 1, "job_id": "job-1", '
        '"status": "running", "note": "résumé"}\n'
        '{"ts": 1700000000.123457, "event": "run_started", "schema": 1}\n'
    )
    assert record == {
        "ts": 1700000000.123457,
        "event": "status",
        "schema": 1,
        "job_id": "job-1",
        "status": "running",
        "note": "résumé",
    }


def test_unknown_events_are_refused_and_nothing_is_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    with pytest.raises(ValueError, match="unknown journal event 'sumbitted'"):
        journal.append("sumbitted", "job")
    assert not journal.path.exists()
    for event in EVENTS:
        journal.append(event, "job")
    assert [r["event"] for r in journal.read()] == list(EVENTS)
    journal.close()


def test_reopening_appends_and_never_truncates(tmp_path: Path) -> None:
    first = Journal(tmp_path / "records.jsonl")
    first.append("intent", "a")
    handle = first._handle
    first.close()
    assert handle is not None and handle.closed and first._handle is None
    first.close()  # closing twice is harmless
    first.append("submitted", "a", task_id="t")  # reopens after close
    first.close()
    second = Journal(tmp_path / "records.jsonl")
    second.append("finished", "a", status="succeeded")
    second.close()
    assert [r["event"] for r in second.read()] == ["intent", "submitted", "finished"]


def test_reading_a_missing_journal_yields_nothing(tmp_path: Path) -> None:
    assert list(Journal(tmp_path / "none.jsonl").read()) == []


def test_a_torn_last_line_is_ended_before_the_next_record(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    whole = json.dumps({"ts": 1.0, "event": "intent", "job_id": "a"})
    path.write_text(whole + "\n" + '{"ts": 2.0, "event": "subm', encoding="utf-8")
    journal = Journal(path)
    journal.append("submitted", "a", task_id="t-9")
    journal.close()
    records = list(journal.read())
    assert [(r["event"], r.get("task_id")) for r in records] == [
        ("intent", None),
        ("submitted", "t-9"),
    ]
    assert path.read_text(encoding="utf-8").count("\n") == 3


def test_a_whole_last_line_gets_no_extra_newline(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text('{"ts": 1.0, "event": "intent"}\n', encoding="utf-8")
    journal = Journal(path)
    journal.append("intent")
    journal.close()
    assert path.read_text(encoding="utf-8").count("\n") == 2
    assert "\n\n" not in path.read_text(encoding="utf-8")


def test_an_empty_existing_file_gets_no_leading_newline(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_bytes(b"")
    journal = Journal(path)
    journal.append("intent")
    journal.close()
    assert path.read_bytes().startswith(b"{")


# Lines a reader must skip: torn records, broken UTF-8, JSON that is not one object.
GARBAGE_LINES = [
    b'{"ts": 1.0, "event": "subm',
    b"\xff\xfe not utf-8",
    b'{"ts": 1.0, "event": "intent", "job_id": "caf\xc3',  # torn inside a character
    b"[1, 2]",
    b"null",
    b'"a string"',
    b"42",
    b"{",
    b"}",
    b"   ",
    b"",
    b"[" * 5000,  # nesting deep enough to trouble a recursive parser
]

RECORDS = st.lists(
    st.fixed_dictionaries(
        {
            "ts": st.floats(min_value=0, max_value=2e9, allow_nan=False),
            "event": st.sampled_from(EVENTS),
            "job_id": st.text(min_size=1, max_size=8),
            "status": st.sampled_from(["queued", "running", "succeeded", "failed"]),
        }
    ),
    max_size=8,
)


@PROPS
@given(
    records=RECORDS,
    garbage=st.lists(
        st.tuples(st.integers(min_value=0, max_value=8), st.sampled_from(GARBAGE_LINES)),
        max_size=6,
    ),
    torn_tail=st.booleans(),
)
def test_garbage_anywhere_loses_only_itself(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[dict[str, Any]],
    garbage: list[tuple[int, bytes]],
    torn_tail: bool,
) -> None:
    lines = [json.dumps(r, ensure_ascii=False).encode("utf-8") for r in records]
    for position, junk in sorted(garbage, key=lambda g: -g[0]):
        lines.insert(min(position, len(lines)), junk)
    data = b"".join(line + b"\n" for line in lines)
    if torn_tail:
        data += b'{"ts": 9.0, "event": "fini'
    path = tmp_path_factory.mktemp("journal") / "records.jsonl"
    path.write_bytes(data)
    assert list(Journal(path).read()) == records


def test_an_overlong_line_is_skipped_without_losing_its_neighbours(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "MAX_RECORD_BYTES", 64)
    before = {"ts": 1.0, "event": "intent", "job_id": "a"}
    after = {"ts": 2.0, "event": "submitted", "job_id": "a"}
    huge = json.dumps({"ts": 1.5, "event": "status", "detail": "x" * 500})
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join([json.dumps(before), huge, json.dumps(after)]) + "\n")
    assert list(Journal(path).read()) == [before, after]


@pytest.mark.parametrize("extra", [0, 1])
def test_a_line_of_exactly_the_limit_is_read_one_byte_more_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: int
) -> None:
    line = json.dumps({"ts": 1.0, "event": "intent", "job_id": "a" * 20})
    monkeypatch.setattr(journal_module, "MAX_RECORD_BYTES", len(line) - extra)
    path = tmp_path / "records.jsonl"
    path.write_text(line + "\n" + json.dumps({"ts": 2.0, "event": "run_finished"}) + "\n")
    events = [r["event"] for r in Journal(path).read()]
    assert events == (["intent", "run_finished"] if extra == 0 else ["run_finished"])


def test_wrong_types_in_fields_the_fold_reads_make_a_line_unreadable() -> None:
    wrong = {
        journal_module._NUMBER: ["1.5", True, float("inf"), float("nan"), [], 10**400],
        str: [5, 1.5, True, {}, []],
        bool: ["yes", 1, 0.0, {}],
        dict: [[], "x", 3],
        list: [{}, "x", 3],
    }
    for name, kind in journal_module.RECORD_FIELD_TYPES.items():
        assert journal_module.well_typed({name: None}), name
        for value in wrong[kind]:
            raw = json.dumps({"ts": 1.0, "event": "status", name: value}).encode()
            assert journal_module.parse_record(raw) is None, (name, value)
    assert journal_module.parse_record(b'{"ts": 1, "event": "status", "tokens": 12}') == {
        "ts": 1,
        "event": "status",
        "tokens": 12,
    }


def planned_job(**changes: Any) -> dict[str, Any]:
    """A whole planned job as the journal stores it."""
    job = make_job(provider_model="seedance", text="a cat", duration_requested_s=5,
                   duration_sent_s=5).to_dict()  # fmt: skip
    job.update(changes)
    return job


def test_a_planned_record_needs_a_whole_well_typed_job() -> None:
    def parsed(job: dict[str, Any]) -> dict[str, Any] | None:
        raw = json.dumps({"ts": 1.0, "event": "planned", "job_id": "x", "job": job})
        return journal_module.parse_record(raw.encode())

    assert parsed(planned_job()) is not None
    assert parsed(planned_job(seed=None, resolution=None)) is not None
    for name in journal_module.JOB_REQUIRED:
        assert parsed(planned_job(**{name: None})) is None, name
    wrong: list[tuple[str, Any]] = [
        ("sample", "0"),
        ("audio", "no"),
        ("tags", {}),
        ("params", []),
        ("text", 3),
        ("inputs", "x"),
        ("duration_sent_s", True),
    ]
    for name, value in wrong:
        assert parsed(planned_job(**{name: value})) is None, name


def test_lists_tuples_and_non_json_values_are_written(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    journal.append(
        "scored", "a", values={"names": ["x", {"k": "y"}], "pair": ("p", 2)}, where=Path("/v/a")
    )
    journal.close()
    (record,) = journal.read()
    assert record["values"] == {"names": ["x", {"k": "y"}], "pair": ["p", 2]}
    assert record["where"] == "/v/a"


def test_the_journal_is_utf_8_whatever_the_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import builtins

    def latin_locale_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if "b" not in mode and kwargs.get("encoding") is None and len(args) < 2:
            kwargs["encoding"] = "latin-1"  # what a text file gets under a Latin-1 locale
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(journal_module, "open", latin_locale_open, raising=False)
    journal = Journal(tmp_path / "records.jsonl")
    journal.append("status", "a", detail="résumé – 日本")
    journal.close()
    assert [r["detail"] for r in journal.read()] == ["résumé – 日本"]


def test_a_whole_last_line_of_exactly_the_limit_without_newline_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    line = json.dumps({"ts": 1.0, "event": "intent", "job_id": "a" * 30})
    monkeypatch.setattr(journal_module, "MAX_RECORD_BYTES", len(line))
    path = tmp_path / "records.jsonl"
    path.write_text(line, encoding="utf-8")
    assert [r["job_id"] for r in Journal(path).read()] == ["a" * 30]


def test_the_rest_of_an_overlong_line_is_never_read_as_a_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "MAX_RECORD_BYTES", 64)
    tail = json.dumps({"ts": 1.0, "event": "intent", "job_id": "forged"})
    after = json.dumps({"ts": 2.0, "event": "run_finished"})
    for head in ("x" * 65, "x" * 65 + "y" * 64, "x" * 200):
        path = tmp_path / "records.jsonl"
        path.write_text(head + tail + "\n" + after + "\n", encoding="utf-8")
        assert [r["event"] for r in Journal(path).read()] == ["run_finished"], len(head)
