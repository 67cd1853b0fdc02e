"""Prompt checks: the model, and the checks shipped with the core and smoke suites."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.core.config.checks import CHECK_KINDS
from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.suites.suite import load_suite

REPO = Path(__file__).resolve().parents[2]


def write_suite(tmp_path: Path, checks: str) -> Path:
    path = tmp_path / "suite.yaml"
    path.write_text(
        "suite: t\nprompts:\n  - id: p1\n    category: motion\n    text: a red ball rolls\n"
        f"    checks:\n{checks}",
        encoding="utf-8",
    )
    return path


def test_checks_load_with_kind_and_shot(tmp_path: Path) -> None:
    path = write_suite(
        tmp_path,
        "      - {question: 'Is there a ball?'}\n"
        "      - {question: 'Is the ball red?', kind: attribute, shot: 1}\n",
    )
    prompt = load_suite(path).prompts[0]
    assert [c.kind for c in prompt.checks] == ["entity", "attribute"]
    assert prompt.checks[1].shot == 1


@pytest.mark.parametrize(
    "bad",
    [
        "      - {question: 'Is there a ball?', kind: colour}\n",
        "      - {question: 'Is there a ball?', shot: 0}\n",
        "      - {question: 'Is there a ball?', answer: yes}\n",
    ],
)
def test_bad_checks_are_reported(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        load_suite(write_suite(tmp_path, bad))
    assert "checks" in str(info.value)


@pytest.mark.parametrize("name", ["core", "smoke"])
def test_every_shipped_prompt_has_three_to_eight_checks(name: str) -> None:
    suite = load_suite(REPO / "prompts" / f"{name}.yaml")
    for prompt in suite.prompts:
        assert 3 <= len(prompt.checks) <= 8, prompt.id
        questions = [c.question for c in prompt.checks]
        assert len(set(questions)) == len(questions), prompt.id
        for check in prompt.checks:
            assert check.kind in CHECK_KINDS
            assert check.question.rstrip('"').endswith("?"), (prompt.id, check.question)
            if check.shot is not None:
                assert prompt.shots is not None and check.shot <= prompt.shots, prompt.id
        if prompt.shots and prompt.shots > 1:
            assert any(c.shot for c in prompt.checks), prompt.id
