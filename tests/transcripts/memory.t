# Guest memory regions: what is refused before any fd is looked at.
> {"execute": "query-memory"}
< {"return": {"regions": []}}
> {"execute": "memory-add", "arguments": {"gpa": 0, "size": 4096}}
< {"error": {"class": "InvalidParameter", "desc": "~missing argument 'fd'"}}
> {"execute": "memory-add", "arguments": {"gpa": 0, "size": 4096, "fd": 0}}
< {"error": {"class": "InvalidFd", "desc": "~the message carries none"}}
> {"execute": "memory-add", "arguments": {"gpa": 0, "size": 0, "fd": 0}}
< {"error": {"class": "InvalidParameter", "desc": "~argument 'size'"}}
> {"execute": "memory-del", "arguments": {"gpa": 4096}}
< {"error": {"class": "DeviceNotFound", "desc": "~no memory region starts at 0x1000"}}
> {"execute": "query-status"}
< {"return": {"memory-regions": 0, "memory-bytes": 0}}
