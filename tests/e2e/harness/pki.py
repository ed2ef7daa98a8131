"""Certificates made on the spot for the end-to-end cluster, as envtest makes them.

One CA signs everything: the API server's serving certificate, the chart
server's, and one client certificate per actor, so the API server's audit log
tells the product's requests (`wildside-e2e-admin`) from those of the
controllers and of the operator stand-in. The service-account key pair signs
the tokens the controller-manager mints.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Client identities: (file stem, common name, organisation). system:masters is the
# bootstrap superuser group; the controllers' names are the ones their bootstrap
# RBAC roles are bound to (kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy).
ADMIN_USER = "wildside-e2e-admin"
OPERATOR_USER = "valkey-operator-sim"
CLIENTS = (
    ("admin", ADMIN_USER, "system:masters"),
    ("controller-manager", "system:kube-controller-manager", ""),
    ("scheduler", "system:kube-scheduler", ""),
    ("kwok", "kwok", "system:masters"),
    ("operator", OPERATOR_USER, "system:masters"),
    # Flux's controllers, cluster-admin as in a default Flux install.
    ("flux", "flux-controllers", "system:masters"),
)
_VALID_FOR = datetime.timedelta(days=7)


@dataclass(frozen=True)
class Pki:
    """Paths of everything the cluster's processes and clients read."""

    root: Path

    @property
    def ca_cert(self) -> Path:
        return self.root / "ca.crt"

    @property
    def ca_key(self) -> Path:
        return self.root / "ca.key"

    @property
    def sa_key(self) -> Path:
        return self.root / "sa.key"

    @property
    def sa_pub(self) -> Path:
        return self.root / "sa.pub"

    def cert(self, name: str) -> Path:
        return self.root / f"{name}.crt"

    def key(self, name: str) -> Path:
        return self.root / f"{name}.key"

    def trust(self) -> ssl.SSLContext:
        """A client context trusting our CA only: for the servers the harness starts."""
        return ssl.create_default_context(cafile=str(self.ca_cert))

    @property
    def trust_bundle(self) -> Path:
        """The machine's CA bundle plus ours: for SSL_CERT_FILE, so helm trusts the chart server."""
        return self.root / "trust.pem"


def _private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _name(common_name: str, organisation: str = "") -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        parts.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    return x509.Name(parts)


def _builder(
    subject: x509.Name, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey
) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALID_FOR)
    )


def make_pki(root: Path, *, system_bundle: Path | None = None) -> Pki:
    """Create the CA, the serving and client certificates and the service-account keys."""
    root.mkdir(parents=True, exist_ok=True)
    pki = Pki(root)
    ca_key = _private_key()
    ca_name = _name("wildside-e2e-ca")
    ca = (
        _builder(ca_name, ca_name, ca_key.public_key())
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    pki.ca_cert.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    _write_key(pki.ca_key, ca_key)

    def issue(name: str, subject: x509.Name, usage: x509.ObjectIdentifier, sans: bool) -> None:
        key = _private_key()
        builder = _builder(subject, ca_name, key.public_key()).add_extension(
            x509.ExtendedKeyUsage([usage]), critical=False
        )
        if sans:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [
                        x509.DNSName("localhost"),
                        x509.DNSName("kubernetes.default.svc"),
                        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    ]
                ),
                critical=False,
            )
        cert = builder.sign(ca_key, hashes.SHA256())
        pki.cert(name).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(pki.key(name), key)

    for name in ("apiserver", "chart-server"):
        issue(name, _name(name), ExtendedKeyUsageOID.SERVER_AUTH, sans=True)
    for stem, user, group in CLIENTS:
        issue(stem, _name(user, group), ExtendedKeyUsageOID.CLIENT_AUTH, sans=False)

    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_key(pki.sa_key, sa_key)
    pki.sa_pub.write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    system = system_bundle.read_bytes() if system_bundle and system_bundle.exists() else b""
    pki.trust_bundle.write_bytes(system + pki.ca_cert.read_bytes())
    return pki
