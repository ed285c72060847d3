"""Passphrase backups of private keys (messaging.backup), and the browser's backups.

The browser (web/frontend/src/backup.js, run under node) and Python write the same
format: each opens the other's backups, and both call a wrong passphrase a wrong
passphrase.  Needs node and `npm ci --prefix web/frontend`; fails (never skips) without.
"""

from __future__ import annotations

import json

import pytest

from messaging import backup
from messaging.backup import MalformedBackup, WrongPassphrase
from messaging.keys import Identity
from tests.unit.frontend.node import run_node

IDENTITY = Identity(bytes(range(32)), bytes(range(32, 64)), bytes(range(64, 96)))
PASSPHRASE = "Fire små hester på Hardangervidda"


def _pbkdf2(identity: Identity = IDENTITY, passphrase: str = PASSPHRASE) -> dict:
    return backup.wrap(identity, passphrase, kdf="pbkdf2-sha256")


class TestPython:
    def test_scrypt_round_trip_and_format(self) -> None:
        data = backup.wrap(IDENTITY, PASSPHRASE)
        assert list(data) == ["v", "kdf", "params", "salt", "nonce", "ciphertext"]
        assert (data["v"], data["kdf"], data["params"]) == (1, "scrypt", {"n": 131072, "r": 8, "p": 1})
        assert backup.unwrap(json.dumps(data), PASSPHRASE) == IDENTITY

    def test_wrong_passphrase_loses_nothing(self) -> None:
        data = _pbkdf2()
        before = json.dumps(data)
        with pytest.raises(WrongPassphrase, match="wrong passphrase"):
            backup.unwrap(data, PASSPHRASE + " ")
        assert json.dumps(data) == before
        assert backup.unwrap(data, PASSPHRASE) == IDENTITY

    def test_identity_without_x25519_and_fresh_randomness(self) -> None:
        plain = Identity(IDENTITY.encryption_seed, IDENTITY.signing_key)
        a, b = _pbkdf2(plain), _pbkdf2(plain)
        assert (a["salt"], a["nonce"]) != (b["salt"], b["nonce"])
        assert backup.unwrap(a, PASSPHRASE) == plain

    def test_nfc_passphrases(self) -> None:
        data = backup.wrap(IDENTITY, "bl\u00e5b\u00e6r", kdf="pbkdf2-sha256")
        assert backup.unwrap(data, "bla\u030ab\u00e6r") == IDENTITY
        with pytest.raises(TypeError):
            backup.wrap(IDENTITY, "")

    def test_pbkdf2_needs_600k_iterations(self) -> None:
        with pytest.raises(ValueError, match="600000"):
            backup.wrap(IDENTITY, PASSPHRASE, kdf="pbkdf2-sha256", params={"iterations": 100_000})

    @pytest.mark.parametrize("change", [
        {"v": 2}, {"v": "1"}, {"kdf": "argon2id"}, {"params": {"iterations": 10}}, {"params": {"iterations": True}},
        {"kdf": "scrypt", "params": {"n": 2**21, "r": 8, "p": 1}},
        {"kdf": "scrypt", "params": {"n": 1000, "r": 8, "p": 1}},
        {"nonce": "AAAA"}, {"salt": "***"}, {"ciphertext": None}, {"salt": "AAAA"},
    ])
    def test_malformed_backups(self, change: dict) -> None:
        with pytest.raises(MalformedBackup):
            backup.unwrap({**_pbkdf2(), **change}, PASSPHRASE)

    def test_not_json_and_tampering(self) -> None:
        with pytest.raises(MalformedBackup):
            backup.unwrap("{not json", PASSPHRASE)
        data = _pbkdf2()
        c = data["ciphertext"]
        data["ciphertext"] = c[:5] + ("B" if c[5] == "A" else "A") + c[6:]
        with pytest.raises(WrongPassphrase):
            backup.unwrap(data, PASSPHRASE)


class TestBrowserInterop:
    @pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2-sha256"])
    def test_python_opens_a_browser_backup(self, kdf: str) -> None:
        made = run_node("backup_wrap", {"identity": IDENTITY.to_json(), "passphrase": PASSPHRASE, "kdf": kdf})["backup"]
        assert made["kdf"] == kdf and made["v"] == 1
        assert backup.unwrap(json.dumps(made), PASSPHRASE) == IDENTITY
        with pytest.raises(WrongPassphrase):
            backup.unwrap(made, PASSPHRASE.upper())

    @pytest.mark.parametrize("kdf", ["scrypt", "pbkdf2-sha256"])
    def test_browser_opens_a_python_backup(self, kdf: str) -> None:
        made = backup.wrap(IDENTITY, PASSPHRASE, kdf=kdf)
        answers = run_node("batch", [
            {"cmd": "backup_unwrap", "args": {"backup": made, "passphrase": PASSPHRASE}},
            {"cmd": "backup_unwrap", "args": {"backup": json.dumps(made), "passphrase": "feil"}},
            {"cmd": "backup_unwrap", "args": {"backup": {**made, "v": 2}, "passphrase": PASSPHRASE}},
        ])
        assert answers[0] == {"identity": IDENTITY.to_json()}
        assert answers[1]["error"] == "WrongPassphrase"
        assert answers[2]["error"] == "MalformedBackup"
