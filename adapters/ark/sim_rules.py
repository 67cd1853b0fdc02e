"""Seedance-on-Ark request rules for the simulator: content array, text commands, fields.

Restates Volcengine's create-task page (https://www.volcengine.com/docs/82379/1520757) as
code. Body fields are strongly validated (a bad value is a 400); legacy text commands
(`--rs 720p --dur 5`) are weakly validated (junk is ignored).
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from dataclasses import dataclass, field
from typing import Any

from vidbench.adapters.ark.sim_models import RATIOS, TOP_LEVEL_FIELDS, ArkModel
from vidbench.core.sim.common import SimError

TASK_TYPES = ("auto", "edit", "extend")


def check_task_type(body: dict[str, Any], content: ParsedContent) -> None:
    """Seedance 2.5 `omni_reference_task_type`: edit needs adaptive ratio and duration -1,
    edit and extend need a reference video (400 `InvalidParameter.TaskTypeConstraint`)."""
    task_type = body.get("omni_reference_task_type")
    if task_type is None:
        return
    if task_type not in TASK_TYPES:
        raise bad(f"omni_reference_task_type must be one of {', '.join(TASK_TYPES)}",
                  "omni_reference_task_type")  # fmt: skip
    constraint = "InvalidParameter.TaskTypeConstraint"
    if task_type in ("edit", "extend") and not content.reference_videos:
        raise bad(f"task type {task_type} needs a reference video", "content", constraint)
    if task_type == "edit" and (body.get("ratio") != "adaptive" or body.get("duration") != -1):
        raise bad("task type edit needs ratio adaptive and duration -1", "omni_reference_task_type",
                  constraint)  # fmt: skip


def bad(message: str, param: str = "", code: str = "InvalidParameter") -> SimError:
    """A 400 BadRequest."""
    return SimError(400, code, message, param=param, type="BadRequest")


@dataclass
class ParsedContent:
    """The content array, checked and sorted by kind."""

    text: str = ""
    first_frame: str | None = None
    last_frame: str | None = None
    reference_images: list[str] = field(default_factory=list)
    reference_videos: list[str] = field(default_factory=list)
    reference_audios: list[str] = field(default_factory=list)
    image_sizes: dict[str, tuple[int, int]] = field(default_factory=dict)  # data URL → size
    draft_task_id: str | None = None

    @property
    def lead_image_size(self) -> tuple[int, int] | None:
        """Size of the first frame (or first reference image) when it was sent inline."""
        lead = self.first_frame or (self.reference_images[0] if self.reference_images else None)
        return self.image_sizes.get(lead) if lead else None


def _url_of(item: dict[str, Any], kind: str, index: int) -> str:
    holder = item.get(kind)
    url = holder.get("url") if isinstance(holder, dict) else None
    if not isinstance(url, str) or not url:
        raise bad(f"{kind}.url is required", f"content[{index}].{kind}", "MissingParameter")
    if not url.startswith(("http://", "https://", "data:", "asset://")):
        raise bad(f"invalid url in {kind}", f"content[{index}].{kind}")
    if url.startswith("data:") and kind == "video_url":
        raise bad("video_url does not accept base64 data", f"content[{index}].{kind}")
    return url


def _image_size(url: str, index: int) -> tuple[int, int] | None:
    """Size of a base64 data-URL image; None for remote URLs (not fetched offline)."""
    match = re.fullmatch(r"data:image/([a-z0-9.+-]+);base64,(.*)", url, flags=re.S)
    if not url.startswith("data:"):
        return None
    if match is None:
        raise bad(
            "image data url must be data:image/<format>;base64,...", f"content[{index}].image_url"
        )
    try:
        from PIL import Image

        with Image.open(io.BytesIO(base64.b64decode(match.group(2), validate=True))) as image:
            width, height = image.size
    except (binascii.Error, OSError, ValueError) as exc:
        raise bad(
            f"image cannot be decoded: {type(exc).__name__}", f"content[{index}].image_url"
        ) from None
    return width, height


def parse_content(items: Any, model: ArkModel, min_image_side_px: int) -> ParsedContent:
    """Check the content array against the scenario rules of the create page."""
    if not isinstance(items, list) or not items:
        raise bad("content must be a non-empty array", "content", "MissingParameter")
    parsed = ParsedContent()
    images: list[tuple[int, str | None, str]] = []
    for index, item in enumerate(items):
        kind = item.get("type") if isinstance(item, dict) else None
        if kind == "text":
            if not isinstance(item.get("text"), str) or parsed.text:
                raise bad(
                    "exactly one text item with a string is allowed", f"content[{index}].text"
                )
            parsed.text = item["text"]
        elif kind == "image_url":
            role = item.get("role")
            if role not in (None, "first_frame", "last_frame", "reference_image"):
                raise bad(f"invalid role {role!r} for image", f"content[{index}].role")
            url = _url_of(item, "image_url", index)
            size = _image_size(url, index)
            if size is not None:
                if min(size) < min_image_side_px or max(size) > 6000:
                    raise bad("image sides must be 300-6000 px", f"content[{index}].image_url")
                if not 0.4 <= size[0] / size[1] <= 2.5:
                    raise bad(
                        "image aspect ratio must be within 0.4-2.5", f"content[{index}].image_url"
                    )
                parsed.image_sizes[url] = size
            images.append((index, role, url))
        elif kind in ("video_url", "audio_url"):
            expected = "reference_video" if kind == "video_url" else "reference_audio"
            if item.get("role") != expected:
                raise bad(f"role of {kind} must be {expected}", f"content[{index}].role")
            url = _url_of(item, kind, index)
            target = parsed.reference_videos if kind == "video_url" else parsed.reference_audios
            target.append(url)
        elif kind == "draft_task":
            draft = item.get("draft_task")
            if not model.draft or not isinstance(draft, dict) or not draft.get("id"):
                raise bad("draft_task is not supported by this model", f"content[{index}]")
            parsed.draft_task_id = str(draft["id"])
        else:
            raise bad(f"unknown content type {kind!r}", f"content[{index}].type")
    _assign_roles(parsed, images, model)
    if not parsed.text and not images and not parsed.reference_videos and not parsed.draft_task_id:
        raise bad("content needs a text prompt or an image", "content", "MissingParameter")
    return parsed


def _assign_roles(
    parsed: ParsedContent, images: list[tuple[int, str | None, str]], model: ArkModel
) -> None:
    if images and not model.images:
        raise bad("this model takes text only", f"content[{images[0][0]}]")
    if len(images) > 1 and any(role is None for _, role, _ in images):
        raise bad("role must be specified for image contents", "content")
    for index, role, url in images:
        if role in (None, "first_frame"):
            if parsed.first_frame is not None:
                raise bad("only one first_frame image is allowed", f"content[{index}].role")
            parsed.first_frame = url
        elif role == "last_frame":
            if parsed.last_frame is not None or not model.last_frame:
                raise bad("last_frame is not allowed here", f"content[{index}].role")
            parsed.last_frame = url
        else:
            parsed.reference_images.append(url)
    frames = parsed.first_frame is not None or parsed.last_frame is not None
    references = parsed.reference_images or parsed.reference_videos or parsed.reference_audios
    if frames and references:
        raise bad("first/last frame images cannot be mixed with reference contents", "content")
    if parsed.last_frame is not None and parsed.first_frame is None:
        raise bad("last_frame requires a first_frame image", "content")
    if parsed.reference_images and model.max_reference_images == 0:
        raise bad("reference images are not supported by this model", "content")
    if len(parsed.reference_images) > model.max_reference_images:
        raise bad(f"at most {model.max_reference_images} reference images are allowed", "content")
    if (parsed.reference_videos or parsed.reference_audios) and model.max_reference_videos == 0:
        raise bad("reference videos and audios are not supported by this model", "content")
    if len(parsed.reference_videos) > model.max_reference_videos:
        raise bad(f"at most {model.max_reference_videos} reference videos are allowed", "content")
    if len(parsed.reference_audios) > model.max_reference_audios:
        raise bad(f"at most {model.max_reference_audios} reference audios are allowed", "content")
    needs_visual = parsed.reference_audios and not model.audio_alone
    if needs_visual and not parsed.reference_images and not parsed.reference_videos:
        raise bad("reference audio needs at least one reference image or video", "content")


def _int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise bad(f"{name} must be an integer", name)
    return value


def _bool(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise bad(f"{name} must be a boolean", name)
    return value


_COMMAND = re.compile(
    r"--(rs|resolution|rt|ratio|dur|duration|seed|cf|camerafixed|wm|watermark|frames|fps)\s+(\S+)"
)
_COMMAND_FIELDS = {"rs": "resolution", "rt": "ratio", "dur": "duration", "cf": "camera_fixed",
                   "camerafixed": "camera_fixed", "wm": "watermark"}  # fmt: skip


def text_commands(text: str) -> tuple[str, dict[str, Any]]:
    """Split legacy `--rs 720p` style commands off the prompt; values are not validated yet."""
    found: dict[str, Any] = {}
    for key, value in _COMMAND.findall(text):
        found[_COMMAND_FIELDS.get(key, key)] = value
    return _COMMAND.sub("", text).strip(), found


def apply_text_commands(body: dict[str, Any], commands: dict[str, Any], model: ArkModel) -> None:
    """Weak validation: a valid command fills an absent body field; anything else is ignored."""
    for name, raw in commands.items():
        if name in body or name in model.unsupported or name == "fps":
            continue
        value: Any = raw
        if name in ("duration", "seed", "frames"):
            value = int(raw) if re.fullmatch(r"-?\d+", raw) else None
        elif name in ("camera_fixed", "watermark"):
            value = {"true": True, "false": False}.get(raw.lower())
        if value is None:
            continue
        try:
            check_fields({**body, name: value}, model, only=name)
        except SimError:
            continue
        body[name] = value


def check_fields(body: dict[str, Any], model: ArkModel, only: str | None = None) -> None:
    """Strong validation of the top-level control fields for this model."""
    names = [only] if only else sorted(set(body) - {"model", "content"})
    for name in names:
        if name not in TOP_LEVEL_FIELDS:
            raise bad(f"unknown parameter {name!r}", name)
        if body.get(name) is not None and name in model.unsupported:
            raise bad(f"{name} is not supported by this model and must be empty", name)
    resolution = body.get("resolution") if only in (None, "resolution") else None
    if resolution is not None and resolution not in model.resolutions:
        raise bad(f"resolution must be one of {', '.join(model.resolutions)}", "resolution")
    ratio = body.get("ratio") if only in (None, "ratio") else None
    if ratio is not None and ratio not in (*RATIOS, "adaptive"):
        raise bad("invalid ratio", "ratio")
    duration = _int(body, "duration") if only in (None, "duration") else None
    if duration is not None:
        in_range = model.min_duration_s <= duration <= model.max_duration_s
        if not in_range and not (duration == -1 and model.is_2x):
            raise bad(f"duration must be {model.min_duration_s}-{model.max_duration_s}", "duration")
    frames = _int(body, "frames") if only in (None, "frames") else None
    if frames is not None and not (29 <= frames <= 289 and (frames - 25) % 4 == 0):
        raise bad("frames must be 25+4n within [29, 289]", "frames")
    seed = _int(body, "seed") if only in (None, "seed") else None
    if seed is not None and not -1 <= seed <= 2**31 - 1:
        raise bad("seed must be within [-1, 2147483647]", "seed")
    if only in ("camera_fixed", "watermark"):
        _bool(body, only)
    if only is not None:
        return
    for name in ("generate_audio", "watermark", "camera_fixed", "return_last_frame", "draft"):
        _bool(body, name)
    expires = _int(body, "execution_expires_after")
    if expires is not None and not 3600 <= expires <= 259200:
        raise bad("execution_expires_after must be 3600-259200", "execution_expires_after")
    priority = _int(body, "priority")
    if priority is not None and not 0 <= priority <= 9:
        raise bad("priority must be 0-9", "priority")
    tier = body.get("service_tier")
    if tier is not None and (tier not in ("default", "flex") or (tier == "flex" and model.is_2x)):
        raise bad(
            "service_tier must be default (flex is not supported for this model)", "service_tier"
        )
    ident = body.get("safety_identifier")
    if ident is not None and (not isinstance(ident, str) or len(ident) > 64):
        raise bad(
            "safety_identifier must be a string of at most 64 characters", "safety_identifier"
        )
    tools = body.get("tools")
    if tools is not None and (
        not isinstance(tools, list) or any(t != {"type": "web_search"} for t in tools)
    ):
        raise bad("tools only supports web_search", "tools")
