"""Input files a suite sends to providers: confined to one folder, checked to be what they
claim, and size-capped — so running someone else's suite (or resuming a copied run
directory) cannot upload a file of yours.

A path is resolved (symlinks included) before it is compared with the root, so neither
`../..`, an absolute path nor a symlinked asset can reach outside. The root is the suite's
folder, or the folder the user names with `--assets-root`; never a value read from a file
someone else wrote.
"""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path
from typing import Literal

from vidbench.core.config.yamlfile import MAX_YAML_BYTES

Kind = Literal["image", "video", "audio"]

# The most a provider accepts per file (Ark: images < 30 MB, audio ≤ 15 MB, whole request
# ≤ 64 MB with files inline as base64, so one video ≤ 45 MB; see docs/reliability.md).
MAX_BYTES: dict[Kind, int] = {"image": 30 * 1024**2, "video": 45 * 1024**2, "audio": 15 * 1024**2}
SUITE_SUFFIXES = (".yaml", ".yml", ".json")  # what a suite file is named (JSON is YAML too)


def kind_of(field: str) -> Kind:
    """The kind of file a suite field names ("inputs.reference_videos[0]" → "video")."""
    name = field.removeprefix("inputs.")
    if name.startswith("reference_videos"):
        return "video"
    if name.startswith("reference_audios"):
        return "audio"
    return "image"  # first_frame, last_frame, reference_images, character_ref


def resolve_inside(root: Path, base: Path, name: str) -> tuple[Path | None, str | None]:
    """(`name` resolved against `base`, None) when it lies inside `root`; else (None, why)."""
    target = (base / name).resolve()
    inside = root.resolve()
    if target != inside and inside not in target.parents:
        return None, (
            f"{name} resolves to {target}, outside {inside}; input files must lie inside the "
            "suite's folder (or the folder given with --assets-root)"
        )
    return target, None


def _decodes_as(path: Path, kind: Kind) -> bool:
    """Whether the file's header decodes as `kind` (PIL for images, PyAV for video/audio)."""
    if kind == "image":
        from PIL import Image

        try:
            with Image.open(path) as image:
                image.verify()
            return True
        except Exception:  # PIL raises many types for foreign bytes
            return False
    import av

    try:
        with av.open(str(path)) as container:
            streams = container.streams.video if kind == "video" else container.streams.audio
            return len(streams) > 0
    except Exception:  # PyAV raises many types for foreign bytes
        return False


def file_problem(path: Path, kind: Kind) -> str | None:
    """Why `path` cannot be sent as `kind`: missing, not a regular file, too large, or not
    decodable as that kind; None when it is fine."""
    if not path.is_file():
        return f"file not found: {path}"
    size = path.stat().st_size
    if size > MAX_BYTES[kind]:
        return f"{path.name} is {size / 1024**2:.1f} MB; {kind} inputs are capped at {MAX_BYTES[kind] // 1024**2} MB"
    if not _decodes_as(path, kind):
        return f"{path.name} is not a readable {kind} file"
    return None


def input_problem(root: Path, base: Path, name: str, field: str) -> str | None:
    """Every check for one suite input: confinement first, then the file itself."""
    target, why = resolve_inside(root, base, name)
    if target is None:
        return why
    if not target.is_file():
        return f"file not found: {name} (paths are relative to the suite file)"
    return file_problem(target, kind_of(field))


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file (streamed)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_recorded_suite(path: Path, sha256: str) -> bool:
    """Whether `path` (named by a run's manifest: input from strangers) is a suite file with the
    hash the manifest recorded: named with a suite's suffix, a regular file of at most a
    suite's size. Only then is its folder a root for the inputs a run's records name: a file
    whose contents anyone knows (a default ~/.bashrc, a licence text) matches a hash written
    by a stranger, and would make the folder it is in (a home folder) the root."""
    try:
        info = path.stat()
    except OSError:
        return False
    return (
        stat.S_ISREG(info.st_mode)
        and path.suffix.lower() in SUITE_SUFFIXES
        and info.st_size <= MAX_YAML_BYTES
        and sha256_of(path) == sha256
    )


def resumed_input_problems(
    jobs: list[tuple[str, dict[str, object]]],
    suite_path: Path,
    suite_sha256: str,
    assets_root: Path | None,
) -> list[str]:
    """Problems with the input files of jobs a resume would send, read from records.

    A copied run directory is someone else's file: its `planned` records may name any path.
    So the root is the `--assets-root` the user gives, else the folder of the run's suite
    file — and only while that file still has the hash the manifest recorded (nobody can
    point the manifest at a folder of yours and match the hash of a file they cannot read).
    """
    if not jobs:
        return []
    trusted = assets_root is not None or is_recorded_suite(suite_path, suite_sha256)
    if not trusted:
        return [
            f"the run's suite file {suite_path} is missing or changed since the run was "
            "planned, so the input files its records name cannot be trusted; pass "
            "--assets-root DIR to name the folder they may come from"
        ]
    root = (assets_root or suite_path.parent).resolve()
    problems: list[str] = []
    for job_id, inputs in jobs:
        for field, value in inputs.items():
            names = value if isinstance(value, list) else [value]
            for name in (n for n in names if isinstance(n, str) and n):
                why = input_problem(root, root, name, field)
                if why is not None:
                    problems.append(f"{job_id}: inputs.{field}: {why}")
    return problems
