# mode kvm: KVM's in-kernel XICS presents, irqchipd only routes a source to
# the GSI of the same number (KVM_IRQ_LINE: 1 fires an MSI or asserts an LSI,
# 0 deasserts) and leaves hypervisor and RTAS calls to the kernel.
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "k", "mode": "kvm", "irq-base": 16, "sources": 64}}
< {"return": {"id": "k"}}
> {"execute": "irq-claim", "arguments": {"id": "k", "count": 1, "type": "lsi", "irq": 20}}
< {"return": {"irq": 20}}
> {"execute": "irq-claim", "arguments": {"id": "k", "count": 1, "type": "msi", "irq": 21}}
< {"return": {"irq": 21}}
> {"execute": "line-set", "arguments": {"id": "k", "line": 20, "level": 1}}
< {"return": {"effects": [{"irq-line": {"gsi": 20, "level": 1}}]}}
# Still high: no change, no effect.
> {"execute": "line-set", "arguments": {"id": "k", "line": 20, "level": 1}}
< {"return": {"effects": []}}
> {"execute": "line-set", "arguments": {"id": "k", "line": 20, "level": 0}}
< {"return": {"effects": [{"irq-line": {"gsi": 20, "level": 0}}]}}
# An MSI source fires on each edge; its level never stays up.
> {"execute": "line-pulse", "arguments": {"id": "k", "line": 21}}
< {"return": {"effects": [{"irq-line": {"gsi": 21, "level": 1}}]}}
> {"execute": "msi", "arguments": {"address": "0x40000000000", "data": 21}}
< {"return": {"effects": [{"irq-line": {"gsi": 21, "level": 1}}]}}
# An MSI naming no claimed MSI source is the guest's error: counted, nothing routed.
> {"execute": "msi", "arguments": {"address": "0x40000000000", "data": 20}}
< {"return": {"effects": []}}
> {"execute": "chip-query", "arguments": {"id": "k"}}
< {"return": {"guest-errors": 1, "mode": "kvm"}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 116}}
< {"return": {"ret": -2, "values": []}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,int-on", "args": [20]}}
< {"return": {"status": -1}}
