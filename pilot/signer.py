"""`rto signer`: a local emulator of NCALayer, the national signing app, for development and tests.

It speaks the NCALayer WebSocket protocol (research/ncalayer-protocol.md) on 127.0.0.1 only:
the greeting `{"result":{"version":"1.4"}}` on open, the `--heartbeat--` echo, the
`MODULE_NOT_FOUND` answer to the KAZTOKEN probe (without it `NCALayerClient.connect()` hangs),
`kz.gov.pki.knca.basics` `sign` (CMS; detached or attached; result always an array of PEM CMS)
and the legacy `kz.gov.pki.knca.commonUtils` `createCAdESFromBase64` (bare base64 DER) and
`getActiveTokens`. Signatures are real: the keys are PKCS#12 files made by `rto keys`, and the
CMS comes from `common.eds`. There is no dialog: the "user" picks the first key whose
certificate fits the request, and `Emulator.script` lets tests make the user cancel.
"""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from common.eds.cms import async_sign_detached
from common.eds.holder import describe_holder
from common.eds.keystore import KeyStore, load_p12
from common.settings import data_dir

__all__ = ["DEFAULT_PORT", "Emulator", "load_keys", "run_signer", "tls_context"]

DEFAULT_PORT = 13579
GREETING = json.dumps({"result": {"version": "1.4"}})
HEARTBEAT = "--heartbeat--"
BASICS = "kz.gov.pki.knca.basics"
COMMON_UTILS = "kz.gov.pki.knca.commonUtils"
_EKU_SIGN = "1.3.6.1.5.5.7.3.4"
_EKU_AUTH = "1.3.6.1.5.5.7.3.2"


def load_keys(paths: Sequence[Path], password: str) -> list[KeyStore]:
    """The key stores to offer; a `sign.p12` brings its sibling `auth.p12` (as `rto keys` writes them)."""
    found: list[Path] = []
    for path in paths:
        found.append(path)
        sibling = path.with_name("auth.p12")
        if path.name == "sign.p12" and sibling.exists() and sibling not in paths:
            found.append(sibling)
    return [load_p12(p.read_bytes(), password) for p in found]


def _flag(value: Any, default: bool) -> bool:
    # NCALayer reads these with org.json, which takes both booleans and "true"/"false" strings.
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


def _pem(der: bytes) -> str:
    body = "\n".join(textwrap.wrap(base64.b64encode(der).decode(), 64))
    return f"-----BEGIN CMS-----\n{body}\n-----END CMS-----\n"


def _failure(code: str, message: str, details: str = "") -> dict[str, Any]:
    return {"status": False, "code": code, "message": message, "details": details}


@dataclass
class Emulator:
    """One emulated NCALayer. `script` holds what the "user" does for the next requests
    ("sign" or "cancel"); when empty, the user signs."""

    keys: list[KeyStore]
    script: list[str] = field(default_factory=list)

    def _user_cancels(self) -> bool:
        return bool(self.script) and self.script.pop(0) == "cancel"

    def _pick(self, oids: Sequence[str], iin: str = "", bin_: str = "") -> KeyStore | None:
        for store in self.keys:
            holder = describe_holder(store.certificate)
            if not set(oids) <= set(holder.extended_key_usages):
                continue
            if (iin and holder.iin != iin) or (bin_ and holder.bin != bin_):
                continue
            return store
        return None

    async def handle(self, message: str) -> str:
        if message == HEARTBEAT:
            return HEARTBEAT
        try:
            request = json.loads(message)
        except json.JSONDecodeError:
            return json.dumps({"success": False, "code": "COMMON_JSON_WRAPPING_EXCEPTION"})
        if not isinstance(request, dict):
            return json.dumps({"success": False, "code": "COMMON_JSON_WRAPPING_EXCEPTION"})
        module, method = request.get("module"), request.get("method")
        if module == BASICS:
            answer = await self._basics(method, request.get("args"))
        elif module == COMMON_UTILS:
            answer = await self._common_utils(method, request.get("args"))
        else:  # the KAZTOKEN probe among others: real NCALayer knows no such module
            answer = {"success": False, "errorCode": "MODULE_NOT_FOUND"}
        return json.dumps(answer, ensure_ascii=False)

    async def _basics(self, method: Any, args: Any) -> dict[str, Any]:
        if method != "sign" or not isinstance(args, dict):
            return _failure("GENERAL_ERROR", "General error.")
        for name in ("signingParams", "signerParams"):
            if not isinstance(args.get(name), dict):
                return _failure(
                    "INVOCATION_ERROR",
                    "An invoked method threw an exception.",
                    f'org.json.JSONException: JSONObject["{name}"] is not a JSONObject.',
                )
        if args.get("format") != "cms":
            return _failure("SIGNING_FAILURE", "Signing has failed.", "only cms is emulated")
        signing, signer = args["signingParams"], args["signerParams"]
        decode = _flag(signing.get("decode"), False)
        detached = not _flag(signing.get("encapsulate"), True)
        if _flag(signing.get("digested"), False) or not detached:
            return _failure("SIGNING_FAILURE", "Signing has failed.", "only detached, undigested CMS")
        items = args.get("data")
        items = items if isinstance(items, list) else [items]
        if not items or not all(isinstance(i, str) for i in items):
            return _failure("SIGNING_FAILURE", "Signing has failed.", "data must be a string or strings")
        store = self._pick(
            signer.get("extKeyUsageOids") or [], str(signer.get("iin") or ""), str(signer.get("bin") or "")
        )
        if self._user_cancels() or store is None:
            return {"status": True, "body": {}}  # the user closed the dialog (or had no fitting key)
        result = []
        for item in items:
            try:
                content = base64.b64decode(item, validate=True) if decode else item.encode()
            except ValueError:
                return _failure(
                    "SIGNING_FAILURE",
                    "Signing has failed.",
                    "java.lang.IllegalArgumentException: Illegal base64 character 2d",
                )
            result.append(_pem(await async_sign_detached(content, store)))
        return {"status": True, "body": {"result": result}}

    async def _common_utils(self, method: Any, args: Any) -> dict[str, Any]:
        if method == "getActiveTokens":
            return {"code": "200", "responseObject": []}  # hardware tokens only; we have none
        if method != "createCAdESFromBase64":
            return {"code": "500", "message": f"java.lang.NoSuchMethodException: {method}"}
        valid = (
            isinstance(args, list)
            and len(args) == 4
            and all(isinstance(a, str) for a in args[:3])
            and isinstance(args[3], bool)
        )
        if not valid:
            message = f"java.lang.IllegalArgumentException: argument type mismatch. Method: {method}"
            return {"code": "500", "message": message}
        _storage, key_type, data, attach = args
        if attach:
            return {"code": "500", "message": "only detached signatures are emulated"}
        oids = {"SIGNATURE": [_EKU_SIGN], "AUTHENTICATION": [_EKU_AUTH]}.get(key_type, [])
        store = self._pick(oids)
        if self._user_cancels() or store is None:
            return {"code": "500", "message": "action.canceled"}
        try:
            content = base64.b64decode(data, validate=True)
        except ValueError:
            return {"code": "500", "message": "java.lang.IllegalArgumentException: Illegal base64 character"}
        der = await async_sign_detached(content, store)
        return {"code": "200", "responseObject": base64.b64encode(der).decode()}

    async def session(self, connection: ServerConnection) -> None:
        """One client connection: the greeting, then one answer per request, in order."""
        try:
            await connection.send(GREETING)
            async for message in connection:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                await connection.send(await self.handle(text))
        except ConnectionClosed:
            return  # clients often drop the socket without a close frame

    async def serve_forever(
        self, port: int = DEFAULT_PORT, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        async with serve(self.session, "127.0.0.1", port, ssl=ssl_context) as server:
            await server.serve_forever()


def tls_context(directory: Path | None = None) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1 (written once under
    `<RTO_DATA_DIR>/signer/`); trust `tls.crt.pem` in the browser to use wss://."""
    directory = directory or data_dir() / "signer"
    cert_path, key_path = directory / "tls.crt.pem", directory / "tls.key.pem"
    if not cert_path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1 (rto signer)")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=825))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(IPv4Address("127.0.0.1"))]
                ),
                critical=False,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def run_signer(p12: Sequence[Path], password: str, port: int = DEFAULT_PORT, plain_ws: bool = False) -> None:
    """Blocking entry point of `rto signer --p12 FILE --password PW [--port 13579] [--plain-ws]`."""
    emulator = Emulator(load_keys(list(p12), password))
    context = None if plain_ws else tls_context()
    purposes = ", ".join(
        f"{describe_holder(k.certificate).common_name} ({describe_holder(k.certificate).key_purpose})"
        for k in emulator.keys
    )
    scheme = "ws" if plain_ws else "wss"
    print(f"NCALayer emulator on {scheme}://127.0.0.1:{port}/ with keys: {purposes}")
    asyncio.run(emulator.serve_forever(port, context))
