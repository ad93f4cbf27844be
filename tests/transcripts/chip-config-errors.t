# chip-add's type-specific arguments: each refusal names the argument and
# what it allows, and adds nothing.
> {"execute": "chip-add", "arguments": {"type": "gicv3-its", "id": "its", "base": 4096}}
< {"error": {"class": "InvalidParameter", "desc": "~'base' must be 64 KiB aligned"}}
> {"execute": "chip-add", "arguments": {"type": "gicv3-its", "id": "its", "page-sizes": [4096, 8192]}}
< {"error": {"class": "InvalidParameter", "desc": "~'page-sizes' may hold 4096, 16384 and 65536 only"}}
> {"execute": "chip-add", "arguments": {"type": "gicv3-its", "id": "its", "devbits": 33}}
< {"error": {"class": "InvalidParameter", "desc": "~argument 'devbits' must be an integer in 1..32"}}
> {"execute": "chip-add", "arguments": {"type": "gicv3-its", "id": "its", "errors": "panic"}}
< {"error": {"class": "InvalidParameter", "desc": "~one of stall, skip"}}
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "x", "irq-base": 2}}
< {"error": {"class": "InvalidParameter", "desc": "~'irq-base' must be an integer in 0x10..0xffffff"}}
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "x", "irq-base": 16777200, "sources": 100}}
< {"error": {"class": "InvalidParameter", "desc": "~go past 2^24 - 1"}}
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "x", "msi-window": {"address": 0}}}
< {"error": {"class": "InvalidParameter", "desc": "~'msi-window' must be {\"address\": A, \"size\": S}"}}
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "x", "msi-window": {"address": 0, "size": 4096, "base": 1}}}
< {"error": {"class": "InvalidParameter", "desc": "~unknown member 'base'"}}
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "x", "mode": "emulated"}}
< {"error": {"class": "InvalidParameter", "desc": "~one of full, kvm"}}
> {"execute": "chip-add", "arguments": {"type": "xive", "id": "v", "esb-shift": 14}}
< {"error": {"class": "InvalidParameter", "desc": "~must be 12, 13, 16 or 17"}}
> {"execute": "chip-add", "arguments": {"type": "xive", "id": "v", "pair-with": "nobody"}}
< {"error": {"class": "InvalidParameter", "desc": "~must name a xics chip"}}
> {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io"}}
< {"return": {"id": "io"}}
> {"execute": "chip-add", "arguments": {"type": "xive", "id": "v", "pair-with": "io"}}
< {"error": {"class": "InvalidParameter", "desc": "~must name a xics chip ('io' is not one)"}}
# Two chips' windows may not meet: an ITS frame over the ioapic's registers.
> {"execute": "chip-add", "arguments": {"type": "gicv3-its", "id": "its", "base": "0xfebf0000"}}
< {"error": {"class": "AlreadyExists", "desc": "~overlaps chip 'io'"}}
> {"execute": "query-chips"}
< {"return": {"chips": [{"id": "io", "type": "ioapic"}]}}
