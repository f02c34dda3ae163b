"""`rto signer`: the NCALayer protocol over a real WebSocket, signing with `rto keys`-style
PKCS#12 files, and the signatures accepted by the national-CA validation."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve

from common.eds import CaRevocation, Identity, MockCA, TrustAnchors, strip_pem_armour, validate_cms
from pilot.signer import Emulator, load_keys
from tests.portal.conftest import new_iin


@pytest.fixture
def p12(pki_dir: Path, tmp_path: Path) -> Path:
    issued = MockCA.load(pki_dir).issue(Identity.individual(new_iin(), "Тестова", "Айша"))
    sign, _auth = issued.write(tmp_path / "keys", "pw")
    return sign


async def _session(emulator: Emulator, exchange):
    async with serve(emulator.session, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        async with connect(f"ws://127.0.0.1:{port}/") as ws:
            return await exchange(ws)


async def test_protocol_greeting_heartbeat_probe_and_signatures(p12: Path, pki_dir: Path):
    emulator = Emulator(load_keys([p12], "pw"))
    document = "Договор аренды с выкупом".encode()

    async def exchange(ws):
        greeting = json.loads(await ws.recv())
        await ws.send("--heartbeat--")
        heartbeat = await ws.recv()
        await ws.send(json.dumps({"module": "kz.digiflow.mobile.extensions", "method": "getVersion"}))
        probe = json.loads(await ws.recv())
        await ws.send(
            json.dumps(
                {
                    "module": "kz.gov.pki.knca.basics",
                    "method": "sign",
                    "args": {
                        "format": "cms",
                        "data": base64.b64encode(document).decode(),
                        "signingParams": {"decode": "true", "encapsulate": False, "digested": False},
                        "signerParams": {"extKeyUsageOids": ["1.3.6.1.5.5.7.3.4"]},
                        "locale": "ru",
                    },
                }
            )
        )
        basics = json.loads(await ws.recv())
        await ws.send(
            json.dumps(
                {
                    "module": "kz.gov.pki.knca.commonUtils",
                    "method": "createCAdESFromBase64",
                    "args": ["PKCS12", "SIGNATURE", base64.b64encode(document).decode(), False],
                }
            )
        )
        legacy = json.loads(await ws.recv())
        await ws.send(
            json.dumps(
                {
                    "module": "kz.gov.pki.knca.basics",
                    "method": "sign",
                    "args": {"format": "cms", "data": "x", "signingParams": "bad", "signerParams": {}},
                }
            )
        )
        invalid = json.loads(await ws.recv())
        return greeting, heartbeat, probe, basics, legacy, invalid

    greeting, heartbeat, probe, basics, legacy, invalid = await _session(emulator, exchange)
    assert greeting == {"result": {"version": "1.4"}}
    assert heartbeat == "--heartbeat--"
    assert probe == {"success": False, "errorCode": "MODULE_NOT_FOUND"}
    assert basics["status"] is True
    (pem,) = basics["body"]["result"]
    assert pem.startswith("-----BEGIN CMS-----\n")
    assert pem.endswith("-----END CMS-----\n")
    assert legacy["code"] == "200"
    assert invalid["code"] == "INVOCATION_ERROR"
    ca = MockCA.load(pki_dir)
    for cms in (pem, legacy["responseObject"]):
        (report,) = validate_cms(strip_pem_armour(cms), document, TrustAnchors.from_ca(ca), CaRevocation(ca))
        assert report.passed


async def test_the_user_can_cancel(p12: Path):
    emulator = Emulator(load_keys([p12], "pw"), script=["cancel", "cancel"])

    async def exchange(ws):
        await ws.recv()
        await ws.send(
            json.dumps(
                {
                    "module": "kz.gov.pki.knca.basics",
                    "method": "sign",
                    "args": {
                        "format": "cms",
                        "data": "eA==",
                        "signingParams": {"encapsulate": False},
                        "signerParams": {"extKeyUsageOids": []},
                    },
                }
            )
        )
        basics = json.loads(await ws.recv())
        await ws.send(
            json.dumps(
                {
                    "module": "kz.gov.pki.knca.commonUtils",
                    "method": "createCAdESFromBase64",
                    "args": ["PKCS12", "SIGNATURE", "eA==", False],
                }
            )
        )
        return basics, json.loads(await ws.recv())

    basics, legacy = await _session(emulator, exchange)
    assert basics == {"status": True, "body": {}}
    assert legacy == {"code": "500", "message": "action.canceled"}


def test_the_vendored_client_is_the_published_one():
    vendored = Path(__file__).parents[2] / "portal/static/vendor/ncalayer-js-client"
    digest = hashlib.sha256((vendored / "ncalayer-client.js").read_bytes()).hexdigest()
    assert digest == "b84d1425a63d163280df60315437f309e4822345acce61fb73a725321f723833"  # npm 1.5.6
    assert "MIT License" in (vendored / "LICENSE").read_text()
