"""Validation of detached CMS signatures: one ETSI-style report per SignerInfo.

pyHanko's ETSI EN 319 102-1 basic validation (§5.3) does the work — signature integrity,
path building to the trust anchors, CRL/OCSP checks with local data only — one SignerInfo
at a time (it accepts no more), and this module adds what the CMS alone cannot settle:

Revocation versus signing time. A CAdES-B signature carries only a *claimed* signing time,
which the holder of a stolen key can backdate at will, so it never proves a signature
predates a revocation. Hence, for a certificate revoked at validation time:
  * a proof of existence (`poe_time`, e.g. the chain entry that recorded the signature)
    before the revocation makes the signature TOTAL_PASSED (validated as of that time);
  * a claimed signing time at or after the revocation makes it TOTAL_FAILED/REVOKED: the
    signer's own signed statement dates the signature after the revocation;
  * otherwise it stays INDETERMINATE/REVOKED_NO_POE, as ETSI prescribes.
An expired certificate is handled alike (POE within its validity → passed, otherwise
INDETERMINATE/OUT_OF_BOUNDS_NO_POE). Missing revocation data, an unknown algorithm or a
broken chain never pass.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from asn1crypto import cms, crl, ocsp
from asn1crypto.core import Asn1Value, Void
from asn1crypto.x509 import Certificate as Asn1Certificate
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp as x509_ocsp
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.general import CMSExtractionError, extract_certificate_info
from pyhanko.sign.validation.ades import AdESBasicValidationResult, ades_basic_validation
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.settings import KeyUsageConstraints
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from common.eds._aio import run_sync
from common.eds._asn1 import from_asn1, to_asn1
from common.eds.cms import content_digest, load_signed_data, strip_pem_armour
from common.eds.errors import EdsError
from common.eds.holder import describe_holder
from common.eds.report import (
    CertificateSummary,
    Indication,
    RevocationInfo,
    RevocationStatus,
    SignatureLevel,
    SignerReport,
    SubIndication,
)
from common.eds.revocation import RevocationData, RevocationSource, summarise_revocation
from common.eds.trust import TrustAnchors

__all__ = ["async_validate_cms", "validate_cms"]

_log = logging.getLogger(__name__)

# What the national PKI issues with RSA keys; anything else is not evaluated (fail closed).
_DIGESTS = frozenset({"sha256", "sha384", "sha512"})
_SIGNATURES = frozenset({"rsassa_pkcs1v15", "sha256_rsa", "sha384_rsa", "sha512_rsa", "rsassa_pss"})

_TOTAL_FAILED = frozenset(
    {
        SubIndication.FORMAT_FAILURE,
        SubIndication.HASH_FAILURE,
        SubIndication.SIG_CRYPTO_FAILURE,
        SubIndication.REVOKED,
        SubIndication.NOT_YET_VALID,
    }
)
_POE_CURABLE = frozenset({SubIndication.REVOKED_NO_POE, SubIndication.OUT_OF_BOUNDS_NO_POE})

_ERROR_KEYS = {
    SubIndication.FORMAT_FAILURE: "cms.malformed",
    SubIndication.HASH_FAILURE: "signature.hash_mismatch",
    SubIndication.SIG_CRYPTO_FAILURE: "signature.invalid",
    SubIndication.REVOKED: "certificate.revoked",
    SubIndication.REVOKED_NO_POE: "certificate.revoked",
    SubIndication.NOT_YET_VALID: "certificate.not_yet_valid",
    SubIndication.OUT_OF_BOUNDS_NO_POE: "certificate.expired",
    SubIndication.NO_CERTIFICATE_CHAIN_FOUND: "chain.untrusted",
    SubIndication.CHAIN_CONSTRAINTS_FAILURE: "chain.constraints",
    SubIndication.REVOKED_CA_NO_POE: "chain.ca_revoked",
    SubIndication.NO_SIGNING_CERTIFICATE_FOUND: "signer.certificate_missing",
    SubIndication.SIG_CONSTRAINTS_FAILURE: "signature.constraints",
    SubIndication.CRYPTO_CONSTRAINTS_FAILURE: "algorithm.unsupported",
    SubIndication.TRY_LATER: "revocation.stale",
}


async def async_validate_cms(
    cms_der: bytes,
    content: bytes,
    trust: TrustAnchors,
    revocation: RevocationSource,
    at: datetime | None = None,
    *,
    poe_time: datetime | None = None,
) -> tuple[SignerReport, ...]:
    """Validate every SignerInfo of a detached CMS over `content`.

    `at` is the validation time (default now); `poe_time` an independent proof that the
    signature existed at that time. Never returns an empty tuple: a CMS that cannot be read
    or has no signers yields one TOTAL_FAILED/FORMAT_FAILURE report.
    """
    validation_time = (at or datetime.now(UTC)).astimezone(UTC)
    if poe_time is not None and poe_time > validation_time:
        raise ValueError("a proof of existence cannot lie after the validation time")
    try:
        signed_data = load_signed_data(strip_pem_armour(cms_der))
    except EdsError as exc:
        return (_format_failure(validation_time, exc.code),)
    if len(signed_data["signer_infos"]) == 0:
        return (_format_failure(validation_time, "cms.no_signers"),)

    singles = [_single_signer_copy(signed_data, si) for si in signed_data["signer_infos"]]
    signer_certs = [_signer_certificate(single) for single in singles]
    data = revocation.revocation_data([c for c in signer_certs if c is not None])
    context = _Context(trust, data, validation_time, at is not None, poe_time)
    return tuple(
        [
            await _validate_one(index, single, cert, content, context)
            for index, (single, cert) in enumerate(zip(singles, signer_certs, strict=True))
        ]
    )


def validate_cms(
    cms_der: bytes,
    content: bytes,
    trust: TrustAnchors,
    revocation: RevocationSource,
    at: datetime | None = None,
    *,
    poe_time: datetime | None = None,
) -> tuple[SignerReport, ...]:
    """Synchronous `async_validate_cms`, for the CLI, workers and tests."""
    return run_sync(async_validate_cms(cms_der, content, trust, revocation, at, poe_time=poe_time))


class _Context:
    """Inputs shared by the SignerInfos of one CMS."""

    def __init__(
        self,
        trust: TrustAnchors,
        data: RevocationData,
        validation_time: datetime,
        historical: bool,
        poe_time: datetime | None,
    ) -> None:
        self.trust = trust
        self.data = data
        self.validation_time = validation_time
        self.historical = historical
        self.poe_time = poe_time
        self.crls, self.ocsps, self.warnings = _parse_revocation(data)

    def spec(self) -> SignatureValidationSpec:
        return SignatureValidationSpec(
            cert_validation_policy=CertValidationPolicySpec(
                trust_manager=_trust_manager(self.trust.roots),
                revinfo_policy=CertRevTrustPolicy(
                    RevocationCheckingPolicy(
                        ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
                        # CA certificates are checked when they name a CRL or OCSP responder.
                        intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED,
                    ),
                    # Revocation data issued after the validation time still speaks about it:
                    # NCA revocations are final (no certificate holds), so this is sound.
                    retroactive_revinfo=True,
                ),
            ),
            local_knowledge=LocalKnowledge(
                known_certs=list(_asn1_certificates(self.trust.intermediates)),
                known_crls=[CRLContainer(c) for c in self.crls],
                known_ocsps=[OCSPContainer(o) for o in self.ocsps],
            ),
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            # Signing and authentication keys both carry digitalSignature; which one a party
            # must use is the party check's business, not the validator's.
            key_usage_settings=KeyUsageConstraints(key_usage={"digital_signature"}),
        )

    async def run(
        self, single: cms.SignedData, raw_digest: bytes, moment: datetime, historical: bool
    ) -> AdESBasicValidationResult:
        timing = ValidationTimingInfo(
            validation_time=moment, best_signature_time=moment, point_in_time_validation=historical
        )
        return await ades_basic_validation(single, self.spec(), timing_info=timing, raw_digest=raw_digest)


# Built once per set of anchors (hashing every name of a root costs ~1 ms per validation);
# both are only read by the validator.
@lru_cache(maxsize=8)
def _trust_manager(roots: tuple[x509.Certificate, ...]) -> SimpleTrustManager:
    return SimpleTrustManager.build(trust_roots=_asn1_certificates(roots))


@lru_cache(maxsize=8)
def _asn1_certificates(certificates: tuple[x509.Certificate, ...]) -> tuple[Asn1Certificate, ...]:
    return tuple(to_asn1(c) for c in certificates)


@dataclass(frozen=True, slots=True)
class _Outcome:
    sub_indication: SubIndication | None  # None: passed
    errors: tuple[str, ...] = ()
    chain: tuple[CertificateSummary, ...] = ()
    best_signature_time: datetime | None = None
    warnings: tuple[str, ...] = ()


async def _validate_one(
    index: int, single: cms.SignedData, cert: x509.Certificate | None, content: bytes, ctx: _Context
) -> SignerReport:
    signer_info = single["signer_infos"][0]
    level = _level(signer_info, cert)
    revocation = (
        summarise_revocation(ctx.data, cert)
        if cert is not None
        else RevocationInfo(RevocationStatus.NOT_CHECKED)
    )
    try:
        outcome = await _assess(single, cert, content, ctx, revocation)
    except Exception:  # a surprise inside the validator must fail closed, never pass
        _log.exception("validation of SignerInfo %d failed unexpectedly", index)
        outcome = _Outcome(SubIndication.GENERIC, ("validation.error",))
    warnings = [*ctx.warnings, *outcome.warnings]
    if level is SignatureLevel.CMS_NOT_ETSI:
        warnings.append("signature.not_cades_baseline_b")
    sub = outcome.sub_indication
    return SignerReport(
        index=index,
        indication=(
            Indication.TOTAL_PASSED
            if sub is None
            else Indication.TOTAL_FAILED
            if sub in _TOTAL_FAILED
            else Indication.INDETERMINATE
        ),
        sub_indication=sub,
        signature_level=level,
        signer=describe_holder(cert) if cert is not None else None,
        chain=outcome.chain or ((_summary(cert),) if cert is not None else ()),
        revocation=revocation,
        claimed_signing_time=_claimed_signing_time(signer_info),
        best_signature_time=outcome.best_signature_time or ctx.validation_time,
        validation_time=ctx.validation_time,
        digest_algorithm=signer_info["digest_algorithm"]["algorithm"].native,
        signature_algorithm=signer_info["signature_algorithm"]["algorithm"].native,
        errors=tuple(dict.fromkeys(outcome.errors)),
        warnings=tuple(dict.fromkeys(warnings)),
    )


async def _assess(
    single: cms.SignedData,
    cert: x509.Certificate | None,
    content: bytes,
    ctx: _Context,
    revocation: RevocationInfo,
) -> _Outcome:
    """pyHanko's basic validation, then the module docstring's rules on top of it."""
    signer_info = single["signer_infos"][0]
    if (
        signer_info["digest_algorithm"]["algorithm"].native not in _DIGESTS
        or signer_info["signature_algorithm"]["algorithm"].native not in _SIGNATURES
    ):
        return _Outcome(SubIndication.CRYPTO_CONSTRAINTS_FAILURE, ("algorithm.unsupported",))
    if cert is None:
        return _Outcome(SubIndication.NO_SIGNING_CERTIFICATE_FOUND, ("signer.certificate_missing",))

    raw_digest = content_digest(signer_info, content)
    result = await ctx.run(single, raw_digest, ctx.validation_time, ctx.historical)
    sub = _sub_indication(result)
    chain = _chain(result)
    if sub is None:
        return _Outcome(None, chain=chain)

    if sub in _POE_CURABLE and ctx.poe_time is not None:
        past = await ctx.run(single, raw_digest, ctx.poe_time, True)
        if _sub_indication(past) is None:
            revoked = sub is SubIndication.REVOKED_NO_POE
            warning = "certificate.revoked_after_poe" if revoked else "certificate.expired_after_poe"
            return _Outcome(
                None, chain=_chain(past) or chain, best_signature_time=ctx.poe_time, warnings=(warning,)
            )
    if sub is SubIndication.REVOKED_NO_POE:
        revoked_at = result.api_status.revocation_details.revocation_date
        claimed = _claimed_signing_time(signer_info)
        if claimed is not None and claimed >= revoked_at:
            errors = ("certificate.revoked", "certificate.revoked_before_signing_time")
            return _Outcome(SubIndication.REVOKED, errors, chain)
    if sub not in _TOTAL_FAILED and cert.not_valid_before_utc > ctx.validation_time:
        return _Outcome(SubIndication.NOT_YET_VALID, ("certificate.not_yet_valid",), chain)
    if (
        sub is SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
        and revocation.status is RevocationStatus.NOT_CHECKED
    ):
        return _Outcome(SubIndication.TRY_LATER, ("revocation.missing",), chain)
    return _Outcome(sub, (_ERROR_KEYS.get(sub, f"validation.{sub.value.lower()}"),), chain)


def _sub_indication(result: AdESBasicValidationResult) -> SubIndication | None:
    if result.ades_subindic is AdESPassed.OK:
        return None
    return SubIndication.__members__.get(result.ades_subindic.name, SubIndication.GENERIC)


def _format_failure(validation_time: datetime, error: str) -> SignerReport:
    return SignerReport(
        index=0,
        indication=Indication.TOTAL_FAILED,
        sub_indication=SubIndication.FORMAT_FAILURE,
        signature_level=SignatureLevel.CMS_NOT_ETSI,
        signer=None,
        chain=(),
        revocation=RevocationInfo(RevocationStatus.NOT_CHECKED),
        claimed_signing_time=None,
        best_signature_time=validation_time,
        validation_time=validation_time,
        digest_algorithm=None,
        signature_algorithm=None,
        errors=(error,),
    )


def _single_signer_copy(signed_data: cms.SignedData, signer_info: cms.SignerInfo) -> cms.SignedData:
    # pyHanko validates exactly one SignerInfo; everything else is shared by all signers.
    # (An absent optional field reads as Void; `.native` would decode every certificate.)
    fields = {
        name: signed_data[name]
        for name in ("version", "digest_algorithms", "encap_content_info", "certificates", "crls")
        if not isinstance(signed_data[name], Void)
    }
    return cms.SignedData({**fields, "signer_infos": [signer_info]})


def _signer_certificate(single: cms.SignedData) -> x509.Certificate | None:
    try:
        found = extract_certificate_info(single).signer_cert
    except CMSExtractionError:
        return None
    return from_asn1(found)


def _claimed_signing_time(signer_info: cms.SignerInfo) -> datetime | None:
    value = _signed_attr(signer_info, "signing_time")
    return value.native.astimezone(UTC) if value is not None else None


def _signed_attr(signer_info: cms.SignerInfo, name: str) -> Asn1Value | None:
    """The single value of a signed attribute; None when absent, empty or repeated, which
    CAdES forbids for every attribute read here."""
    found = [attr["values"] for attr in signer_info["signed_attrs"] if attr["type"].native == name]
    if len(found) != 1 or len(found[0]) != 1:
        return None
    return found[0][0]


def _level(signer_info: cms.SignerInfo, cert: x509.Certificate | None) -> SignatureLevel:
    """CAdES-B (EN 319 122-1): content-type, message-digest, signing-time and a signing-
    certificate(-v2) attribute naming the signer's certificate, which must be embedded."""
    required = ("content_type", "message_digest", "signing_time")
    if cert is None or any(_signed_attr(signer_info, name) is None for name in required):
        return SignatureLevel.CMS_NOT_ETSI
    if (v2 := _signed_attr(signer_info, "signing_certificate_v2")) is not None:
        ess_certs, algorithm = v2["certs"], None
    elif (v1 := _signed_attr(signer_info, "signing_certificate")) is not None:
        ess_certs, algorithm = v1["certs"], "sha1"
    else:
        return SignatureLevel.CMS_NOT_ETSI
    if len(ess_certs) == 0:
        return SignatureLevel.CMS_NOT_ETSI
    first = ess_certs[0]  # the first ESSCertID identifies the signing certificate
    algorithm = algorithm or first["hash_algorithm"]["algorithm"].native
    if algorithm not in _DIGESTS | {"sha1"}:
        return SignatureLevel.CMS_NOT_ETSI
    der = cert.public_bytes(serialization.Encoding.DER)
    matches = hashlib.new(algorithm, der).digest() == first["cert_hash"].native
    return SignatureLevel.CADES_BASELINE_B if matches else SignatureLevel.CMS_NOT_ETSI


def _chain(result: AdESBasicValidationResult) -> tuple[CertificateSummary, ...]:
    path = result.api_status.validation_path if result.api_status is not None else None
    if path is None:
        return ()
    certs = list(path.iter_certs(include_root=True))
    return tuple(_summary(from_asn1(c)) for c in reversed(certs))


def _summary(cert: x509.Certificate) -> CertificateSummary:
    return CertificateSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        serial=format(cert.serial_number, "X"),
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def _parse_revocation(
    data: RevocationData,
) -> tuple[list[crl.CertificateList], list[ocsp.OCSPResponse], list[str]]:
    crls, responses, warnings = [], [], []
    # cryptography parses eagerly, asn1crypto lazily: vet with the former, hand on the latter.
    for der in data.crls:
        try:
            x509.load_der_x509_crl(der)
        except ValueError:
            warnings.append("revocation.crl_unreadable")
        else:
            crls.append(crl.CertificateList.load(der))
    for der in data.ocsp_responses:
        try:
            x509_ocsp.load_der_ocsp_response(der)
        except ValueError:
            warnings.append("revocation.ocsp_unreadable")
        else:
            responses.append(ocsp.OCSPResponse.load(der))
    return crls, responses, warnings
