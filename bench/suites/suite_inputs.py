"""Suite input images: each must be an image big enough for every provider, and few enough."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from PIL import Image

from vidbench.core.config.yamlfile import PathKey, line_for
from vidbench.core.seam.errors import Problem
from vidbench.core.suites.inputs import resolve_inside


class ImageInputs(Protocol):
    """What this check reads of a prompt's `inputs` (suite.PromptInputs)."""

    reference_images: list[str]

    def paths(self) -> list[tuple[str, str]]:
        """(field, path) for every file named."""
        ...


MIN_INPUT_SIDE_PX = 300  # Kling and Ark refuse smaller input images
MAX_REFERENCE_IMAGES = 9  # the most any provider accepts (Seedance 2.0)
IMAGE_INPUT_FIELDS = ("first_frame", "last_frame", "reference_images")


def _problem(file: str, index: int, field: str, message: str, line: int | None) -> Problem:
    return Problem(file, f"prompts[{index}].{field}", message, line)


def _image_size_px(path: Path) -> tuple[int, int] | None:
    """Width and height from the image header, or None when the file is not an image."""
    try:
        with Image.open(path) as image:
            return image.size
    except (OSError, Image.DecompressionBombError):
        return None


def check_input_images(
    inputs: ImageInputs, index: int, path: Path, lines: dict[PathKey, int], root: Path
) -> list[Problem]:
    """Input images (already confined and decoded) must be big enough for every provider."""
    problems: list[Problem] = []
    file = str(path)
    if len(inputs.reference_images) > MAX_REFERENCE_IMAGES:
        problems.append(
            _problem(
                file,
                index,
                "inputs.reference_images",
                f"{len(inputs.reference_images)} reference images; "
                f"providers accept at most {MAX_REFERENCE_IMAGES}",
                line_for(lines, ("prompts", index, "inputs", "reference_images")),
            )
        )
    for field_name, rel in inputs.paths():
        target, _ = resolve_inside(root, path.parent, rel)
        if not field_name.startswith(IMAGE_INPUT_FIELDS) or target is None or not target.is_file():
            continue
        size = _image_size_px(target)
        line = line_for(lines, ("prompts", index, "inputs", field_name.split("[")[0]))
        if size is not None and min(size) < MIN_INPUT_SIDE_PX:
            problems.append(
                _problem(
                    file,
                    index,
                    f"inputs.{field_name}",
                    f"{rel} is {size[0]}x{size[1]} px; input images need at least "
                    f"{MIN_INPUT_SIDE_PX} px per side",
                    line,
                )
            )
    return problems
