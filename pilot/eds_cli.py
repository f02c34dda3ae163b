"""`rto keys …` (the mock national CA) and `rto eds …` (sign and verify detached CMS)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from common.eds import (
    CaRevocation,
    EdsError,
    Identity,
    MockCA,
    RevocationData,
    RevocationSource,
    Role,
    SignerReport,
    TrustAnchors,
    add_signer,
    load_p12,
    sign_detached,
    validate_cms,
)
from common.settings import data_dir

__all__ = ["eds_app", "keys_app", "pki_dir"]

keys_app = typer.Typer(help="The mock national CA: CA certificates, development identities, revocation.")
eds_app = typer.Typer(help="Sign and verify documents as detached CMS (CAdES-B), as NCALayer does.")

_ROLES = {"head": Role.HEAD, "signer": Role.MAY_SIGN}


def pki_dir() -> Path:
    return data_dir() / "pki"


def _fail(error: EdsError) -> typer.Exit:
    typer.echo(f"error [{error.code}]: {error}", err=True)
    return typer.Exit(2)


@keys_app.command("ca")
def keys_ca(out: Path = typer.Option(..., "--out", help="directory for ca.pem")) -> None:
    """Write the root and issuing CA certificates (PEM) to OUT/ca.pem, creating the CA if needed."""
    ca = MockCA.open(pki_dir())
    out.mkdir(parents=True, exist_ok=True)
    typer.echo(str(ca.write_ca_bundle(out / "ca.pem")))


@keys_app.command("issue")
def keys_issue(
    iin: str = typer.Option(..., help="the holder's IIN (12 digits, valid check digit)"),
    name: str = typer.Option(..., help='"SURNAME NAME" as in the identity document'),
    bin_: str | None = typer.Option(
        None, "--bin", help="the organisation's BIN, for a legal entity's officer"
    ),
    org: str | None = typer.Option(None, help="the organisation's name"),
    role: str | None = typer.Option(None, help="head | signer (with --bin)"),
    patronymic: str | None = typer.Option(None, help="written to G, as NCA does"),
    password: str = typer.Option(..., prompt=True, hide_input=True, help="password of the PKCS#12 files"),
    out: Path = typer.Option(..., "--out", help="directory for sign.p12 and auth.p12"),
) -> None:
    """Issue signing and authentication certificates; writes OUT/sign.p12 and OUT/auth.p12."""
    surname, _, given = name.strip().partition(" ")
    if not given:
        raise typer.BadParameter('give the name as "SURNAME NAME"', param_hint="--name")
    if bin_ is not None and (org is None or role not in _ROLES):
        raise typer.BadParameter("--bin needs --org and --role head|signer", param_hint="--bin")
    try:
        if bin_ is None:
            identity = Identity.individual(iin, surname, given, patronymic)
        else:
            identity = Identity.officer(
                iin,
                surname,
                given,
                bin=bin_,
                organisation=org or "",
                role=_ROLES[role or ""],
                patronymic=patronymic,
            )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    issued = MockCA.open(pki_dir()).issue(identity)
    sign_path, auth_path = issued.write(out, password)
    typer.echo(
        json.dumps(
            {
                "sign": str(sign_path),
                "auth": str(auth_path),
                "subject": identity.common_name,
                "sign_serial": format(issued.sign.certificate.serial_number, "x"),
                "auth_serial": format(issued.auth.certificate.serial_number, "x"),
            }
        )
    )


@keys_app.command("revoke")
def keys_revoke(
    p12: Path = typer.Option(..., exists=True, dir_okay=False, help="PKCS#12 file of the certificate"),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    reason: str = typer.Option("key_compromise", help="CRL reason (cryptography ReasonFlags name)"),
) -> None:
    """Revoke the certificate in P12; the CRL and OCSP answers show it from now on."""
    from cryptography import x509

    try:
        store = load_p12(p12.read_bytes(), password)
        record = MockCA.load(pki_dir()).revoke(store.certificate, x509.ReasonFlags[reason])
    except EdsError as error:
        raise _fail(error) from None
    except KeyError:
        raise typer.BadParameter(f"unknown reason {reason!r}", param_hint="--reason") from None
    typer.echo(json.dumps({"serial": format(record.serial, "x"), "revoked_at": str(record.revoked_at)}))


@eds_app.command("sign")
def eds_sign(
    p12: Path = typer.Option(..., exists=True, dir_okay=False),
    password: str = typer.Option(..., prompt=True, hide_input=True),
    in_: Path = typer.Option(..., "--in", exists=True, dir_okay=False, help="the document"),
    out: Path = typer.Option(..., "--out", help="where to write the DER CMS (.p7s)"),
    add_to: Path | None = typer.Option(
        None, "--add-to", exists=True, dir_okay=False, help="existing CMS to add this signer to"
    ),
) -> None:
    """Sign DOC as detached CMS (binary mode); with --add-to, add a parallel SignerInfo."""
    content = in_.read_bytes()
    try:
        if add_to is None:
            signed = sign_detached(content, p12.read_bytes(), password)
        else:
            signed = add_signer(add_to.read_bytes(), content, p12.read_bytes(), password)
    except EdsError as error:
        raise _fail(error) from None
    out.write_bytes(signed)
    typer.echo(str(out))


def _trust_and_revocation(ca_file: Path | None, crl: list[Path]) -> tuple[TrustAnchors, RevocationSource]:
    if ca_file is not None:
        return TrustAnchors.from_file(ca_file), RevocationData.from_files(*crl)
    ca = MockCA.load(pki_dir())
    return TrustAnchors.from_ca(ca), CaRevocation(ca)


def _table(reports: tuple[SignerReport, ...]) -> Table:
    table = Table(title="Signatures")
    for column in ("#", "result", "signer", "IIN", "BIN", "roles", "revocation", "signed (claimed)"):
        table.add_column(column)
    for report in reports:
        holder = report.signer
        result = report.indication.value + (
            f" / {report.sub_indication.value}" if report.sub_indication else ""
        )
        table.add_row(
            str(report.index),
            f"[{'green' if report.passed else 'red'}]{result}[/]",
            holder.common_name if holder else "—",
            (holder.iin or "—") if holder else "—",
            (holder.bin or "—") if holder else "—",
            ", ".join(r.value for r in holder.roles) if holder else "—",
            report.revocation.status.value,
            report.claimed_signing_time.isoformat() if report.claimed_signing_time else "—",
        )
    return table


@eds_app.command("verify")
def eds_verify(
    in_: Path = typer.Option(..., "--in", exists=True, dir_okay=False, help="the CMS (.p7s, DER/PEM/base64)"),
    content: Path = typer.Option(..., exists=True, dir_okay=False, help="the signed document"),
    as_json: bool = typer.Option(False, "--json", help="print the reports as JSON"),
    ca_file: Path | None = typer.Option(None, "--ca", exists=True, help="trust these CA certificates (PEM)"),
    crl: list[Path] = typer.Option([], "--crl", exists=True, help="CRL or OCSP response files (with --ca)"),
) -> None:
    """Validate every signer; exit 0 only when every signer is TOTAL_PASSED."""
    try:
        trust, revocation = _trust_and_revocation(ca_file, crl)
        reports = validate_cms(in_.read_bytes(), content.read_bytes(), trust, revocation)
    except EdsError as error:
        raise _fail(error) from None
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=2))
    else:
        Console().print(_table(reports))
        for report in reports:
            for error in report.errors:
                typer.echo(f"  signer {report.index}: {error}")
    if not reports or not all(r.passed for r in reports):
        raise typer.Exit(1)
