"""Suite input files are confined to the suite's folder and checked to be what they claim."""

from __future__ import annotations

import os
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.suites.inputs import MAX_BYTES, file_problem, resumed_input_problems, sha256_of
from vidbench.core.suites.suite import load_suite


def _png(path: Path, side_px: int = 320) -> None:
    Image.fromarray(np.full((side_px, side_px, 3), 120, np.uint8)).save(path)


def _wav(path: Path) -> None:
    with av.open(str(path), "w", format="wav") as container:
        stream = container.add_stream("pcm_s16le", rate=8000, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 800), np.int16), format="s16", layout="mono"
        )
        frame.sample_rate = 8000
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def _mp4(path: Path) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=8)
        stream.width, stream.height, stream.pix_fmt = 64, 64, "yuv420p"
        for _ in range(4):
            frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """tmp/secret/id_rsa beside tmp/suite/{suite.yaml, assets/…}."""
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n")
    _png(tmp_path / "secret" / "photo.png")
    assets = tmp_path / "suite" / "assets"
    assets.mkdir(parents=True)
    _png(assets / "girl.png")
    _wav(assets / "voice.wav")
    _mp4(assets / "clip.mp4")
    return tmp_path


def _suite(layout: Path, inputs: str) -> Path:
    path = layout / "suite" / "suite.yaml"
    path.write_text(
        f"suite: t\nprompts:\n  - {{id: p1, category: motion, text: a walk, inputs: {inputs}}}\n",
        encoding="utf-8",
    )
    return path


def test_good_inputs_of_every_kind_pass(layout: Path) -> None:
    suite = _suite(
        layout,
        "{first_frame: assets/girl.png, reference_videos: [assets/clip.mp4], "
        "reference_audios: [assets/voice.wav]}",
    )
    assert load_suite(suite).assets_root == suite.parent.resolve()


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ("{reference_audios: [../../secret/id_rsa]}", "outside"),
        ("{reference_audios: [../secret/id_rsa]}", "outside"),
        ("{first_frame: '{ABS}'}", "outside"),
        ("{reference_images: [assets/link.png]}", "outside"),  # a symlink to ../secret/photo.png
        ("{reference_audios: [assets/girl.png]}", "not a readable audio"),
        ("{reference_videos: [assets/voice.wav]}", "not a readable video"),
        ("{first_frame: assets/clip.mp4}", "not a readable image"),
        ("{reference_audios: [assets/big.wav]}", "capped at 15 MB"),
        ("{reference_images: [assets/missing.png]}", "file not found"),
    ],
)
def test_hostile_inputs_are_refused(layout: Path, inputs: str, expected: str) -> None:
    (layout / "suite" / "assets" / "link.png").symlink_to(layout / "secret" / "photo.png")
    with open(layout / "suite" / "assets" / "big.wav", "wb") as handle:
        handle.truncate(MAX_BYTES["audio"] + 1)
    suite = _suite(layout, inputs.replace("{ABS}", str(layout / "secret" / "photo.png")))
    with pytest.raises(ValidationFailed) as info:
        load_suite(suite)
    assert expected in str(info.value)
    assert "prompts[0].inputs." in str(info.value)


def test_assets_root_widens_the_folder_on_request(layout: Path) -> None:
    suite = _suite(layout, "{first_frame: ../secret/photo.png}")
    with pytest.raises(ValidationFailed):
        load_suite(suite)
    assert load_suite(suite, assets_root=layout).prompts[0].inputs.first_frame


def test_character_ref_is_confined_too(layout: Path) -> None:
    path = layout / "suite" / "suite.yaml"
    path.write_text(
        "suite: t\nprompts:\n"
        "  - {id: p1, category: motion, text: a walk, character_ref: ../secret/photo.png}\n"
    )
    with pytest.raises(ValidationFailed, match="outside"):
        load_suite(path)


def test_resume_refuses_records_naming_files_outside_the_suite(layout: Path) -> None:
    suite = _suite(layout, "{first_frame: assets/girl.png}")
    digest = sha256_of(suite)
    good = [("j1", {"first_frame": str(layout / "suite" / "assets" / "girl.png")})]
    assert resumed_input_problems(good, suite, digest, None) == []
    stolen = [("j1", {"reference_audios": [str(layout / "secret" / "id_rsa")]})]
    problems = resumed_input_problems(stolen, suite, digest, None)
    assert len(problems) == 1 and "outside" in problems[0]


def test_resume_refuses_when_the_suite_file_does_not_match_its_hash(layout: Path) -> None:
    """A copied manifest cannot point the root at a folder of yours: it must know the hash."""
    home_file = layout / "secret" / "photo.png"
    jobs = [("j1", {"first_frame": str(home_file)})]
    problems = resumed_input_problems(jobs, home_file, "0" * 64, None)
    assert problems and "cannot be trusted" in problems[0]
    assert resumed_input_problems(jobs, home_file, "0" * 64, layout / "secret") == []


def test_file_problem_reads_headers_not_names(tmp_path: Path) -> None:
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    assert "not a readable image" in (file_problem(fake, "image") or "")


def test_a_file_anyone_knows_is_no_suite_to_trust_a_folder_by(layout: Path) -> None:
    """A stranger's manifest can name a file whose contents everyone knows (a default
    ~/.bashrc) with its true hash: that must not make the home folder the inputs' root."""
    home = layout / "secret"
    bashrc = home / ".bashrc"
    bashrc.write_text("# ~/.bashrc: executed by bash(1) for non-login shells.\n")
    jobs = [("j1", {"first_frame": str(home / "photo.png")})]
    problems = resumed_input_problems(jobs, bashrc, sha256_of(bashrc), None)
    assert problems and "cannot be trusted" in problems[0]
    big = home / "big.yaml"  # a suite's name, but more than a suite's size
    big.write_bytes(b"#" * (4 * 1024**2 + 1))
    assert resumed_input_problems(jobs, big, sha256_of(big), None)
    fifo = home / "fifo.yaml"
    os.mkfifo(fifo)
    assert resumed_input_problems(jobs, fifo, "0" * 64, None)  # refused, not read
    suite = home / "suite.yml"  # the same bytes under a suite's name are a suite's folder
    suite.write_bytes(bashrc.read_bytes())
    assert resumed_input_problems(jobs, suite, sha256_of(suite), None) == []
