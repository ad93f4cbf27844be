# A pseries guest's XICS through the daemon, in the order Linux's XICS driver
# (arch/powerpc/sysdev/xics) drives it: H_CPPR 0xff on each CPU at boot,
# ibm,set-xive to target a source, then per interrupt H_XIRR (accept) and
# H_EOI; IPIs with H_IPI. Each presenter's output is a cpu-irq effect
# (LoPAPR: the external interrupt is raised while XISR holds a source whose
# priority is more favoured than CPPR).
> {"execute": "chip-add", "arguments": {"type": "xics", "id": "x0", "cpus": 2}}
< {"return": {"id": "x0"}}
> {"execute": "irq-claim", "arguments": {"id": "x0", "count": 1, "type": "lsi", "irq": 4096}}
< {"return": {"irq": 4096, "effects": []}}
# A 4-vector MSI block, aligned: 4096 is taken, so 4100.
> {"execute": "irq-claim", "arguments": {"id": "x0", "count": 4, "type": "msi", "align": 4}}
< {"return": {"irq": 4100, "effects": []}}
> {"execute": "irq-claim", "arguments": {"id": "x0", "count": 2, "type": "msi", "irq": 4101}}
< {"error": {"class": "AlreadyExists"}}
# Boot: each CPU opens its CPPR.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 104, "args": [255]}}
< {"return": {"ret": 0, "values": [], "effects": []}}
> {"execute": "hcall", "arguments": {"cpu": 1, "opcode": 104, "args": [255]}}
< {"return": {"ret": 0, "effects": []}}
# Target MSI 4100 at server 1, priority 5.
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,set-xive", "args": [4100, 1, 5], "nret": 1}}
< {"return": {"status": 0, "values": [], "effects": []}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,get-xive", "args": [4100], "nret": 3}}
< {"return": {"status": 0, "values": [1, 5]}}
# The device's MSI: data is the global number; server 1's line rises.
> {"execute": "msi", "arguments": {"address": "0x40000000000", "data": 4100}}
< {"return": {"effects": [{"cpu-irq": {"cpu": 1, "level": 1}}]}}
# H_XIRR on CPU 1: XIRR = CPPR 0xff | XISR 4100; CPPR becomes 5, the line falls.
> {"execute": "hcall", "arguments": {"cpu": 1, "opcode": 116}}
< {"return": {"ret": 0, "values": [4278194180], "effects": [{"cpu-irq": {"cpu": 1, "level": 0}}]}}
# H_EOI restores CPPR 0xff; nothing else is pending.
> {"execute": "hcall", "arguments": {"cpu": 1, "opcode": 100, "args": [4278194180]}}
< {"return": {"ret": 0, "effects": []}}
# An IPI from CPU 0 to server 1 at priority 0: XISR 2.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 108, "args": [1, 0]}}
< {"return": {"ret": 0, "effects": [{"cpu-irq": {"cpu": 1, "level": 1}}]}}
# H_IPOLL of server 1 from CPU 0: its XIRR and MFRR, and no side effect.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 112, "args": [1]}}
< {"return": {"ret": 0, "values": [4278190082, 0], "effects": []}}
> {"execute": "hcall", "arguments": {"cpu": 1, "opcode": 116}}
< {"return": {"ret": 0, "values": [4278190082], "effects": [{"cpu-irq": {"cpu": 1, "level": 0}}]}}
# Disarm the IPI (MFRR 0xff), then EOI it.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 108, "args": [1, 255]}}
< {"return": {"ret": 0, "effects": []}}
> {"execute": "hcall", "arguments": {"cpu": 1, "opcode": 100, "args": [4278190082]}}
< {"return": {"ret": 0, "effects": []}}
# An LSI asserted while masked presents nothing; set-xive unmasks it to server 0.
> {"execute": "line-set", "arguments": {"id": "x0", "line": 4096, "level": 1}}
< {"return": {"effects": []}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,set-xive", "args": [4096, 0, 3], "nret": 1}}
< {"return": {"status": 0, "effects": [{"cpu-irq": {"cpu": 0, "level": 1}}]}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 116}}
< {"return": {"ret": 0, "values": [4278194176], "effects": [{"cpu-irq": {"cpu": 0, "level": 0}}]}}
# EOI while the line is still high: presented again.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 100, "args": [4278194176]}}
< {"return": {"ret": 0, "effects": [{"cpu-irq": {"cpu": 0, "level": 1}}]}}
> {"execute": "line-set", "arguments": {"id": "x0", "line": 4096, "level": 0}}
< {"return": {"effects": []}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 116}}
< {"return": {"ret": 0, "values": [4278194176], "effects": [{"cpu-irq": {"cpu": 0, "level": 0}}]}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 100, "args": [4278194176]}}
< {"return": {"ret": 0, "effects": []}}
# H_XIRR_X returns the timebase the VMM passed.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 764, "timebase": 123456789}}
< {"return": {"ret": 0, "values": [4278190080, 123456789]}}
# PAPR's answers to a bad guest: H_FUNCTION, H_PARAMETER, RTAS parameter error.
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 256}}
< {"return": {"ret": -2, "values": []}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 108, "args": [7, 0]}}
< {"return": {"ret": -4}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,set-xive", "args": [99, 0, 5], "nret": 1}}
< {"return": {"status": -3}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,set-xive", "args": [4096, 9, 5], "nret": 1}}
< {"return": {"status": -3}}
# The client's errors: a CPU that is no server, an RTAS call a XICS does not have.
> {"execute": "hcall", "arguments": {"cpu": 2, "opcode": 116}}
< {"error": {"class": "InvalidParameter", "desc": "~0..1"}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,nmi-register", "args": []}}
< {"error": {"class": "InvalidParameter", "desc": "~ibm,set-xive"}}
# Unclaimed numbers never fire; numbers outside the chip are refused by range.
> {"execute": "line-set", "arguments": {"id": "x0", "line": 4200, "level": 1}}
< {"error": {"class": "InvalidParameter", "desc": "~not claimed"}}
> {"execute": "line-set", "arguments": {"id": "x0", "line": 100, "level": 1}}
< {"error": {"class": "InvalidParameter", "desc": "~4096..8191"}}
> {"execute": "translate", "arguments": {"id": "x0", "data": 4101}}
< {"return": {"translated": true, "irq": 4101}}
> {"execute": "translate", "arguments": {"id": "x0", "data": 5000}}
< {"return": {"translated": false, "reason": "*"}}
> {"execute": "query-chips"}
< {"return": {"chips": [{"id": "x0", "type": "xics", "mode": "full", "irq-base": 4096, "sources": 4096, "cpus": 2}]}}
