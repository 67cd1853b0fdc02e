"""Orchestration overhead: N jobs against the Ark simulator vs the ideal ceil(N/c) × latency.

The simulator runs as its own process with the `steady` profile (fixed per-task latency,
no failures, generous limits; every job uses the same prompt so one pre-rendered video
serves all). Prints the wall-time ratio to the ideal, harness CPU per job and polls per
task, all measured in this one run, and the same jobs through the naive quick-start loop
(create, sleep, poll until done, download) as a ratio beside vidbench's. The quick-start's
30 s sleep is scaled like the task latency: 30 s is to a 100 s task as 0.3 × 20 s = 6 s is
to the benchmark's (an assumption; --naive-sleep-s changes it).

    .venv/bin/python benchmarks/orchestration.py [--jobs 1000] [--concurrency 200] [--no-naive]
        [--profile FILE]   # cProfile of the harness's event-loop thread (CPU time), for pstats

Besides the totals it prints, from the run's own journal, where each wave's time went: the
detection delay (terminal status seen − the task's end), the spread of each wave's creates
(they go out one at a time per model) and the create round trip (intent → task id), and the
machine's load average before and after (the simulator and other work share the cores).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from vidbench.adapters.registry import load_adapter
from vidbench.core.run.runner import Runner
from vidbench.core.run.runtime import ModelRuntime
from vidbench.core.seam.adapter import AdapterContext, Secret
from vidbench.core.seam.http import build_client
from vidbench.core.sim import SIM_API_KEY
from vidbench.core.sim.profiles import PROFILES
from vidbench.core.store.jobs import Job
from vidbench.core.store.store import RunDir


def start_simulator(profile: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "vidbench.core.sim.server", "--port", "0", "--profile", profile],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ark: "):
            return proc, line.split(": ", 1)[1].strip()
    raise RuntimeError("simulator did not start")


def make_jobs(n: int) -> list[Job]:
    return [
        Job(
            job_id=f"j{i:05d}",
            model_id="seedance",
            adapter="ark",
            provider_model="doubao-seedance-2-0-260128",
            simulated=True,
            prompt_id=f"p{i}",
            category="motion",
            lang="en",
            sample=0,
            text="A red ball rolls across a green lawn",
            clip_text="A red ball rolls across a green lawn",
            duration_requested_s=4,
            duration_sent_s=4,
            ratio="16:9",
            resolution="480p",
            audio=False,
            params={"resolution": "480p", "generate_audio": False},
            estimated_cost_usd=0.1,
        )
        for i in range(n)
    ]


async def drive(run: RunDir, base_url: str, concurrency: int, batch: bool = True) -> Runner:
    cls = load_adapter("ark")
    async with build_client() as client:
        client.timeout = httpx.Timeout(120.0)
        context = AdapterContext(
            "doubao-seedance-2-0-260128", base_url, {"api_key": Secret(SIM_API_KEY, "(sim)")}
        )
        runtime = ModelRuntime("seedance", cls(context, client), concurrency, 1_000_000, 3600)
        if not batch:
            runtime.poller.max_batch = 1  # one GET per poll, as without a batch status call
        runner = Runner(run, {"seedance": runtime}, poll_min_s=1.0)
        await runner.run_all()
        return runner


NAIVE_SLEEP_FRACTION = 30.0 / 100.0  # the quick-start's 30 s sleep against a ~100 s task


async def naive_loop(run: RunDir, base_url: str, concurrency: int, sleep_s: float) -> int:
    """The provider quick-start's loop per job: create, then sleep and poll until done."""
    from vidbench.core.run.download import stream_to_file

    cls = load_adapter("ark")
    gate = asyncio.Semaphore(concurrency)
    async with build_client() as client:
        client.timeout = httpx.Timeout(120.0)
        context = AdapterContext(
            "doubao-seedance-2-0-260128", base_url, {"api_key": Secret(SIM_API_KEY, "(sim)")}
        )
        adapter = cls(context, client)

        async def one(job: Job) -> bool:
            async with gate:
                task_id = (await adapter.submit(job.request)).task_id
                while True:
                    await asyncio.sleep(sleep_s)
                    state = await adapter.poll(task_id)
                    if state.status.terminal:
                        break
                spec = adapter.download_spec(task_id, state)
                target = run.path / "videos" / f"{job.job_id}.mp4"
                target.parent.mkdir(parents=True, exist_ok=True)
                await stream_to_file(client, spec.url, spec.headers, target)
                return True

        done = await asyncio.gather(*(one(job) for job in make_jobs_for(run)))
    return sum(done)


def make_jobs_for(run: RunDir) -> list[Job]:
    return [state.job for state in run.states().values()]


def _quantiles_ms(values: list[float]) -> str:
    ordered = sorted(values) or [0.0]
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    return f"median {1000 * statistics.median(ordered):.0f} ms, p90 {1000 * p90:.0f} ms"


def print_phases(run: RunDir, latency_s: float, concurrency: int) -> None:
    """Where the waves' time went, from the journal's timestamps."""
    first: dict[tuple[str, str], float] = {}
    submitted_at: dict[str, float] = {}
    for record in run.journal.read():
        event, job_id = record["event"], record.get("job_id") or ""
        if event == "status" and record.get("terminal"):
            event = "terminal"
        first.setdefault((event, job_id), record["ts"])
        if event == "submitted":
            submitted_at[job_id] = record["submitted_at"]
    detection = [
        first[("terminal", job)] - (at + latency_s)
        for job, at in submitted_at.items()
        if ("terminal", job) in first
    ]
    round_trip = [first[("submitted", job)] - first[("intent", job)] for job in submitted_at]
    intents = sorted(ts for (event, _), ts in first.items() if event == "intent")
    spreads = [
        intents[min(k + concurrency, len(intents)) - 1] - intents[k]
        for k in range(0, len(intents), concurrency)
    ]
    print(f"detection delay: {_quantiles_ms(detection)}")
    print(f"create round trip (intent -> task id on disk): {_quantiles_ms(round_trip)}")
    print("creates of each wave spread over " + ", ".join(f"{s:.2f}" for s in spreads) + " s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--no-batch", action="store_true", help="Poll each task with its own GET.")
    parser.add_argument("--no-naive", action="store_true", help="Skip the naive loop.")
    parser.add_argument("--naive-sleep-s", type=float, default=None)
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output (CPU time).")
    args = parser.parse_args()
    load_before = os.getloadavg()
    latency_s = PROFILES["steady"].run_s[0] + PROFILES["steady"].queue_s[0]
    sim, base_url = start_simulator("steady")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Warm the render cache so every task serves the same pre-rendered file.
            warm = RunDir(Path(tmp) / "warm")
            warm.path.mkdir()
            warm.write_manifest({})
            warm.journal.append("planned", "j00000", job=make_jobs(1)[0].to_dict())
            asyncio.run(drive(warm, base_url, 1))

            run = RunDir(Path(tmp) / "run")
            run.path.mkdir()
            run.write_manifest({})
            run.journal.append_many(
                [("planned", j.job_id, {"job": j.to_dict()}) for j in make_jobs(args.jobs)]
            )
            profile = cProfile.Profile(time.thread_time) if args.profile else None
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            if profile is not None:
                profile.enable()
            runner = asyncio.run(drive(run, base_url, args.concurrency, batch=not args.no_batch))
            if profile is not None:
                profile.disable()
                profile.dump_stats(args.profile)
            wall_s = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            load_after = os.getloadavg()
            states = run.states()
            print_phases(run, PROFILES["steady"].run_s[0], args.concurrency)
            naive_s = naive_ok = None
            naive_sleep_s = args.naive_sleep_s or NAIVE_SLEEP_FRACTION * latency_s
            if not args.no_naive:
                naive_run = RunDir(Path(tmp) / "naive")
                naive_run.path.mkdir()
                naive_run.journal.append_many(
                    [("planned", j.job_id, {"job": j.to_dict()}) for j in make_jobs(args.jobs)]
                )
                t1 = time.perf_counter()
                naive_ok = asyncio.run(
                    naive_loop(naive_run, base_url, args.concurrency, naive_sleep_s)
                )
                naive_s = time.perf_counter() - t1
    finally:
        sim.send_signal(signal.SIGINT)
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:  # the figures above still count
            sim.kill()
            sim.wait()
    ok = sum(1 for s in states.values() if s.final_status == "succeeded")
    ideal_s = math.ceil(args.jobs / args.concurrency) * latency_s
    cpu_s = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(
        f"jobs {args.jobs}, concurrency {args.concurrency}, per-task latency {latency_s:.1f} s, succeeded {ok}"
    )
    print(
        f"wall {wall_s:.1f} s vs ideal {ideal_s:.1f} s -> ratio {wall_s / ideal_s:.3f} (target <= 1.03)"
    )
    system_s = cpu1.ru_stime - cpu0.ru_stime
    print(
        f"harness CPU {cpu_s:.2f} s -> {1000 * cpu_s / args.jobs:.2f} ms per job "
        f"({1000 * system_s / args.jobs:.2f} ms of it in the kernel; the simulator's own "
        "process is not counted)" + (" [under cProfile: inflated]" if args.profile else "")
    )
    batches = runner.runtimes["seedance"].poller.requests
    sent = batches if batches else runner.counters.polls
    print(
        f"polls {runner.counters.polls} -> {runner.counters.polls / args.jobs:.1f} per task, "
        f"sent as {sent} status requests ({sent / args.jobs:.2f} per task); "
        f"creates {runner.counters.creates}"
    )
    if naive_s is not None:
        print(
            f"naive loop (create, sleep {naive_sleep_s:.1f} s, poll): wall {naive_s:.1f} s -> ratio "
            f"{naive_s / ideal_s:.3f} to ideal, {naive_s / wall_s:.2f}x vidbench's wall "
            f"({naive_ok} downloaded)"
        )
    print(
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after the vidbench run "
        f"({os.cpu_count()} CPUs); machine load affects the ratios: compare runs side by side"
    )


if __name__ == "__main__":
    main()
