"""A dead endpoint stops `vidbench run` in about a second with one message and nothing sent;
a paid run without a terminal and without --yes sends nothing either (the simulator counts)."""

from __future__ import annotations

import io
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_helpers import write_config

from vidbench.cli.app import main
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.server import SimServer
from vidbench.core.store.store import RunDir

MODEL = "doubao-seedance-2-0-fast-260128"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ark_config(tmp_path: Path, base_url: str) -> Path:
    model = (
        f"  - {{id: fast, adapter: ark, model: {MODEL}, base_url: '{base_url}',"
        " api_key_env: VB_PREFLIGHT_API_KEY, params: {resolution: 480p}}\n"
    )
    return write_config(tmp_path, model, scorers="[conformance]")


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimServer]:
    with SimServer(default_profile="instant", cache_dir=tmp_path / "renders") as server:
        yield server


def run_and_time(config: Path) -> tuple[int, float]:
    started = time.monotonic()
    code = main(["run", str(config), "--yes"])
    return code, time.monotonic() - started


def only_run(tmp_path: Path) -> RunDir:
    (run_dir,) = (tmp_path / "runs").iterdir()
    return RunDir(run_dir)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"], ids=["closed-port", "refusing-host"])
def test_a_dead_endpoint_stops_the_run_at_once_with_one_message_and_no_create(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    host: str,
) -> None:
    monkeypatch.setenv("VB_PREFLIGHT_API_KEY", "not-a-real-key-0123456789")
    config = ark_config(tmp_path, f"http://{host}:{closed_port()}/api/v3")
    code, elapsed_s = run_and_time(config)
    err = " ".join(capsys.readouterr().err.split())  # rich wraps at the console's width
    assert code == 6, err
    assert elapsed_s < 5.0, f"took {elapsed_s:.1f} s"
    assert err.count("preflight:") == 1, err
    assert "ark at " in err and "(model fast): cannot connect" in err
    assert "nothing was sent" in err and "vidbench run --resume" in err
    run = only_run(tmp_path)
    events = {r["event"] for r in run.journal.read()}
    assert events == {"run_started", "planned"}  # no intent, no create, no job finished
    assert not any(s.done for s in run.states().values())


def test_a_refused_key_stops_the_run_before_any_create(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sim: SimServer,
) -> None:
    monkeypatch.setenv("VB_PREFLIGHT_API_KEY", "a-wrong-key-0123456789")
    code, elapsed_s = run_and_time(ark_config(tmp_path, sim.base_url("ark")))
    err = " ".join(capsys.readouterr().err.split())  # rich wraps at the console's width
    assert code == 6, err
    assert elapsed_s < 5.0, f"took {elapsed_s:.1f} s"
    assert "the key in VB_PREFLIGHT_API_KEY was refused" in err and "HTTP 401" in err
    assert "a-wrong-key-0123456789" not in err
    assert sim.counters.count(provider="ark", operation="create") == 0
    assert sim.counters.created() == 0


def test_a_live_endpoint_passes_preflight_and_the_run_goes_on(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    sim: SimServer,
) -> None:
    monkeypatch.setenv("VB_PREFLIGHT_API_KEY", SIM_API_KEY)
    code, _ = run_and_time(ark_config(tmp_path, sim.base_url("ark")))
    assert code == 0
    assert sim.counters.created("ark") == 3  # one per prompt; the preflight created nothing
    assert all(s.final_status == "succeeded" for s in only_run(tmp_path).states().values())


def test_a_paid_run_without_a_terminal_and_without_yes_sends_nothing(
    tmp_path: Path,
    small_suite: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    sim: SimServer,
) -> None:
    """Consent, not the key-host check, refuses it: the simulator's host is taken as agreed."""
    import vidbench.core.plan.adapter_factory as factory

    monkeypatch.setenv("VB_PREFLIGHT_API_KEY", SIM_API_KEY)
    monkeypatch.setattr(factory, "foreign_key_hosts", lambda loaded: [])
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # cron, CI, a pipe: no terminal
    config = ark_config(tmp_path, sim.base_url("ark"))
    assert main(["run", str(config)]) == 2
    assert "rerun with --yes" in capsys.readouterr().err
    assert sim.counters.count() == 0  # not one request, so certainly no create
    assert sim.counters.created() == 0
    assert not (tmp_path / "runs").exists()
