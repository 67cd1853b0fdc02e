"""Load a user's YAML file keeping line numbers, and turn pydantic errors into Problems."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bench.errors import Problem, ValidationFailed

PathKey = tuple[str | int, ...]


def _line_map(node: yaml.Node, path: PathKey, out: dict[PathKey, int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[path + (key,)] = key_node.start_mark.line + 1
            _line_map(value_node, path + (key,), out)
            out[path + (key,)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), out)


def load_yaml(path: Path) -> tuple[Any, dict[PathKey, int]]:
    """Parse a YAML file; return the data and a map from field path to line number."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ValidationFailed([Problem(str(path), "(file)", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ValidationFailed([Problem(str(path), "(file)", f"not UTF-8 text: {exc}")]) from None
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ValidationFailed(
            [Problem(str(path), "(syntax)", f"invalid YAML: {getattr(exc, 'problem', exc)}", line)]
        ) from None
    lines: dict[PathKey, int] = {}
    if node is not None:
        _line_map(node, (), lines)
    return data, lines


def format_location(loc: PathKey) -> str:
    """('models', 1, 'adapter') → 'models[1].adapter'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def line_for(lines: dict[PathKey, int], loc: PathKey) -> int | None:
    """The line of the deepest known prefix of `loc`."""
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            return lines[loc[:cut]]
    return None


def _expected(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        return "unknown key (typo?) — remove it or check the spelling"
    if kind == "missing":
        return "required field is missing"
    return msg


def problems_from_validation(
    exc: ValidationError, file: str, lines: dict[PathKey, int], prefix: PathKey = ()
) -> list[Problem]:
    """Every pydantic error as a Problem naming file, line, field and expectation."""
    problems = []
    for err in exc.errors():
        loc = prefix + tuple(
            p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
        )
        problems.append(
            Problem(file, format_location(loc), _expected(dict(err)), line_for(lines, loc))
        )
    return problems


def parse_model(model: type[BaseModel], data: Any, file: str, lines: dict[PathKey, int]) -> Any:
    """Validate `data` against `model`, raising ValidationFailed with every problem."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            [Problem(file, "(top level)", "expected a mapping of keys to values")]
        )
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ValidationFailed(problems_from_validation(exc, file, lines)) from None
