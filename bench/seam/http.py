"""The one HTTP module: client construction, timeouts, status → exception, Retry-After.

Adapters receive an `httpx.AsyncClient` built here (or a test's, with MockTransport) and
send every request through `send`, giving only a parser for the provider's error envelope
and a refine hook (a typed error → a sharper typed error). `send` redacts every answer it
turns into an error before parsing it: registered keys and the credentials the request itself
carried (`vidbench.core.seam.secrets.redact`), so no adapter can forget.

Every answer is bounded twice: its body is streamed and refused past a cap for its kind
(`JSON_BODY_BYTES` by default, `INLINE_MEDIA_BODY_BYTES` for answers that carry a video
inline, `ERROR_BODY_BYTES` kept of an error), and the whole exchange must end within an
overall deadline (`REQUEST_DEADLINE_S`): the read timeout alone bounds each wait for a byte,
so a server dribbling one byte every few seconds was never timed out. Bodies are parsed by
`vidbench.core.seam.bounded_json.parse_json_bounded` (size and nesting bounded).
"""

from __future__ import annotations

import asyncio
import email.utils
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

from vidbench.core.seam import errors
from vidbench.core.seam.bounded_json import MAX_JSON_BYTES, parse_json_bounded
from vidbench.core.seam.client import POOL_LIMIT, PooledTransport, SeamClient, proxied
from vidbench.core.seam.errors import truncate
from vidbench.core.seam.secrets import redact as redact_secrets

CONNECT_TIMEOUT_S = 10.0
PREFLIGHT_TIMEOUT_S = 5.0  # a preflight is one small request: an endpoint slower than this is up
READ_TIMEOUT_S = 60.0
USER_AGENT = "vidbench/0.1"
# Body caps per kind of answer (media downloads have their own, in bench/run/download.py).
JSON_BODY_BYTES = MAX_JSON_BYTES  # a status, create or chat answer: a few kB in practice
INLINE_MEDIA_BODY_BYTES = 512 * 1024**2  # JSON carrying a base64 video (Vertex, Gemini)
ERROR_BODY_BYTES = 64 * 1024  # of an error answer this much is kept (500 chars are shown)
# Overall time for one API request, answer included (uploads of inline inputs are the long
# ones); the read timeout bounds each wait for a byte, this bounds the whole exchange.
REQUEST_DEADLINE_S = 300.0


def build_client(transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncClient:
    """The client every adapter uses: timeouts, pool limits, and no redirects followed (an
    API call's credential headers must never travel to the host a 3xx names; downloads follow
    redirects by hand in bench/download.py, dropping credentials across origins).

    Connections come from `OriginPool` (constant bookkeeping per request, API calls ahead of
    downloads) unless a proxy is configured in the environment."""
    if transport is None and not proxied():
        transport = PooledTransport()
    return SeamClient(
        timeout=httpx.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        limits=httpx.Limits(max_connections=POOL_LIMIT, max_keepalive_connections=POOL_LIMIT),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        transport=transport,
    )


def parse_retry_after_s(
    headers: httpx.Headers | dict[str, str], now_s: float | None = None
) -> float | None:
    """Seconds to wait from `retry-after-ms`, `Retry-After` (seconds or HTTP date)."""
    h = httpx.Headers(headers)
    ms = h.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = h.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now_s if now_s is not None else time.time()))


def json_or_none(response: httpx.Response, max_bytes: int = INLINE_MEDIA_BODY_BYTES) -> Any:
    """The body as JSON, or None if it is not JSON or breaks a bound (providers are parsed
    tolerantly). `send` has already capped the body by its kind; `max_bytes` is the last net
    for a response built elsewhere."""
    try:
        return parse_json_bounded(response.content, max_bytes=max_bytes)
    except ValueError:
        return None


def quote_segment(value: str) -> str:
    """A provider-given id made safe as one URL path segment (no `/`, `?`, `#` or `..`)."""
    return quote(value, safe="")


def quote_path(value: str) -> str:
    """A provider-given name with slashes (e.g. "models/m/operations/o") made safe as a path."""
    if any(part in (".", "..") for part in value.split("/")):
        raise ValueError(f"refusing a provider name with a dot segment: {value[:80]!r}")
    return quote(value, safe="/")


CREDENTIAL_HEADERS = ("authorization", "x-goog-api-key", "x-api-key", "api-key")


def request_credentials(request: httpx.Request | None) -> tuple[str, ...]:
    """The credential values a request carried (header values and their bearer tokens)."""
    if request is None:
        return ()
    values: list[str] = []
    for name in CREDENTIAL_HEADERS:
        value = request.headers.get(name)
        if value:  # "Bearer <token>": the token is the secret, the scheme word is not
            values.append(value.split(" ", 1)[-1].strip() or value)
    return tuple(values)


def redact(text: str, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """`text` without registered keys, without `secrets`, without bearer tokens or JWTs."""
    return redact_secrets(text, tuple(secrets))


def redacted(response: httpx.Response, secrets: tuple[str, ...] | list[str] = ()) -> httpx.Response:
    """A copy of an (already read) response whose body no longer holds a credential.

    Some providers (or gateways) echo the key back in an error body; errors are built from
    the copy. The credentials of the request that got this answer are removed as well.
    """
    try:
        request: httpx.Request | None = response.request
    except RuntimeError:  # a response built by hand (tests) has no request
        request = None
    extra = tuple(secrets) + request_credentials(request)
    headers = [(name, redact(value, extra)) for name, value in response.headers.items()]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=redact(response.text, extra).encode(),
        request=request,
    )


# (message, code) extracted from a provider's error body.
ErrorParser = Callable[[httpx.Response], tuple[str, str | None]]


def default_error_parser(response: httpx.Response) -> tuple[str, str | None]:
    """Tolerant reading of the common `{"error": {"message", "code"}}` envelope."""
    body = json_or_none(response)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict):
            message = str(err.get("message") or err.get("msg") or response.reason_phrase)
            code = err.get("code")
            return message, None if code is None else str(code)
    return response.reason_phrase or "error", None


def error_for_status(
    response: httpx.Response,
    *,
    provider: str,
    parser: ErrorParser = default_error_parser,
    request_id_header: str = "x-request-id",
) -> errors.ProviderError:
    """Map an HTTP error response to the error tree by status code alone.

    Adapters refine afterwards (e.g. a 400 whose code means moderation → ContentRejected).
    """
    message, code = parser(response)
    common: dict[str, Any] = {
        "provider": provider,
        "status_code": response.status_code,
        "code": code,
        "request_id": response.headers.get(request_id_header),
        "body": truncate(response.text),
    }
    status = response.status_code
    if status == 429:
        return errors.RateLimited(
            message, retry_after_s=parse_retry_after_s(response.headers), **common
        )
    if status in (401,):
        return errors.AuthError(message, **common)
    if status == 403:
        return errors.AuthError(message, **common)
    if status == 404:
        return errors.NotFound(message, **common)
    if status in (408, 409) or status >= 500:
        return errors.TransientError(message, **common)
    return errors.InvalidRequest(message, **common)


def transport_error(
    exc: httpx.TransportError, *, provider: str, request: httpx.Request | None = None
) -> errors.TransientError:
    """A transport fault; `ConnectRefused` when the request certainly never left: the
    connection could not be opened (DNS failure, refused, TLS handshake or certificate, all
    `httpx.ConnectError`) or not within the connect timeout (`httpx.ConnectTimeout`)."""
    never_left = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    cls = errors.ConnectRefused if never_left else errors.TransientError
    text = redact(str(exc), request_credentials(request))
    return cls(f"{type(exc).__name__}: {truncate(text, 200)}", provider=provider)


# A provider's sharper reading of an error already typed by status (e.g. a 400 whose code
# means moderation → ContentRejected). It reads the error's attributes, never its string.
Refine = Callable[[errors.ProviderError], errors.ProviderError]


def _unchanged(error: errors.ProviderError) -> errors.ProviderError:
    return error


async def read_capped(
    response: httpx.Response, cap_bytes: int, *, provider: str, keep_head: bool = False
) -> bytes:
    """A streamed response's (decoded) body, at most `cap_bytes`: past it, `AnswerOutOfBounds`,
    or with `keep_head` the first `cap_bytes` (an error answer, which is shown truncated)."""
    declared = response.headers.get("content-length", "")
    plain = "content-encoding" not in response.headers
    if plain and declared.isdigit() and int(declared) > cap_bytes and not keep_head:
        raise errors.AnswerOutOfBounds(
            f"answer of {declared} bytes is over the {cap_bytes}-byte cap", provider=provider
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap_bytes:
            if keep_head:
                chunks.append(chunk[: len(chunk) - (size - cap_bytes)])
                break
            raise errors.AnswerOutOfBounds(
                f"answer larger than the {cap_bytes}-byte cap (read {size} bytes)",
                provider=provider,
            )
        chunks.append(chunk)
    return b"".join(chunks)


def with_body(response: httpx.Response, body: bytes) -> httpx.Response:
    """`response` with its (decoded, capped) body in memory, as a plain `httpx.Response`."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions={
            name: value
            for name, value in response.extensions.items()
            if name in ("reason_phrase", "http_version")
        },
    )


async def _receive_now(
    client: httpx.AsyncClient, request: httpx.Request, max_body_bytes: int, provider: str
) -> httpx.Response:
    response = await client.send(request, stream=True, follow_redirects=False)
    try:
        if response.is_redirect:
            body = b""
        elif response.is_success:
            body = await read_capped(response, max_body_bytes, provider=provider)
        else:
            body = await read_capped(response, ERROR_BODY_BYTES, provider=provider, keep_head=True)
    finally:
        await response.aclose()
    return with_body(response, body)


async def receive(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    max_body_bytes: int = JSON_BODY_BYTES,
    deadline_s: float = REQUEST_DEADLINE_S,
) -> httpx.Response:
    """Send a request and read its answer whatever the status: the body capped by its kind
    (an error's head kept), the whole exchange within `deadline_s`, transport faults mapped."""
    try:
        async with asyncio.timeout(deadline_s):
            return await _receive_now(client, request, max_body_bytes, provider)
    except TimeoutError:
        raise errors.AnswerOutOfBounds(
            f"no whole answer within the overall deadline of {deadline_s:g} s", provider=provider
        ) from None
    except httpx.TransportError as exc:
        raise transport_error(exc, provider=provider, request=request) from None


async def send(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    provider: str,
    parser: ErrorParser = default_error_parser,
    refine: Refine = _unchanged,
    max_body_bytes: int = JSON_BODY_BYTES,
    deadline_s: float = REQUEST_DEADLINE_S,
) -> httpx.Response:
    """Send a request; return the (bounded, see `receive`) response if 2xx, else raise the
    mapped, redacted error."""
    response = await receive(
        client, request, provider=provider, max_body_bytes=max_body_bytes, deadline_s=deadline_s
    )
    if response.is_success:
        return response
    if response.is_redirect:
        target = httpx.URL(response.headers.get("location", "")).host or "the same host"
        raise errors.InvalidRequest(
            f"the API answered {response.status_code} redirecting to {target}; not followed, "
            "so the key is not sent there (check base_url)",
            provider=provider,
            status_code=response.status_code,
        )
    clean = redacted(response)
    raise refine(error_for_status(clean, provider=provider, parser=parser))


async def check_reachable(
    client: httpx.AsyncClient,
    base_url: str,
    *,
    provider: str,
    timeout_s: float = PREFLIGHT_TIMEOUT_S,
) -> None:
    """Open a connection to `base_url`'s host and port (TLS for https, certificate checked)
    with one HEAD request that carries no credential; any HTTP answer means the endpoint is
    there. Raises `ConnectRefused` for DNS failure, a refused port, a TLS error or a connect
    timeout (the adapter seam's default preflight)."""
    request = client.build_request(
        "HEAD", base_url, timeout=httpx.Timeout(timeout_s, connect=timeout_s)
    )
    try:
        response = await client.send(request, follow_redirects=False)
    except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
        raise transport_error(exc, provider=provider, request=request) from None
    except httpx.TransportError:
        return  # connected, then slow or odd: reachable, which is all this asks
    await response.aclose()
