"""Keys go only where their provider lives unless the user agrees: models and the judge."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from vidbench.core.config import keyhosts
from vidbench.core.config.checks import JudgeSettings
from vidbench.core.scorers.base import ScorerUnavailable
from vidbench.core.scorers.judge_setup import api_key_from_env
from vidbench.core.seam.secrets import redact

JUDGE_KEY = "judge-key-5f4e3d2c1b0a99887766"  # test-only


def _judge(**fields: object) -> JudgeSettings:
    return JudgeSettings.model_validate({"model": "vision-1", **fields})


def test_a_judge_key_must_come_from_a_key_variable() -> None:
    with pytest.raises(ValidationError, match="AWS_SESSION_TOKEN is not a key variable"):
        _judge(api_key_env="AWS_SESSION_TOKEN")


@pytest.mark.parametrize(
    ("base_url", "env_var", "foreign"),
    [
        ("https://ark.cn-beijing.volces.com/api/v3", "ARK_API_KEY", False),
        (None, "OPENAI_API_KEY", False),  # OpenAI's own endpoint by default
        ("https://evil.example/v1", "ARK_API_KEY", True),
        ("http://127.0.0.1:8000/v1", "VLLM_API_KEY", True),
        (None, "ARK_API_KEY", True),  # the Ark key would go to OpenAI
    ],
)
def test_judge_key_host(base_url: str | None, env_var: str, foreign: bool) -> None:
    found = keyhosts.judge_key_host(_judge(base_url=base_url, api_key_env=env_var))
    assert (found is not None) is foreign
    assert (
        keyhosts.judge_key_host(_judge(base_url=base_url, api_key_env=env_var, simulate=True))
        is None
    )


def test_judge_key_to_a_foreign_host_needs_agreement(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVIL_TEST_API_KEY", JUDGE_KEY)
    judge = _judge(base_url="https://evil.example/v1", api_key_env="EVIL_TEST_API_KEY")
    with pytest.raises(ScorerUnavailable, match="evil.example"):
        api_key_from_env(judge)
    found = keyhosts.judge_key_host(judge)
    assert found is not None
    keyhosts.confirm([found])
    assert api_key_from_env(judge) == JUDGE_KEY
    assert JUDGE_KEY not in redact(f"echo {JUDGE_KEY}")  # registered for redaction
