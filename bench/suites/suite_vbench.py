"""VBench's prompt files as suites (the `--format vbench` side of `vidbench suites import`).

VBench ships its prompts two ways (github.com/Vchitect/VBench): `prompts/prompts_per_dimension/
<dimension>.txt`, one prompt per line, and `VBench_full_info.json`, a list of
`{"prompt_en": str, "dimension": [str, ...], "auxiliary_info": {dimension: {...}}}`.
VBench-2.0's `VBench2_full_text_info.json` is a dict keyed by prompt (a file-name-length
prefix) → `{"caption": full prompt, "dimension": [str, ...]}`. All map onto our categories
through VBENCH_CATEGORIES; a dimension not in the table becomes a category of its own name,
added to the suite's category list.

Each line's language is told from its script (`bench.lang`): VBench's `all_dimension_cn.txt`
imports as `lang: zh`. A translation and its line-aligned English original
(`all_dimension.txt`) pair into `text` + `scoring_text` (`import_vbench(src, pair=...)`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from vidbench.core.common.lang import detect_language
from vidbench.core.seam.errors import Problem, ValidationFailed
from vidbench.core.suites.suite import DEFAULT_CATEGORIES, Prompt, Settings, Suite

# VBench dimension → our category. Dimensions judged on the same thing share a category;
# the compositional ones (object_class, multiple_objects, color, spatial_relationship) have
# no counterpart in our list and keep their own names on purpose.
VBENCH_CATEGORIES: dict[str, str] = {
    # VBench 1.0
    "subject_consistency": "character_consistency",
    "background_consistency": "scene",
    "scene": "scene",
    "temporal_flickering": "scene",  # its prompts are near-static scenes
    "imaging_quality": "scene",
    "motion_smoothness": "motion",
    "dynamic_degree": "motion",
    "human_action": "motion",
    "temporal_style": "camera",  # camera moves (pan, zoom, …) applied to styled scenes
    "camera_motion": "camera",
    "aesthetic_quality": "style",
    "appearance_style": "style",
    "overall_consistency": "style",
    "object_class": "object_class",
    "multiple_objects": "multiple_objects",
    "color": "color",
    "spatial_relationship": "spatial_relationship",
    # VBench-2.0 dimensions that match one of ours
    "human_identity": "character_consistency",
    "complex_plot": "multi_shot",
    "complex_landscape": "scene",
}
# Aggregate files in VBench's prompt folders that repeat every other file's prompts.
AGGREGATE_FILES = frozenset(
    {"all_dimension.txt", "all_dimension_cn.txt", "all_category.txt", "all_i2v.txt"}
)
TRANSLATION_SUFFIXES = ("_cn", "_zh", "_ch", "_chinese")  # all_dimension_cn.txt → all_dimension


def normalise_dimension(name: str) -> str:
    """'Human_Identity' / 'multi-view consistency' → 'human_identity' / 'multi_view_consistency'."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def category_for(dimension: str) -> str:
    """Our category for a VBench dimension (its own normalised name when unmapped)."""
    key = normalise_dimension(dimension)
    return VBENCH_CATEGORIES.get(key, key)


def categories_for(used: list[str]) -> list[str]:
    """The default categories plus any new ones, in first-use order."""
    extra = [c for c in dict.fromkeys(used) if c not in DEFAULT_CATEGORIES]
    return list(DEFAULT_CATEGORIES) + extra


def _aux_tags(aux: Any, prefix: str = "") -> list[str]:
    """Flatten VBench auxiliary_info leaves into `key=value` tags (e.g. `color=red`)."""
    if isinstance(aux, dict):
        out: list[str] = []
        for key, value in aux.items():
            # VBench nests a dimension's info under its own name ({"color": {"color": "red"}}).
            name = key if not prefix or key == prefix else f"{prefix}.{key}"
            out.extend(_aux_tags(value, name))
        return out
    if isinstance(aux, str | int | float) and prefix:
        return [f"{prefix}={aux}"]
    return []


def _dimension_of(path: Path) -> str:
    """The dimension a prompt file is for; a translation's suffix is dropped, so a
    translated file's ids and categories equal its original's."""
    dimension = normalise_dimension(path.stem)
    for suffix in TRANSLATION_SUFFIXES:
        if dimension.endswith(suffix) and len(dimension) > len(suffix):
            return dimension[: -len(suffix)]
    return dimension


def _prompt_lines(path: Path) -> dict[int, str]:
    """Line number → stripped prompt, for the non-empty lines of a prompt file."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise ValidationFailed([Problem(str(path), "(file)", "file not found")]) from None
    return {number: line.strip() for number, line in enumerate(lines, start=1) if line.strip()}


def _read_vbench_txt(path: Path, pair: Path | None = None) -> list[Prompt]:
    dimension = _dimension_of(path)
    lines = _prompt_lines(path)
    originals = _paired_originals(path, lines, pair) if pair is not None else {}
    # The line number keeps ids stable when prompts are appended to the file.
    return [
        Prompt(
            id=f"{dimension[:56]}-{number:04d}",
            category=category_for(dimension),
            lang=detect_language(text),
            text=text,
            scoring_text=originals.get(number),
            tags=[f"vbench:{dimension}"],
        )
        for number, text in lines.items()
    ]


def _paired_originals(src: Path, lines: dict[int, str], pair: Path) -> dict[int, str]:
    """Line number → the English original of each translated line (line-aligned files)."""
    originals = _prompt_lines(pair)
    problems: list[Problem] = []
    if set(originals) != set(lines):
        only_src = sorted(set(lines) - set(originals))[:5]
        only_pair = sorted(set(originals) - set(lines))[:5]
        problems.append(
            Problem(
                str(pair),
                "(file)",
                f"not line-aligned with {src.name}: {len(lines)} prompt lines there, "
                f"{len(originals)} here (lines only there: {only_src}; only here: {only_pair})",
            )
        )
    for number, text in originals.items():
        language = detect_language(text)
        if language != "en":
            problems.append(
                Problem(
                    str(pair),
                    f"line {number}",
                    f"expected the English original, found {language} text",
                    number,
                )
            )
    if not problems and all(detect_language(text) == "en" for text in lines.values()):
        problems.append(
            Problem(
                str(src),
                "(file)",
                "already English: --pair pairs a translation with its English original",
            )
        )
    if problems:
        raise ValidationFailed(problems[:20])
    return {n: originals[n] for n in lines if detect_language(lines[n]) != "en"}


def _read_vbench_json(path: Path) -> list[Prompt]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            [Problem(str(path), "(file)", f"invalid JSON: {exc.msg}", exc.lineno)]
        ) from None
    if isinstance(entries, dict):
        return _read_vbench2_json(path, entries)
    if not isinstance(entries, list):
        raise ValidationFailed(
            [
                Problem(
                    str(path),
                    "(top level)",
                    "expected a list of prompt entries (VBench) or a dict keyed by prompt (VBench-2.0)",
                )
            ]
        )
    problems: list[Problem] = []
    prompts: list[Prompt] = []
    for index, entry in enumerate(entries):
        text = entry.get("prompt_en") if isinstance(entry, dict) else None
        if not isinstance(text, str) or not text.strip():
            problems.append(
                Problem(str(path), f"[{index}].prompt_en", "expected a non-empty string")
            )
            continue
        dimensions = entry.get("dimension") or []
        if isinstance(dimensions, str):
            dimensions = [dimensions]
        dimensions = [normalise_dimension(str(d)) for d in dimensions]
        tags = [f"vbench:{d}" for d in dimensions] + _aux_tags(entry.get("auxiliary_info") or {})
        prompts.append(
            Prompt(
                id=f"vbench-{index + 1:04d}",
                category=category_for(dimensions[0]) if dimensions else "scene",
                lang=detect_language(text),
                text=text.strip(),
                tags=list(dict.fromkeys(tags)),
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return prompts


def _vbench2_entry(key: str, value: Any) -> tuple[str, list[str]] | str:
    """(full prompt, dimensions) of one VBench-2.0 entry, or what is wrong with it.

    The key is the prompt cut to a file-name length; `caption` holds it whole.
    """
    caption: Any = key
    dimensions: Any = value
    if isinstance(value, dict):
        caption, dimensions = value.get("caption") or key, value.get("dimension") or []
    if isinstance(dimensions, str):
        dimensions = [dimensions]
    if not isinstance(caption, str) or not caption.strip():
        return "expected a non-empty prompt (key or caption)"
    if not isinstance(dimensions, list) or not all(isinstance(d, str) for d in dimensions):
        return "expected dimension: a list of dimension names"
    return caption.strip(), [normalise_dimension(d) for d in dimensions]


def _read_vbench2_json(path: Path, entries: dict[str, Any]) -> list[Prompt]:
    """VBench-2.0's `VBench2_full_text_info.json`: every dimension a tag, and the category the
    first dimension that maps to one of ours (else the first dimension's own name)."""
    problems: list[Problem] = []
    prompts: list[Prompt] = []
    for index, (key, value) in enumerate(entries.items()):
        entry = _vbench2_entry(key, value)
        if isinstance(entry, str):
            problems.append(
                Problem(str(path), f"[{json.dumps(key[:60], ensure_ascii=False)}]", entry)
            )
            continue
        text, dimensions = entry
        ours = [category_for(d) for d in dimensions if category_for(d) in DEFAULT_CATEGORIES]
        category = ours[0] if ours else category_for(dimensions[0]) if dimensions else "scene"
        prompts.append(
            Prompt(
                id=f"vbench2-{index + 1:04d}",
                category=category,
                lang=detect_language(text),
                text=text,
                tags=[f"vbench2:{d}" for d in dict.fromkeys(dimensions)],
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return prompts


def _vbench_suite_name(src: Path) -> str:
    stem = normalise_dimension(src.stem)
    return stem if stem.startswith("vbench") else f"vbench-{stem}"


def _read_vbench_folder(src: Path, pair: Path | None) -> list[Prompt]:
    """Every `<dimension>.txt` of a folder; with `pair`, each paired with the same-named file there."""
    files = sorted(p for p in src.glob("*.txt") if p.name not in AGGREGATE_FILES)
    if not files:
        raise ValidationFailed([Problem(str(src), "(folder)", "no <dimension>.txt prompt files")])
    if pair is not None and not pair.is_dir():
        raise ValidationFailed([Problem(str(pair), "(--pair)", "a folder pairs with a folder")])
    missing = [f.name for f in files if pair is not None and not (pair / f.name).is_file()]
    if missing:
        raise ValidationFailed(
            [Problem(str(pair), "(folder)", f"no original for {', '.join(missing)}")]
        )
    return [p for f in files for p in _read_vbench_txt(f, pair / f.name if pair else None)]


def import_vbench(
    src: Path, name: str | None = None, duration_s: int | None = None, pair: Path | None = None
) -> Suite:
    """A suite from a VBench `<dimension>.txt`, a folder of them, `VBench_full_info.json` or
    VBench-2.0's `VBench2_full_text_info.json`; `pair`: the English original of a translated
    `.txt` (or folder), line-aligned, which becomes each translated prompt's `scoring_text`."""
    src = Path(src)
    pair = Path(pair) if pair is not None else None
    if src.is_dir():
        prompts = _read_vbench_folder(src, pair)
    elif src.suffix.lower() == ".json":
        if pair is not None:
            raise ValidationFailed(
                [Problem(str(pair), "(--pair)", "pairing applies to line-aligned .txt files")]
            )
        prompts = _read_vbench_json(src)
    elif src.is_file():
        prompts = _read_vbench_txt(src, pair)
    else:
        raise ValidationFailed([Problem(str(src), "(file)", "file not found")])
    if not prompts:
        raise ValidationFailed([Problem(str(src), "(file)", "no prompts found")])
    return Suite(
        suite=name or _vbench_suite_name(src),
        version=1,
        description=f"Imported from VBench prompts ({src.name}).",
        categories=categories_for([p.category for p in prompts]),
        defaults=Settings(duration=duration_s),
        prompts=prompts,
    )
