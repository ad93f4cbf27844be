# Protocol and daemon suites (the IOAPIC and e2e suites live with their fragments).
