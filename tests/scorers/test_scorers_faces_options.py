"""Face identity options: dlib's CNN (MMOD) detector, a share of every frame, and the
VBench-2.0-style variant (share of frames matching the first face)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from pydantic import ValidationError
from scorer_helpers import make_job, write_video
from skimage import data
from test_scorers_sensitivity import MESSI, astronaut_frames, messi_frames

from vidbench.core.scorers.base import ScorerContext
from vidbench.core.scorers.faces import (
    FaceEmbedder,
    FaceIdentityScorer,
    FaceOptions,
    ShareOfFramesFaceIdentityScorer,
    vbench2_identity,
)
from vidbench.core.scorers.sampler import SamplerSettings, decode_pass

SETTINGS = SamplerSettings(uniform_frames=8)


def test_vbench2_rule() -> None:
    same, other = 0.3, 0.8
    assert vbench2_identity([1, 1, 1, 1, 1], [0.0, same, same, other, same]) == 0.75
    # frames without exactly one face are left out, like VBench-2.0's tracker
    assert vbench2_identity([1, 0, 2, 1, 1], [0.0, None, same, same, other]) == 0.5
    # the first frame must hold exactly one face (the reference)
    assert vbench2_identity([0, 1, 1, 1], [None, None, None, None]) is None
    assert vbench2_identity([2, 1, 1, 1], [0.0, same, same, same]) is None
    # too few valid frames: min(20, half the later frames)
    assert vbench2_identity([1, 1, 0, 0, 0], [0.0, same, None, None, None]) is None
    assert vbench2_identity([1] + [1] * 20 + [0] * 30, [0.0] + [same] * 20 + [None] * 30) == 1.0
    assert vbench2_identity([1] + [1] * 19 + [0] * 30, [0.0] + [same] * 19 + [None] * 30) is None


def dense_scorer(share: float) -> FaceIdentityScorer:
    return ShareOfFramesFaceIdentityScorer(8, options=FaceOptions(frame_share=share))


def test_share_of_frames_and_the_vbench2_variant(tmp_path: Path) -> None:
    if not MESSI.is_file():
        pytest.skip("opencv-doc's messi5.jpg is not installed")
    same_path = write_video(tmp_path / "same.mp4", astronaut_frames(24))
    swap_path = write_video(tmp_path / "swap.mp4", astronaut_frames(24)[:12] + messi_frames(12))
    same_video = decode_pass(same_path, {"dense", "shots"}, SETTINGS)
    swap_video = decode_pass(swap_path, {"dense", "shots"}, SETTINGS)
    half = dense_scorer(0.5).score(make_job("h"), same_video)
    every = dense_scorer(1.0).score(make_job("e"), same_video)
    assert half["face_frames"] == 12 and every["face_frames"] == 24 == same_video.probe.frame_count
    assert every["face_identity"] >= 0.9 and every["face_identity_vbench2"] >= 0.9
    swapped = dense_scorer(1.0).score(make_job("s"), swap_video)
    assert swapped["face_identity_vbench2"] is not None
    assert 0.3 <= swapped["face_identity_vbench2"] <= 0.65  # the second half is someone else
    assert swapped["face_identity_vbench2"] < every["face_identity_vbench2"] - 0.3
    # the uniform protocol (the default) reads the run's 8 uniform frames
    uniform = decode_pass(same_path, {"uniform", "shots"}, SETTINGS)
    default = FaceIdentityScorer(8).score(make_job("u"), uniform)
    assert default["face_frames"] == 8 and default["face_identity_vbench2"] is not None


def test_cnn_detector_on_a_downscaled_image_matches_hog() -> None:
    # MMOD costs seconds per 512-px frame on a CPU: a 160-px crop keeps the test short
    crop = cv2.resize(data.astronaut()[10:230, 130:350], (160, 160), interpolation=cv2.INTER_AREA)
    count, cnn_face = FaceEmbedder("cnn").faces(crop)
    hog_face = FaceEmbedder("hog").largest_face(crop)
    assert count == 1 and cnn_face is not None and hog_face is not None
    assert float(np.linalg.norm(cnn_face - hog_face)) < 0.3  # same person, similar box
    assert FaceEmbedder("cnn").faces(np.zeros((160, 160, 3), np.uint8)) == (0, None)


def test_options_choose_detector_and_frames() -> None:
    context = ScorerContext(options={"face_identity": {"detector": "cnn", "frame_share": 0.5}})
    scorer = FaceIdentityScorer.create(context)
    assert isinstance(scorer, ShareOfFramesFaceIdentityScorer)
    assert scorer.needs == frozenset({"dense", "shots"}) and scorer.needs_pixels(make_job("x"))
    assert scorer.settings()["detector"] == "dlib MMOD (CNN)"
    protocol = scorer.protocol_for("face_identity")
    assert protocol is not None and protocol.frames == "50% of native frames, evenly spaced"
    assert "MMOD" in protocol.model
    variant = scorer.protocol_for("face_identity_vbench2")
    assert variant is not None and "ArcFace cosine ≥ 0.4" in variant.differences
    default = FaceIdentityScorer.create(ScorerContext())
    assert (
        type(default) is FaceIdentityScorer
        and default.settings()["detector"] == "dlib frontal (HOG)"
    )
    for bad in ({"detector": "retinaface"}, {"frame_share": 0}, {"frame_share": 1.5}, {"share": 1}):
        with pytest.raises(ValidationError):
            FaceIdentityScorer.create(ScorerContext(options={"face_identity": bad}))
