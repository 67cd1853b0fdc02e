"""`vidbench suites checks SUITE --judge MODEL`: draft yes/no checks with a language model.

The drafts go to a copy of the suite (`--out`, default `<suite>.checks-draft.yaml`) with a
`checks:` block added to every prompt that has none, each marked as drafted, for a person to
review, edit and commit. Nothing is generated at scoring time.
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from vidbench.core.config.checks import CHECK_KINDS, DRAFT_MARKER, Check, JudgeSettings
from vidbench.core.scorers.judge_api import post_json
from vidbench.core.seam import http

MAX_DRAFTED = 6
DRAFT_PROMPT = (
    f"{DRAFT_MARKER} for a video generated from the prompt below. Write 3 to {MAX_DRAFTED} "
    "short questions whose answer is yes when the video follows the prompt: the things shown, "
    "their attributes (colours, clothes), counts, actions, camera moves, text in frame, the "
    "order of shots, sounds. Answer with only a JSON array of objects "
    '{"question": "...", "kind": one of ' + ", ".join(CHECK_KINDS) + ', "shot": null or the '
    "1-based shot the question is about}."
)
_ARRAY = re.compile(r"\[.*\]", re.DOTALL)


def draft_payload(model: str, text: str, shots: int | None) -> dict[str, Any]:
    """The chat-completions body asking for one prompt's checks."""
    cuts = f"\nThe prompt asks for {shots} shots." if shots else ""
    return {
        "model": model,
        "messages": [
            {"role": "system", "content": DRAFT_PROMPT},
            {"role": "user", "content": f"Prompt: {text}{cuts}"},
        ],
        "temperature": 0,
        "max_tokens": 600,
    }


def parse_draft(body: Any, shots: int | None) -> list[Check]:
    """The valid checks in a model's answer (invalid items are dropped, at most MAX_DRAFTED)."""
    try:
        content = body["choices"][0]["message"]["content"] or ""
    except (KeyError, IndexError, TypeError):
        return []
    match = _ARRAY.search(str(content))
    try:
        items = json.loads(match.group(0)) if match else []
    except ValueError:
        return []
    checks: list[Check] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            check = Check.model_validate(
                {k: item.get(k) for k in ("question", "kind", "shot") if item.get(k) is not None}
            )
        except ValidationError:
            continue
        if check.shot is None or (shots is not None and check.shot <= shots):
            checks.append(check)
    return checks[:MAX_DRAFTED]


def checks_block(checks: list[Check], model: str) -> list[str]:
    """YAML lines for one prompt's drafted checks (flow mappings, JSON-quoted questions)."""
    lines = [f"    # drafted by {model}: review, edit, then delete this line", "    checks:"]
    for check in checks:
        parts = [
            f"question: {json.dumps(check.question, ensure_ascii=False)}",
            f"kind: {check.kind}",
        ]
        if check.shot:
            parts.append(f"shot: {check.shot}")
        lines.append("      - {" + ", ".join(parts) + "}")
    return lines


def insert_checks(suite_text: str, drafted: dict[str, list[str]]) -> str:
    """The suite text with each drafted block after its prompt's last line."""
    lines = suite_text.splitlines()
    starts = [i for i, line in enumerate(lines) if re.match(r"\s*- id:\s*", line)]
    out = lines[: starts[0]] if starts else lines
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines)
        chunk = lines[start:end]
        prompt_id = chunk[0].split(":", 1)[1].strip().strip("\"'")
        keep = len(chunk)
        while keep > 1 and (
            not chunk[keep - 1].strip() or chunk[keep - 1].lstrip().startswith("#")
        ):
            keep -= 1
        out += chunk[:keep] + drafted.get(prompt_id, []) + chunk[keep:]
    return "\n".join(out) + "\n"


async def _draft_all(
    settings: JudgeSettings, api_key: str | None, prompts: list[Any]
) -> dict[str, list[Check]]:
    url = settings.endpoint + "/chat/completions"
    semaphore = asyncio.Semaphore(settings.max_concurrency)
    async with http.build_client() as client:

        async def one(prompt: Any) -> tuple[str, list[Check]]:
            async with semaphore:
                body = await post_json(
                    client,
                    url,
                    api_key,
                    draft_payload(settings.model, prompt.clip_text, prompt.shots),
                )
            return prompt.id, parse_draft(body, prompt.shots)

        return dict(await asyncio.gather(*(one(p) for p in prompts)))


def draft_suite(
    suite_path: Path, settings: JudgeSettings, api_key: str | None, out: Path
) -> dict[str, int]:
    """Draft checks for every prompt without any; write the reviewable copy; counts per prompt."""
    from vidbench.core.suites.suite import load_suite

    suite = load_suite(suite_path)
    todo = [p for p in suite.prompts if not p.checks]
    drafted = asyncio.run(_draft_all(settings, api_key, todo)) if todo else {}
    blocks = {
        pid: checks_block(checks, settings.model) for pid, checks in drafted.items() if checks
    }
    out.write_text(insert_checks(suite_path.read_text(encoding="utf-8"), blocks), encoding="utf-8")
    return {pid: len(checks) for pid, checks in drafted.items()}
