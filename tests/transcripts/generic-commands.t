# The generic commands a chip type may not take: each answers with the
# class irqchipd-protocol(7) gives and changes nothing.
> {"execute": "msi", "arguments": {"address": "0xfee00000", "data": 1}}
< {"error": {"class": "DeviceNotFound", "desc": "~no chip decodes MSIs at 0xfee00000"}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 100}}
< {"error": {"class": "DeviceNotFound", "desc": "~no chip takes hypervisor or RTAS calls"}}
> {"execute": "rtas", "arguments": {"cpu": 0, "name": "ibm,int-on"}}
< {"error": {"class": "DeviceNotFound"}}
> {"execute": "translate", "arguments": {"data": 1}}
< {"error": {"class": "InvalidParameter", "desc": "~needs 'id' or 'address'"}}
> {"execute": "chip-select", "arguments": {"id": "nope"}}
< {"error": {"class": "DeviceNotFound", "desc": "~no chip named 'nope'"}}
> {"execute": "chip-add", "arguments": {"type": "ioapic", "id": "io0"}}
< {"return": {"id": "io0"}}
> {"execute": "chip-select", "arguments": {"id": "io0"}}
< {"error": {"class": "Unsupported", "desc": "~takes no hypervisor calls"}}
> {"execute": "translate", "arguments": {"id": "io0"}}
< {"error": {"class": "Unsupported", "desc": "~does not translate"}}
> {"execute": "hcall", "arguments": {"cpu": 0, "opcode": 100, "args": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}}
< {"error": {"class": "InvalidParameter", "desc": "~at most 9 integers"}}
> {"execute": "chip-add", "arguments": {"type": "xics9", "id": "x"}}
< {"error": {"class": "InvalidParameter", "desc": "~one of ioapic"}}
> {"execute": "query-chips"}
< {"return": {"chips": [{"id": "io0", "type": "ioapic"}]}}
