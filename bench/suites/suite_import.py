"""Import prompt suites from VBench's prompt files (`bench.suite_vbench`) and from CSV; write
suites as YAML.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from vidbench.core.config.yamlfile import format_location
from vidbench.core.seam.errors import Problem, ValidationFailed
from vidbench.core.suites.suite import Prompt, Suite
from vidbench.core.suites.suite_vbench import (  # re-exported: the import API stays in this module
    VBENCH_CATEGORIES,
    categories_for,
    category_for,
    import_vbench,
    normalise_dimension,
)

__all__ = [
    "VBENCH_CATEGORIES",
    "category_for",
    "import_csv",
    "import_suite",
    "import_vbench",
    "normalise_dimension",
    "suite_to_data",
    "write_suite",
]

CSV_REQUIRED = ("id", "text", "category")
CSV_OPTIONAL = ("lang", "scoring_text", "tags", "duration")


def _split_tags(value: str) -> list[str]:
    return [t.strip() for t in re.split(r"[;|,]", value) if t.strip()]


def _check_header(reader: csv.DictReader[str], file: str) -> None:
    """The CSV's columns: the required ones present, no unknown one."""
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


def _row_fields(raw: dict[str | None, str | None]) -> dict[str, Any]:
    """One CSV row as Prompt fields."""
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
    return fields


def _row_problems(prompt: Prompt, seen: dict[str, int], file: str, line: int) -> list[Problem]:
    """Checks across rows: an English scoring_text for other languages, unique ids."""
    problems = []
    if prompt.lang != "en" and not prompt.scoring_text:
        message = f"lang is {prompt.lang!r}: add an English scoring_text"
        problems.append(Problem(file, f"row {line}.scoring_text", message, line))
    if prompt.id in seen:
        message = f"duplicate id {prompt.id!r} (first on line {seen[prompt.id]})"
        problems.append(Problem(file, f"row {line}.id", message, line))
    seen.setdefault(prompt.id, line)
    return problems


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
        _check_header(reader, file)
        seen: dict[str, int] = {}
        for raw in reader:
            line = reader.line_num  # last physical line of the record: quoted text may span lines
            try:
                prompt = Prompt.model_validate(_row_fields(raw))
            except ValidationError as exc:
                for err in exc.errors():
                    where = f"row {line}.{format_location(tuple(err['loc']))}"
                    problems.append(Problem(file, where, str(err["msg"]), line))
                continue
            problems += _row_problems(prompt, seen, file, line)
            prompts.append(prompt)
    if not prompts and not problems:
        problems.append(Problem(file, "(file)", "no prompt rows"))
    if problems:
        raise ValidationFailed(problems)
    return Suite(
        suite=name or normalise_dimension(src.stem) or "imported",
        version=1,
        description=f"Imported from {src.name}.",
        categories=categories_for([p.category for p in prompts]),
        prompts=prompts,
    )


def import_suite(src: Path, fmt: str, pair: Path | None = None) -> Suite:
    """Import `src` as `fmt` ("vbench" or "csv"); the CLI's `suites import` calls this."""
    if fmt == "vbench":
        return import_vbench(Path(src), pair=pair)
    if pair is not None:
        raise ValueError("--pair applies to --format vbench (CSV has a scoring_text column)")
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
