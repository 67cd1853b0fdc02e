"""`vidbench reconcile RUN_DIR`: adopts the task a lost create made, lists orphans, creates nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from vidbench.cli.app import main
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.server import SimServer
from vidbench.core.store.store import RunDir

MODEL = "doubao-seedance-2-0-fast-260128"
AUTH = {"Authorization": f"Bearer {SIM_API_KEY}"}

pytestmark = pytest.mark.reliability


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimServer]:
    with SimServer(default_profile="instant", cache_dir=tmp_path / "renders",
                   settings={"ark": {"render_scale": 0.125}}) as server:  # fmt: skip
        yield server


def finished_run(tmp_path: Path, sim: SimServer) -> Path:
    (tmp_path / "suite.yaml").write_text(
        "suite: rec\ndefaults: {duration: 4, ratio: '16:9'}\nprompts:\n"
        "  - {id: p0, category: motion, text: 'A red ball rolls across a lawn'}\n",
        encoding="utf-8",
    )
    config = tmp_path / "rec.yaml"
    config.write_text(
        "name: rec\nsuite: suite.yaml\nscorers: [conformance]\noutput_dir: runs\nmodels:\n"
        f"  - {{id: fast, adapter: ark, model: {MODEL}, base_url: '{sim.base_url('ark')}',\n"
        "     api_key_env: VB_RECONCILE_API_KEY, params: {resolution: 480p}}\n",
        encoding="utf-8",
    )
    assert main(["run", str(config), "--yes"]) == 0
    return next((tmp_path / "runs").glob("rec-*"))


def create(sim: SimServer, duration_s: int) -> str:
    body = {"model": MODEL, "content": [{"type": "text", "text": "A red ball rolls"}],
            "duration": duration_s, "ratio": "16:9", "resolution": "480p"}  # fmt: skip
    url = f"{sim.base_url('ark')}/contents/generations/tasks"
    response = httpx.post(url, json=body, headers=AUTH, timeout=30)
    return str(response.json()["id"])


def test_reconcile_adopts_the_lost_task_and_lists_the_orphan_with_its_cost(
    tmp_path: Path, sim: SimServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:  # fmt: skip
    monkeypatch.setenv("VB_RECONCILE_API_KEY", SIM_API_KEY)
    run_dir = finished_run(tmp_path, sim)
    run = RunDir(run_dir)
    job = next(iter(run.states().values())).job
    # A second sample whose create was sent, made a task, and whose answer was lost.
    lost = job.to_dict() | {"job_id": job.job_id + "-lost", "sample": 1}
    run.journal.append("planned", lost["job_id"], job=lost)
    run.journal.append("intent", lost["job_id"], attempt=1)
    lost_task = create(sim, 4)
    orphan_task = create(sim, 6)  # made by someone with this key; no job matches it
    made_before = sim.counters.created("ark")
    capsys.readouterr()

    # The run's base_url is the loopback simulator, not Ark's host: the key needs --yes.
    assert main(["reconcile", str(run_dir)]) == 2
    assert main(["reconcile", str(run_dir), "--yes"]) == 0
    out = capsys.readouterr().out
    assert f"adopted {lost_task} for {lost['job_id']}" in out
    orphan_line = next(line for line in out.splitlines() if orphan_task in line)
    assert "succeeded" in orphan_line and not orphan_line.endswith("$0.0000"), out
    assert sim.counters.created("ark") == made_before  # reconcile creates nothing
    assert run.states()[lost["job_id"]].task_id == lost_task

    assert main(["run", "--resume", str(run_dir), "--yes"]) == 0
    assert run.states()[lost["job_id"]].final_status == "succeeded"
    assert sim.counters.created("ark") == made_before  # the resume only downloaded it
