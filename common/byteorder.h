/*
 * Bytes that cross a boundary, read and written in the order that boundary
 * defines, never in the host's:
 *   - guest memory: GICv3 ITS commands and table entries are little-endian
 *     (Arm IHI 0069, the ITS command queue and tables); XIVE EAS, END, NVT
 *     and event queue entries are big-endian (the POWER9 XIVE structures);
 *   - the data bytes of a KVM_EXIT_MMIO or KVM_EXIT_IO exit: the guest's
 *     access as it appears in memory (Documentation/virt/kvm/api.rst,
 *     struct kvm_run), little-endian for x86 and arm64 guests;
 *   - any binary record on a wire or in a file.
 * The integer a protocol message carries (an MMIO "value") is the number the
 * guest's access carries, whatever the host. memcpy between such bytes and an
 * integer is correct on one byte order only: use these instead.
 *
 * Emulators may include this header (libc only).
 */
#ifndef IRQCHIPD_BYTEORDER_H
#define IRQCHIPD_BYTEORDER_H

#include <stdint.h>

/* n bytes (at most 8) at p, least significant first. */
static inline uint64_t
ld_le(const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | b[n];
	return v;
}

/* n bytes (at most 8) at p, most significant first. */
static inline uint64_t
ld_be(const void *p, unsigned n)
{
	const uint8_t *b = p;
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

/* The low n bytes of v to p, least significant first. */
static inline void
st_le(void *p, uint64_t v, unsigned n)
{
	uint8_t *b = p;

	for (unsigned i = 0; i < n; i++, v >>= 8)
		b[i] = (uint8_t)v;
}

/* The low n bytes of v to p, most significant first. */
static inline void
st_be(void *p, uint64_t v, unsigned n)
{
	uint8_t *b = p;

	while (n-- > 0) {
		b[n] = (uint8_t)v;
		v >>= 8;
	}
}

static inline uint16_t ld_le16(const void *p) { return (uint16_t)ld_le(p, 2); }
static inline uint32_t ld_le32(const void *p) { return (uint32_t)ld_le(p, 4); }
static inline uint64_t ld_le64(const void *p) { return ld_le(p, 8); }
static inline uint16_t ld_be16(const void *p) { return (uint16_t)ld_be(p, 2); }
static inline uint32_t ld_be32(const void *p) { return (uint32_t)ld_be(p, 4); }
static inline uint64_t ld_be64(const void *p) { return ld_be(p, 8); }
static inline void st_le16(void *p, uint16_t v) { st_le(p, v, 2); }
static inline void st_le32(void *p, uint32_t v) { st_le(p, v, 4); }
static inline void st_le64(void *p, uint64_t v) { st_le(p, v, 8); }
static inline void st_be16(void *p, uint16_t v) { st_be(p, v, 2); }
static inline void st_be32(void *p, uint32_t v) { st_be(p, v, 4); }
static inline void st_be64(void *p, uint64_t v) { st_be(p, v, 8); }

#endif
