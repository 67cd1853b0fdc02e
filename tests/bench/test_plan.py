"""Planning: snapping settings to capabilities, refusing what a model cannot do, cost."""

from __future__ import annotations

from vidbench.core.plan.plan import snap_ratio, snap_resolution, unsupported_inputs
from vidbench.core.seam.types import Capabilities, GenerationInputs, InputKind, snap_duration

CAPS = Capabilities(
    durations_s=(4, 6, 8),
    ratios=("16:9", "9:16"),
    resolutions=("720p", "1080p"),
    inputs=frozenset({InputKind.FIRST_FRAME}),
    max_reference_images=0,
    default_resolution="720p",
)


def test_duration_snaps_to_nearest_with_ties_going_longer() -> None:
    assert snap_duration(5, (4, 6, 8)) == 6
    assert snap_duration(3, (4, 6, 8)) == 4
    assert snap_duration(15, (4, 6, 8)) == 8
    assert snap_duration(7, tuple(range(4, 16))) == 7


def test_ratio_snaps_by_aspect_value() -> None:
    assert snap_ratio("16:9", CAPS.ratios) == "16:9"
    assert snap_ratio("21:9", CAPS.ratios) == "16:9"
    assert snap_ratio("3:4", CAPS.ratios) == "9:16"
    assert snap_ratio("adaptive", CAPS.ratios) == "16:9"
    assert snap_ratio("1:1", ("16:9", "1:1")) == "1:1"


def test_resolution_falls_to_the_best_lower_one() -> None:
    assert snap_resolution("4k", CAPS) == "1080p"
    assert snap_resolution(None, CAPS) == "720p"
    assert snap_resolution("480p", CAPS) == "720p"


def test_unsupported_inputs_are_named() -> None:
    from pathlib import Path

    refs = GenerationInputs(reference_images=(Path("a.png"),))
    assert "reference_images" in (unsupported_inputs(refs, CAPS) or "")
    assert unsupported_inputs(GenerationInputs(first_frame=Path("a.png")), CAPS) is None
    both = GenerationInputs(first_frame=Path("a.png"), last_frame=Path("b.png"))
    assert "first_last_frame" in (unsupported_inputs(both, CAPS) or "")
