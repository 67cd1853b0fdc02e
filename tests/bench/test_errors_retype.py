"""`errors.retype`: the one function adapters' refine hooks use to sharpen an error's type."""

from __future__ import annotations

from vidbench.core.seam import errors


def _limited() -> errors.RateLimited:
    return errors.RateLimited(
        "slow down", retry_after_s=7.5, provider="p", status_code=429, code="Throttling",
        request_id="r-1", body='{"code": "Throttling"}',
    )  # fmt: skip


def test_the_new_type_keeps_status_code_request_id_and_body() -> None:
    original = errors.InvalidRequest(
        "blocked", provider="p", status_code=400, code="Sensitive", request_id="r-2", body="{}"
    )
    out = errors.retype(original, errors.ContentRejected)
    assert type(out) is errors.ContentRejected and out is not original
    assert (out.message, out.provider, out.status_code, out.code, out.request_id, out.body) == (
        "blocked", "p", 400, "Sensitive", "r-2", "{}",
    )  # fmt: skip
    assert str(out) == str(original)


def test_message_provider_and_request_id_may_be_replaced() -> None:
    out = errors.retype(_limited(), errors.BillingError, "no credit", provider="q", request_id="b")
    assert type(out) is errors.BillingError
    assert (out.message, out.provider, out.request_id) == ("no credit", "q", "b")
    assert out.status_code == 429 and out.code == "Throttling"


def test_a_rate_limit_keeps_its_wait_and_a_new_one_has_none() -> None:
    kept = errors.retype(_limited(), errors.RateLimited, "quota")
    assert isinstance(kept, errors.RateLimited) and kept.retry_after_s == 7.5
    fresh = errors.retype(errors.TransientError("busy", status_code=503), errors.RateLimited)
    assert isinstance(fresh, errors.RateLimited) and fresh.retry_after_s is None
    assert fresh.status_code == 503


def test_a_key_in_a_replacement_message_is_redacted() -> None:
    token = "Bearer sk-" + "a1b2c3d4" * 4
    out = errors.retype(errors.AuthError("no"), errors.AuthError, f"refused {token}")
    assert "a1b2c3d4" not in out.message and "a1b2c3d4" not in str(out)
