"""A throw-away PKI for the TLS tests, made with ``cryptography``.

The certificates look like the operator's cert-manager ones: a CA, and a
server certificate whose DNS names are the Services' names plus ``localhost``
and no IP address, so connecting to 127.0.0.1 only verifies through the
name pinning in ``connect``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_LIFETIME = dt.timedelta(days=2)


@dataclass(frozen=True, slots=True)
class Authority:
    """A CA: its key, its certificate, and the certificate's PEM file."""

    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    pem_file: Path


@dataclass(frozen=True, slots=True)
class ServerCert:
    """A server key pair as the files redis-server reads."""

    cert_file: Path
    key_file: Path
    dns_names: tuple[str, ...]


def operator_dns_names(name: str, namespace: str, domain: str = "cluster.local") -> tuple[str, ...]:
    """The DNS names the operator's Certificate lists (docs/design.md, Service names)."""
    headless = f"{name}-headless"
    return (
        "localhost",
        name,
        f"{name}.{namespace}.svc",
        f"{name}.{namespace}.svc.{domain}",
        headless,
        f"{headless}.{namespace}.svc",
        f"{headless}.{namespace}.svc.{domain}",
        f"*.{headless}.{namespace}.svc",
        f"*.{headless}.{namespace}.svc.{domain}",
    )


def make_authority(directory: Path, common_name: str) -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_file = directory / f"{common_name}.ca.crt"
    pem_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return Authority(key=key, cert=cert, pem_file=pem_file)


def issue_server_cert(
    directory: Path, authority: Authority, stem: str, dns_names: tuple[str, ...]
) -> ServerCert:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0])]))
        .issuer_name(authority.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + _LIFETIME)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names]), False)
        # serverAuth for clients; clientAuth because redis-server also uses the
        # same pair for its own outgoing cluster-bus connections.
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    cert_file = directory / f"{stem}.crt"
    key_file = directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    return ServerCert(cert_file=cert_file, key_file=key_file, dns_names=dns_names)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
