"""A config may not name a well-known cloud/CI credential as a provider's key variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidbench.core.config.config import load_config
from vidbench.core.seam.errors import ValidationFailed
from vidbench.core.seam.secrets import key_refusal, may_hold_key


def write(tmp_path: Path, api_key_env: str) -> Path:
    (tmp_path / "suite.yaml").write_text(
        "suite: t\nprompts:\n  - {id: p1, category: motion, text: a red ball rolls}\n",
        encoding="utf-8",
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "name: t\nsuite: suite.yaml\nmodels:\n"
        f"  - {{id: s, adapter: ark, model: doubao-seedance-2-0-260128, api_key_env: {api_key_env}}}\n",
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("name", ["AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "AZURE_API_KEY"])
def test_validate_refuses_cloud_and_ci_credentials(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        load_config(write(tmp_path, name))
    assert name in str(info.value)


def test_the_reason_names_the_credential() -> None:
    reason = key_refusal("AWS_SECRET_ACCESS_KEY")
    assert (
        reason == "AWS_SECRET_ACCESS_KEY is a cloud/CI credential, never sent to a video provider"
    )


@pytest.mark.parametrize("name", ["ARK_API_KEY", "MY_GATEWAY_API_KEY"])
def test_the_adapters_own_key_and_key_shaped_names_pass(tmp_path: Path, name: str) -> None:
    assert load_config(write(tmp_path, name)).config.models


@pytest.mark.parametrize(
    "name",
    ["AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY", "GOOGLE_API_KEY", "GH_API_KEY", "CI_API_KEY",
     "ACTIONS_API_KEY", "PYPI_API_KEY", "DOCKER_API_KEY", "HEROKU_API_KEY",
     "DIGITALOCEAN_ACCESS_KEY", "SSH_SECRET_KEY", "GITLAB_API_KEY", "NPM_TOKEN", "GITHUB_TOKEN"],
)  # fmt: skip
def test_credential_names_are_refused_unless_declared(name: str) -> None:
    assert may_hold_key(name) is False
    assert may_hold_key(name, ("GOOGLE_APPLICATION_CREDENTIALS",)) is False
    assert may_hold_key(name, (name,)) is True
