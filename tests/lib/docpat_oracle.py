# SPDX-License-Identifier: MIT
# The httpd document pattern (guests/apps/common/docpat.c), written again in Python from
# its description in docs/apps.md, as an independent oracle for the tests that check
# served bytes (tests/apps/native_test.py, tests/integration/live_http_test.py): word w
# of document NAME is mix(seed(NAME) ^ mix(w)), little-endian, where seed is FNV-1a of
# the name and mix the murmur3 finaliser.


def mix(x):
    x ^= x >> 16
    x = (x * 0x85EBCA6B) & 0xFFFFFFFF
    x ^= x >> 13
    x = (x * 0xC2B2AE35) & 0xFFFFFFFF
    x ^= x >> 16
    return x


def document(name, size):
    """The first `size` bytes of the document served as `name` (e.g. "/small")."""
    seed = 2166136261
    for ch in name.encode():
        seed = ((seed ^ ch) * 16777619) & 0xFFFFFFFF
    out = bytearray()
    for w in range((size + 3) // 4):
        out += mix(seed ^ mix(w)).to_bytes(4, "little")
    return bytes(out[:size])
