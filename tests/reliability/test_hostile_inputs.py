"""Hostile inputs, one row each: what a shared file, a provider or a damaged run directory can
throw at vidbench, and the bounded, named outcome it must get instead of a hang, a crash
(exit 5) or a wrong number.

Rows: YAML alias bombs, huge and deeply nested files; NaN/inf/negative money in configs and
on the command line; over-long prompts; absurd token counts from a provider (live and in old
records); torn, non-object and wrongly typed journal lines (`report` and `--resume`); a `$`
category in plots; a symlink planted at the crash log's name; a dripping download; a
redirect to another port.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pandas as pd
import pytest
from factories import make_job

from vidbench.cli.app import main
from vidbench.core.config.config import load_config
from vidbench.core.run.download import stream_to_file
from vidbench.core.run.pipeline import prepare
from vidbench.core.run.runner import Runner
from vidbench.core.run.runtime import ModelRuntime
from vidbench.core.seam import errors
from vidbench.core.seam.adapter import Adapter, AdapterContext, ModelInfo
from vidbench.core.seam.types import (
    Capabilities,
    Cost,
    DownloadSpec,
    GenerationRequest,
    SubmitResult,
    TaskState,
    TaskStatus,
)
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir

MATH_CATEGORY = "deals $^$"  # raised inside matplotlib's mathtext parser before plain labels
SUITE = f"""suite: hostile
version: 1
categories: [motion, "{MATH_CATEGORY}"]
defaults: {{duration: 4, ratio: "16:9"}}
prompts:
  - {{id: p-ball, category: motion, text: "A red ball rolls across a green lawn"}}
  - {{id: p-deal, category: "{MATH_CATEGORY}", text: "A price tag reading $5 spins on a table"}}
"""
MODEL = (
    "  - id: sim-a\n    adapter: ark\n    model: doubao-seedance-2-0-fast-260128\n"
    "    simulate: fast-default\n"
)


def write_files(
    folder: Path, *, extra: str = "", model_extra: str = "", suite: str = SUITE
) -> Path:
    """A suite and a config (one simulated model) in `folder`; returns the config path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "suite.yaml").write_text(suite, encoding="utf-8")
    config = folder / "config.yaml"
    config.write_text(
        "name: hostile\nsuite: suite.yaml\nscorers: [conformance]\noutput_dir: runs\n"
        + extra
        + "models:\n"
        + MODEL
        + model_extra,
        encoding="utf-8",
    )
    return config


def cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the CLI in-process; (exit code, stdout + stderr with line breaks removed)."""
    code = main(args)
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).replace("\n", " ")


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A whole simulated run (2 jobs, one in the `$` category), made once for the module."""
    folder = tmp_path_factory.mktemp("hostile")
    config = write_files(folder)
    assert main(["run", str(config), "--yes"]) == 0
    (run_dir,) = (folder / "runs").iterdir()
    return run_dir


@pytest.fixture
def run_copy(finished_run: Path, tmp_path: Path) -> Path:
    """A private copy of the finished run, to damage."""
    target = tmp_path / finished_run.name
    shutil.copytree(finished_run, target)
    return target


# ----- user files -------------------------------------------------------------------------


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol"]']
    lines += [f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]" for n in range(1, 10)]
    return "\n".join(lines) + "\nmodels: []\n"


@dataclass(frozen=True)
class FileCase:
    """A config file a stranger could share, and the words the refusal must contain."""

    name: str
    write: Callable[[Path], Path]
    expect: str


FILE_CASES = [
    FileCase("alias-bomb", lambda d: _raw(d, alias_bomb()), "(size): expands to more than"),
    FileCase("nested-5000", lambda d: _raw(d, "[" * 5000 + "]" * 5000), "nested deeper than"),
    FileCase("5-MiB-file", lambda d: _raw(d, "#" * (5 * 1024**2)), "larger than"),
    FileCase(
        "rate-inf",
        lambda d: write_files(d, extra="currency: {cny_per_usd: .inf}\n"),
        "currency.cny_per_usd: Input should be a finite number",
    ),
    FileCase(
        "budget-nan",
        lambda d: write_files(d, extra="budget: {max_cost_usd: .nan}\n"),
        "budget.max_cost_usd: Input should be a finite number",
    ),
    FileCase(
        "price-negative",
        lambda d: write_files(d, model_extra="    price: {cny_per_million_tokens: -46}\n"),
        "must not be negative",
    ),
    FileCase(
        "price-inf",
        lambda d: write_files(d, model_extra="    price: {cny_per_million_tokens: .inf}\n"),
        "models[0].price",
    ),
]


def _raw(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda c: c.name)
def test_hostile_config_files_are_refused_with_exit_2(
    case: FileCase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = case.write(tmp_path)
    started = time.monotonic()
    code, output = cli(["validate", str(path)], capsys)
    assert (code, case.expect in output) == (2, True), output
    assert time.monotonic() - started < 15
    code, _ = cli(["run", str(path), "--yes"], capsys)
    assert code == 2 and not (tmp_path / "runs").exists()  # nothing planned, nothing sent


def test_a_refusal_names_its_file_whole_in_a_narrow_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A refusal printed wrapped at the console's width cut the file's path (and the reason) with
    # a newline: a user could not copy it, and this file's tests failed under xdist's tmp paths.
    from vidbench.cli.views import err_console

    monkeypatch.setattr(err_console, "width", 60)
    case = next(c for c in FILE_CASES if c.name == "price-negative")
    path = case.write(tmp_path / ("a-folder-with-a-long-name-" * 3))
    code, output = cli(["validate", str(path)], capsys)
    assert code == 2 and str(path) in output and case.expect in output, output


def test_a_refused_run_directory_is_named_whole_in_a_narrow_console(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidbench.cli.views import err_console

    monkeypatch.setattr(err_console, "width", 60)
    folder = tmp_path / ("not-a-run-but-a-folder-with-a-long-name-" * 3)
    folder.mkdir()
    code, output = cli(["report", str(folder)], capsys)
    assert code == 2 and f"{folder}: not a run directory" in output, output


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0"])
def test_max_cost_that_is_not_a_positive_amount_exits_2_before_anything_is_sent(
    value: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_files(tmp_path)
    code, output = cli(["run", str(config), "--yes", f"--max-cost={value}"], capsys)
    assert code == 2 and "--max-cost" in output
    assert not (tmp_path / "runs").exists()


def test_an_over_long_prompt_is_planned_unsupported(tmp_path: Path) -> None:
    long_text = "A red ball rolls. " * 200  # 3600 characters
    suite = SUITE.replace('"A red ball rolls across a green lawn"', json.dumps(long_text))
    loaded = load_config(write_files(tmp_path, suite=suite))
    _, plan = prepare(loaded)
    reasons = {job.prompt_id: job.unsupported_reason for job in plan.jobs}
    assert reasons["p-deal"] is None
    assert reasons["p-ball"] == "prompt is 3600 characters; model accepts at most 2000"
    assert plan.models[0].estimated_cost_usd > 0 and len(plan.models[0].runnable) == 1


# ----- what a provider reports ------------------------------------------------------------


class AbsurdUsage(Adapter):
    """A provider whose finished tasks report the token count the test asks for."""

    name = "absurd"
    default_base_url = "http://provider.test"
    tokens: ClassVar[dict[str, int]] = {}
    known: ClassVar[dict[str, ModelInfo]] = {
        "m": ModelInfo("m", Capabilities((4,), ("16:9",), ("720p",)), "$1/clip", "test")
    }

    @classmethod
    def known_models(cls) -> dict[str, ModelInfo]:
        return cls.known

    def estimate_cost(self, request: GenerationRequest) -> Cost:
        return Cost(0.5, "USD", 0.5)

    def actual_cost(self, request: GenerationRequest, state: TaskState) -> Cost:
        usd = (state.tokens or 0) / 1e6
        return Cost(usd, "USD", usd, tokens=state.tokens)

    async def submit(self, request: GenerationRequest) -> SubmitResult:
        return SubmitResult(f"task-{request.job_id}")

    async def poll(self, task_id: str) -> TaskState:
        tokens = self.tokens[task_id.removeprefix("task-")]
        return TaskState(TaskStatus.SUCCEEDED, video_url="http://files.test/v.mp4", tokens=tokens)

    def download_spec(self, task_id: str, state: TaskState) -> DownloadSpec:
        return DownloadSpec(state.video_url or "")


def planned_job(job_id: str) -> Job:
    return make_job(
        job_id=job_id, model_id="m1", adapter="absurd", provider_model="m", prompt_id=job_id,
        estimated_cost_usd=0.5,
    )  # fmt: skip


def test_absurd_token_counts_from_a_provider_end_the_job_errored_and_report_works(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    AbsurdUsage.tokens.update({"huge": 10**30, "negative": -108_900, "fine": 108_900})
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    run.write_manifest({"name": "absurd"})
    for job_id in AbsurdUsage.tokens:
        run.journal.append("planned", job_id, job=planned_job(job_id).to_dict())
    transport = httpx.MockTransport(lambda request: httpx.Response(200, content=b"mp4"))

    async def go() -> None:
        adapter = AbsurdUsage(
            AdapterContext("m", "http://provider.test"), httpx.AsyncClient(transport=transport)
        )
        runtime = ModelRuntime(
            "m1", adapter, max_concurrency=4, requests_per_minute=6000, timeout_s=60
        )
        await Runner(run, {"m1": runtime}, sleep=lambda _: asyncio.sleep(0)).run_all()

    asyncio.run(go())
    states = run.states()
    for job_id in ("huge", "negative"):
        assert (states[job_id].final_status, states[job_id].error_kind) == (
            "errored",
            "implausible_usage",
        )
        assert "token count" in (states[job_id].detail or "")
        assert states[job_id].cost_usd == 0.5  # the plan's estimate, not 10^24 or negative
    assert states["fine"].final_status == "succeeded" and states["fine"].tokens == 108_900
    code, output = cli(["report", str(run.path)], capsys)
    assert code == 0, output
    results = pd.read_parquet(run.results_path).set_index("job_id")
    assert list(results["cost_usd"]) == [0.5, 0.5, 0.108900]
    assert results["tokens"].isna().tolist() == [True, True, False]


# ----- a damaged or tampered run directory ------------------------------------------------


def append_bytes(run_dir: Path, data: bytes) -> None:
    with open(run_dir / "records.jsonl", "ab") as handle:
        handle.write(data)


def finished_record(**fields: Any) -> bytes:
    record = {"ts": time.time(), "event": "finished", "status": "succeeded", **fields}
    return (json.dumps(record) + "\n").encode()


JOURNAL_CASES: dict[str, Callable[[Path], None]] = {
    "torn-inside-utf8": lambda d: append_bytes(
        d, '{"ts": 1.0, "event": "status", "detail": "caf\u00e9'.encode()[:-1]
    ),
    "non-object-lines": lambda d: append_bytes(d, b'[1,2]\n"x"\nnull\n42\n'),
    "wrong-types": lambda d: append_bytes(
        d,
        b'{"event": "finished", "job_id": "sim-a__p-ball__s0", "ts": "yesterday"}\n'
        b'{"event": "planned", "job_id": "ghost", "job": "nope"}\n'
        b'{"event": "planned", "job_id": "ghost2", "job": {"job_id": "ghost2"}}\n'
        b'{"event": "scored", "job_id": "sim-a__p-ball__s0", "scorer": 5, "values": [1]}\n'
        b'{"event": "status", "job_id": ["a"], "ts": 1.0}\n'
        b'{"event": "finished", "job_id": "sim-a__p-ball__s0", "ts": 1e400}\n',
    ),
    "overflowing-numbers": lambda d: append_bytes(
        d,
        b'{"ts": 1.0, "event": "status", "job_id": "sim-a__p-ball__s0", "tokens": '
        + b"9" * 400
        + b"}\n"
        + b'{"ts": 1.0, "event": "status", "job_id": "sim-a__p-ball__s0", "tokens": '
        + b"9" * 5000
        + b"}\n",
    ),
    "absurd-usage-record": lambda d: append_bytes(
        d,
        finished_record(job_id="sim-a__p-ball__s0", tokens=10**30, cost_usd=1e24)
        + finished_record(job_id="sim-a__p-deal__s0", tokens=-5, cost_usd=-0.01),
    ),
}


@pytest.mark.parametrize("damage", list(JOURNAL_CASES), ids=list(JOURNAL_CASES))
def test_a_damaged_journal_still_reports(
    damage: str, run_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = pd.read_parquet(run_copy / "results.parquet")
    (run_copy / "results.parquet").unlink()  # so that `report` rebuilds it from the records
    JOURNAL_CASES[damage](run_copy)
    code, output = cli(["report", str(run_copy)], capsys)
    assert code == 0, output
    after = pd.read_parquet(run_copy / "results.parquet")
    assert list(after["job_id"]) == list(before["job_id"])  # no job lost, no ghost job
    assert after["cost_usd"].fillna(0).between(0, 1000).all()
    assert (run_copy / "plots" / "category_quality.svg").is_file()
    if damage == "absurd-usage-record":
        assert after["tokens"].isna().all()
        assert after["detail"].str.contains("recorded usage ignored").all()


@pytest.mark.parametrize("damage", ["torn-inside-utf8", "non-object-lines"])
def test_a_damaged_journal_still_resumes(
    damage: str, run_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    JOURNAL_CASES[damage](run_copy)
    code, output = cli(["run", "--resume", str(run_copy), "--yes"], capsys)
    assert code == 0, output
    states = RunDir(run_copy).states()
    assert {s.final_status for s in states.values()} == {"succeeded"}


def test_a_math_category_is_plotted_as_plain_text(finished_run: Path) -> None:
    svg = (finished_run / "plots" / "category_quality.svg").read_text(encoding="utf-8")
    assert MATH_CATEGORY in svg


# ----- local files and the network --------------------------------------------------------


def test_a_symlink_at_the_old_crash_log_name_is_not_followed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "vidbench-error.log").symlink_to(victim)
    monkeypatch.setenv("VIDBENCH_LOG_DIR", str(tmp_path))

    def boom(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("vidbench.cli.app.views.print_models", boom)
    code, _ = cli(["models"], capsys)
    assert code == 5 and victim.read_text(encoding="utf-8") == "precious"


def test_a_dripping_download_is_ended_by_the_overall_deadline(tmp_path: Path) -> None:
    class Drip(httpx.AsyncByteStream):
        async def __aiter__(self):  # type: ignore[no-untyped-def]
            while True:
                await asyncio.sleep(0.05)
                yield b"x"

    async def go() -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(200, stream=Drip()))
        async with httpx.AsyncClient(transport=transport) as client:
            await stream_to_file(client, "https://f.test/v.mp4", {}, tmp_path / "v.mp4", 0.5)

    started = time.monotonic()
    with pytest.raises(errors.TransientError, match="overall deadline"):
        asyncio.run(go())
    assert time.monotonic() - started < 5


def test_credentials_do_not_follow_a_redirect_to_another_port(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.port is None:
            return httpx.Response(302, headers={"location": "https://api.test:8443/v.mp4"})
        return httpx.Response(200, content=b"mp4")

    async def go() -> None:
        async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
            await stream_to_file(
                client,
                "https://api.test/videos/1/content",
                {"Authorization": "Bearer k"},
                tmp_path / "v.mp4",
            )

    asyncio.run(go())
    assert [r.url.port for r in seen] == [None, 8443]
    assert "authorization" in seen[0].headers and "authorization" not in seen[1].headers
