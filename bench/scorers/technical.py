"""Model-free scorers: conformance, flicker, motion (dynamic degree) and shots."""

from __future__ import annotations

import json
import re
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from vidbench.core.common.video import SILENCE_FLOOR_DBFS, VideoProbe
from vidbench.core.scorers.base import (
    NON_NEGATIVE,
    SHARE,
    Output,
    Protocol,
    Scorer,
    ScorerContext,
    Value,
    nan_to_none,
)
from vidbench.core.scorers.sampler import SamplerSettings, VideoPass
from vidbench.core.scorers.temporal import (
    MOTION_REFERENCE_SIDE_PX,
    dynamic_threshold_px,
    flicker_score,
    is_dynamic,
    is_static,
)
from vidbench.core.store.jobs import Job

RESOLUTION_CLASSES_PX = {
    "480p": 480,
    "540p": 540,
    "720p": 720,
    "1080p": 1080,
    "1440p": 1440,
    "2160p": 2160,
    "4k": 2160,
}
RESOLUTION_TOLERANCE = 0.10  # 704 px still counts as 720p; 540 px does not
RATIO_TOLERANCE = 0.03
DURATION_TOLERANCE_S = 0.5
DURATION_TOLERANCE_SHARE = 0.10
MIN_FPS = 23.0
SILENT_BELOW_DBFS = -60.0


def expected_short_side_px(resolution: str | None) -> int | None:
    """The short side a resolution class names ("720p" → 720), or None when unknown."""
    if not resolution:
        return None
    key = resolution.strip().lower()
    if key in RESOLUTION_CLASSES_PX:
        return RESOLUTION_CLASSES_PX[key]
    match = re.fullmatch(r"(\d{3,4})p?", key)
    return int(match.group(1)) if match else None


def ratio_value(ratio: str | None) -> float | None:
    """'16:9' → 1.777…; None for 'adaptive' or anything unparseable."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*[:/x]\s*(\d+(?:\.\d+)?)\s*", ratio or "")
    if not match or float(match.group(2)) == 0:
        return None
    return float(match.group(1)) / float(match.group(2))


def conformance_checks(job: Job, probe: VideoProbe) -> dict[str, Value]:
    """Per-check booleans (None = not applicable), the overall verdict and the measurements."""
    checks: dict[str, bool | None] = {"decodable": probe.decodable}
    short = expected_short_side_px(job.resolution)
    if short is None or probe.width is None or probe.height is None:
        checks["resolution_ok"] = None
    else:
        measured = min(probe.width, probe.height)
        checks["resolution_ok"] = abs(measured - short) <= RESOLUTION_TOLERANCE * short
    wanted_ratio = ratio_value(job.ratio)
    if wanted_ratio is None or not probe.width or not probe.height:
        checks["ratio_ok"] = None
    else:
        measured_ratio = probe.width / probe.height
        checks["ratio_ok"] = abs(measured_ratio - wanted_ratio) <= RATIO_TOLERANCE * wanted_ratio
    if probe.duration_s is None:
        checks["duration_ok"] = False
    else:
        allowed_s = max(DURATION_TOLERANCE_S, DURATION_TOLERANCE_SHARE * job.duration_sent_s)
        checks["duration_ok"] = abs(probe.duration_s - job.duration_sent_s) <= allowed_s
    checks["fps_ok"] = probe.fps is not None and probe.fps >= MIN_FPS
    if job.audio:
        level = probe.audio_rms_dbfs
        checks["audio_ok"] = probe.has_audio and level is not None and level > SILENT_BELOW_DBFS
    else:
        checks["audio_ok"] = None
    values: dict[str, Value] = dict(checks)
    values["conformance"] = all(v for v in checks.values() if v is not None)
    values.update(
        width=probe.width,
        height=probe.height,
        fps=nan_to_none(probe.fps),
        duration_s=nan_to_none(probe.duration_s),
        has_audio=probe.has_audio,
        audio_rms_dbfs=nan_to_none(probe.audio_rms_dbfs),
    )
    return values


class ConformanceScorer(Scorer):
    """Delivered vs requested: decodable, resolution class, ratio, duration, fps, audio."""

    name = "conformance"
    version = "1"
    needs = frozenset({"probe"})
    requires = frozenset({"frames", "audio"})
    protocol = Protocol(
        frames="every frame decoded (probe) and the audio track",
        differences="vidbench's own checks; no published counterpart",
    )
    outputs = {
        "conformance": Output(
            "higher",
            "All applicable checks pass.",
            usable_threshold=True,
            regression_threshold=0.03,
            label="conform",
            headline=4,
            bounds=SHARE,
        ),
        # The individual checks are diagnostics ("none"): `conformance` is the metric that is
        # ranked and compared, so one failure is not counted six times.
        "decodable": Output("none", "The whole video decodes.", bounds=SHARE),
        "resolution_ok": Output(
            "none",
            f"min(W,H) within {RESOLUTION_TOLERANCE:.0%} of the requested class (null: none requested).",
            bounds=SHARE,
        ),
        "ratio_ok": Output(
            "none",
            f"W/H within {RATIO_TOLERANCE:.0%} of the requested ratio (null: adaptive).",
            bounds=SHARE,
        ),
        "duration_ok": Output(
            "none", "Duration within max(0.5 s, 10%) of the duration sent.", bounds=SHARE
        ),
        "fps_ok": Output("none", f"Frame rate at least {MIN_FPS:g}.", bounds=SHARE),
        "audio_ok": Output(
            "none",
            f"Audio present and above {SILENT_BELOW_DBFS:g} dBFS (null: audio not requested).",
            bounds=SHARE,
        ),
        "width": Output("none", "Delivered width (px).", bounds=NON_NEGATIVE),
        "height": Output("none", "Delivered height (px).", bounds=NON_NEGATIVE),
        "fps": Output("none", "Delivered frame rate.", bounds=NON_NEGATIVE),
        "duration_s": Output("none", "Delivered duration (s).", bounds=NON_NEGATIVE),
        "has_audio": Output("none", "An audio track with samples is present.", bounds=SHARE),
        "audio_rms_dbfs": Output(
            "none",
            "Audio RMS level (dBFS; -120 for digital silence).",
            bounds=(SILENCE_FLOOR_DBFS, None),
        ),
    }

    def settings(self) -> dict[str, Any]:
        return {
            "resolution_tolerance": RESOLUTION_TOLERANCE,
            "ratio_tolerance": RATIO_TOLERANCE,
            "duration_tolerance_s": DURATION_TOLERANCE_S,
            "duration_tolerance_share": DURATION_TOLERANCE_SHARE,
            "min_fps": MIN_FPS,
            "silent_below_dbfs": SILENT_BELOW_DBFS,
        }

    def job_inputs(self, job: Job) -> dict[str, Any]:
        return {k: getattr(job, k) for k in ("resolution", "ratio", "duration_sent_s", "audio")}

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        return conformance_checks(job, video.probe)


class FlickerOptions(BaseModel):
    """Options of the flicker scorer."""

    model_config = ConfigDict(extra="forbid")
    protocol: Literal["vbench", "all_clips"] = Field(
        "vbench",
        description="vbench: static clips only (VBench's filter); all_clips: every clip "
        "(confounded with motion, not comparable with VBench).",
    )


NOT_STATIC = "not applicable: the clip moves (VBench scores flicker on static clips only)"


class FlickerScorer(Scorer):
    """VBench temporal flickering on consecutive native frames, on clips VBench calls static."""

    name = "flicker"
    version = "3"  # 3: VBench's static-filter limits at the native frame count; chained loop flow
    needs = frozenset({"flicker", "motion"})
    Options = FlickerOptions
    outputs = {
        "flicker": Output(
            "higher",
            "VBench temporal flickering: (255 - mean |frame_i - frame_i+1|)/255 over native frames; "
            "1 = perfectly steady. Null for a clip that moves (static filter).",
            regression_threshold=0.002,
            headline=3,
            bounds=SHARE,
        ),
        "flicker_static": Output(
            "none",
            "VBench's static filter passed (null: the clip was too short to tell).",
            bounds=SHARE,
        ),
        "flicker_all_clips": Output(
            "none",
            "The same formula on every clip, static or not (confounded with motion; diagnostic).",
            bounds=SHARE,
        ),
        "flicker_note": Output("none", "Why flicker is null for this clip."),
    }

    def __init__(self, options: FlickerOptions | None = None):
        self.options = options or FlickerOptions()

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Built with the run's flicker options."""
        options = context.options_for(cls)
        assert isinstance(options, FlickerOptions)
        return cls(options)

    def protocol_for(self, column: str) -> Protocol | None:
        """VBench's protocol unless `protocol: all_clips`."""
        if self.options.protocol == "all_clips" and column == "flicker":
            return Protocol(
                frames="every native frame, RGB",
                filter="none: every clip",
                differences="VBench scores static clips only; here moving clips score lower",
            )
        return Protocol(
            frames="every native frame, RGB (MAE); ~8 fps frames for the static filter",
            model="static filter on OpenCV DIS flow (VBench: RAFT)",
            filter="static clips only (VBench's static filter: its thresholds at the clip's "
            "size and native frame count)",
            comparable_with="VBench temporal_flickering" if column == "flicker" else None,
            differences="static filter on ~8 fps DIS flow instead of RAFT on every frame; "
            "first↔last flow chained from the pairs (measured pixels) instead of one long flow",
        )

    def settings(self) -> dict[str, Any]:
        return {
            "frames": "all native",
            "pixels": "RGB, all channels",
            "protocol": self.options.protocol,
        }

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        diffs = [] if video.flicker_mae is None else [video.flicker_mae]
        value = nan_to_none(flicker_score(diffs))
        static = None
        if video.motion_pair_top2_px and video.motion_short_side_px:
            step = video.motion_interval
            native = video.probe.frame_count or (video.motion_frames - 1) * step + 1
            static = is_static(
                video.motion_pair_top2_px,
                video.motion_loop_top2_px,
                video.motion_short_side_px,
                step,
                native,
                video.motion_frames,
            )
        applies = self.options.protocol == "all_clips" or static is not False
        return {
            "flicker": value if applies else None,
            "flicker_static": static,
            "flicker_all_clips": value,
            "flicker_note": None if applies else NOT_STATIC,
        }


class MotionScorer(Scorer):
    """Dynamic degree: DIS-flow approximation of VBench's RAFT-based metric."""

    name = "motion"
    version = "3"  # 3: a second DIS pass from the dominant shift (pans beyond ~32 px)
    needs = frozenset({"motion"})
    protocol = Protocol(
        frames="every n-th native frame (~8 fps), 256-px short side",
        model="OpenCV DIS flow (medium), a second pass from the phase-correlation shift for "
        "large pans, forward–backward consistency check",
        differences="VBench dynamic degree uses RAFT flow; same thresholds and count rule; "
        "within 10% on 2–128 px whole-frame pans at a 256-px short side (fine noise and "
        "natural images); a local object's move beyond ~32 px on fine texture reads low "
        "(48 px read as 3 in a test)",
    )
    outputs = {
        "dynamic_degree": Output(
            "none",
            "VBench rule: enough ~8 fps frame pairs whose top-5% flow magnitude exceeds 6 px x min(H,W)/256.",
            bounds=SHARE,
        ),
        "motion_magnitude": Output(
            "none",
            "Mean over frame pairs of the top-5% flow magnitude, in px at a 256-px short side.",
            bounds=NON_NEGATIVE,
        ),
    }

    def __init__(self, sampler: SamplerSettings):
        self.sampler = sampler

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Built with the stage's sampler settings."""
        return cls(context.sampler)

    def settings(self) -> dict[str, Any]:
        return {
            "method": "DIS flow (forward–backward checked) approximation of VBench's RAFT-based dynamic degree",
            "fps": self.sampler.motion_fps,
            "short_side_px": self.sampler.motion_short_side_px,
        }

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        side = video.motion_short_side_px or MOTION_REFERENCE_SIDE_PX
        threshold = dynamic_threshold_px(side, video.probe.fps)
        pairs = video.motion_pair_magnitudes
        if not pairs:
            return {"dynamic_degree": None, "motion_magnitude": None}
        scaled = float(np.mean(pairs)) * MOTION_REFERENCE_SIDE_PX / side
        return {
            "dynamic_degree": is_dynamic(pairs, threshold, video.motion_frames),
            "motion_magnitude": scaled,
        }


class ShotsScorer(Scorer):
    """Hard cuts where consecutive native frames' thumbnails decorrelate."""

    name = "shots"
    version = "2"
    needs = frozenset({"shots"})
    protocol = Protocol(
        frames="every native frame",
        model="32x18 thumbnail correlation",
        differences="vidbench's own cut detector (checked against PySceneDetect's ContentDetector)",
    )
    outputs = {
        "shot_count": Output("none", "Shots detected (cuts + 1).", bounds=(1.0, None)),
        "shot_boundaries_s": Output("none", "Cut times in seconds (JSON list)."),
        "shot_count_match": Output(
            "higher",
            "shot_count equals the shots the prompt asked for (null: none asked).",
            bounds=SHARE,
        ),
    }

    def __init__(self, sampler: SamplerSettings):
        self.sampler = sampler

    @classmethod
    def create(cls, context: ScorerContext) -> Scorer:
        """Built with the stage's sampler settings."""
        return cls(context.sampler)

    def settings(self) -> dict[str, Any]:
        return {
            "signature": "32x18 RGB thumbnail, mean-removed, unit norm; distance = 1 - correlation",
            "threshold": self.sampler.shot_threshold,
            "min_shot_s": self.sampler.min_shot_s,
        }

    def job_inputs(self, job: Job) -> dict[str, Any]:
        return {"shots": job.shots}

    def score(self, job: Job, video: VideoPass, embeddings: Any = None) -> dict[str, Value]:
        boundaries = video.shot_boundaries_s or []
        count = len(boundaries) + 1
        return {
            "shot_count": count,
            "shot_boundaries_s": json.dumps(boundaries),
            "shot_count_match": None if not job.shots else count == job.shots,
        }
