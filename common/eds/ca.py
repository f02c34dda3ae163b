"""A mock of the national certification authority (НУЦ РК), persisted in one directory.

Layout of the directory (normally `<data_dir>/pki/`):

    root.crt.pem  root.key.pem      self-signed root (RSA-2048, SHA-256)
    ica.crt.pem   ica.key.pem       issuing CA: signs end-entity certificates and the CRL
    ocsp.crt.pem  ocsp.key.pem      delegated OCSP responder (OCSPSigning + ocsp-nocheck)
    index.json                      issued certificates with status, CRL number
    issued/<serial>.pem             every issued certificate
    dev-keys/<identity>.<purpose>.pem   cached development keys (see below)
    crl.der                         the latest CRL, re-signed when stale
    ca.pem                          root + issuing CA, what outsiders trust

Development identities are deterministic by caching, not by derivation: deriving RSA keys
from a seed would mean hand-rolled prime generation. The first `issue` of an identity
generates its signing and authentication keys and stores them under a digest of the subject
and role; later calls return the same live certificates (same serials, same keys). A revoked
certificate's key is dropped, so the next `issue` gets a fresh key and certificate. Private
keys are stored unencrypted with mode 0600: this CA exists for development and tests only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.x509.oid import NameOID

from common.eds._cache import Lru
from common.eds.errors import EdsError
from common.eds.identity import Identity
from common.eds.index import (
    CaState,
    CertificateRecord,
    ca_lock,
    index_exists,
    locked_state,
    read_state,
    write_file_atomic,
    write_state,
)
from common.eds.keystore import KeyStore, dump_p12
from common.eds.oids import KeyPurpose
from common.eds.profiles import (
    INTERMEDIATE,
    OCSP_RESPONDER,
    ROOT,
    PkiUrls,
    build_certificate,
    end_entity_profile,
)
from common.eds.responder import CRL_VALIDITY, answer_ocsp, build_crl

__all__ = [
    "DEFAULT_BASE_URL",
    "INTERMEDIATE_NAME",
    "ROOT_NAME",
    "IssuedIdentity",
    "MockCA",
]

# The registry gateway mounts the PKI router; see common/eds/http.py.
DEFAULT_BASE_URL = "http://127.0.0.1:8003/pki"
ROOT_NAME = "НЕГІЗГІ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ RSA MOCK"  # 63 UTF-8 bytes: CN may not exceed 64
INTERMEDIATE_NAME = "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (RSA) MOCK"
_RESPONDER_NAME = "ҰКО OCSP MOCK"

_ROOT_VALIDITY = timedelta(days=20 * 365)
_INTERMEDIATE_VALIDITY = timedelta(days=10 * 365)
_RESPONDER_VALIDITY = timedelta(days=365)
_RESPONDER_RENEW_BEFORE = timedelta(days=30)
_END_ENTITY_VALIDITY = timedelta(days=365)  # NCA certificates live one year
_KEY_SIZE = 2048
# A cached CRL is re-signed once half its validity has passed, so clients never see it stale.
_CRL_REFRESH_AFTER = CRL_VALIDITY / 2
_PARSED_KEYS: Lru[bytes, PrivateKeyTypes] = Lru(256)


@dataclass(frozen=True, slots=True)
class IssuedIdentity:
    """A holder's signing and authentication key stores, as the CA hands them out."""

    identity: Identity
    sign: KeyStore
    auth: KeyStore

    def write(self, directory: Path, password: str) -> tuple[Path, Path]:
        """Write `sign.p12` and `auth.p12` (mode 0600) into `directory`; returns their paths."""
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for purpose, store in ((KeyPurpose.SIGN, self.sign), (KeyPurpose.AUTH, self.auth)):
            path = directory / f"{purpose.value}.p12"
            friendly = f"{self.identity.common_name} ({purpose.value})"
            write_file_atomic(path, dump_p12(store, password, friendly), private=True)
            paths.append(path)
        return paths[0], paths[1]


class MockCA:
    """Root, issuing CA and OCSP responder loaded from a CA directory.

    Use `create`, `load` or `open`; every method re-reads the register, so several processes
    may share one directory.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.root = _read_cert(directory / "root.crt.pem")
        self.intermediate = _read_cert(directory / "ica.crt.pem")
        self._ica_key = _read_key(directory / "ica.key.pem")
        self.urls = PkiUrls(read_state(directory).base_url)
        self._responder_pair: tuple[x509.Certificate, rsa.RSAPrivateKey] | None = None

    @classmethod
    def create(
        cls, directory: Path, *, base_url: str = DEFAULT_BASE_URL, valid_from: datetime | None = None
    ) -> MockCA:
        """Make a new CA in an empty or missing directory.

        `valid_from` backdates the CA so tests can issue certificates that have already expired.
        """
        directory.mkdir(parents=True, exist_ok=True)
        # Services starting together may all try to create it: the lock makes one of them win.
        with ca_lock(directory):
            if index_exists(directory):
                raise EdsError("eds.ca.exists", f"a CA already exists in {directory}")
            start = _second(valid_from or _now() - timedelta(minutes=5))
            root_key, ica_key = _new_key(), _new_key()
            root = build_certificate(
                profile=ROOT,
                subject=_ca_name(ROOT_NAME),
                public_key=root_key.public_key(),
                issuer=None,
                issuer_key=root_key,
                not_before=start,
                not_after=start + _ROOT_VALIDITY,
                urls=None,
            )
            # The issuing CA carries no CDP/AIA: it is checked against ca.pem alone (no root CRL).
            ica = build_certificate(
                profile=INTERMEDIATE,
                subject=_ca_name(INTERMEDIATE_NAME),
                public_key=ica_key.public_key(),
                issuer=root,
                issuer_key=root_key,
                not_before=start,
                not_after=start + _INTERMEDIATE_VALIDITY,
                urls=None,
            )
            (directory / "issued").mkdir(exist_ok=True)
            (directory / "dev-keys").mkdir(exist_ok=True)
            _write_key(directory / "root.key.pem", root_key)
            _write_cert(directory / "root.crt.pem", root)
            _write_key(directory / "ica.key.pem", ica_key)
            _write_cert(directory / "ica.crt.pem", ica)
            write_state(directory, CaState(base_url=base_url.rstrip("/")))  # last: marks the CA complete
            ca = cls(directory)
            ca.write_ca_bundle()
        return ca

    @classmethod
    def load(cls, directory: Path) -> MockCA:
        if not index_exists(directory):
            raise EdsError("eds.ca.missing", f"no CA in {directory}")
        return cls(directory)

    @classmethod
    def open(cls, directory: Path, *, base_url: str = DEFAULT_BASE_URL) -> MockCA:
        """Load the CA in `directory`, creating it first if there is none."""
        if index_exists(directory):
            return cls(directory)
        try:
            return cls.create(directory, base_url=base_url)
        except EdsError as exc:
            if exc.code != "eds.ca.exists":
                raise
            return cls(directory)  # another process created it first

    # -- trust material -------------------------------------------------------------------

    def ca_bundle_pem(self) -> bytes:
        """Root then issuing CA, PEM: the `-CAfile` for `openssl cms -verify`."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.root, self.intermediate))

    def write_ca_bundle(self, path: Path | None = None) -> Path:
        target = path or self.directory / "ca.pem"
        write_file_atomic(target, self.ca_bundle_pem())
        return target

    # -- issuance ---------------------------------------------------------------------------

    def issue(
        self, identity: Identity, *, not_before: datetime | None = None, not_after: datetime | None = None
    ) -> IssuedIdentity:
        """Signing and authentication certificates for `identity`.

        Without explicit dates, live certificates issued earlier are returned unchanged; with
        them, new certificates are issued for the identity's cached keys (tests use this for
        expired or not-yet-valid certificates).
        """
        now = _now()
        start = _second(not_before or now - timedelta(minutes=5))
        end = _second(not_after or start + _END_ENTITY_VALIDITY)
        if not (
            self.intermediate.not_valid_before_utc <= start < end <= self.intermediate.not_valid_after_utc
        ):
            raise EdsError("eds.ca.validity", "the validity must lie within the issuing CA's validity")
        reuse = not_before is None and not_after is None
        stores = {}
        with locked_state(self.directory) as state:
            for purpose in KeyPurpose:
                key = self._dev_key(identity, purpose)
                cert = self._live_certificate(state, identity, purpose, key, now) if reuse else None
                if cert is None:
                    cert = build_certificate(
                        profile=end_entity_profile(identity, purpose),
                        subject=identity.subject(),
                        public_key=key.public_key(),
                        issuer=self.intermediate,
                        issuer_key=self._ica_key,
                        not_before=start,
                        not_after=end,
                        urls=self.urls,
                    )
                    _write_cert(self._issued_path(cert.serial_number), cert)
                    state.records[cert.serial_number] = CertificateRecord(
                        serial=cert.serial_number,
                        subject=cert.subject.rfc4514_string(),
                        purpose=purpose,
                        identity_key=identity.key_id(),
                        not_before=start,
                        not_after=end,
                    )
                stores[purpose] = KeyStore(key, cert, (self.intermediate, self.root))
        return IssuedIdentity(identity, stores[KeyPurpose.SIGN], stores[KeyPurpose.AUTH])

    def certificate(self, serial: int) -> x509.Certificate | None:
        path = self._issued_path(serial)
        return _read_cert(path) if path.exists() else None

    def records(self) -> tuple[CertificateRecord, ...]:
        return tuple(read_state(self.directory).records.values())

    def record(self, serial: int) -> CertificateRecord | None:
        return read_state(self.directory).records.get(serial)

    # -- revocation -------------------------------------------------------------------------

    def revoke(
        self,
        certificate: int | x509.Certificate,
        reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
        when: datetime | None = None,
    ) -> CertificateRecord:
        """Revoke by serial or certificate; revoking twice keeps the first date and reason."""
        serial = certificate if isinstance(certificate, int) else certificate.serial_number
        with locked_state(self.directory) as state:
            record = state.records.get(serial)
            if record is None:
                raise EdsError("eds.ca.unknown_certificate", f"serial {serial:x} was not issued by this CA")
            if record.revoked_at is not None:
                return record
            now = _now()
            if when is not None and _second(when) > now:
                raise EdsError("eds.ca.future_revocation", "a revocation cannot take effect in the future")
            record = record.revoke(_second(when or now), reason)
            state.records[serial] = record
            state.crl_stale = True
            self._drop_dev_key(record)
        return record

    def crl(self) -> bytes:
        """The current CRL (DER); re-signed with the next CRL number when stale."""
        now = _now()
        cached = self.directory / "crl.der"
        with locked_state(self.directory) as state:
            if not state.crl_stale and cached.exists():
                last = x509.load_der_x509_crl(cached.read_bytes()).last_update_utc
                if now - last < _CRL_REFRESH_AFTER:
                    return cached.read_bytes()
            state.crl_number += 1
            state.crl_stale = False
            der = build_crl(
                issuer=self.intermediate,
                issuer_key=self._ica_key,
                revoked=state.records.values(),
                number=state.crl_number,
                now=now,
            )
            write_file_atomic(cached, der)
        return der

    def ocsp_response(self, request_der: bytes) -> bytes:
        """Answer one DER OCSP request with a DER OCSP response (RFC 6960)."""
        responder, responder_key = self._responder()
        records = read_state(self.directory).records
        return answer_ocsp(
            request_der,
            issuer=self.intermediate,
            responder=responder,
            responder_key=responder_key,
            lookup=records.get,
            now=_now(),
        )

    @property
    def ocsp_responder(self) -> x509.Certificate:
        return self._responder()[0]

    # -- internals --------------------------------------------------------------------------

    def _issued_path(self, serial: int) -> Path:
        return self.directory / "issued" / f"{serial:x}.pem"

    def _dev_key_path(self, identity_key: str, purpose: KeyPurpose) -> Path:
        return self.directory / "dev-keys" / f"{identity_key}.{purpose.value}.pem"

    def _dev_key(self, identity: Identity, purpose: KeyPurpose) -> rsa.RSAPrivateKey:
        path = self._dev_key_path(identity.key_id(), purpose)
        if path.exists():
            return _read_key(path)
        key = _new_key()
        _write_key(path, key)
        return key

    def _drop_dev_key(self, record: CertificateRecord) -> None:
        path = self._dev_key_path(record.identity_key, record.purpose)
        cert = self.certificate(record.serial)
        if path.exists() and cert is not None and _read_key(path).public_key() == cert.public_key():
            path.unlink()

    def _live_certificate(
        self, state: CaState, identity: Identity, purpose: KeyPurpose, key: rsa.RSAPrivateKey, now: datetime
    ) -> x509.Certificate | None:
        key_id = identity.key_id()
        for record in sorted(state.records.values(), key=lambda r: r.not_after, reverse=True):
            if record.identity_key != key_id or record.purpose is not purpose:
                continue
            if record.status_at(now) != "good":
                continue
            cert = self.certificate(record.serial)
            if cert is not None and cert.public_key() == key.public_key():
                return cert
        return None

    def _responder(self) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        """The delegated OCSP responder, kept in memory: key parsing would dominate each answer."""
        now = _now()
        if self._responder_pair is None or not _responder_fresh(self._responder_pair[0], now):
            self._responder_pair = self._load_or_renew_responder(now)
        return self._responder_pair

    def _load_or_renew_responder(self, now: datetime) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
        cert_path, key_path = self.directory / "ocsp.crt.pem", self.directory / "ocsp.key.pem"
        with ca_lock(self.directory):  # another process may be renewing it right now
            if cert_path.exists():
                cert = _read_cert(cert_path)
                if _responder_fresh(cert, now):
                    return cert, _read_key(key_path)
            key = _new_key()
            start = _second(now - timedelta(minutes=5))
            cert = build_certificate(
                profile=OCSP_RESPONDER,
                subject=_ca_name(_RESPONDER_NAME),
                public_key=key.public_key(),
                issuer=self.intermediate,
                issuer_key=self._ica_key,
                not_before=start,
                not_after=min(start + _RESPONDER_VALIDITY, self.intermediate.not_valid_after_utc),
                urls=None,
            )
            _write_key(key_path, key)
            _write_cert(cert_path, cert)
            return cert, key


def _responder_fresh(cert: x509.Certificate, now: datetime) -> bool:
    return cert.not_valid_after_utc - now > _RESPONDER_RENEW_BEFORE


def _now() -> datetime:
    return _second(datetime.now(UTC))


def _second(moment: datetime) -> datetime:
    # X.509 and CRL times have whole seconds; the register keeps exactly what was signed.
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC).replace(microsecond=0)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )


def _new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=_KEY_SIZE)


def _write_key(path: Path, key: rsa.RSAPrivateKey) -> None:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    write_file_atomic(path, pem, private=True)


def _read_key(path: Path) -> rsa.RSAPrivateKey:
    # Every MockCA and every `issue` reads keys, so a key once parsed is found again by the
    # digest of its file's bytes. The keys are the CA's own, written by `_write_key` into its
    # 0600 files, so the RSA consistency check on load (~35 ms a key) is skipped, as
    # cryptography's docs allow for keys known to be valid.
    pem = path.read_bytes()
    key = _PARSED_KEYS.get(
        hashlib.sha256(pem).digest(),
        lambda: serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True),
    )
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EdsError("eds.ca.bad_key", f"{path} does not hold an RSA key")
    return key


def _write_cert(path: Path, cert: x509.Certificate) -> None:
    write_file_atomic(path, cert.public_bytes(serialization.Encoding.PEM))


def _read_cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())
