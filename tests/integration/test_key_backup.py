"""The key-backup endpoints behind the portal's /keys page: a passphrase-wrapped copy of
the private keys, stored and returned as is, its shape checked, its size bounded."""

from __future__ import annotations


import httpx
import pytest

from tests.support.tokens import csrf_token_of, portal_login



def _backup(**changes) -> dict:
    body = {"v": 1, "kdf": "scrypt", "params": {"n": 131072, "r": 8, "p": 1},
            "salt": "A" * 22, "nonce": "B" * 16, "ciphertext": "C" * 200}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


class TestKeyBackup:
    def test_store_and_fetch_a_backup(self, world):
        lise = world.person("lise")
        missing = lise.get("/directory/me/key-backup")
        assert missing.status_code == 404 and missing.json()["code"] == "KEY_BACKUP_NOT_FOUND"
        assert lise.http.put("/directory/me/key-backup", json=_backup()).status_code == 200
        assert lise.ok(lise.get("/directory/me/key-backup"))["backup"] == _backup()
        newer = _backup(kdf="pbkdf2-sha256", params={"iterations": 600000})
        assert lise.http.put("/directory/me/key-backup", json=newer).status_code == 200
        assert lise.ok(lise.get("/directory/me/key-backup"))["backup"] == newer
        assert world.person("solberg").get("/directory/me/key-backup").status_code == 404  # one's own only

    def test_a_real_backup_round_trips(self, world):
        from messaging import backup
        from messaging.keys import Identity

        identity = Identity.generate()
        wrapped = backup.wrap(identity, "correct horse battery staple")
        lise = world.person("lise")
        assert lise.http.put("/directory/me/key-backup", json=wrapped).status_code == 200
        fetched = lise.ok(lise.get("/directory/me/key-backup"))["backup"]
        assert backup.unwrap(fetched, "correct horse battery staple") == identity

    @pytest.mark.parametrize("bad", [
        _backup(v=2), _backup(v="1"), _backup(v=True), _backup(kdf="md5"), _backup(extra="x"), _backup(salt=None),
        _backup(salt="A" * 10), _backup(nonce="B" * 15), _backup(ciphertext="not base64!"),
        _backup(params={"n": 1000, "r": 8, "p": 1}), _backup(params={"iterations": 600000}),
        _backup(kdf="pbkdf2-sha256", params={"iterations": 10}), _backup(params={"n": 131072, "r": 8, "p": 1, "x": 1}),
        [1, 2, 3], "a string",
    ])
    def test_malformed_backups_are_refused_with_a_clear_answer(self, world, bad):
        lise = world.person("lise")
        response = lise.http.put("/directory/me/key-backup", json=bad)
        assert response.status_code == 422 and response.json()["code"] == "INVALID_INPUT"
        assert lise.get("/directory/me/key-backup").status_code == 404

    def test_an_oversized_backup_is_refused(self, world):
        lise = world.person("lise")
        response = lise.http.put("/directory/me/key-backup", json=_backup(ciphertext="C" * 20000))
        assert response.status_code == 413 and response.json()["code"] == "BACKUP_TOO_LARGE"

    def test_a_browser_session_needs_the_csrf_header(self, world):
        client = httpx.Client(base_url=world.base_url, timeout=30)
        portal_login(client, world.base_url, "lise")
        assert client.put("/directory/me/key-backup", json=_backup()).status_code == 403
        token = csrf_token_of(client.get("/keys").text)
        assert client.put("/directory/me/key-backup", json=_backup(), headers={"X-CSRF-Token": token}).status_code == 200
        assert 'data-has-backup="true"' in client.get("/keys").text
        client.close()
