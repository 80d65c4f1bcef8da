"""A small NTLM client (MS-NLMP 3.1.5) for the integration tests, written from the spec.

Debian 12's Python cannot hash MD4 (OpenSSL 3 keeps it in the legacy provider,
which hashlib does not load), so MD4 (RFC 1320) is done here in Python; HMAC-MD5
comes from hmac/hashlib.  Only what a test needs: NEGOTIATE, NTLMv2
AUTHENTICATE with or without a MIC, and the raw pieces for hostile variants.
"""
import base64
import hashlib
import hmac
import os
import struct
import time


def md4(data):
    def f(x, y, z): return (x & y) | (~x & z)
    def g(x, y, z): return (x & y) | (x & z) | (y & z)
    def h(x, y, z): return x ^ y ^ z
    def rol(v, s): v &= 0xFFFFFFFF; return ((v << s) | (v >> (32 - s))) & 0xFFFFFFFF
    msg = bytearray(data) + b"\x80"
    while len(msg) % 64 != 56:
        msg += b"\0"
    msg += struct.pack("<Q", (len(data) * 8) & 0xFFFFFFFFFFFFFFFF)
    a, b, c, d = 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476
    for i in range(0, len(msg), 64):
        x = struct.unpack("<16I", msg[i:i + 64])
        aa, bb, cc, dd = a, b, c, d
        # RFC 1320 3.4: three rounds of 16 steps, each (function, constant, word order, shifts)
        for fn, k, order, shifts in ((f, 0, range(16), (3, 7, 11, 19)),
                                     (g, 0x5A827999, (0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), (3, 5, 9, 13)),
                                     (h, 0x6ED9EBA1, (0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15), (3, 9, 11, 15))):
            for j, w in enumerate(order):
                s = shifts[j % 4]
                if j % 4 == 0: a = rol(a + fn(b, c, d) + x[w] + k, s)
                elif j % 4 == 1: d = rol(d + fn(a, b, c) + x[w] + k, s)
                elif j % 4 == 2: c = rol(c + fn(d, a, b) + x[w] + k, s)
                else: b = rol(b + fn(c, d, a) + x[w] + k, s)
        a, b, c, d = [(v + w) & 0xFFFFFFFF for v, w in ((a, aa), (b, bb), (c, cc), (d, dd))]
    return struct.pack("<4I", a, b, c, d)


assert md4(b"abc").hex() == "a448017aaf21d8525fc10ae87aa6729d"   # RFC 1320 A.5


def hmac_md5(key, data):
    return hmac.new(key, data, hashlib.md5).digest()


NEGOTIATE_FLAGS = 0xE2088297   # a Windows client's


def negotiate(flags=NEGOTIATE_FLAGS):
    return b"NTLMSSP\0" + struct.pack("<II", 1, flags) + b"\0" * 16


def challenge_parts(tok):
    """(server challenge, target info, flags) of a CHALLENGE."""
    assert tok[:12] == b"NTLMSSP\0\x02\0\0\0", tok[:12]
    flags = struct.unpack_from("<I", tok, 20)[0]
    tl, _, to = struct.unpack_from("<HHI", tok, 40)
    return tok[24:32], tok[to:to + tl], flags


def authenticate(neg, chal, user, domain, password, mic=True, hash_domain=None):
    """NTLMv2 AUTHENTICATE (UNICODE, KEY_EXCH off) answering @p chal; with a MIC
    when @p mic (MsvAvFlags 2 added to the server's AV pairs)."""
    server_challenge, target_info, _ = challenge_parts(chal)
    nt = md4(password.encode("utf-16-le"))
    hd = domain if hash_domain is None else hash_domain
    key = hmac_md5(nt, (user.upper() + hd).encode("utf-16-le"))
    av = target_info[:-4]   # drop EOL
    if mic:
        av += struct.pack("<HHI", 6, 4, 2)
    av += b"\0\0\0\0"
    ts = (int(time.time()) + 11644473600) * 10000000
    blob = b"\x01\x01" + b"\0" * 6 + struct.pack("<Q", ts) + os.urandom(8) + b"\0" * 4 + av + b"\0" * 4
    proof = hmac_md5(key, server_challenge + blob)
    ntresp = proof + blob
    session_key = hmac_md5(key, proof)
    flags = 0x00088215 | 0x02000000
    fields = [b"\0" * 24, ntresp, domain.encode("utf-16-le"), user.encode("utf-16-le"), b"W\0S\0", b""]
    off = 88
    hdr = b"NTLMSSP\0" + struct.pack("<I", 3)
    payload = b""
    for fv in fields:
        hdr += struct.pack("<HHI", len(fv), len(fv), off + len(payload))
        payload += fv
    hdr += struct.pack("<I", flags) + bytes([10, 0, 0x63, 0x45, 0, 0, 0, 15]) + b"\0" * 16
    msg = hdr + payload
    if mic:
        m = hmac_md5(session_key, neg + chal + msg)
        msg = msg[:72] + m + msg[88:]
    return msg


def b64(tok):
    return base64.b64encode(tok).decode()
