# The ioapic's register window through the protocol (82093AA datasheet 3.1,
# 3.2.4): IOREGSEL at 0x00, IOWIN at 0x10, the version register, and the
# route every redirection-entry write announces.
> {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io0"}, "id": 1}
< {"return": {"id": "io0"}, "id": 1}
# Version register (index 1): 24 pins -> maximum redirection entry 23, version 0x20.
> {"execute": "mmio-write", "arguments": {"id": "io0", "offset": 0, "size": 4, "value": 1}}
< {"return": {"effects": []}}
> {"execute": "mmio-read", "arguments": {"id": "io0", "offset": 16, "size": 4}}
< {"return": {"value": 1507360, "effects": []}}
# Entry 0, low dword: vector 0x30, fixed, physical, edge, unmasked.
> {"execute": "mmio-write", "arguments": {"id": "io0", "offset": 0, "size": 4, "value": 16}}
< {"return": {"effects": []}}
> {"execute": "mmio-write", "arguments": {"id": "io0", "offset": 16, "size": 4, "value": 48}}
< {"return": {"effects": [{"route": {"gsi": 0, "address": 4276092928, "data": 48}}]}}
# The window is named "registers"; there is no other.
> {"execute": "mmio-read", "arguments": {"id": "io0", "window": "registers", "offset": 16, "size": 4}}
< {"return": {"value": 48}}
> {"execute": "mmio-read", "arguments": {"id": "io0", "window": "esb", "offset": 0, "size": 4}}
< {"error": {"class": "InvalidParameter", "desc": "~it has: registers"}}
> {"execute": "mmio-read", "arguments": {"id": "io0", "offset": 4094, "size": 4}}
< {"error": {"class": "InvalidParameter", "desc": "~outside chip 'io0''s registers window"}}
> {"execute": "mmio-read", "arguments": {"id": "io0", "offset": 0, "size": 3}}
< {"error": {"class": "InvalidParameter", "desc": "~must be 1, 2, 4 or 8"}}
# Lines are its pins, 0..23.
> {"execute": "line-pulse", "arguments": {"id": "io0", "line": 24}}
< {"error": {"class": "InvalidParameter", "desc": "~must be in 0..23"}}
# The pulse on pin 0 delivers vector 0x30: no irqfd, so a signal-msi effect.
> {"execute": "line-pulse", "arguments": {"id": "io0", "line": 0}}
< {"return": {"effects": [{"signal-msi": {"address": 4276092928, "data": 48}}]}}
# chip-query pages the entries.
> {"execute": "chip-query", "arguments": {"id": "io0", "start": 22, "count": 5}}
< {"return": {"total": 24, "entries": [{"pin": 22}, {"pin": 23}]}}
> {"execute": "chip-query", "arguments": {"id": "io0", "start": 0, "count": 2}}
< {"return": {"total": 24, "next": 2, "entries": [{"pin": 0, "vector": 48}, {"pin": 1}]}}
