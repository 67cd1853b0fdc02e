"""A run's records name each job's `character_ref`; scoring reads it only inside the run's
suite folder while the suite file has the hash the manifest recorded (bench/scorers/
references.py), so a shared run directory cannot make scoring read an image elsewhere."""

from __future__ import annotations

import hashlib
from pathlib import Path

from factories import make_job
from PIL import Image

from vidbench.core.scorers.references import trusted_references
from vidbench.core.store.store import RunDir


def _world(tmp_path: Path) -> tuple[RunDir, Path, Path]:
    """A suite folder with its reference image, a run whose manifest records the suite, and
    an image outside the suite folder."""
    suite_dir = tmp_path / "suite"
    (suite_dir / "assets").mkdir(parents=True)
    suite = suite_dir / "suite.yaml"
    suite.write_text("suite: s\nprompts: []\n", encoding="utf-8")
    inside = suite_dir / "assets" / "face.png"
    outside = tmp_path / "home" / "private.png"
    outside.parent.mkdir()
    for image in (inside, outside):
        Image.new("RGB", (32, 32), (200, 150, 120)).save(image)
    run = RunDir(tmp_path / "run")
    run.path.mkdir()
    sha = hashlib.sha256(suite.read_bytes()).hexdigest()
    run.write_manifest({"suite": {"path": str(suite), "sha256": sha}})
    return run, inside, outside


def _items(*refs: str | None) -> list[tuple]:  # type: ignore[type-arg]
    return [(make_job(job_id=f"j{i}", character_ref=ref), Path("v.mp4"), "0" * 64)
            for i, ref in enumerate(refs)]  # fmt: skip


def test_a_reference_inside_the_suite_folder_is_kept_and_one_outside_is_dropped(
    tmp_path: Path,
) -> None:
    run, inside, outside = _world(tmp_path)
    kept, notes = trusted_references(run, _items(str(inside), str(outside), None))
    assert [job.character_ref for job, _, _ in kept] == [str(inside), None, None]
    assert len(notes) == 1 and str(outside) in notes[0] and "outside" in notes[0]


def test_a_link_in_the_suite_folder_to_an_image_elsewhere_is_dropped(tmp_path: Path) -> None:
    run, inside, outside = _world(tmp_path)
    planted = inside.parent / "planted.png"
    planted.symlink_to(outside)
    kept, notes = trusted_references(run, _items(str(planted)))
    assert kept[0][0].character_ref is None and notes


def test_no_reference_is_trusted_when_the_suite_file_changed_or_is_not_recorded(
    tmp_path: Path,
) -> None:
    run, inside, _ = _world(tmp_path)
    (tmp_path / "suite" / "suite.yaml").write_text("suite: edited\n", encoding="utf-8")
    kept, notes = trusted_references(run, _items(str(inside)))
    assert kept[0][0].character_ref is None and "changed" in notes[0]
    run.write_manifest({"name": "no suite recorded"})
    kept, notes = trusted_references(run, _items(str(inside)))
    assert kept[0][0].character_ref is None and notes
    assert trusted_references(run, _items(None)) == (_items(None), [])
