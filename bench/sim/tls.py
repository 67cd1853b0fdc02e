"""A certificate for serving the simulators over TLS on loopback (SDKs that build https URLs).

fal's official SDK (`fal-client`) builds every queue URL as `https://{FAL_QUEUE_RUN_HOST}/…`:
it cannot be pointed at a plain-HTTP address. Rather than patching the SDK, `vidbench sim
--tls` serves the simulators with a self-signed certificate made here for 127.0.0.1 and
localhost; a client trusts it through `SSL_CERT_FILE` (httpx and requests read it).
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

VALID_DAYS = 30


@dataclass(frozen=True)
class TlsFiles:
    """A certificate (PEM, also its own CA) and its private key (PEM, mode 0600)."""

    cert_path: Path
    key_path: Path


def self_signed(folder: Path, host: str = "127.0.0.1") -> TlsFiles:
    """Write a self-signed certificate for `host`, 127.0.0.1 and localhost into `folder`."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID
    except ImportError as exc:  # an optional extra: only TLS serving needs it
        raise RuntimeError(
            "serving TLS needs `pip install 'vidbench[gateways]'` (cryptography)"
        ) from exc
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "vidbench simulator")])
    now = datetime.datetime.now(datetime.UTC)
    addresses = {ipaddress.ip_address("127.0.0.1")}
    with contextlib.suppress(ValueError):
        addresses.add(ipaddress.ip_address(host))
    alt_names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    alt_names += [x509.IPAddress(address) for address in sorted(addresses, key=str)]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    files = TlsFiles(folder / "sim-cert.pem", folder / "sim-key.pem")
    files.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    descriptor = os.open(files.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return files
