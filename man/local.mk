dist_man_MANS += man/irqchipd.8 man/irqchipctl.1 man/irqchipd-protocol.7
