/*
 * Embedded mode: irqchipd's server on a thread of the VMM process, reached
 * over a socketpair with the ordinary client library. Because it runs in the
 * VM's creator process it may use the `kvm` backend (KVM_SIGNAL_MSI on the
 * VM fd) instead of irqfds. Link with -lirqchip-embedded.
 */
#ifndef IRQCHIP_EMBEDDED_H
#define IRQCHIP_EMBEDDED_H

#include "irqchip.h"

#ifdef __cplusplus
extern "C" {
#endif

struct irqchip_embedded;

/*
 * Starts the server thread and returns a negotiated client for it. vm_fd >= 0
 * (a KVM VM fd of this process) is handed over with kvm-attach and enables the
 * kvm backend; the caller keeps its own vm_fd. 0 or a negative errno with *cause.
 */
int irqchip_embedded_start(int vm_fd, struct irqchip_embedded **out,
    struct irqchip_client **client, char **cause);
/* Stops the thread; close the client first or after, either works. */
void irqchip_embedded_stop(struct irqchip_embedded *);

#ifdef __cplusplus
}
#endif

#endif
