"""Minimal CBOR (RFC 8949) encoder/decoder for attnviz documents (SPEC §5: "the same documents may also be
stored as CBOR"). Only what JSON can express: null, booleans, integers, float64, text strings, arrays, maps.
Floats are always written as float64 (major type 7, 0xfb) so no precision is lost. Debian's python3 has no
cbor module, hence this file (standard library only)."""

import struct


def _head(major, n):
    # Initial byte + argument (RFC 8949 §3): 0..23 inline, else 1/2/4/8 following bytes, big endian.
    if n < 24:
        return bytes([(major << 5) | n])
    for info, fmt, limit in ((24, ">B", 1 << 8), (25, ">H", 1 << 16), (26, ">I", 1 << 32), (27, ">Q", 1 << 64)):
        if n < limit:
            return bytes([(major << 5) | info]) + struct.pack(fmt, n)
    raise ValueError("integer too large for CBOR: %d" % n)


def dumps(obj):
    out = bytearray()
    _encode(obj, out)
    return bytes(out)


def _encode(obj, out):
    if obj is None:
        out += b"\xf6"
    elif obj is True:
        out += b"\xf5"
    elif obj is False:
        out += b"\xf4"
    elif isinstance(obj, int):
        out += _head(0, obj) if obj >= 0 else _head(1, -1 - obj)
    elif isinstance(obj, float):
        out += b"\xfb" + struct.pack(">d", obj)
    elif isinstance(obj, str):
        b = obj.encode("utf-8")
        out += _head(3, len(b)) + b
    elif isinstance(obj, (list, tuple)):
        out += _head(4, len(obj))
        for x in obj:
            _encode(x, out)
    elif isinstance(obj, dict):
        out += _head(5, len(obj))
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError("CBOR map keys must be strings here, found %r" % (k,))
            _encode(k, out)
            _encode(v, out)
    else:
        raise TypeError("cannot encode %s as CBOR" % type(obj).__name__)


def loads(data):
    obj, pos = _decode(memoryview(data), 0)
    if pos != len(data):
        raise ValueError("trailing bytes after CBOR item at offset %d" % pos)
    return obj


def _arg(data, pos, info):
    if info < 24:
        return info, pos
    sizes = {24: (">B", 1), 25: (">H", 2), 26: (">I", 4), 27: (">Q", 8)}
    if info not in sizes:
        raise ValueError("unsupported CBOR additional info %d (indefinite lengths are not used)" % info)
    fmt, n = sizes[info]
    return struct.unpack(fmt, data[pos:pos + n])[0], pos + n


def _decode(data, pos):
    ib = data[pos]
    pos += 1
    major, info = ib >> 5, ib & 31
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info == 22:
            return None, pos
        if info == 25:
            return struct.unpack(">e", data[pos:pos + 2])[0], pos + 2
        if info == 26:
            return struct.unpack(">f", data[pos:pos + 4])[0], pos + 4
        if info == 27:
            return struct.unpack(">d", data[pos:pos + 8])[0], pos + 8
        raise ValueError("unsupported CBOR simple value %d" % info)
    n, pos = _arg(data, pos, info)
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        b = bytes(data[pos:pos + n])
        return (b if major == 2 else b.decode("utf-8")), pos + n
    if major == 4:
        items = []
        for _ in range(n):
            x, pos = _decode(data, pos)
            items.append(x)
        return items, pos
    if major == 5:
        d = {}
        for _ in range(n):
            k, pos = _decode(data, pos)
            v, pos = _decode(data, pos)
            d[k] = v
        return d, pos
    raise ValueError("unsupported CBOR major type %d (tags are not used)" % major)
