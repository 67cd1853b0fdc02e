"""Import prompt suites from VBench's prompt files and from CSV; write suites as YAML.

VBench ships its prompts two ways (github.com/Vchitect/VBench): `prompts/prompts_per_dimension/
<dimension>.txt`, one prompt per line, and `VBench_full_info.json`, a list of
`{"prompt_en": str, "dimension": [str, ...], "auxiliary_info": {dimension: {...}}}`. Both map
onto our categories through VBENCH_CATEGORIES; a dimension not in the table becomes a category
of its own name, added to the suite's category list.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bench.errors import Problem, ValidationFailed
from bench.suite import DEFAULT_CATEGORIES, Prompt, Settings, Suite
from bench.yamlfile import format_location

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
AGGREGATE_FILES = frozenset({"all_dimension.txt", "all_category.txt", "all_i2v.txt"})
CSV_REQUIRED = ("id", "text", "category")
CSV_OPTIONAL = ("lang", "scoring_text", "tags", "duration")


def normalise_dimension(name: str) -> str:
    """'Human_Identity' / 'multi-view consistency' → 'human_identity' / 'multi_view_consistency'."""
    return re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")


def category_for(dimension: str) -> str:
    """Our category for a VBench dimension (its own normalised name when unmapped)."""
    key = normalise_dimension(dimension)
    return VBENCH_CATEGORIES.get(key, key)


def _categories_for(used: list[str]) -> list[str]:
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


def _read_vbench_txt(path: Path) -> list[Prompt]:
    dimension = normalise_dimension(path.stem)
    prompts = []
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text:
            continue
        # The line number keeps ids stable when prompts are appended to the file.
        prompts.append(
            Prompt(
                id=f"{dimension[:56]}-{number:04d}",
                category=category_for(dimension),
                text=text,
                tags=[f"vbench:{dimension}"],
            )
        )
    return prompts


def _read_vbench_json(path: Path) -> list[Prompt]:
    try:
        entries = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            [Problem(str(path), "(file)", f"invalid JSON: {exc.msg}", exc.lineno)]
        ) from None
    if not isinstance(entries, list):
        raise ValidationFailed(
            [Problem(str(path), "(top level)", "expected a list of prompt entries")]
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
                text=text.strip(),
                tags=list(dict.fromkeys(tags)),
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return prompts


def _vbench_suite_name(src: Path) -> str:
    stem = normalise_dimension(src.stem)
    return stem if stem.startswith("vbench") else f"vbench-{stem}"


def import_vbench(src: Path, name: str | None = None, duration_s: int | None = None) -> Suite:
    """A suite from a VBench `<dimension>.txt`, a folder of them, or `VBench_full_info.json`."""
    src = Path(src)
    if src.is_dir():
        files = sorted(p for p in src.glob("*.txt") if p.name not in AGGREGATE_FILES)
        if not files:
            raise ValidationFailed(
                [Problem(str(src), "(folder)", "no <dimension>.txt prompt files")]
            )
        prompts = [p for f in files for p in _read_vbench_txt(f)]
    elif src.suffix.lower() == ".json":
        prompts = _read_vbench_json(src)
    elif src.is_file():
        prompts = _read_vbench_txt(src)
    else:
        raise ValidationFailed([Problem(str(src), "(file)", "file not found")])
    if not prompts:
        raise ValidationFailed([Problem(str(src), "(file)", "no prompts found")])
    return Suite(
        suite=name or _vbench_suite_name(src),
        version=1,
        description=f"Imported from VBench prompts ({src.name}).",
        categories=_categories_for([p.category for p in prompts]),
        defaults=Settings(duration=duration_s),
        prompts=prompts,
    )


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in re.split(r"[;|,]", value) if t.strip()]


def import_csv(src: Path, name: str | None = None) -> Suite:
    """A suite from a CSV with columns id, text, category (optional lang, scoring_text, tags, duration)."""
    src = Path(src)
    file = str(src)
    try:
        handle = src.open(encoding="utf-8-sig", newline="")  # utf-8-sig: spreadsheets add a BOM
    except FileNotFoundError:
        raise ValidationFailed([Problem(file, "(file)", "file not found")]) from None
    problems: list[Problem] = []
    prompts: list[Prompt] = []
    with handle:
        reader = csv.DictReader(handle)
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in CSV_REQUIRED if c not in columns]
        unknown = [c for c in columns if c not in CSV_REQUIRED + CSV_OPTIONAL]
        if missing or unknown:
            what = []
            if missing:
                what.append(f"missing column(s) {', '.join(missing)}")
            if unknown:
                what.append(f"unknown column(s) {', '.join(unknown)}")
            expected = ", ".join(CSV_REQUIRED + CSV_OPTIONAL)
            raise ValidationFailed(
                [Problem(file, "(header)", f"{'; '.join(what)}; expected {expected}", 1)]
            )
        seen: dict[str, int] = {}
        for raw in reader:
            line = reader.line_num  # last physical line of the record: quoted text may span lines
            row = {k.strip(): (v or "") for k, v in raw.items() if k is not None}
            fields: dict[str, Any] = {
                "id": row["id"].strip(),
                "category": row["category"].strip(),
                "text": row["text"],
            }
            if row.get("lang", "").strip():
                fields["lang"] = row["lang"].strip()
            if row.get("scoring_text", "").strip():
                fields["scoring_text"] = row["scoring_text"]
            if row.get("tags", "").strip():
                fields["tags"] = _split_tags(row["tags"])
            if row.get("duration", "").strip():
                fields["params"] = {"duration": row["duration"].strip()}
            try:
                prompt = Prompt.model_validate(fields)
            except ValidationError as exc:
                for err in exc.errors():
                    where = f"row {line}.{format_location(tuple(err['loc']))}"
                    problems.append(Problem(file, where, str(err["msg"]), line))
                continue
            if prompt.lang != "en" and not prompt.scoring_text:
                problems.append(
                    Problem(
                        file,
                        f"row {line}.scoring_text",
                        f"lang is {prompt.lang!r}: add an English scoring_text",
                        line,
                    )
                )
            if prompt.id in seen:
                problems.append(
                    Problem(
                        file,
                        f"row {line}.id",
                        f"duplicate id {prompt.id!r} (first on line {seen[prompt.id]})",
                        line,
                    )
                )
            seen.setdefault(prompt.id, line)
            prompts.append(prompt)
    if not prompts and not problems:
        problems.append(Problem(file, "(file)", "no prompt rows"))
    if problems:
        raise ValidationFailed(problems)
    return Suite(
        suite=name or normalise_dimension(src.stem) or "imported",
        version=1,
        description=f"Imported from {src.name}.",
        categories=_categories_for([p.category for p in prompts]),
        prompts=prompts,
    )


def import_suite(src: Path, fmt: str) -> Suite:
    """Import `src` as `fmt` ("vbench" or "csv"); the CLI's `suites import` calls this."""
    if fmt == "vbench":
        return import_vbench(Path(src))
    if fmt == "csv":
        return import_csv(Path(src))
    raise ValueError(f"unknown import format {fmt!r}; expected vbench or csv")


def suite_to_data(suite: Suite) -> dict[str, Any]:
    """The suite as plain data in file order, leaving out prompt fields at their defaults."""
    data: dict[str, Any] = {"suite": suite.suite, "version": suite.version}
    if suite.description:
        data["description"] = suite.description
    data["categories"] = list(suite.categories)
    defaults = suite.defaults.model_dump(exclude_none=True)
    if defaults:
        data["defaults"] = defaults
    data["prompts"] = [
        p.model_dump(exclude_defaults=True, exclude_none=True, mode="json") for p in suite.prompts
    ]
    return data


class _SuiteDumper(yaml.SafeDumper):
    """Safe YAML with multi-line prompts as literal blocks, so they read as written."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_SuiteDumper.add_representer(str, _represent_str)


def write_suite(suite: Suite, out: Path) -> None:
    """Write `suite` as YAML that load_suite reads back unchanged (Unicode and long lines kept)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    body = yaml.dump(
        suite_to_data(suite),
        Dumper=_SuiteDumper,
        allow_unicode=True,  # Chinese stays readable instead of \u escapes
        sort_keys=False,
        width=2**31 - 1,  # never fold: folding rewrites long prompts' whitespace
        default_flow_style=False,
    )
    header = ""
    if (out.parent / "suite.schema.json").is_file():
        header = "# yaml-language-server: $schema=./suite.schema.json\n"
    out.write_text(header + body, encoding="utf-8")
