/*
 * Arm GICv3 ITS as a pure state machine (Arm IHI 0069, "The ITS register
 * descriptions" and "ITS commands"; table layouts from the KVM ITS table ABI
 * revision 0, Linux Documentation/virt/kvm/devices/arm-vgic-its.rst).
 *
 *   offset   register       fields
 *   0x0000   GITS_CTLR      31 Quiescent (RO), 0 Enabled
 *   0x0004   GITS_IIDR      RO: 31:24 ProductID, 15:12 Revision (= table ABI),
 *                           11:0 Implementer
 *   0x0008   GITS_TYPER     RO: 36 CIL, 35:32 CIDbits, 19 PTA (0), 17:13
 *                           Devbits, 12:8 IDbits, 7:4 ITT_entry_size, 0 Physical
 *   0x0080   GITS_CBASER    63 Valid, 61:59 InnerCache, 55:53 OuterCache,
 *                           51:12 PA, 11:10 Shareability, 7:0 Size (4K pages - 1)
 *   0x0088   GITS_CWRITER   19:5 Offset, 0 Retry
 *   0x0090   GITS_CREADR    RO: 19:5 Offset, 0 Stalled
 *   0x0100+8n GITS_BASER<n> 63 Valid, 62 Indirect, 58:56 Type (RO), 52:48
 *                           Entry_Size (RO), 47:12 PA, 9:8 Page_Size, 7:0 Size
 *   0xffd0-0xfffc           PIDR4-7, PIDR0-3, CIDR0-3
 *   0x10040  GITS_TRANSLATER 16 or 32-bit write of an EventID
 *
 * BASER0 holds the device table, BASER1 the collection table (Type Devices,
 * Collections), BASER2-7 are unimplemented (RAZ/WI). Every table entry is 8
 * bytes, little-endian, in the layout of the KVM table ABI revision 0:
 *   DTE (by DeviceID): V[63] Next[62:49] ITT_addr[48:5] (= addr 51:8) Size[4:0]
 *   CTE (by ICID):     V[63] RDBase[51:16] ICID[15:0]
 *   ITE (by EventID):  Next[63:48] pINTID[47:16] ICID[15:0], pINTID 0 = invalid
 *
 * Choices where IHI 0069 leaves room, or where KVM and QEMU differ:
 * - Every command updates the tables in guest memory at once, so they always
 *   hold what a save would write (as QEMU). MAPD V=0 zeroes the DTE and
 *   DISCARD zeroes the ITE, so nothing stale survives into a restore.
 * - Collection entries are indexed by ICID, like DTEs and ITEs; KVM instead
 *   packs them in any order, ended by an invalid entry.
 * - Next (DTE, ITE) is written as 1 in every valid entry: "look at the next
 *   entry". KVM's restore walk reads an invalid entry as "advance by one", so
 *   it restores these tables entry by entry. KVM's own save writes the exact
 *   distance (0 for the last entry); this walk never needs Next.
 * - The guest owns its tables until a BASER is valid; afterwards a guest write
 *   to them is not seen by a cached translation until a command (or a
 *   register write that drops the cache) invalidates it.
 * - A command error follows the instance's policy (IHI 0069 "Command
 *   errors": an implementation may ignore the command or stall): stall sets
 *   CREADR.Stalled with CREADR at the command until CWRITER.Retry; skip goes
 *   on. A failed guest memory access (queue or table) is handled the same
 *   way, with no E_ITS code; SEIS is 0, so no SError is raised.
 * - An ID a table does not back (beyond the table, or whose level 1 entry is
 *   invalid) is out of range, as KVM decides (vgic_its_check_id).
 * - MAPTI/MAPI over a mapped event is UNPREDICTABLE: it is ignored (as KVM)
 *   and reported. Unknown commands (GICv4 ones included) are skipped.
 * - Enabling with CBASER or BASER0/1 invalid is refused (reported).
 * - CBASER and BASER<n> writes while enabled are dropped (reported); a CBASER
 *   write zeroes CREADR only (QEMU's 0cc38f359c fixed clearing CWRITER).
 * - Quiescent reads 1 while disabled (the ITS does nothing then) and, while
 *   enabled, when the queue is empty and not stalled.
 * - 64-bit registers take 8-byte and aligned 4-byte accesses, 32-bit ones
 *   4-byte accesses, GITS_TRANSLATER 2 and 4-byte writes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "gicv3_its.h"
#include "gicv3_its_internal.h"

/* Translation cache: 4-way set associative, no allocation per lookup. */
#define ITS_CACHE_SETS		2048	/* 8192 translations, 160 KiB */
#define ITS_CACHE_WAYS		4

#define ITS_MSG_MAX		200

struct its_cache_entry {
	uint32_t	devid;
	uint32_t	eventid;
	uint32_t	intid;
	uint32_t	target;
	uint16_t	icid;
	uint8_t		valid;
};

/* A BASER decoded. */
struct its_table {
	bool		valid;
	bool		indirect;
	uint64_t	base;		/* flat table or level 1 table */
	uint64_t	page;		/* bytes */
	uint64_t	l1_entries;	/* indirect: entries of level 1 */
	uint64_t	capacity;	/* IDs backed, capped at 2^bits */
};

/*
 * What a command did. IHI 0069 "Command errors" lets an implementation
 * either ignore a failing command or stall the queue at it. Processors only
 * say what happened; its_process_queue() applies the instance's policy.
 */
enum its_cmd_result {
	ITS_CMD_CONTINUE,	/* done, or ignored where the spec allows it */
	ITS_CMD_ERROR,		/* command error: code in s->cmd_code */
	ITS_CMD_MEMORY,		/* guest memory of a table could not be accessed */
};

/* What the tables say about an event (ITE stage and collection stage). */
struct its_event {
	uint64_t	dte;
	uint64_t	ite_gpa;
	uint32_t	intid;
	uint16_t	icid;
	uint32_t	target;
};

struct its {
	struct its_ops		 ops;
	void			*opaque;
	struct its_config	 cfg;
	uint64_t		 typer;
	uint32_t		 iidr;

	uint32_t		 ctlr;		/* Enabled */
	uint64_t		 cbaser;
	uint64_t		 cwriter;
	uint64_t		 creadr;	/* Stalled included */
	uint64_t		 baser[GITS_BASER_COUNT];
	struct its_table	 dt;		/* from BASER0 */
	struct its_table	 ct;		/* from BASER1 */

	struct its_cmd_error	 last_error;
	uint32_t		 cmd_code;	/* of the command being run */
	char			 cmd_msg[ITS_MSG_MAX];
	bool			 processing;
	uint64_t		 commands;
	uint64_t		 hits;
	uint64_t		 misses;

	unsigned		 cache_used;
	struct its_cache_entry	 cache[ITS_CACHE_SETS][ITS_CACHE_WAYS];
	uint8_t			 cache_next[ITS_CACHE_SETS];
};

static const char *const its_cmd_names[] = {
	[ITS_CMD_MOVI] = "MOVI",	[ITS_CMD_INT] = "INT",
	[ITS_CMD_CLEAR] = "CLEAR",	[ITS_CMD_SYNC] = "SYNC",
	[ITS_CMD_MAPD] = "MAPD",	[ITS_CMD_MAPC] = "MAPC",
	[ITS_CMD_MAPTI] = "MAPTI",	[ITS_CMD_MAPI] = "MAPI",
	[ITS_CMD_INV] = "INV",		[ITS_CMD_INVALL] = "INVALL",
	[ITS_CMD_MOVALL] = "MOVALL",	[ITS_CMD_DISCARD] = "DISCARD",
};

static const struct {
	uint32_t	 code;
	const char	*name;
} its_error_names[] = {
	{ E_ITS_MOVI_UNMAPPED_INTERRUPT, "MOVI_UNMAPPED_INTERRUPT" },
	{ E_ITS_MOVI_UNMAPPED_COLLECTION, "MOVI_UNMAPPED_COLLECTION" },
	{ E_ITS_INT_UNMAPPED_INTERRUPT, "INT_UNMAPPED_INTERRUPT" },
	{ E_ITS_CLEAR_UNMAPPED_INTERRUPT, "CLEAR_UNMAPPED_INTERRUPT" },
	{ E_ITS_MAPD_DEVICE_OOR, "MAPD_DEVICE_OOR" },
	{ E_ITS_MAPD_ITTSIZE_OOR, "MAPD_ITTSIZE_OOR" },
	{ E_ITS_MAPC_PROCNUM_OOR, "MAPC_PROCNUM_OOR" },
	{ E_ITS_MAPC_COLLECTION_OOR, "MAPC_COLLECTION_OOR" },
	{ E_ITS_MAPTI_UNMAPPED_DEVICE, "MAPTI_UNMAPPED_DEVICE" },
	{ E_ITS_MAPTI_ID_OOR, "MAPTI_ID_OOR" },
	{ E_ITS_MAPTI_PHYSICALID_OOR, "MAPTI_PHYSICALID_OOR" },
	{ E_ITS_INV_UNMAPPED_INTERRUPT, "INV_UNMAPPED_INTERRUPT" },
	{ E_ITS_INVALL_UNMAPPED_COLLECTION, "INVALL_UNMAPPED_COLLECTION" },
	{ E_ITS_MOVALL_PROCNUM_OOR, "MOVALL_PROCNUM_OOR" },
	{ E_ITS_DISCARD_UNMAPPED_INTERRUPT, "DISCARD_UNMAPPED_INTERRUPT" },
};

static const char *const its_xlate_reasons[] = {
	[ITS_XLATE_OK] = "",
	[ITS_XLATE_DISABLED] = "the ITS is disabled (GITS_CTLR.Enabled 0)",
	[ITS_XLATE_DEVICE_OOR] = "DeviceID beyond the device table",
	[ITS_XLATE_DEVICE_UNMAPPED] = "device not mapped (no valid DTE)",
	[ITS_XLATE_EVENT_OOR] = "EventID beyond the device's ITT size",
	[ITS_XLATE_EVENT_UNMAPPED] = "event not mapped (no valid ITE)",
	[ITS_XLATE_COLLECTION_OOR] = "ICID beyond the collection table",
	[ITS_XLATE_COLLECTION_UNMAPPED] = "collection not mapped",
	[ITS_XLATE_BAD_ENTRY] = "a table entry holds a value out of range",
	[ITS_XLATE_MEMORY] = "a table is not in guest RAM",
};

const char *
its_cmd_name(uint8_t cmd)
{
	if (cmd >= ARRAY_SIZE(its_cmd_names))
		return NULL;
	return its_cmd_names[cmd];
}

const char *
its_error_name(uint32_t code)
{
	size_t	i;

	for (i = 0; i < ARRAY_SIZE(its_error_names); i++) {
		if (its_error_names[i].code == code)
			return its_error_names[i].name;
	}
	return NULL;
}

static void PRINTFLIKE(3, 4)
its_guest_error(struct its *s, const char *kind, const char *fmt, ...)
{
	char	msg[ITS_MSG_MAX + 64];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	s->ops.guest_error(s->opaque, kind, msg);
}

/* Little-endian entries, whatever the host's byte order. */
static uint64_t
its_ld64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 |
	    (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 |
	    (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static void
its_st64(uint8_t *p, uint64_t v)
{
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int
its_read_entry(struct its *s, uint64_t gpa, uint64_t *val)
{
	uint8_t	b[ITS_ENTRY_SIZE];

	if (s->ops.read(s->opaque, gpa, b, sizeof b) != 0)
		return -EFAULT;
	*val = its_ld64(b);
	return 0;
}

static int
its_write_entry(struct its *s, uint64_t gpa, uint64_t val)
{
	uint8_t	b[ITS_ENTRY_SIZE];

	its_st64(b, val);
	return s->ops.write(s->opaque, gpa, b, sizeof b) != 0 ? -EFAULT : 0;
}

static uint64_t
its_page_bytes(unsigned page_size)
{
	switch (page_size) {
	case GITS_BASER_PAGE_SIZE_4K:
		return 4096;
	case GITS_BASER_PAGE_SIZE_16K:
		return 16384;
	default:
		return 65536;
	}
}

static bool
its_page_supported(const struct its *s, unsigned page_size)
{
	switch (page_size) {
	case GITS_BASER_PAGE_SIZE_4K:
		return (s->cfg.page_sizes & ITS_PAGE_4K) != 0;
	case GITS_BASER_PAGE_SIZE_16K:
		return (s->cfg.page_sizes & ITS_PAGE_16K) != 0;
	case GITS_BASER_PAGE_SIZE_64K:
		return (s->cfg.page_sizes & ITS_PAGE_64K) != 0;
	}
	return false;
}

/*
 * Decode a BASER (IHI 0069 GITS_BASER<n>): with 64 KiB pages, PA bits 51:48
 * sit in 15:12. Capacity is what the memory given really holds, capped at
 * 2^idbits (QEMU 8b8bb0146b: not just 2^bits).
 */
static void
its_table_decode(uint64_t baser, unsigned idbits, struct its_table *t)
{
	uint64_t	bytes, max = (uint64_t)1 << idbits;

	memset(t, 0, sizeof *t);
	t->valid = (baser & GITS_BASER_Valid_MASK) != 0;
	t->indirect = (baser & GITS_BASER_Indirect_MASK) != 0;
	t->page = its_page_bytes((unsigned)FIELD_EX64(baser, GITS_BASER,
	    Page_Size));
	t->base = baser & GITS_BASER_PA_MASK & ~(t->page - 1);
	if (t->page == 65536)
		t->base |= FIELD_EX64(baser, GITS_BASER, PA_HI) << 48;
	bytes = (FIELD_EX64(baser, GITS_BASER, Size) + 1) * t->page;
	if (t->indirect) {
		t->l1_entries = bytes / ITS_ENTRY_SIZE;
		t->capacity = t->l1_entries * (t->page / ITS_ENTRY_SIZE);
	} else {
		t->capacity = bytes / ITS_ENTRY_SIZE;
	}
	if (t->capacity > max)
		t->capacity = max;
	if (!t->valid)
		t->capacity = 0;
}

/*
 * Guest address of entry id: 0, -ERANGE (beyond the table), -ENOENT (its
 * level 1 entry is invalid) or -EFAULT (level 1 entry unreadable).
 */
static int
its_table_entry(struct its *s, const struct its_table *t, uint64_t id,
    uint64_t *gpa)
{
	uint64_t	per, l1;

	if (id >= t->capacity)
		return -ERANGE;
	if (!t->indirect) {
		*gpa = t->base + id * ITS_ENTRY_SIZE;
		return 0;
	}
	per = t->page / ITS_ENTRY_SIZE;
	if (its_read_entry(s, t->base + id / per * ITS_ENTRY_SIZE, &l1) != 0)
		return -EFAULT;
	if (!(l1 & ITS_L1E_Valid_MASK))
		return -ENOENT;
	*gpa = (l1 & ITS_L1E_PA_MASK & ~(t->page - 1)) +
	    id % per * ITS_ENTRY_SIZE;
	return 0;
}

static void
its_update_tables(struct its *s)
{
	its_table_decode(s->baser[ITS_BASER_DEVICE], s->cfg.devbits, &s->dt);
	its_table_decode(s->baser[ITS_BASER_COLLECTION],
	    s->cfg.cidbits == 0 ? 16 : s->cfg.cidbits, &s->ct);
}

/* ---- Translation cache (exact invalidation: see the callers). ---- */

static unsigned
its_cache_set(uint32_t devid, uint32_t eventid)
{
	uint32_t	h = devid * 0x9e3779b1U ^ eventid * 0x85ebca6bU;

	h ^= h >> 15;
	h *= 0x2c1b3c6dU;
	h ^= h >> 13;
	return h & (ITS_CACHE_SETS - 1);
}

static struct its_cache_entry *
its_cache_find(struct its *s, uint32_t devid, uint32_t eventid)
{
	struct its_cache_entry	*set;
	unsigned		 w;

	set = s->cache[its_cache_set(devid, eventid)];
	for (w = 0; w < ITS_CACHE_WAYS; w++) {
		if (set[w].valid && set[w].devid == devid &&
		    set[w].eventid == eventid)
			return &set[w];
	}
	return NULL;
}

static void
its_cache_insert(struct its *s, uint32_t devid, uint32_t eventid,
    const struct its_event *ev)
{
	unsigned		 n = its_cache_set(devid, eventid), w;
	struct its_cache_entry	*e = NULL;

	for (w = 0; w < ITS_CACHE_WAYS; w++) {
		if (!s->cache[n][w].valid) {
			e = &s->cache[n][w];
			break;
		}
	}
	if (e == NULL) {
		e = &s->cache[n][s->cache_next[n]];
		s->cache_next[n] = (s->cache_next[n] + 1) % ITS_CACHE_WAYS;
	} else {
		s->cache_used++;
	}
	e->devid = devid;
	e->eventid = eventid;
	e->intid = ev->intid;
	e->icid = ev->icid;
	e->target = ev->target;
	e->valid = 1;
}

static void
its_cache_flush(struct its *s)
{
	if (s->cache_used == 0)
		return;
	memset(s->cache, 0, sizeof s->cache);
	s->cache_used = 0;
}

static void
its_cache_drop_event(struct its *s, uint32_t devid, uint32_t eventid)
{
	struct its_cache_entry	*e;

	if ((e = its_cache_find(s, devid, eventid)) != NULL) {
		e->valid = 0;
		s->cache_used--;
	}
}

/* Drop every entry of a device (devid) or of a collection (icid). */
static void
its_cache_drop_match(struct its *s, bool by_device, uint32_t id)
{
	struct its_cache_entry	*e;
	unsigned		 n, w;

	for (n = 0; n < ITS_CACHE_SETS && s->cache_used > 0; n++) {
		for (w = 0; w < ITS_CACHE_WAYS; w++) {
			e = &s->cache[n][w];
			if (!e->valid ||
			    (by_device ? e->devid : e->icid) != id)
				continue;
			e->valid = 0;
			s->cache_used--;
		}
	}
}

/* ---- Table lookups shared by translation and commands. ---- */

static bool
its_enabled(const struct its *s)
{
	return (s->ctlr & GITS_CTLR_Enabled_MASK) != 0;
}

/* The DTE of devid: OK, DEVICE_OOR, DEVICE_UNMAPPED or MEMORY. */
static enum its_xlate_status
its_find_device(struct its *s, uint32_t devid, uint64_t *dte)
{
	uint64_t	gpa;

	switch (its_table_entry(s, &s->dt, devid, &gpa)) {
	case 0:
		break;
	case -ERANGE:
		return ITS_XLATE_DEVICE_OOR;
	case -ENOENT:
		return ITS_XLATE_DEVICE_UNMAPPED;
	default:
		return ITS_XLATE_MEMORY;
	}
	if (its_read_entry(s, gpa, dte) != 0)
		return ITS_XLATE_MEMORY;
	return (*dte & ITS_DTE_V_MASK) ? ITS_XLATE_OK :
	    ITS_XLATE_DEVICE_UNMAPPED;
}

/* The DTE and ITE of an event: fills ev's dte, ite_gpa, intid and icid. */
static enum its_xlate_status
its_find_event(struct its *s, uint32_t devid, uint32_t eventid,
    struct its_event *ev)
{
	enum its_xlate_status	st;
	uint64_t		ite, intid;
	unsigned		size;

	if ((st = its_find_device(s, devid, &ev->dte)) != ITS_XLATE_OK)
		return st;
	size = (unsigned)FIELD_EX64(ev->dte, ITS_DTE, Size);
	if (size + 1 > s->cfg.eventid_bits)
		return ITS_XLATE_BAD_ENTRY;
	if (eventid >= (uint64_t)1 << (size + 1))
		return ITS_XLATE_EVENT_OOR;
	ev->ite_gpa = (FIELD_EX64(ev->dte, ITS_DTE, ITT_addr) <<
	    ITS_DTE_ITT_ADDR_ALIGN_SHIFT) + (uint64_t)eventid * ITS_ENTRY_SIZE;
	if (its_read_entry(s, ev->ite_gpa, &ite) != 0)
		return ITS_XLATE_MEMORY;
	intid = FIELD_EX64(ite, ITS_ITE, pINTID);
	if (intid == 0)
		return ITS_XLATE_EVENT_UNMAPPED;
	if (intid < ITS_LPI_BASE || intid >= (uint64_t)1 << s->cfg.intid_bits)
		return ITS_XLATE_BAD_ENTRY;
	ev->intid = (uint32_t)intid;
	ev->icid = (uint16_t)FIELD_EX64(ite, ITS_ITE, ICID);
	return ITS_XLATE_OK;
}

/* The processor collection icid targets, and where its entry is. */
static enum its_xlate_status
its_find_collection(struct its *s, uint16_t icid, uint64_t *gpa_out,
    uint32_t *target)
{
	uint64_t	gpa, cte, rd;

	switch (its_table_entry(s, &s->ct, icid, &gpa)) {
	case 0:
		break;
	case -ERANGE:
		return ITS_XLATE_COLLECTION_OOR;
	case -ENOENT:
		return ITS_XLATE_COLLECTION_UNMAPPED;
	default:
		return ITS_XLATE_MEMORY;
	}
	if (gpa_out != NULL)
		*gpa_out = gpa;
	if (target == NULL)
		return ITS_XLATE_OK;
	if (its_read_entry(s, gpa, &cte) != 0)
		return ITS_XLATE_MEMORY;
	if (!(cte & ITS_CTE_V_MASK))
		return ITS_XLATE_COLLECTION_UNMAPPED;
	rd = FIELD_EX64(cte, ITS_CTE, RDBase);
	if (rd >= s->cfg.cpus)
		return ITS_XLATE_BAD_ENTRY;
	*target = (uint32_t)rd;
	return ITS_XLATE_OK;
}

/* Event and collection: everything an INT, INV, CLEAR or DISCARD needs. */
static enum its_xlate_status
its_resolve(struct its *s, uint32_t devid, uint32_t eventid,
    struct its_event *ev)
{
	enum its_xlate_status	st;

	if ((st = its_find_event(s, devid, eventid, ev)) != ITS_XLATE_OK)
		return st;
	return its_find_collection(s, ev->icid, NULL, &ev->target);
}

/* ---- Translation. ---- */

static enum its_xlate_status
its_lookup(struct its *s, uint32_t devid, uint32_t eventid,
    struct its_event *ev)
{
	const struct its_cache_entry	*e;
	enum its_xlate_status		 st;

	if (!its_enabled(s))
		return ITS_XLATE_DISABLED;
	if ((e = its_cache_find(s, devid, eventid)) != NULL) {
		s->hits++;
		ev->intid = e->intid;
		ev->icid = e->icid;
		ev->target = e->target;
		return ITS_XLATE_OK;
	}
	s->misses++;
	if ((st = its_resolve(s, devid, eventid, ev)) == ITS_XLATE_OK)
		its_cache_insert(s, devid, eventid, ev);
	return st;
}

int
its_translate(struct its *s, uint32_t devid, uint32_t eventid,
    struct its_translation *t)
{
	struct its_event	ev;

	memset(t, 0, sizeof *t);
	t->status = its_lookup(s, devid, eventid, &ev);
	t->reason = its_xlate_reasons[t->status];
	if (t->status != ITS_XLATE_OK)
		return -ENOENT;
	t->intid = ev.intid;
	t->icid = ev.icid;
	t->target = ev.target;
	return 0;
}

int
its_msi(struct its *s, uint32_t devid, uint32_t eventid)
{
	struct its_event	ev;
	enum its_xlate_status	st;

	/* IHI 0069: a translation that fails is ignored (no error record). */
	if ((st = its_lookup(s, devid, eventid, &ev)) != ITS_XLATE_OK) {
		its_guest_error(s, "unmapped-msi",
		    "MSI DeviceID 0x%x EventID 0x%x dropped: %s", devid,
		    eventid, its_xlate_reasons[st]);
		return -ENOENT;
	}
	if (!s->ops.deliver_lpi(s->opaque, ev.intid, ev.target, devid, eventid))
		return -EAGAIN;
	return 0;
}

/* ---- Commands (IHI 0069 "ITS commands"). ---- */

static enum its_cmd_result PRINTFLIKE(3, 4)
its_cmd_fail(struct its *s, uint32_t code, const char *fmt, ...)
{
	va_list	ap;

	s->cmd_code = code;
	va_start(ap, fmt);
	vsnprintf(s->cmd_msg, sizeof s->cmd_msg, fmt, ap);
	va_end(ap);
	return ITS_CMD_ERROR;
}

static enum its_cmd_result
its_cmd_memory(struct its *s, const char *what)
{
	s->cmd_code = 0;
	snprintf(s->cmd_msg, sizeof s->cmd_msg, "%s is not in guest RAM",
	    what);
	return ITS_CMD_MEMORY;
}

static uint32_t
its_cmd_devid(const uint64_t *dw)
{
	return (uint32_t)(dw[0] >> ITS_CMD_DW0_DeviceID_SHIFT);
}

static uint32_t
its_cmd_eventid(const uint64_t *dw)
{
	return (uint32_t)(dw[1] & ITS_CMD_DW1_EventID_MASK);
}

static uint16_t
its_cmd_icid(const uint64_t *dw)
{
	return (uint16_t)(dw[2] & ITS_CMD_DW2_ICID_MASK);
}

static uint64_t
its_cmd_rdbase(uint64_t dw)
{
	return (dw & ITS_CMD_DW2_RDbase_MASK) >> ITS_CMD_DW2_RDbase_SHIFT;
}

static void
its_redist(struct its *s, uint8_t cmd, uint32_t devid, uint32_t eventid,
    const struct its_event *ev)
{
	struct its_redist_cmd	rc;

	memset(&rc, 0, sizeof rc);
	rc.cmd = cmd;
	rc.devid = devid;
	rc.eventid = eventid;
	rc.intid = ev->intid;
	rc.icid = ev->icid;
	rc.target = ev->target;
	s->ops.redist_cmd(s->opaque, &rc);
}

/* MAPD: DeviceID -> ITT address and size; V=0 unmaps (zeroes the DTE). */
static enum its_cmd_result
its_cmd_mapd(struct its *s, const uint64_t *dw)
{
	uint32_t	devid = its_cmd_devid(dw);
	unsigned	size = (unsigned)(dw[1] & ITS_CMD_DW1_Size_MASK);
	uint64_t	itt = dw[2] & ITS_CMD_DW2_ITT_addr_MASK;
	bool		v = (dw[2] & ITS_CMD_DW2_V_MASK) != 0;
	uint64_t	gpa, dte = 0;

	switch (its_table_entry(s, &s->dt, devid, &gpa)) {
	case 0:
		break;
	case -EFAULT:
		return its_cmd_memory(s, "the device table's level 1 entry");
	default:
		return its_cmd_fail(s, E_ITS_MAPD_DEVICE_OOR,
		    "DeviceID 0x%x is not backed by the device table (%llu "
		    "entries)", devid, (unsigned long long)s->dt.capacity);
	}
	/* The ITT size counts EventID bits - 1 and must fit GITS_TYPER.IDbits. */
	if (v && size + 1 > s->cfg.eventid_bits) {
		return its_cmd_fail(s, E_ITS_MAPD_ITTSIZE_OOR,
		    "ITT of %u EventID bits exceeds the %u supported", size + 1,
		    s->cfg.eventid_bits);
	}
	if (v) {
		dte = ITS_DTE_V_MASK | (uint64_t)1 << ITS_DTE_Next_SHIFT |
		    (itt >> ITS_DTE_ITT_ADDR_ALIGN_SHIFT) <<
		    ITS_DTE_ITT_addr_SHIFT | size;
	}
	its_cache_drop_match(s, true, devid);
	if (its_write_entry(s, gpa, dte) != 0)
		return its_cmd_memory(s, "the device table entry");
	return ITS_CMD_CONTINUE;
}

/* MAPC: ICID -> processor; V=0 unmaps without checking RDbase. */
static enum its_cmd_result
its_cmd_mapc(struct its *s, const uint64_t *dw)
{
	uint16_t	icid = its_cmd_icid(dw);
	uint64_t	rd = its_cmd_rdbase(dw[2]);
	bool		v = (dw[2] & ITS_CMD_DW2_V_MASK) != 0;
	uint64_t	gpa, cte = 0;

	switch (its_find_collection(s, icid, &gpa, NULL)) {
	case ITS_XLATE_OK:
		break;
	case ITS_XLATE_MEMORY:
		return its_cmd_memory(s,
		    "the collection table's level 1 entry");
	default:
		return its_cmd_fail(s, E_ITS_MAPC_COLLECTION_OOR,
		    "ICID 0x%x is not backed by the collection table (%llu "
		    "entries)", icid, (unsigned long long)s->ct.capacity);
	}
	/* PTA = 0: RDbase is a processor number (QEMU a120157b24). */
	if (v && rd >= s->cfg.cpus) {
		return its_cmd_fail(s, E_ITS_MAPC_PROCNUM_OOR,
		    "RDbase %llu is not a processor (%u)",
		    (unsigned long long)rd, s->cfg.cpus);
	}
	if (v)
		cte = ITS_CTE_V_MASK | rd << ITS_CTE_RDBase_SHIFT | icid;
	its_cache_drop_match(s, false, icid);
	if (its_write_entry(s, gpa, cte) != 0)
		return its_cmd_memory(s, "the collection table entry");
	return ITS_CMD_CONTINUE;
}

/* MAPTI and MAPI (pINTID = EventID): event -> LPI and collection. */
static enum its_cmd_result
its_cmd_mapti(struct its *s, const uint64_t *dw, bool mapi)
{
	uint32_t		devid = its_cmd_devid(dw);
	uint32_t		eventid = its_cmd_eventid(dw);
	uint64_t		intid = mapi ? eventid :
	    dw[1] >> ITS_CMD_DW1_pINTID_SHIFT;
	uint16_t		icid = its_cmd_icid(dw);
	uint64_t		dte, ite_gpa, ite;
	unsigned		size;

	switch (its_find_device(s, devid, &dte)) {
	case ITS_XLATE_OK:
		break;
	case ITS_XLATE_MEMORY:
		return its_cmd_memory(s, "the device table entry");
	default:
		return its_cmd_fail(s, E_ITS_MAPTI_UNMAPPED_DEVICE,
		    "DeviceID 0x%x is not mapped", devid);
	}
	size = (unsigned)FIELD_EX64(dte, ITS_DTE, Size);
	if (eventid >= (uint64_t)1 << (size + 1)) {
		return its_cmd_fail(s, E_ITS_MAPTI_ID_OOR,
		    "EventID 0x%x beyond the device's %u-bit ITT", eventid,
		    size + 1);
	}
	/* LPIs only; 1023 is GICv4's "no doorbell", never a pINTID. */
	if (intid < ITS_LPI_BASE || intid >= (uint64_t)1 << s->cfg.intid_bits) {
		return its_cmd_fail(s, E_ITS_MAPTI_PHYSICALID_OOR,
		    "pINTID %llu outside [8192, 2^%u)",
		    (unsigned long long)intid, s->cfg.intid_bits);
	}
	switch (its_find_collection(s, icid, NULL, NULL)) {
	case ITS_XLATE_OK:
		break;
	case ITS_XLATE_MEMORY:
		return its_cmd_memory(s,
		    "the collection table's level 1 entry");
	default:
		return its_cmd_fail(s, E_ITS_MAPC_COLLECTION_OOR,
		    "ICID 0x%x is not backed by the collection table", icid);
	}
	ite_gpa = (FIELD_EX64(dte, ITS_DTE, ITT_addr) <<
	    ITS_DTE_ITT_ADDR_ALIGN_SHIFT) + (uint64_t)eventid * ITS_ENTRY_SIZE;
	if (its_read_entry(s, ite_gpa, &ite) != 0)
		return its_cmd_memory(s, "the interrupt translation entry");
	if (FIELD_EX64(ite, ITS_ITE, pINTID) != 0) {
		/* UNPREDICTABLE: keep the mapping, as KVM does. */
		its_guest_error(s, "mapti-over-mapping",
		    "%s of DeviceID 0x%x EventID 0x%x, already mapped to LPI "
		    "%llu, ignored", mapi ? "MAPI" : "MAPTI", devid, eventid,
		    (unsigned long long)FIELD_EX64(ite, ITS_ITE, pINTID));
		return ITS_CMD_CONTINUE;
	}
	ite = (uint64_t)1 << ITS_ITE_Next_SHIFT |
	    intid << ITS_ITE_pINTID_SHIFT | icid;
	its_cache_drop_event(s, devid, eventid);
	if (its_write_entry(s, ite_gpa, ite) != 0)
		return its_cmd_memory(s, "the interrupt translation entry");
	return ITS_CMD_CONTINUE;
}

/* MOVI: the event to another collection, with its pending state. */
static enum its_cmd_result
its_cmd_movi(struct its *s, const uint64_t *dw)
{
	uint32_t		devid = its_cmd_devid(dw);
	uint32_t		eventid = its_cmd_eventid(dw);
	uint16_t		icid = its_cmd_icid(dw);
	struct its_event	ev;
	struct its_redist_cmd	rc;
	enum its_xlate_status	st;
	uint32_t		old, target;
	uint64_t		ite;

	st = its_find_event(s, devid, eventid, &ev);
	if (st == ITS_XLATE_MEMORY)
		return its_cmd_memory(s, "a table entry of the event");
	if (st != ITS_XLATE_OK) {
		return its_cmd_fail(s, E_ITS_MOVI_UNMAPPED_INTERRUPT,
		    "DeviceID 0x%x EventID 0x%x: %s", devid, eventid,
		    its_xlate_reasons[st]);
	}
	st = its_find_collection(s, ev.icid, NULL, &old);
	if (st == ITS_XLATE_OK)
		st = its_find_collection(s, icid, NULL, &target);
	if (st == ITS_XLATE_MEMORY)
		return its_cmd_memory(s, "a collection table entry");
	if (st != ITS_XLATE_OK) {
		return its_cmd_fail(s, E_ITS_MOVI_UNMAPPED_COLLECTION,
		    "from ICID 0x%x to ICID 0x%x: %s", ev.icid, icid,
		    its_xlate_reasons[st]);
	}
	ite = (uint64_t)1 << ITS_ITE_Next_SHIFT |
	    (uint64_t)ev.intid << ITS_ITE_pINTID_SHIFT | icid;
	its_cache_drop_event(s, devid, eventid);
	if (its_write_entry(s, ev.ite_gpa, ite) != 0)
		return its_cmd_memory(s, "the interrupt translation entry");
	memset(&rc, 0, sizeof rc);
	rc.cmd = ITS_CMD_MOVI;
	rc.devid = devid;
	rc.eventid = eventid;
	rc.intid = ev.intid;
	rc.icid = icid;
	rc.target = old;
	rc.target2 = target;
	s->ops.redist_cmd(s->opaque, &rc);
	return ITS_CMD_CONTINUE;
}

/* INT, CLEAR, INV and DISCARD: one mapped event, and its collection. */
static enum its_cmd_result
its_cmd_event(struct its *s, const uint64_t *dw, uint8_t cmd, uint32_t code)
{
	uint32_t		devid = its_cmd_devid(dw);
	uint32_t		eventid = its_cmd_eventid(dw);
	struct its_event	ev;
	enum its_xlate_status	st;

	st = its_resolve(s, devid, eventid, &ev);
	if (st == ITS_XLATE_MEMORY)
		return its_cmd_memory(s, "a table entry of the event");
	if (st != ITS_XLATE_OK) {
		return its_cmd_fail(s, code, "DeviceID 0x%x EventID 0x%x: %s",
		    devid, eventid, its_xlate_reasons[st]);
	}
	switch (cmd) {
	case ITS_CMD_INT:
		(void)s->ops.deliver_lpi(s->opaque, ev.intid, ev.target, devid,
		    eventid);
		return ITS_CMD_CONTINUE;
	case ITS_CMD_DISCARD:
		its_cache_drop_event(s, devid, eventid);
		if (its_write_entry(s, ev.ite_gpa, 0) != 0) {
			return its_cmd_memory(s,
			    "the interrupt translation entry");
		}
		break;
	}
	its_redist(s, cmd, devid, eventid, &ev);
	return ITS_CMD_CONTINUE;
}

/* INVALL: reload the configuration of every LPI of a collection. */
static enum its_cmd_result
its_cmd_invall(struct its *s, const uint64_t *dw)
{
	struct its_event	ev;
	enum its_xlate_status	st;

	memset(&ev, 0, sizeof ev);
	ev.icid = its_cmd_icid(dw);
	st = its_find_collection(s, ev.icid, NULL, &ev.target);
	if (st == ITS_XLATE_MEMORY)
		return its_cmd_memory(s, "the collection table entry");
	if (st != ITS_XLATE_OK) {
		return its_cmd_fail(s, E_ITS_INVALL_UNMAPPED_COLLECTION,
		    "ICID 0x%x: %s", ev.icid, its_xlate_reasons[st]);
	}
	its_redist(s, ITS_CMD_INVALL, 0, 0, &ev);
	return ITS_CMD_CONTINUE;
}

/* MOVALL: every pending LPI of RDbase1 to RDbase2. */
static enum its_cmd_result
its_cmd_movall(struct its *s, const uint64_t *dw)
{
	uint64_t		rd1 = its_cmd_rdbase(dw[2]);
	uint64_t		rd2 = its_cmd_rdbase(dw[3]);
	struct its_redist_cmd	rc;

	if (rd1 >= s->cfg.cpus || rd2 >= s->cfg.cpus) {
		return its_cmd_fail(s, E_ITS_MOVALL_PROCNUM_OOR,
		    "RDbase %llu -> %llu: not both processors (%u)",
		    (unsigned long long)rd1, (unsigned long long)rd2,
		    s->cfg.cpus);
	}
	/* As KVM: nothing cached survives a mass move. */
	its_cache_flush(s);
	memset(&rc, 0, sizeof rc);
	rc.cmd = ITS_CMD_MOVALL;
	rc.target = (uint32_t)rd1;
	rc.target2 = (uint32_t)rd2;
	s->ops.redist_cmd(s->opaque, &rc);
	return ITS_CMD_CONTINUE;
}

/* SYNC: an ordering barrier, passed on; no error code exists for it. */
static enum its_cmd_result
its_cmd_sync(struct its *s, const uint64_t *dw)
{
	uint64_t		rd = its_cmd_rdbase(dw[2]);
	struct its_redist_cmd	rc;

	if (rd >= s->cfg.cpus) {
		its_guest_error(s, "sync-procnum-oor",
		    "SYNC of RDbase %llu, not a processor (%u), ignored",
		    (unsigned long long)rd, s->cfg.cpus);
		return ITS_CMD_CONTINUE;
	}
	memset(&rc, 0, sizeof rc);
	rc.cmd = ITS_CMD_SYNC;
	rc.target = (uint32_t)rd;
	s->ops.redist_cmd(s->opaque, &rc);
	return ITS_CMD_CONTINUE;
}

static enum its_cmd_result
its_run_cmd(struct its *s, const uint64_t *dw)
{
	uint8_t	cmd = (uint8_t)(dw[0] & ITS_CMD_DW0_CommandType_MASK);

	switch (cmd) {
	case ITS_CMD_MAPD:
		return its_cmd_mapd(s, dw);
	case ITS_CMD_MAPC:
		return its_cmd_mapc(s, dw);
	case ITS_CMD_MAPTI:
		return its_cmd_mapti(s, dw, false);
	case ITS_CMD_MAPI:
		return its_cmd_mapti(s, dw, true);
	case ITS_CMD_MOVI:
		return its_cmd_movi(s, dw);
	case ITS_CMD_INT:
		return its_cmd_event(s, dw, cmd, E_ITS_INT_UNMAPPED_INTERRUPT);
	case ITS_CMD_CLEAR:
		return its_cmd_event(s, dw, cmd,
		    E_ITS_CLEAR_UNMAPPED_INTERRUPT);
	case ITS_CMD_INV:
		return its_cmd_event(s, dw, cmd, E_ITS_INV_UNMAPPED_INTERRUPT);
	case ITS_CMD_DISCARD:
		return its_cmd_event(s, dw, cmd,
		    E_ITS_DISCARD_UNMAPPED_INTERRUPT);
	case ITS_CMD_INVALL:
		return its_cmd_invall(s, dw);
	case ITS_CMD_MOVALL:
		return its_cmd_movall(s, dw);
	case ITS_CMD_SYNC:
		return its_cmd_sync(s, dw);
	}
	/* Not a GICv3 physical command (GICv4 ones included): skipped. */
	its_guest_error(s, "unknown-command",
	    "command 0x%02x is not implemented, skipped", cmd);
	return ITS_CMD_CONTINUE;
}

/* ---- Command queue (IHI 0069 "The ITS command queue"). ---- */

static uint64_t
its_queue_bytes(const struct its *s)
{
	return (FIELD_EX64(s->cbaser, GITS_CBASER, Size) + 1) *
	    GITS_CBASER_PAGE;
}

static uint32_t
its_offset(uint64_t reg)
{
	return (uint32_t)(reg & GITS_CREADR_Offset_MASK);
}

static void
its_record_error(struct its *s, enum its_cmd_result res, uint8_t cmd,
    uint32_t offset)
{
	const char	*name = its_cmd_name(cmd);
	const char	*ename = its_error_name(s->cmd_code);

	s->last_error.valid = true;
	s->last_error.memory = res == ITS_CMD_MEMORY;
	s->last_error.code = s->cmd_code;
	s->last_error.cmd = cmd;
	s->last_error.offset = offset;
	if (res == ITS_CMD_MEMORY) {
		its_guest_error(s, "command-memory-error",
		    "%s at queue offset 0x%x: %s; %s", name ? name : "command",
		    offset, s->cmd_msg,
		    s->cfg.errors == ITS_ERRORS_STALL ? "stalled" : "skipped");
		return;
	}
	its_guest_error(s, "command-error",
	    "%s at queue offset 0x%x: E_ITS_%s (0x%06x): %s; %s",
	    name ? name : "command", offset, ename ? ename : "?",
	    s->cmd_code, s->cmd_msg,
	    s->cfg.errors == ITS_ERRORS_STALL ? "stalled" : "skipped");
}

/*
 * Run every command from CREADR to CWRITER, wrapping at the end of the
 * queue. Both QEMU and KVM do this synchronously on a CWRITER write and on
 * enable. A callback that writes CWRITER is served by this same loop.
 */
static void
its_process_queue(struct its *s)
{
	uint64_t		qbytes, base, dw[4];
	uint8_t			buf[ITS_CMD_SIZE];
	uint32_t		off;
	enum its_cmd_result	res;
	int			i;

	if (s->processing)
		return;
	s->processing = true;
	while (its_enabled(s) && !(s->creadr & GITS_CREADR_Stalled_MASK)) {
		qbytes = its_queue_bytes(s);
		off = its_offset(s->creadr);
		if (off == its_offset(s->cwriter) ||
		    its_offset(s->cwriter) >= qbytes || off >= qbytes)
			break;
		base = s->cbaser & GITS_CBASER_PA_MASK;
		s->cmd_code = 0;
		if (s->ops.read(s->opaque, base + off, buf, sizeof buf) != 0) {
			memset(dw, 0, sizeof dw);
			res = its_cmd_memory(s, "the command");
		} else {
			for (i = 0; i < 4; i++)
				dw[i] = its_ld64(buf + 8 * i);
			res = its_run_cmd(s, dw);
		}
		if (res != ITS_CMD_CONTINUE) {
			its_record_error(s, res,
			    (uint8_t)(dw[0] & ITS_CMD_DW0_CommandType_MASK),
			    off);
			if (s->cfg.errors == ITS_ERRORS_STALL) {
				s->creadr |= GITS_CREADR_Stalled_MASK;
				break;
			}
		}
		s->commands++;
		off += ITS_CMD_SIZE;
		if (off >= qbytes)
			off = 0;
		s->creadr = off;
	}
	s->processing = false;
}

/* ---- Registers. ---- */

static bool
its_tables_ready(const struct its *s)
{
	return (s->cbaser & GITS_CBASER_Valid_MASK) &&
	    (s->baser[ITS_BASER_DEVICE] & GITS_BASER_Valid_MASK) &&
	    (s->baser[ITS_BASER_COLLECTION] & GITS_BASER_Valid_MASK);
}

static bool
its_quiescent(const struct its *s)
{
	if (!its_enabled(s))
		return true;
	return its_offset(s->creadr) == its_offset(s->cwriter) &&
	    !(s->creadr & GITS_CREADR_Stalled_MASK);
}

static uint64_t
its_baser_reset(const struct its *s, unsigned n)
{
	uint64_t	v;
	unsigned	ps;

	if (n != ITS_BASER_DEVICE && n != ITS_BASER_COLLECTION)
		return 0;
	v = FIELD_DP64(0, GITS_BASER, Type, n == ITS_BASER_DEVICE ?
	    GITS_BASER_TYPE_DEVICE : GITS_BASER_TYPE_COLLECTION);
	v = FIELD_DP64(v, GITS_BASER, Entry_Size, ITS_ENTRY_SIZE - 1);
	/* The smallest page size offered. */
	for (ps = GITS_BASER_PAGE_SIZE_4K; ps < GITS_BASER_PAGE_SIZE_64K; ps++) {
		if (its_page_supported(s, ps))
			break;
	}
	return FIELD_DP64(v, GITS_BASER, Page_Size, ps);
}

static uint64_t
its_baser_writable(const struct its *s)
{
	return GITS_BASER_WRITABLE |
	    (s->cfg.indirect ? GITS_BASER_Indirect_MASK : 0);
}

static void
its_write_ctlr(struct its *s, uint32_t value)
{
	bool	was = its_enabled(s);
	bool	now = (value & GITS_CTLR_Enabled_MASK) != 0;

	if (now && !was && !its_tables_ready(s)) {
		/* Unpredictable on hardware; KVM ignores it, and so do we. */
		its_guest_error(s, "enable-refused",
		    "GITS_CTLR.Enabled set with %s invalid: stays disabled",
		    !(s->cbaser & GITS_CBASER_Valid_MASK) ? "GITS_CBASER" :
		    "a GITS_BASER of the device or collection table");
		return;
	}
	s->ctlr = now ? GITS_CTLR_Enabled_MASK : 0;
	if (was && !now)
		its_cache_flush(s);
	if (now)
		its_process_queue(s);
}

static void
its_write_cbaser(struct its *s, uint64_t value)
{
	if (its_enabled(s)) {
		its_guest_error(s, "register-locked",
		    "GITS_CBASER write while enabled, dropped");
		return;
	}
	s->cbaser = value & GITS_CBASER_WRITABLE;
	/* IHI 0069 GITS_CBASER: a write sets CREADR to 0, CWRITER is kept. */
	s->creadr = 0;
	its_cache_flush(s);
}

static void
its_write_cwriter(struct its *s, uint64_t value)
{
	uint64_t	off = value & GITS_CWRITER_Offset_MASK;

	if (off >= its_queue_bytes(s)) {
		its_guest_error(s, "cwriter-out-of-range",
		    "GITS_CWRITER offset 0x%llx beyond the %llu-byte queue, "
		    "ignored", (unsigned long long)off,
		    (unsigned long long)its_queue_bytes(s));
		return;
	}
	s->cwriter = off;
	/* Retry restarts a stalled queue at the command that failed. */
	if (value & GITS_CWRITER_Retry_MASK)
		s->creadr &= ~GITS_CREADR_Stalled_MASK;
	its_process_queue(s);
}

static void
its_write_baser(struct its *s, unsigned n, uint64_t value)
{
	uint64_t	old = s->baser[n], wmask = its_baser_writable(s), v;

	/* Unimplemented BASERs are RAZ/WI: Linux probes all eight. */
	if (n != ITS_BASER_DEVICE && n != ITS_BASER_COLLECTION)
		return;
	if (its_enabled(s)) {
		its_guest_error(s, "register-locked",
		    "GITS_BASER%u write while enabled, dropped", n);
		return;
	}
	v = (old & ~wmask) | (value & wmask);
	/* A page size we do not offer keeps the old one: probing sees it. */
	if (!its_page_supported(s,
	    (unsigned)FIELD_EX64(v, GITS_BASER, Page_Size))) {
		v = FIELD_DP64(v, GITS_BASER, Page_Size,
		    FIELD_EX64(old, GITS_BASER, Page_Size));
	}
	s->baser[n] = v;
	its_update_tables(s);
	its_cache_flush(s);
}

static uint32_t
its_idreg(uint64_t offset)
{
	switch (offset) {
	case GITS_PIDR4:
		return GITS_PIDR4_VALUE;
	case GITS_PIDR0:
		return GITS_PIDR0_VALUE;
	case GITS_PIDR0 + 4:
		return GITS_PIDR1_VALUE;
	case GITS_PIDR0 + 8:
		return GITS_PIDR2_VALUE;
	case GITS_PIDR0 + 12:
		return GITS_PIDR3_VALUE;
	case GITS_CIDR0:
		return 0x0d;
	case GITS_CIDR0 + 4:
		return 0xf0;
	case GITS_CIDR0 + 8:
		return 0x05;
	case GITS_CIDR0 + 12:
		return 0xb1;
	}
	return 0;	/* PIDR5-7 */
}

/* The 64-bit register holding offset, or NULL. */
static uint64_t *
its_reg64(struct its *s, uint64_t offset, uint64_t *base)
{
	*base = offset & ~(uint64_t)7;
	switch (*base) {
	case GITS_TYPER:
		return &s->typer;
	case GITS_CBASER:
		return &s->cbaser;
	case GITS_CWRITER:
		return &s->cwriter;
	case GITS_CREADR:
		return &s->creadr;
	}
	if (*base >= GITS_BASER &&
	    *base < GITS_BASER + 8 * GITS_BASER_COUNT)
		return &s->baser[(*base - GITS_BASER) / 8];
	return NULL;
}

static bool
its_is_idreg(uint64_t offset)
{
	return offset >= GITS_PIDR4 && offset < GITS_IDREGS_END;
}

static bool
its_access_valid(uint64_t offset, unsigned size)
{
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	return offset < ITS_WINDOW_SIZE && offset + size <= ITS_WINDOW_SIZE;
}

/* Is this access a size the register at offset takes? */
static bool
its_size_ok(struct its *s, uint64_t offset, unsigned size, bool write)
{
	uint64_t	base;

	if (offset == GITS_TRANSLATER)
		return write && (size == 2 || size == 4);
	if (its_reg64(s, offset, &base) != NULL)
		return size == 8 ? offset == base : size == 4 &&
		    (offset & 3) == 0;
	return size == 4 && (offset & 3) == 0;
}

static bool
its_known(struct its *s, uint64_t offset)
{
	uint64_t	base;

	return (offset & ~(uint64_t)3) == GITS_CTLR ||
	    (offset & ~(uint64_t)3) == GITS_IIDR ||
	    (offset & ~(uint64_t)3) == GITS_TRANSLATER ||
	    its_is_idreg(offset) || its_reg64(s, offset, &base) != NULL;
}

int
its_mmio_read(struct its *s, uint64_t offset, unsigned size, uint64_t *value)
{
	uint64_t	base, v, *reg;

	if (!its_access_valid(offset, size))
		return -EINVAL;
	*value = 0;
	if (!its_known(s, offset)) {
		its_guest_error(s, "reserved-offset",
		    "read of %u bytes at reserved offset 0x%05llx", size,
		    (unsigned long long)offset);
		return 0;
	}
	if (offset == GITS_TRANSLATER) {
		its_guest_error(s, "write-only-register",
		    "read of GITS_TRANSLATER returns 0");
		return 0;
	}
	if (!its_size_ok(s, offset, size, false)) {
		its_guest_error(s, "bad-access-size",
		    "read of %u bytes at offset 0x%05llx", size,
		    (unsigned long long)offset);
		return 0;
	}
	if (offset == GITS_CTLR) {
		*value = s->ctlr |
		    (its_quiescent(s) ? GITS_CTLR_Quiescent_MASK : 0);
	} else if (offset == GITS_IIDR) {
		*value = s->iidr;
	} else if (its_is_idreg(offset)) {
		*value = its_idreg(offset);
	} else {
		if ((reg = its_reg64(s, offset, &base)) == NULL)
			return 0;	/* its_known() said otherwise */
		v = *reg;
		*value = size == 8 ? v : (uint32_t)(v >> 8 * (offset - base));
	}
	return 0;
}

int
its_mmio_write(struct its *s, uint64_t offset, unsigned size, uint64_t value)
{
	uint64_t	base, v, *reg;

	if (!its_access_valid(offset, size))
		return -EINVAL;
	if (size < 8)
		value &= ((uint64_t)1 << (size * 8)) - 1;
	if (!its_known(s, offset)) {
		its_guest_error(s, "reserved-offset",
		    "write of %u bytes to reserved offset 0x%05llx, dropped",
		    size, (unsigned long long)offset);
		return 0;
	}
	if (!its_size_ok(s, offset, size, true)) {
		its_guest_error(s, "bad-access-size",
		    "write of %u bytes to offset 0x%05llx, dropped", size,
		    (unsigned long long)offset);
		return 0;
	}
	if (offset == GITS_TRANSLATER) {
		(void)its_msi(s, 0, (uint32_t)value);
		return 0;
	}
	if (offset == GITS_CTLR) {
		its_write_ctlr(s, (uint32_t)value);
		return 0;
	}
	reg = its_reg64(s, offset, &base);
	if (reg == NULL || reg == &s->typer || reg == &s->creadr) {
		/* IIDR, TYPER, CREADR (GICD_CTLR.DS is not ours), ID regs. */
		its_guest_error(s, "read-only-register",
		    "write of 0x%llx to read-only offset 0x%05llx, dropped",
		    (unsigned long long)value, (unsigned long long)offset);
		return 0;
	}
	/* A 4-byte write replaces one half of the 64-bit register. */
	v = *reg;
	if (size == 4) {
		unsigned	sh = 8 * (unsigned)(offset - base);

		v = (v & ~((uint64_t)0xffffffff << sh)) | value << sh;
	} else {
		v = value;
	}
	if (reg == &s->cbaser)
		its_write_cbaser(s, v);
	else if (reg == &s->cwriter)
		its_write_cwriter(s, v);
	else
		its_write_baser(s, (unsigned)(reg - s->baser), v);
	return 0;
}

/* ---- Life cycle. ---- */

void
its_config_default(struct its_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->devbits = 16;
	cfg->eventid_bits = 16;
	cfg->cidbits = 0;
	cfg->intid_bits = 16;
	cfg->cpus = 1;
	cfg->page_sizes = ITS_PAGE_ALL;
	cfg->indirect = true;
	cfg->errors = ITS_ERRORS_STALL;
}

static bool
its_config_valid(const struct its_config *c)
{
	return c->devbits >= 1 && c->devbits <= 32 &&
	    c->eventid_bits >= 1 && c->eventid_bits <= 32 &&
	    c->cidbits <= 16 && c->intid_bits >= 14 && c->intid_bits <= 32 &&
	    c->cpus >= 1 && c->cpus <= 65536 && c->page_sizes != 0 &&
	    (c->page_sizes & ~ITS_PAGE_ALL) == 0 &&
	    (c->errors == ITS_ERRORS_STALL || c->errors == ITS_ERRORS_SKIP);
}

void
its_reset(struct its *s)
{
	unsigned	n;

	s->ctlr = 0;
	s->cbaser = 0;
	s->cwriter = 0;
	s->creadr = 0;
	for (n = 0; n < GITS_BASER_COUNT; n++)
		s->baser[n] = its_baser_reset(s, n);
	its_update_tables(s);
	memset(&s->last_error, 0, sizeof s->last_error);
	its_cache_flush(s);
}

struct its *
its_create(const struct its_config *cfg, const struct its_ops *ops,
    void *opaque)
{
	struct its	*s;
	uint64_t	 typer;

	if (cfg == NULL || ops == NULL || !its_config_valid(cfg) ||
	    ops->read == NULL || ops->write == NULL ||
	    ops->deliver_lpi == NULL || ops->redist_cmd == NULL ||
	    ops->guest_error == NULL) {
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		return NULL;
	s->ops = *ops;
	s->opaque = opaque;
	s->cfg = *cfg;

	/* Physical LPIs only, 8-byte ITEs, PTA 0, no SEIS, HCC 0. */
	typer = FIELD_DP64(0, GITS_TYPER, Physical, 1);
	typer = FIELD_DP64(typer, GITS_TYPER, ITT_entry_size,
	    ITS_ENTRY_SIZE - 1);
	typer = FIELD_DP64(typer, GITS_TYPER, IDbits, cfg->eventid_bits - 1);
	typer = FIELD_DP64(typer, GITS_TYPER, Devbits, cfg->devbits - 1);
	if (cfg->cidbits != 0) {
		typer = FIELD_DP64(typer, GITS_TYPER, CIL, 1);
		typer = FIELD_DP64(typer, GITS_TYPER, CIDbits,
		    cfg->cidbits - 1);
	}
	s->typer = typer;
	s->iidr = GITS_IIDR_IMPLEMENTER_ARM;	/* Revision 0: table ABI 0 */
	its_reset(s);
	return s;
}

void
its_destroy(struct its *s)
{
	free(s);
}

void
its_get_status(const struct its *s, struct its_status *st)
{
	memset(st, 0, sizeof *st);
	st->enabled = its_enabled(s);
	st->quiescent = its_quiescent(s);
	st->stalled = (s->creadr & GITS_CREADR_Stalled_MASK) != 0;
	st->creadr = its_offset(s->creadr);
	st->cwriter = its_offset(s->cwriter);
	st->commands = s->commands;
	st->cache_hits = s->hits;
	st->cache_misses = s->misses;
	st->last_error = s->last_error;
}

void
its_get_state(const struct its *s, struct its_state *st)
{
	memset(st, 0, sizeof *st);
	st->iidr = s->iidr;
	st->cbaser = s->cbaser;
	st->creadr = s->creadr;
	st->cwriter = s->cwriter;
	memcpy(st->baser, s->baser, sizeof st->baser);
	st->ctlr = s->ctlr;
	st->last_error = s->last_error;
}

/* ---- Table walks (chip-query, restore). ---- */

typedef int (*its_entry_fn)(struct its *, void *arg, uint64_t id,
    uint64_t entry);

/*
 * Call fn for every entry of n at gpa, reading at most up to each 4 KiB
 * boundary at once: regions are page aligned, so no read crosses an edge
 * that single-entry accesses would not cross.
 */
static int
its_walk_range(struct its *s, uint64_t gpa, uint64_t first, uint64_t n,
    its_entry_fn fn, void *arg)
{
	uint8_t		buf[4096];
	uint64_t	i = 0, chunk, k;
	int		rc;

	while (i < n) {
		chunk = (4096 - ((gpa + i * ITS_ENTRY_SIZE) & 4095)) /
		    ITS_ENTRY_SIZE;
		if (chunk > n - i)
			chunk = n - i;
		if (s->ops.read(s->opaque, gpa + i * ITS_ENTRY_SIZE, buf,
		    chunk * ITS_ENTRY_SIZE) != 0)
			return -EFAULT;
		for (k = 0; k < chunk; k++) {
			rc = fn(s, arg, first + i + k,
			    its_ld64(buf + k * ITS_ENTRY_SIZE));
			if (rc != 0)
				return rc;
		}
		i += chunk;
	}
	return 0;
}

/* Every entry a table backs (level 2 pages with a valid level 1 entry). */
static int
its_walk_table(struct its *s, const struct its_table *t, its_entry_fn fn,
    void *arg)
{
	uint64_t	per, l1, i, n;
	int		rc;

	if (!t->valid)
		return -ENOENT;
	if (!t->indirect)
		return its_walk_range(s, t->base, 0, t->capacity, fn, arg);
	per = t->page / ITS_ENTRY_SIZE;
	for (i = 0; i * per < t->capacity; i++) {
		if (its_read_entry(s, t->base + i * ITS_ENTRY_SIZE, &l1) != 0)
			return -EFAULT;
		if (!(l1 & ITS_L1E_Valid_MASK))
			continue;
		n = t->capacity - i * per < per ? t->capacity - i * per : per;
		rc = its_walk_range(s, l1 & ITS_L1E_PA_MASK & ~(t->page - 1),
		    i * per, n, fn, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

struct its_walk_ctx {
	void		*arg;
	int		(*dev_fn)(void *, uint32_t, const struct its_dte *);
	int		(*coll_fn)(void *, uint16_t, uint32_t);
	int		(*itt_fn)(void *, uint32_t, uint32_t, uint16_t);
};

static int
its_walk_dev_entry(struct its *s, void *arg, uint64_t id, uint64_t dte)
{
	struct its_walk_ctx	*ctx = arg;
	struct its_dte		 d;

	if (!(dte & ITS_DTE_V_MASK))
		return 0;
	d.itt_addr = FIELD_EX64(dte, ITS_DTE, ITT_addr) <<
	    ITS_DTE_ITT_ADDR_ALIGN_SHIFT;
	d.eventid_bits = (unsigned)FIELD_EX64(dte, ITS_DTE, Size) + 1;
	return ctx->dev_fn(ctx->arg, (uint32_t)id, &d);
}

static int
its_walk_coll_entry(struct its *s, void *arg, uint64_t id, uint64_t cte)
{
	struct its_walk_ctx	*ctx = arg;

	if (!(cte & ITS_CTE_V_MASK))
		return 0;
	return ctx->coll_fn(ctx->arg, (uint16_t)id,
	    (uint32_t)FIELD_EX64(cte, ITS_CTE, RDBase));
}

static int
its_walk_itt_entry(struct its *s, void *arg, uint64_t id, uint64_t ite)
{
	struct its_walk_ctx	*ctx = arg;

	if (FIELD_EX64(ite, ITS_ITE, pINTID) == 0)
		return 0;
	return ctx->itt_fn(ctx->arg, (uint32_t)id,
	    (uint32_t)FIELD_EX64(ite, ITS_ITE, pINTID),
	    (uint16_t)FIELD_EX64(ite, ITS_ITE, ICID));
}

int
its_walk_devices(struct its *s, int (*fn)(void *, uint32_t,
    const struct its_dte *), void *arg)
{
	struct its_walk_ctx	ctx = { .arg = arg, .dev_fn = fn };

	return its_walk_table(s, &s->dt, its_walk_dev_entry, &ctx);
}

int
its_walk_collections(struct its *s, int (*fn)(void *, uint16_t, uint32_t),
    void *arg)
{
	struct its_walk_ctx	ctx = { .arg = arg, .coll_fn = fn };

	return its_walk_table(s, &s->ct, its_walk_coll_entry, &ctx);
}

int
its_walk_itt(struct its *s, uint32_t devid, int (*fn)(void *, uint32_t,
    uint32_t, uint16_t), void *arg)
{
	struct its_walk_ctx	ctx = { .arg = arg, .itt_fn = fn };
	uint64_t		dte;
	unsigned		size;

	switch (its_find_device(s, devid, &dte)) {
	case ITS_XLATE_OK:
		break;
	case ITS_XLATE_MEMORY:
		return -EFAULT;
	default:
		return -ENOENT;
	}
	size = (unsigned)FIELD_EX64(dte, ITS_DTE, Size);
	if (size + 1 > s->cfg.eventid_bits)
		return -ENOENT;
	return its_walk_range(s, FIELD_EX64(dte, ITS_DTE, ITT_addr) <<
	    ITS_DTE_ITT_ADDR_ALIGN_SHIFT, 0, (uint64_t)1 << (size + 1),
	    its_walk_itt_entry, &ctx);
}

/* ---- Restore. ---- */

struct its_check {
	const struct its_table	*ct;
	char			*why;
	size_t			 whylen;
	uint32_t		 devid;
};

static int PRINTFLIKE(2, 3)
its_check_fail(struct its_check *c, const char *fmt, ...)
{
	va_list	ap;

	if (c->why != NULL && c->whylen > 0) {
		va_start(ap, fmt);
		vsnprintf(c->why, c->whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int
its_check_ite(struct its *s, void *arg, uint64_t id, uint64_t ite)
{
	struct its_check	*c = arg;
	uint64_t		 intid = FIELD_EX64(ite, ITS_ITE, pINTID);

	if (intid == 0)
		return 0;
	if (intid < ITS_LPI_BASE || intid >= (uint64_t)1 << s->cfg.intid_bits)
		return its_check_fail(c, "device 0x%x event 0x%llx: pINTID "
		    "%llu out of range", c->devid, (unsigned long long)id,
		    (unsigned long long)intid);
	if (FIELD_EX64(ite, ITS_ITE, ICID) >= c->ct->capacity)
		return its_check_fail(c, "device 0x%x event 0x%llx: ICID "
		    "%llu beyond the collection table", c->devid,
		    (unsigned long long)id,
		    (unsigned long long)FIELD_EX64(ite, ITS_ITE, ICID));
	return 0;
}

static int
its_check_dte(struct its *s, void *arg, uint64_t id, uint64_t dte)
{
	struct its_check	*c = arg;
	unsigned		 size;
	int			 rc;

	if (!(dte & ITS_DTE_V_MASK))
		return 0;
	size = (unsigned)FIELD_EX64(dte, ITS_DTE, Size);
	if (size + 1 > s->cfg.eventid_bits)
		return its_check_fail(c, "device 0x%llx: ITT of %u EventID "
		    "bits, more than %u", (unsigned long long)id, size + 1,
		    s->cfg.eventid_bits);
	c->devid = (uint32_t)id;
	rc = its_walk_range(s, FIELD_EX64(dte, ITS_DTE, ITT_addr) <<
	    ITS_DTE_ITT_ADDR_ALIGN_SHIFT, 0, (uint64_t)1 << (size + 1),
	    its_check_ite, c);
	if (rc == -EFAULT)
		its_check_fail(c, "device 0x%llx: ITT not in guest RAM",
		    (unsigned long long)id);
	return rc;
}

static int
its_check_cte(struct its *s, void *arg, uint64_t id, uint64_t cte)
{
	struct its_check	*c = arg;

	if (!(cte & ITS_CTE_V_MASK))
		return 0;
	/* Indexed by ICID here: KVM's packed table does not fit. */
	if (FIELD_EX64(cte, ITS_CTE, ICID) != id)
		return its_check_fail(c, "collection entry %llu holds ICID "
		    "%llu: not a table indexed by ICID",
		    (unsigned long long)id,
		    (unsigned long long)FIELD_EX64(cte, ITS_CTE, ICID));
	if (FIELD_EX64(cte, ITS_CTE, RDBase) >= s->cfg.cpus)
		return its_check_fail(c, "collection %llu targets processor "
		    "%llu of %u", (unsigned long long)id,
		    (unsigned long long)FIELD_EX64(cte, ITS_CTE, RDBase),
		    s->cfg.cpus);
	return 0;
}

static bool
its_baser_state_valid(const struct its *s, unsigned n, uint64_t v)
{
	uint64_t	ro = its_baser_reset(s, n) &
	    (GITS_BASER_Type_MASK | GITS_BASER_Entry_Size_MASK);

	if (n != ITS_BASER_DEVICE && n != ITS_BASER_COLLECTION)
		return v == 0;
	if ((v & ~(its_baser_writable(s) | ro)) != 0 ||
	    (v & (GITS_BASER_Type_MASK | GITS_BASER_Entry_Size_MASK)) != ro)
		return false;
	return its_page_supported(s,
	    (unsigned)FIELD_EX64(v, GITS_BASER, Page_Size));
}

int
its_set_state(struct its *s, const struct its_state *st, char *why,
    size_t whylen)
{
	struct its_check	 c = { .why = why, .whylen = whylen };
	struct its_table	 dt, ct;
	uint64_t		 qbytes;
	unsigned		 n;
	int			 rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (st->iidr != s->iidr)
		return its_check_fail(&c, "GITS_IIDR 0x%08x: unknown table "
		    "ABI revision (0x%08x expected)", st->iidr, s->iidr);
	if ((st->cbaser & ~GITS_CBASER_WRITABLE) != 0)
		return its_check_fail(&c, "GITS_CBASER sets reserved bits");
	qbytes = (FIELD_EX64(st->cbaser, GITS_CBASER, Size) + 1) *
	    GITS_CBASER_PAGE;
	if ((st->creadr & ~(GITS_CREADR_Offset_MASK |
	    GITS_CREADR_Stalled_MASK)) != 0 ||
	    its_offset(st->creadr) >= qbytes)
		return its_check_fail(&c, "GITS_CREADR outside the queue");
	if ((st->cwriter & ~GITS_CWRITER_Offset_MASK) != 0 ||
	    its_offset(st->cwriter) >= qbytes)
		return its_check_fail(&c, "GITS_CWRITER outside the queue");
	for (n = 0; n < GITS_BASER_COUNT; n++) {
		if (!its_baser_state_valid(s, n, st->baser[n]))
			return its_check_fail(&c, "GITS_BASER%u 0x%016llx "
			    "does not fit this ITS", n,
			    (unsigned long long)st->baser[n]);
	}
	if ((st->ctlr & ~(uint32_t)(GITS_CTLR_Enabled_MASK |
	    GITS_CTLR_Quiescent_MASK)) != 0)
		return its_check_fail(&c, "GITS_CTLR sets reserved bits");
	if ((st->ctlr & GITS_CTLR_Enabled_MASK) &&
	    (!(st->cbaser & GITS_CBASER_Valid_MASK) ||
	    !(st->baser[ITS_BASER_DEVICE] & GITS_BASER_Valid_MASK) ||
	    !(st->baser[ITS_BASER_COLLECTION] & GITS_BASER_Valid_MASK)))
		return its_check_fail(&c, "enabled without valid tables");
	if (st->last_error.valid && (st->last_error.offset >= qbytes ||
	    st->last_error.offset % ITS_CMD_SIZE != 0))
		return its_check_fail(&c, "last error offset outside the "
		    "queue");

	/* KVM's RESTORE_TABLES step: read the tables back, change nothing. */
	its_table_decode(st->baser[ITS_BASER_DEVICE], s->cfg.devbits, &dt);
	its_table_decode(st->baser[ITS_BASER_COLLECTION],
	    s->cfg.cidbits == 0 ? 16 : s->cfg.cidbits, &ct);
	c.ct = &ct;
	if (ct.valid) {
		rc = its_walk_table(s, &ct, its_check_cte, &c);
		if (rc == -EFAULT)
			its_check_fail(&c, "collection table not in guest RAM");
		if (rc != 0)
			return rc == -EFAULT ? -EFAULT : -EINVAL;
	}
	if (dt.valid) {
		rc = its_walk_table(s, &dt, its_check_dte, &c);
		if (rc == -EFAULT && (why == NULL || why[0] == '\0'))
			its_check_fail(&c, "device table not in guest RAM");
		if (rc != 0)
			return rc == -EFAULT ? -EFAULT : -EINVAL;
	}

	/* The KVM restore order: CBASER, CREADR, CWRITER, BASERs, CTLR. */
	s->cbaser = st->cbaser;
	s->creadr = st->creadr;
	s->cwriter = st->cwriter;
	memcpy(s->baser, st->baser, sizeof s->baser);
	s->dt = dt;
	s->ct = ct;
	its_cache_flush(s);
	s->last_error = st->last_error;
	s->ctlr = st->ctlr & GITS_CTLR_Enabled_MASK;
	return 0;
}
