"""Simulator profiles: latency, failure and quality characteristics of a simulated model.

A config's `simulate: NAME` picks one. Latencies are real wall-clock seconds of the
simulator (kept short so the demo is quick); results mark such rows `simulated`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Faults:
    """Fault injection rates (0..1 per request unless stated)."""

    create_5xx_rate: float = 0.0  # 5xx on create *after* the task was created (ambiguous)
    create_drop_rate: float = 0.0  # create makes the task, then the answer is cut (ambiguous)
    poll_5xx_rate: float = 0.0
    rate_limit_storm_rate: float = 0.0  # extra 429s on create regardless of limits
    malformed_body_rate: float = 0.0  # poll answers with a non-JSON body
    truncated_download_rate: float = 0.0  # video bytes cut short
    expired_url_rate: float = 0.0  # video URL already expired when first fetched
    poll_timeout_rate: float = 0.0  # poll hangs past the client timeout (kept small)


@dataclass(frozen=True)
class Quality:
    """What the renderer does to a clip, so metrics have something real to measure."""

    flicker: float = 0.0  # std of per-frame brightness jitter, 0..1 of full scale
    motion: float = 1.0  # multiplier on object/camera motion
    identity_drift: float = 0.0  # 0 = the same face throughout; 1 = face fully replaced by the end
    silent_audio: bool = False  # audio track present but silent
    noise: float = 0.0  # per-pixel noise std, 0..1 of full scale
    drop_shots: bool = False  # ignore requested cuts
    prompt_errors: float = 0.0  # chance each checkable prompt element is drawn wrong


@dataclass(frozen=True)
class Profile:
    """One simulated model's behaviour."""

    name: str
    description: str
    queue_s: tuple[float, float] = (0.5, 0.3)  # lognormal (median, sigma)
    run_s: tuple[float, float] = (2.0, 0.3)
    failure_rate: float = 0.0  # task ends `failed` (provider-side error)
    output_moderation_rate: float = 0.0  # task ends failed with output moderation
    input_moderation_words: tuple[str, ...] = ("blood", "gore", "nsfw")
    rpm_limit: int = 600
    concurrency_limit: int = 50
    quality: Quality = field(default_factory=Quality)
    faults: Faults = field(default_factory=Faults)


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in [
        Profile(
            "default",
            "A well-behaved model: steady frames, faithful identity, few failures.",
            queue_s=(0.6, 0.3),
            run_s=(2.5, 0.25),
            failure_rate=0.02,
            output_moderation_rate=0.02,
            quality=Quality(flicker=0.004, motion=1.0, identity_drift=0.0),
        ),
        Profile(
            "fast-default",
            "A faster, cheaper model: lower latency, more flicker and identity drift, and looser"
            " prompt following (wrong colours, missing objects, text and motion left out).",
            queue_s=(0.3, 0.3),
            run_s=(1.2, 0.25),
            failure_rate=0.04,
            output_moderation_rate=0.03,
            quality=Quality(
                flicker=0.03, motion=0.8, identity_drift=0.75, noise=0.02, prompt_errors=0.5
            ),
        ),
        Profile(
            "premium",
            "Slow and careful: highest fidelity, long tail latency.",
            queue_s=(1.0, 0.5),
            run_s=(3.5, 0.4),
            failure_rate=0.01,
            output_moderation_rate=0.05,
            quality=Quality(flicker=0.002, motion=1.1, identity_drift=0.0),
        ),
        Profile(
            "degraded",
            "A regressed model: heavy flicker, identity lost, silent audio, more failures.",
            queue_s=(0.8, 0.4),
            run_s=(3.0, 0.4),
            failure_rate=0.15,
            output_moderation_rate=0.05,
            quality=Quality(
                flicker=0.08,
                motion=0.3,
                identity_drift=1.0,
                silent_audio=True,
                noise=0.05,
                drop_shots=True,
            ),
        ),
        Profile(
            "faulty",
            "A flaky endpoint: 5xx, 429 storms, malformed bodies, truncated files, expired URLs.",
            queue_s=(0.4, 0.3),
            run_s=(1.5, 0.3),
            failure_rate=0.05,
            quality=Quality(flicker=0.01),
            faults=Faults(
                create_5xx_rate=0.05,
                poll_5xx_rate=0.1,
                rate_limit_storm_rate=0.15,
                malformed_body_rate=0.05,
                truncated_download_rate=0.1,
                expired_url_rate=0.05,
            ),
        ),
        Profile(
            "flaky-create",
            "Creates refused with 429 or answered by a cut connection after the task was made;"
            " otherwise quick and faultless: for reconciliation and kill-resume soaks.",
            queue_s=(0.3, 0.3),
            run_s=(1.0, 0.3),
            input_moderation_words=(),
            quality=Quality(),
            faults=Faults(rate_limit_storm_rate=0.2, create_drop_rate=0.15),
        ),
        Profile(
            "steady",
            "Fixed latency, no failures, generous limits: for orchestration benchmarks.",
            queue_s=(0.0, 0.0),
            run_s=(20.0, 0.0),
            rpm_limit=1_000_000,
            concurrency_limit=100_000,
            input_moderation_words=(),
            quality=Quality(),
        ),
        Profile(
            "instant",
            "No latency, no failures: for tests and orchestration benchmarks.",
            queue_s=(0.0, 0.0),
            run_s=(0.05, 0.0),
            quality=Quality(),
        ),
    ]
}
