"""Derandomized HPKE ``SealBase`` for the two envelope v1 KEMs: for the vector generator only.

``cryptography`` (the production HPKE) takes its ephemeral randomness from OpenSSL, which
cannot be seeded, so a wrap it makes can never be made again.  The vectors must be
reproducible from fixed seeds, so the generator seals wraps with this module instead,
given the encapsulation randomness explicitly; the tests then open them with the
production code (Python) and ``@hpke/*`` (browser), so every wrap here is checked by two
independent implementations.  Nothing in samband imports this.

- X-Wing (HPKE KEM 0x647A) as draft-connolly-cfrg-xwing-kem-05 and later specify it:
  ``EncapsulateDerand(pk, eseed)`` with ``ss = SHA3-256(ss_M || ss_X || ct_X || pk_X ||
  XWingLabel)`` (the label last), on ML-KEM-768 ``Encaps_internal`` of FIPS 203.
  ``tests/unit/messaging/test_xwing_draft.py`` checks it against the draft's own test
  vector, byte for byte.
- DHKEM(X25519, HKDF-SHA256) (HPKE KEM 0x0020) of RFC 9180 with a given ephemeral key, or
  with a given ``enc`` and a forced all-zero Diffie-Hellman output: the wrap a sender
  makes with a low-order ``enc``, which a recipient MUST refuse (RFC 9180 §7.1.4).
- The base-mode key schedule and a single-shot ChaCha20-Poly1305 seal (RFC 9180 §5),
  KDF HKDF-SHA256.

Pure Python and ``cryptography``; slow and not constant-time, which does not matter for
writing test vectors.
"""

from __future__ import annotations

import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

KEM_XWING = 0x647A
KEM_X25519 = 0x0020
KDF_HKDF_SHA256 = 0x0001
AEAD_CHACHA20_POLY1305 = 0x0003
XWING_LABEL = b"\\.//^\\"  # the 6 bytes 5c2e2f2f5e5c

# --- ML-KEM-768 encapsulation (FIPS 203, Algorithms 13, 14, 17 and their helpers) --------------

Q, N, K, ETA1, ETA2, DU, DV = 3329, 256, 3, 2, 2, 10, 4


def _bitrev7(i: int) -> int:
    return int(f"{i:07b}"[::-1], 2)


ZETAS = [pow(17, _bitrev7(i), Q) for i in range(128)]
GAMMAS = [pow(17, 2 * _bitrev7(i) + 1, Q) for i in range(128)]


def _ntt(f: list[int]) -> list[int]:
    f, i, length = list(f), 1, 128
    while length >= 2:
        for start in range(0, N, 2 * length):
            zeta = ZETAS[i]
            i += 1
            for j in range(start, start + length):
                t = zeta * f[j + length] % Q
                f[j + length] = (f[j] - t) % Q
                f[j] = (f[j] + t) % Q
        length //= 2
    return f


def _ntt_inverse(f: list[int]) -> list[int]:
    f, i, length = list(f), 127, 2
    while length <= 128:
        for start in range(0, N, 2 * length):
            zeta = ZETAS[i]
            i -= 1
            for j in range(start, start + length):
                t = f[j]
                f[j] = (t + f[j + length]) % Q
                f[j + length] = zeta * (f[j + length] - t) % Q
        length *= 2
    return [x * 3303 % Q for x in f]


def _multiply_ntts(f: list[int], g: list[int]) -> list[int]:
    h = [0] * N
    for i in range(128):
        a0, a1, b0, b1 = f[2 * i], f[2 * i + 1], g[2 * i], g[2 * i + 1]
        h[2 * i] = (a0 * b0 + a1 * b1 * GAMMAS[i]) % Q
        h[2 * i + 1] = (a0 * b1 + a1 * b0) % Q
    return h


def _add(*polys: list[int]) -> list[int]:
    return [sum(c) % Q for c in zip(*polys, strict=True)]


def _bits(data: bytes) -> list[int]:
    return [(byte >> k) & 1 for byte in data for k in range(8)]


def _byte_encode(f: list[int], d: int) -> bytes:
    bits = [(a >> k) & 1 for a in f for k in range(d)]
    return bytes(sum(bits[i + k] << k for k in range(8)) for i in range(0, len(bits), 8))


def _byte_decode(data: bytes, d: int) -> list[int]:
    bits, m = _bits(data), (1 << d) if d < 12 else Q
    return [sum(bits[i * d + k] << k for k in range(d)) % m for i in range(N)]


def _compress(f: list[int], d: int) -> list[int]:
    return [((x << d) + Q // 2) // Q % (1 << d) for x in f]


def _decompress(f: list[int], d: int) -> list[int]:
    return [(y * Q + (1 << (d - 1))) >> d for y in f]


def _sample_ntt(seed: bytes) -> list[int]:
    stream, out, pos = hashlib.shake_128(seed).digest(1344), [], 0
    while len(out) < N:
        if pos + 3 > len(stream):  # rare: read further along the same XOF
            stream = hashlib.shake_128(seed).digest(2 * len(stream))
        c0, c1, c2 = stream[pos], stream[pos + 1], stream[pos + 2]
        pos += 3
        d1, d2 = c0 + 256 * (c1 % 16), c1 // 16 + 16 * c2
        if d1 < Q:
            out.append(d1)
        if d2 < Q and len(out) < N:
            out.append(d2)
    return out


def _cbd(data: bytes, eta: int) -> list[int]:
    bits = _bits(data)
    return [(sum(bits[2 * i * eta + j] for j in range(eta)) - sum(bits[2 * i * eta + eta + j] for j in range(eta))) % Q
            for i in range(N)]


def _prf(eta: int, s: bytes, b: int) -> bytes:
    return hashlib.shake_256(s + bytes([b])).digest(64 * eta)


def mlkem768_encaps_derand(ek: bytes, m: bytes) -> tuple[bytes, bytes]:
    """``(shared_key, ciphertext)`` = ML-KEM-768.Encaps_internal(ek, m)."""
    if len(ek) != 384 * K + 32 or len(m) != 32:
        raise ValueError("an ML-KEM-768 encapsulation key is 1184 bytes, m is 32")
    t_hat = [_byte_decode(ek[384 * i: 384 * (i + 1)], 12) for i in range(K)]
    if b"".join(_byte_encode(t, 12) for t in t_hat) != ek[: 384 * K]:
        raise ValueError("ML-KEM encapsulation key check failed (FIPS 203 §7.2)")
    rho = ek[384 * K:]
    g = hashlib.sha3_512(m + hashlib.sha3_256(ek).digest()).digest()
    shared, r = g[:32], g[32:]
    a_hat = [[_sample_ntt(rho + bytes([j, i])) for j in range(K)] for i in range(K)]
    y = [_cbd(_prf(ETA1, r, i), ETA1) for i in range(K)]
    e1 = [_cbd(_prf(ETA2, r, K + i), ETA2) for i in range(K)]
    e2 = _cbd(_prf(ETA2, r, 2 * K), ETA2)
    y_hat = [_ntt(p) for p in y]
    u = [_add(_ntt_inverse(_add(*(_multiply_ntts(a_hat[j][i], y_hat[j]) for j in range(K)))), e1[i]) for i in range(K)]
    mu = _decompress(_byte_decode(m, 1), 1)
    v = _add(_ntt_inverse(_add(*(_multiply_ntts(t_hat[j], y_hat[j]) for j in range(K)))), e2, mu)
    c1 = b"".join(_byte_encode(_compress(p, DU), DU) for p in u)
    return shared, c1 + _byte_encode(_compress(v, DV), DV)


# --- X-Wing (draft-connolly-cfrg-xwing-kem-05 and later) ------------------------------------


def _x25519(scalar: bytes, point: bytes) -> bytes:
    return x25519.X25519PrivateKey.from_private_bytes(scalar).exchange(x25519.X25519PublicKey.from_public_bytes(point))


def _x25519_base(scalar: bytes) -> bytes:
    return x25519.X25519PrivateKey.from_private_bytes(scalar).public_key().public_bytes_raw()


def xwing_combiner(ss_m: bytes, ss_x: bytes, ct_x: bytes, pk_x: bytes) -> bytes:
    return hashlib.sha3_256(ss_m + ss_x + ct_x + pk_x + XWING_LABEL).digest()


def xwing_encapsulate_derand(pk: bytes, eseed: bytes) -> tuple[bytes, bytes]:
    """``(ss, ct)``: X-Wing ``EncapsulateDerand`` (draft -05 and later, §"Encapsulation")."""
    if len(pk) != 1216 or len(eseed) != 64:
        raise ValueError("an X-Wing public key is 1216 bytes, eseed is 64")
    pk_m, pk_x, ek_x = pk[:1184], pk[1184:], eseed[32:]
    ct_x = _x25519_base(ek_x)
    ss_x = _x25519(ek_x, pk_x)
    ss_m, ct_m = mlkem768_encaps_derand(pk_m, eseed[:32])
    return xwing_combiner(ss_m, ss_x, ct_x, pk_x), ct_m + ct_x


# --- HPKE (RFC 9180), base mode, HKDF-SHA256, ChaCha20-Poly1305 ---------------------------------


def _extract(salt: bytes, ikm: bytes) -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


def _expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, n = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([n]), hashlib.sha256).digest()
        out, n = out + block, n + 1
    return out[:length]


def _labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return _extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def _labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return _expand(prk, struct.pack(">H", length) + b"HPKE-v1" + suite_id + label + info, length)


def dhkem_x25519_shared_secret(dh: bytes, enc: bytes, pk_r: bytes) -> bytes:
    """DHKEM ``ExtractAndExpand(dh, enc || pkRm)`` with the KEM's own suite id."""
    suite_id = b"KEM" + struct.pack(">H", KEM_X25519)
    prk = _labeled_extract(suite_id, b"", b"eae_prk", dh)
    return _labeled_expand(suite_id, prk, b"shared_secret", enc + pk_r, 32)


def key_schedule(kem_id: int, shared_secret: bytes, info: bytes) -> tuple[bytes, bytes]:
    """``(key, base_nonce)`` of the base-mode key schedule (RFC 9180 §5.1)."""
    suite_id = b"HPKE" + struct.pack(">HHH", kem_id, KDF_HKDF_SHA256, AEAD_CHACHA20_POLY1305)
    context = (b"\x00" + _labeled_extract(suite_id, b"", b"psk_id_hash", b"")
               + _labeled_extract(suite_id, b"", b"info_hash", info))
    secret = _labeled_extract(suite_id, shared_secret, b"secret", b"")
    return (_labeled_expand(suite_id, secret, b"key", context, 32),
            _labeled_expand(suite_id, secret, b"base_nonce", context, 12))


def seal_base(kem_id: int, shared_secret: bytes, enc: bytes, info: bytes, plaintext: bytes) -> bytes:
    """``enc || ct`` of a single-shot SealBase with an empty aad, given the KEM's output."""
    key, nonce = key_schedule(kem_id, shared_secret, info)
    return enc + ChaCha20Poly1305(key).encrypt(nonce, plaintext, b"")


def seal(kem_id: int, public_key: bytes, info: bytes, plaintext: bytes, randomness: bytes) -> bytes:
    """A wrap (``enc || ct``) sealed to ``public_key`` with the given encapsulation
    randomness: the 64-byte X-Wing ``eseed``, or the 32-byte X25519 ephemeral key."""
    if kem_id == KEM_XWING:
        ss, enc = xwing_encapsulate_derand(public_key, randomness)
    elif kem_id == KEM_X25519:
        enc = _x25519_base(randomness)
        ss = dhkem_x25519_shared_secret(_x25519(randomness, public_key), enc, public_key)
    else:
        raise ValueError(f"unknown KEM id {kem_id:#06x}")
    return seal_base(kem_id, ss, enc, info, plaintext)


def seal_x25519_all_zero(public_key: bytes, enc: bytes, info: bytes, plaintext: bytes) -> bytes:
    """A DHKEM(X25519) wrap whose ``enc`` is a low-order point: the Diffie-Hellman output
    is 32 zero bytes whatever the recipient's key, and the wrap is sealed under the
    secret derived from that.  It opens only for an implementation that skips the
    all-zero check RFC 9180 §7.1.4 requires."""
    return seal_base(KEM_X25519, dhkem_x25519_shared_secret(bytes(32), enc, public_key), enc, info, plaintext)
