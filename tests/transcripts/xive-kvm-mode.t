# xive in mode kvm: KVM's in-kernel XIVE device is the controller; irqchipd
# routes a claimed source to the GSI of the same number and leaves the ESB
# and TIMA pages and the H_INT_* calls to the kernel.
> {"execute": "chip-add", "arguments": {"type": "xive", "id": "k", "mode": "kvm", "irq-base": 16, "sources": 64}}
< {"return": {"id": "k"}}
> {"execute": "irq-claim", "arguments": {"id": "k", "count": 1, "type": "lsi", "irq": 20}}
< {"return": {"irq": 20}}
> {"execute": "irq-claim", "arguments": {"id": "k", "count": 2, "type": "msi", "align": 2}}
< {"return": {"irq": 16}}
> {"execute": "line-set", "arguments": {"id": "k", "line": 20, "level": 1}}
< {"return": {"effects": [{"irq-line": {"gsi": 20, "level": 1}}]}}
> {"execute": "line-set", "arguments": {"id": "k", "line": 20, "level": 1}}
< {"return": {"effects": []}}
> {"execute": "line-set", "arguments": {"id": "k", "line": 20, "level": 0}}
< {"return": {"effects": [{"irq-line": {"gsi": 20, "level": 0}}]}}
> {"execute": "line-pulse", "arguments": {"id": "k", "line": 17}}
< {"return": {"effects": [{"irq-line": {"gsi": 17, "level": 1}}]}}
> {"execute": "msi", "arguments": {"address": "0x40000000000", "data": 16}}
< {"return": {"effects": [{"irq-line": {"gsi": 16, "level": 1}}]}}
# An LSI's number as MSI data, or an unclaimed one: the guest's error.
> {"execute": "msi", "arguments": {"address": "0x40000000000", "data": 20}}
< {"return": {"effects": []}}
> {"execute": "msi", "arguments": {"address": "0x40000000000", "data": 30}}
< {"return": {"effects": []}}
> {"execute": "line-pulse", "arguments": {"id": "k", "line": 30}}
< {"error": {"class": "InvalidParameter", "desc": "~not claimed"}}
> {"execute": "chip-query", "arguments": {"id": "k"}}
< {"return": {"mode": "kvm", "guest-errors": 2}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 936}}
< {"return": {"ret": -2}}
> {"execute": "mmio-read", "arguments": {"id": "k", "window": "tima", "offset": 0, "size": 1}}
< {"error": {"class": "Unsupported", "desc": "~kvm mode"}}
