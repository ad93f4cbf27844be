/*
 * What the client library's files share and a VMM does not see (none of it
 * is exported: the library exports irqchip_* only).
 */
#ifndef LIBIRQCHIP_PRIVATE_H
#define LIBIRQCHIP_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "irqchip.h"

struct irqchip_kvm;
struct irqchip_kvm_ring;

/* client.c */

/*
 * Waits for the reply irqchipd spilled to the socket for record seq of ring
 * (id {"ring": ring, "seq": seq}), joining its partials: 0 and *ret, the
 * return object (a new reference), or a negative errno with *cause.
 */
int client_wait_spill(struct irqchip_client *, unsigned ring, uint64_t seq,
    int timeout_ms, json_object **ret, char **cause);
int client_timeout_ms(struct irqchip_client *);

/* irqchip-kvm.c: the VM's lock, its client, and its effects path. */

void kvm_lock(struct irqchip_kvm *);
void kvm_unlock(struct irqchip_kvm *);
/*
 * With the lock held: waits while the client is detached (as forwarded
 * operations do) and returns it, or NULL if none was ever attached.
 */
struct irqchip_client *kvm_wait_client(struct irqchip_kvm *);
/* Validates and applies an effects array (borrowed), lock held. */
int kvm_apply_locked(struct irqchip_kvm *, json_object *effects, char **cause);
/* route-commit for a reply's "commit" token, once its effects are applied; lock held. */
int kvm_route_commit_locked(struct irqchip_kvm *, json_object *seq, char **cause);
/* The VM's list of rings (ring.c keeps it). */
struct irqchip_kvm_ring **kvm_rings(struct irqchip_kvm *);

/* ring.c */

/*
 * The forwarded operations on the calling thread's ring. Each returns 0 or a
 * negative errno as irqchip_kvm_call does, or RING_NONE when the thread has no
 * ring on this VM (or the daemon took none): the caller then uses JSON.
 */
#define RING_NONE	1
int ring_mmio(struct irqchip_kvm *, const char *chip_id, uint64_t offset, unsigned size,
    bool is_write, uint64_t *value, char **cause);
int ring_eoi(struct irqchip_kvm *, uint8_t vector, char **cause);
int ring_line(struct irqchip_kvm *, const char *chip_id, unsigned line, int level,
    char **cause);
int ring_pulse(struct irqchip_kvm *, const char *chip_id, unsigned line, char **cause);
int ring_msi(struct irqchip_kvm *, uint64_t address, uint32_t data, bool has_source,
    uint32_t source, char **cause);
int ring_hcall(struct irqchip_kvm *, unsigned cpu, uint64_t opcode, const uint64_t *args,
    unsigned nargs, int64_t *ret, uint64_t *values, unsigned *nvalues, char **cause);
/* set_client: adds every ring to the new client (lock held). */
int ring_attach_all(struct irqchip_kvm *, struct irqchip_client *, char **cause);
/* destroy: frees every ring (lock held). */
void ring_free_all(struct irqchip_kvm *);

#endif
