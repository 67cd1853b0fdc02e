"""The one redaction function and the seam that applies it (vidbench.core.seam.secrets, vidbench.core.seam.http)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from urllib.parse import quote, quote_plus

import httpx
import pytest

from vidbench.core.seam import errors, http
from vidbench.core.seam.adapter import AdapterContext
from vidbench.core.seam.secrets import Secret, may_hold_key, redact
from vidbench.core.store.journal import Journal

KEY = "ark-7f3b9c1d5e2a4f6b8c0d1e3f5a7b9c2d"  # test-only, registered by Secret below
Secret(KEY, "ARK_API_KEY")


def test_whole_key_is_masked() -> None:
    assert redact(f"invalid key {KEY}.") == "invalid key ***."


@pytest.mark.parametrize("encode", [lambda k: quote(k, safe=""), quote_plus])
def test_url_encoded_key_is_masked(encode) -> None:  # type: ignore[no-untyped-def]
    odd = "k/with+odd=chars&" + "x" * 20
    Secret(odd, "ODD_API_KEY")
    assert odd not in redact(odd)
    assert encode(odd) not in redact(f"url?key={encode(odd)}")


@pytest.mark.parametrize("part", [KEY[:12], KEY[5:17], KEY[-10:]])
def test_key_echoed_in_part_is_masked(part: str) -> None:
    text = f"the key {part}… was refused"
    assert part not in redact(text)
    assert redact(text).startswith("the key ***")


def test_ordinary_text_is_left_alone() -> None:
    text = "task cgt-2026 failed: InvalidParameter duration 12 at 1701234567.5"
    assert redact(text) == text


def test_bearer_tokens_and_jwts_are_masked_even_when_unregistered() -> None:
    jwt = "eyJhbGciOi.eyJpc3MiOiJhIn0.c2lnbmF0dXJl"
    out = redact(f"Authorization: Bearer abcdefgh123 and {jwt}")
    assert "abcdefgh123" not in out and jwt not in out and "Bearer ***" in out


def test_short_simulator_keys_are_masked_whole_only() -> None:
    Secret("sim-key", "(simulator)")
    assert redact("bad sim-key") == "bad ***"
    assert redact("sim-ke") == "sim-ke"


def test_values_too_short_to_be_keys_mask_nothing() -> None:
    """A test's "sk" must not turn every "task" into "ta***"."""
    Secret("sk", "(test)")
    assert redact("task failed", extra=("k",)) == "task failed"


def test_a_service_account_masks_its_private_key_not_its_urls() -> None:
    """A Vertex service-account document is a Secret; its token_uri on a simulator is the
    server's own address, which every answer's video URL shares (masking it broke fal's
    results in the demo). Only the private key and its id are secret."""
    body = ["MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" + "q" * 12, "Zm9vYmFyYmF6" * 5]
    pem = "-----BEGIN PRIVATE KEY-----\n" + "\n".join(body) + "\n-----END PRIVATE KEY-----\n"
    document = {
        "type": "service_account", "private_key_id": "5a1c0ffee2d4b6a8c0e2f4a6b8d0c2e4f6a8b0c2",
        "private_key": pem, "client_email": "vidbench-sim@sim.iam.gserviceaccount.com",
        "token_uri": "http://127.0.0.1:48123/vertex/token",
    }  # fmt: skip
    Secret(json.dumps(document), "GOOGLE_APPLICATION_CREDENTIALS")
    url = "http://127.0.0.1:48123/files/abc.mp4 from vidbench-sim@sim.iam.gserviceaccount.com"
    assert redact(url) == url
    assert redact("BEGIN PRIVATE KEY") == "BEGIN PRIVATE KEY"
    for leaked in (body[0][3:20], body[1], document["private_key_id"][4:16]):
        assert leaked[:10] not in redact(f"echo: {leaked}"), leaked
    escaped = redact(json.dumps(document))  # the document echoed whole, newlines escaped
    assert all(line[:10] not in escaped for line in body) and "BEGIN PRIVATE KEY" in escaped
    assert body[0][-5:] + "\\n" + body[1][:5] not in escaped  # a run across a line break


def test_provider_error_redacts_message_body_code_and_request_id() -> None:
    exc = errors.InvalidRequest(
        f"echo {KEY}", provider="ark", code=KEY, request_id=KEY[:14], body=f'{{"k": "{KEY}"}}'
    )
    visible = f"{exc} {exc!r} {exc.message} {exc.body} {exc.code} {exc.request_id}"
    assert KEY not in visible and KEY[:14] not in visible


def _echo_transport(status: int) -> httpx.MockTransport:
    def echo(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        body = {"error": {"code": "Echo", "message": f"header was {auth}; key {auth[7:]}"}}
        return httpx.Response(status, json=body, headers={"x-request-id": auth[7:27]})

    return httpx.MockTransport(echo)


@pytest.mark.parametrize("status", [400, 401, 404, 429, 500])
def test_send_redacts_unregistered_request_credentials(status: int) -> None:
    """A credential the registry never saw is still removed: the request carried it."""
    fresh = "unregistered-credential-0123456789"

    async def go() -> errors.ProviderError:
        async with httpx.AsyncClient(transport=_echo_transport(status)) as client:
            request = client.build_request(
                "GET", "http://p.test/x", headers={"Authorization": f"Bearer {fresh}"}
            )
            with pytest.raises(errors.ProviderError) as info:
                await http.send(client, request, provider="p")
            return info.value

    exc = asyncio.run(go())
    visible = f"{exc} {exc.message} {exc.body} {exc.request_id}"
    assert fresh not in visible and fresh[:20] not in visible


def test_every_adapter_error_path_is_redacted() -> None:
    """Ark's create, poll, list and cancel all go through the seam (Ark did not redact)."""
    from vidbench.adapters.ark.adapter import ArkAdapter
    from vidbench.core.seam.types import GenerationInputs, GenerationRequest

    async def go() -> list[str]:
        seen = []
        async with httpx.AsyncClient(transport=_echo_transport(400)) as client:
            context = AdapterContext(
                "doubao-seedance-2-0-260128", "http://ark.test", {"api_key": Secret(KEY, "K")}
            )
            adapter = ArkAdapter(context, client)
            request = GenerationRequest(
                job_id="job-1",
                external_id="job-1",
                provider_model="doubao-seedance-2-0-260128",
                text="a cat",
                duration_s=5,
                ratio="16:9",
                resolution="720p",
                inputs=GenerationInputs(),
            )
            calls = [
                adapter.submit(request),
                adapter.poll("cgt-1"),
                adapter.poll_many(["cgt-1", "cgt-2"]),
                adapter.cancel("cgt-1"),
            ]
            for call in calls:
                with pytest.raises(errors.ProviderError) as info:
                    await call
                seen.append(f"{info.value} {info.value.body} {info.value.request_id}")
        return seen

    for text in asyncio.run(go()):
        assert KEY not in text and KEY[:20] not in text, text


def test_journal_is_the_last_net(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "records.jsonl")
    journal.append("failed", "j1", detail=f"raw {KEY}", nested={"list": [f"x{KEY}"]})
    journal.close()
    text = (tmp_path / "records.jsonl").read_text()
    assert KEY not in text
    record = json.loads(text)
    assert record["detail"] == "raw ***" and record["nested"] == {"list": ["x***"]}


def test_task_ids_are_escaped_as_one_path_segment() -> None:
    assert http.quote_segment("../../admin?x=1#y") == "..%2F..%2Fadmin%3Fx%3D1%23y"
    assert http.quote_path("models/m/operations/o1") == "models/m/operations/o1"
    with pytest.raises(ValueError):
        http.quote_path("models/../../v1/keys")


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("ARK_API_KEY", True),
        ("MY_GATEWAY_API_KEY", True),
        ("KLING_SECRET_KEY", True),
        ("HOME", False),
        ("AWS_SESSION_TOKEN", False),
        ("GITHUB_TOKEN", False),
        ("GOOGLE_APPLICATION_CREDENTIALS", False),
    ],
)
def test_which_variables_may_hold_a_key(name: str, ok: bool) -> None:
    assert may_hold_key(name) is ok
    assert may_hold_key(name, declared=[name]) is True


@pytest.mark.parametrize("header", ["Authorization", "x-goog-api-key"])
def test_api_redirects_are_not_followed_so_keys_stay_home(header: str) -> None:
    """httpx strips only Authorization on a cross-host redirect; no API call follows one."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.host)
        if request.url.host == "api.test":
            return httpx.Response(307, headers={"location": "http://evil.test/steal"})
        return httpx.Response(200, json={"got": request.headers.get(header)})

    async def go() -> None:
        async with http.build_client(httpx.MockTransport(handler)) as client:
            request = client.build_request("POST", "http://api.test/v1/x", headers={header: "k"})
            with pytest.raises(errors.InvalidRequest, match="redirecting to evil.test"):
                await http.send(client, request, provider="p")

    asyncio.run(go())
    assert seen == ["api.test"]
