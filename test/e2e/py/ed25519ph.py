"""Ed25519 and Ed25519ph verification (RFC 8032, section 5.1.7) in plain Python: an
implementation independent of the one that signs, for the Ed25519ph signatures no installed
library verifies. Slow, and for public data only."""
import hashlib

P = 2**255 - 19
Q = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _recover_x(y, sign):
    xx = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(xx, (P + 3) // 8, P)
    if (x * x - xx) % P:
        x = x * SQRT_M1 % P
    if (x * x - xx) % P:
        raise ValueError('not a point')
    if x & 1 != sign:
        x = P - x
    return x


_GY = 4 * pow(5, P - 2, P) % P
BASE = (_recover_x(_GY, 0), _GY, 1, _recover_x(_GY, 0) * _GY % P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    aa = (y1 - x1) * (y2 - x2) % P
    bb = (y1 + x1) * (y2 + x2) % P
    cc = t1 * 2 * D * t2 % P
    dd = z1 * 2 * z2 % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(k, point):
    result = (0, 1, 1, 0)
    while k:
        if k & 1:
            result = _add(result, point)
        point = _add(point, point)
        k >>= 1
    return result


def _encode(point):
    x, y, z, _ = point
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | (x & 1) << 255).to_bytes(32, 'little')


def _decode(data):
    n = int.from_bytes(data, 'little')
    y = n & ((1 << 255) - 1)
    if y >= P:
        raise ValueError('not a point')
    x = _recover_x(y, n >> 255)
    return (x, y, 1, x * y % P)


def verify(public_key, message, signature, prehashed):
    """True when `signature` is an Ed25519 (or, with `prehashed`, Ed25519ph, empty context)
    signature of `message` under the 32-byte `public_key`."""
    if len(signature) != 64 or len(public_key) != 32:
        return False
    try:
        a = _decode(public_key)
        r = _decode(signature[:32])
    except ValueError:
        return False
    s = int.from_bytes(signature[32:], 'little')
    if s >= Q:
        return False
    if prehashed:
        dom, message = b'SigEd25519 no Ed25519 collisions' + bytes([1, 0]), hashlib.sha512(message).digest()
    else:
        dom = b''
    k = int.from_bytes(hashlib.sha512(dom + signature[:32] + public_key + message).digest(), 'little') % Q
    return _encode(_mul(s, BASE)) == _encode(_add(r, _mul(k, a)))
