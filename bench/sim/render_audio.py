"""Soundtrack for simulated clips: a soft chord pad, a short pentatonic melody and a little noise."""

from __future__ import annotations

import numpy as np

SAMPLE_RATE_HZ = 48_000
PENTATONIC = (1.0, 9 / 8, 5 / 4, 3 / 2, 5 / 3, 2.0)
ROOTS_HZ = (196.0, 220.0, 246.94, 261.63, 293.66)


def synthesize_audio(duration_s: float, seed: int, silent: bool) -> np.ndarray:
    """Mono float32 samples in [-1, 1] at SAMPLE_RATE_HZ; exact zeros when `silent`."""
    count = max(1, round(duration_s * SAMPLE_RATE_HZ))
    if silent:
        return np.zeros(count, np.float32)
    rng = np.random.default_rng(seed)
    t = np.arange(count, dtype=np.float64) / SAMPLE_RATE_HZ
    root = ROOTS_HZ[int(rng.integers(len(ROOTS_HZ)))]
    pad = sum(np.sin(2 * np.pi * root * ratio * t) for ratio in (0.5, 1.0, 1.25, 1.5)) * 0.06
    pad *= 0.8 + 0.2 * np.sin(2 * np.pi * 0.25 * t)  # slow swell

    # Melody: one note per beat, each with a short attack and exponential decay.
    beat_s = float(rng.choice([0.25, 0.375, 0.5]))
    note_index = (t // beat_s).astype(np.int64)
    ratios = np.array(PENTATONIC)[rng.integers(len(PENTATONIC), size=int(note_index[-1]) + 1)]
    freq = 2 * root * ratios[note_index]
    since_onset = t - note_index * beat_s
    envelope = np.minimum(since_onset / 0.01, 1.0) * np.exp(-since_onset * 5.0)
    melody = 0.22 * envelope * (np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t))

    noise = rng.normal(0.0, 0.01, count)
    fade = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)  # no clicks at the ends
    return ((pad + melody + noise) * fade).clip(-1, 1).astype(np.float32)
