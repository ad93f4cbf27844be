# Input the protocol refuses although json-c would take it: each gets a
# ProtocolError that names the place, and changes nothing.
# A string with the escape \u0000 (a C string would stop there).
> {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io0\u0000junk"}, "id": 1}
< {"error": {"class": "ProtocolError", "desc": "~\\u0000"}}
> {"execute": "chip-add\u0000", "arguments": {"type": "ioapic", "id": "io0"}}
< {"error": {"class": "ProtocolError", "desc": "~\\u0000"}}
# A raw control character inside a string (RFC 8259 section 7).
> {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io0	x"}}
< {"error": {"class": "ProtocolError", "desc": "~control character 0x09"}}
> {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io0"}}
< {"error": {"class": "ProtocolError", "desc": "~control character 0x1f"}}
# Integers from 2^64 up, and below -2^63: refused, never saturated.
> {"execute": "mmio-write", "arguments": {"id": "io0", "offset": 0, "size": 4, "value": 18446744073709551616}}
< {"error": {"class": "ProtocolError", "desc": "~18446744073709551616 is outside"}}
> {"execute": "query-version", "id": 99000000000000000000000}
< {"error": {"class": "ProtocolError", "desc": "~outside -2^63..2^64-1"}}
> {"execute": "query-version", "id": -9223372036854775809}
< {"error": {"class": "ProtocolError", "desc": "~outside"}}
# The edges of the range, escaped control characters, and a backslash before u0000 are fine.
> {"execute": "query-version", "id": [18446744073709551615, -9223372036854775808]}
< {"return": {"protocol": 1}, "id": [18446744073709551615, -9223372036854775808]}
> {"execute": "query-version", "id": "tab\there \\u0000"}
< {"return": {"protocol": 1}}
# Nothing was created.
> {"execute": "query-chips"}
< {"return": {"chips": []}}
