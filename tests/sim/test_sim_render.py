"""Tests for the simulator renderer: real MP4s whose content follows the prompt and the Quality."""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from vidbench.core.sim import render as render_module
from vidbench.core.sim.profiles import Quality
from vidbench.core.sim.render import RenderSpec, render_key, render_video
from vidbench.core.sim.render_face import MESSI_PATH
from vidbench.core.sim.render_prompt import COLOURS, parse_prompt

TINY: dict[str, Any] = {"width": 96, "height": 64, "duration_s": 1.0}


def _frames(path: Path) -> list[np.ndarray]:
    # PyAV 18.1.1 hands back a view of the plane, padded rows and all; dlib wants C order.
    with av.open(str(path)) as container:
        return [
            np.ascontiguousarray(f.to_ndarray(format="rgb24")) for f in container.decode(video=0)
        ]


def _audio(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        chunks = [f.to_ndarray() for f in container.decode(audio=0)]
    return np.concatenate(chunks, axis=1)


def _mean_frame_diff(frames: list[np.ndarray]) -> float:
    return float(
        np.mean(
            [
                np.abs(a.astype(np.int16) - b).mean()
                for a, b in zip(frames, frames[1:], strict=False)
            ]
        )
    )


def _render(tmp_path: Path, prompt: str, **changes: Any) -> Path:
    spec = RenderSpec(prompt=prompt, **{**TINY, **changes})
    return render_video(spec, tmp_path)


def test_stream_properties_match_spec(tmp_path: Path) -> None:
    path = _render(tmp_path, "a red car drives", duration_s=1.5, audio=True)
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        assert (video.codec_context.name, video.width, video.height) == ("h264", 96, 64)
        assert video.average_rate == 24 and video.codec_context.pix_fmt == "yuv420p"
        assert video.duration is not None and video.time_base is not None
        assert float(video.duration * video.time_base) == pytest.approx(1.5, abs=1e-3)
        assert (audio.codec_context.name, audio.sample_rate, audio.channels) == ("aac", 48_000, 1)
    assert len(_frames(path)) == 36


@pytest.mark.parametrize(
    ("size", "fps", "duration_s", "frames"), [((97, 65), 24, 1.0, 24), ((110, 84), 30, 0.52, 16)]
)
def test_odd_sizes_round_down_and_frame_count_rounds(
    tmp_path: Path, size: tuple[int, int], fps: int, duration_s: float, frames: int
) -> None:
    path = _render(
        tmp_path, "a ball", width=size[0], height=size[1], fps=fps, duration_s=duration_s
    )
    decoded = _frames(path)
    assert len(decoded) == frames
    assert decoded[0].shape == (size[1] - size[1] % 2, size[0] - size[0] % 2, 3)
    with av.open(str(path)) as container:
        assert container.streams.video[0].average_rate == fps


def test_audio_is_audible_unless_profile_is_silent(tmp_path: Path) -> None:
    loud = _audio(_render(tmp_path, "a dog runs", audio=True))
    silent = _audio(_render(tmp_path, "a dog runs", audio=True, quality=Quality(silent_audio=True)))
    assert loud.shape[1] >= 48_000 and silent.shape[1] >= 48_000
    assert np.sqrt(np.mean(loud**2)) > 0.03
    assert np.abs(silent).max() < 1e-4
    with av.open(str(_render(tmp_path, "a dog runs"))) as container:
        assert not container.streams.audio


def _fraction_near(frames: list[np.ndarray], rgb: tuple[int, int, int]) -> float:
    stack = np.stack(frames).astype(np.int16)
    return float((np.abs(stack - np.array(rgb)).max(axis=-1) < 25).mean())


def test_colour_word_colours_the_object(tmp_path: Path) -> None:
    red = _frames(_render(tmp_path, "a red ball"))
    blue = _frames(_render(tmp_path, "a blue ball"))
    assert _fraction_near(red, COLOURS["red"]) > 0.04
    assert _fraction_near(red, COLOURS["red"]) > 5 * _fraction_near(blue, COLOURS["red"])
    assert _fraction_near(blue, COLOURS["blue"]) > 5 * _fraction_near(red, COLOURS["blue"])


def test_still_prompt_is_still_and_motion_prompt_moves(tmp_path: Path) -> None:
    still = _mean_frame_diff(_frames(_render(tmp_path, "still life of a cup, static, no movement")))
    moving = _mean_frame_diff(_frames(_render(tmp_path, "a car drives fast")))
    panning = _mean_frame_diff(_frames(_render(tmp_path, "a city skyline, camera pans left")))
    assert still < 0.3
    assert moving > 1.5 and moving > 10 * still
    assert panning > 1.5


def test_quality_motion_scales_motion(tmp_path: Path) -> None:
    full = _mean_frame_diff(_frames(_render(tmp_path, "a dog runs", quality=Quality(motion=1.0))))
    slow = _mean_frame_diff(_frames(_render(tmp_path, "a dog runs", quality=Quality(motion=0.3))))
    assert slow < 0.7 * full


def test_flicker_and_noise_raise_frame_to_frame_difference(tmp_path: Path) -> None:
    prompt = "a still photo of a bottle, static"
    steady = _mean_frame_diff(_frames(_render(tmp_path, prompt)))
    flicker = _mean_frame_diff(_frames(_render(tmp_path, prompt, quality=Quality(flicker=0.05))))
    more_flicker = _mean_frame_diff(
        _frames(_render(tmp_path, prompt, quality=Quality(flicker=0.1)))
    )
    noisy = _mean_frame_diff(_frames(_render(tmp_path, prompt, quality=Quality(noise=0.05))))
    assert steady < 0.3 < 3.0 < flicker < more_flicker
    assert noisy > 3.0


def _cuts(frames: list[np.ndarray], threshold: float = 0.5) -> list[int]:
    """Indices i where frame i starts a new shot: L1 distance of 4x4x4 RGB histograms."""
    hists = [
        np.histogramdd(f.reshape(-1, 3), bins=(4, 4, 4), range=[(0, 256)] * 3)[0].ravel()
        / (f.size / 3)
        for f in frames
    ]
    return [i for i in range(1, len(hists)) if np.abs(hists[i] - hists[i - 1]).sum() > threshold]


@pytest.mark.parametrize("prompt", ["a dog runs in a park", "a woman walks, camera pans"])
def test_shots_are_hard_cuts_at_equal_segments(tmp_path: Path, prompt: str) -> None:
    frames = _frames(_render(tmp_path, prompt, duration_s=1.5, shots=3))
    assert _cuts(frames) == [12, 24]
    dropped = _frames(
        _render(tmp_path, prompt, duration_s=1.5, shots=3, quality=Quality(drop_shots=True))
    )
    assert _cuts(dropped) == []


def test_cache_hit_does_not_re_encode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = RenderSpec(prompt="a cat", **TINY)
    first = render_video(spec, tmp_path)
    mtime = first.stat().st_mtime_ns

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("re-encoded on a cache hit")

    monkeypatch.setattr(render_module, "_encode", refuse)
    assert render_video(spec, tmp_path) == first
    assert first.stat().st_mtime_ns == mtime
    assert first.name == f"{render_key(spec)}.mp4"
    sidecars = [f"{first.stem}.thumbs.npy", f"{first.stem}.truth.json"]  # for the judge sim
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([first.name, *sidecars])
    for changed in (
        replace(spec, seed=1),
        replace(spec, quality=Quality(flicker=0.01)),
        replace(spec, quality=Quality(prompt_errors=0.5)),
        replace(spec, audio=True),
        replace(spec, shots=2),
        replace(spec, prompt="a dog"),
    ):
        assert render_key(changed) != render_key(spec)


def test_concurrent_renders_of_one_spec_are_safe(tmp_path: Path) -> None:
    spec = RenderSpec(prompt="a bird flies", **TINY)
    results: list[Path] = []
    threads = [
        threading.Thread(target=lambda: results.append(render_video(spec, tmp_path)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(results)) == 1 and len(_frames(results[0])) == 24
    stem = results[0].stem
    expected = [results[0].name, f"{stem}.thumbs.npy", f"{stem}.truth.json"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(expected)  # no temp files


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    spec = RenderSpec(
        prompt="a yellow fish swims", quality=Quality(noise=0.03, flicker=0.02), **TINY
    )
    first = render_video(spec, tmp_path / "a").read_bytes()
    assert render_video(spec, tmp_path / "b").read_bytes() == first


def test_text_is_drawn_only_when_asked(tmp_path: Path) -> None:
    def dark_pixels_top(prompt: str) -> float:
        frame = _frames(_render(tmp_path, prompt, width=192, height=128))[0]
        return float((frame[:40].max(axis=-1) < 70).mean())

    assert dark_pixels_top('a shop sign reading "OPEN"') > 0.03
    assert dark_pixels_top("a shop with a purple door") < 0.005


def test_prompt_words_map_to_scene() -> None:
    scene = parse_prompt("A girl in a blue dress throws a red ball at sunset")
    assert scene.person and scene.subjects == ("ball",)
    assert scene.clothing == COLOURS["blue"] and scene.subject_colours == (COLOURS["red"],)
    assert scene.time_of_day == "sunset" and scene.object_motion == "idle"
    assert (
        parse_prompt("一个女孩在跑步").person
        and parse_prompt("一个女孩在跑步").object_motion == "run"
    )
    still = parse_prompt("still life of apples, static camera")
    assert (still.object_motion, still.camera) == ("none", "static")
    assert parse_prompt("static camera, a dog runs").object_motion == "run"
    assert parse_prompt("slow zoom out over the city at night").camera == "zoom_out"
    assert parse_prompt('a neon sign that says "BAR"').text == "BAR"
    assert parse_prompt('she says "hello"').text is None  # no text-in-frame word


_MODELS = importlib.util.find_spec("face_recognition_models")


@pytest.mark.skipif(
    _MODELS is None or importlib.util.find_spec("dlib") is None,
    reason="needs dlib and face_recognition_models",
)
def test_person_face_is_detected_and_identity_drift_changes_it(tmp_path: Path) -> None:
    import dlib

    assert _MODELS is not None and _MODELS.submodule_search_locations
    models = Path(next(iter(_MODELS.submodule_search_locations))) / "models"
    detector = dlib.get_frontal_face_detector()
    landmarks = dlib.shape_predictor(str(models / "shape_predictor_5_face_landmarks.dat"))
    recogniser = dlib.face_recognition_model_v1(
        str(models / "dlib_face_recognition_resnet_model_v1.dat")
    )

    def detections_and_distance(drift: float) -> tuple[list[bool], float]:
        """Per-frame face found?, and the embedding distance of the first and last frame's face."""
        frames = _frames(
            _render(
                tmp_path,
                "a woman smiles at the camera",
                width=480,
                height=272,
                shots=2,  # the last frame is in another shot: the same person must appear there
                quality=Quality(identity_drift=drift),
            )
        )
        found = [detector(f, 0) for f in frames]
        first, last = (
            np.array(
                recogniser.compute_face_descriptor(frames[i], landmarks(frames[i], found[i][0]))
            )
            for i in (0, -1)
        )
        return [bool(boxes) for boxes in found], float(np.linalg.norm(first - last))

    found, same = detections_and_distance(0.0)
    assert sum(found[:12]) >= 11 and sum(found[12:]) >= 11 and same < 0.4
    if MESSI_PATH.is_file():  # the drift face is a different real person (opencv-doc sample)
        found, drifted = detections_and_distance(1.0)
        assert sum(found) >= 18 and drifted > 0.6
