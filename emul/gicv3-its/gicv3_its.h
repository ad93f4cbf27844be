/*
 * Arm GICv3 Interrupt Translation Service (Arm IHI 0069) as a pure state
 * machine: the register frame, the command queue and the device, collection
 * and interrupt translation tables, all in guest memory. Not thread-safe: one
 * owner feeds it register accesses and MSIs.
 *
 * No I/O, no event loop, no JSON, no KVM: inputs are function calls, outputs
 * (guest memory accesses, LPIs, redistributor work, guest errors) go through
 * the ops table given to its_create(). Every instance is independent.
 */
#ifndef IRQCHIPD_GICV3_ITS_H
#define IRQCHIPD_GICV3_ITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ITS_WINDOW_SIZE		0x20000	/* control + translation frames */
#define ITS_WINDOW_ALIGN	0x10000
#define ITS_TRANSLATER_OFFSET	0x10040	/* the MSI doorbell */
#define ITS_BASER_COUNT		8

/* Page sizes a BASER may select (its_config.page_sizes). */
#define ITS_PAGE_4K		0x1
#define ITS_PAGE_16K		0x2
#define ITS_PAGE_64K		0x4
#define ITS_PAGE_ALL		(ITS_PAGE_4K | ITS_PAGE_16K | ITS_PAGE_64K)

/* Command numbers, DW0[7:0] (IHI 0069, "ITS commands"). */
enum its_cmd_type {
	ITS_CMD_MOVI	= 0x01,
	ITS_CMD_INT	= 0x03,
	ITS_CMD_CLEAR	= 0x04,
	ITS_CMD_SYNC	= 0x05,
	ITS_CMD_MAPD	= 0x08,
	ITS_CMD_MAPC	= 0x09,
	ITS_CMD_MAPTI	= 0x0a,
	ITS_CMD_MAPI	= 0x0b,
	ITS_CMD_INV	= 0x0c,
	ITS_CMD_INVALL	= 0x0d,
	ITS_CMD_MOVALL	= 0x0e,
	ITS_CMD_DISCARD	= 0x0f,
};

/*
 * Command error codes (IHI 0069, "Command errors"; the names Linux uses):
 * 0x01 << 16 | command << 8 | reason. MAPI reports MAPTI's codes, and an
 * ICID out of range in MAPTI/MAPI is E_ITS_MAPC_COLLECTION_OOR (as KVM).
 */
#define E_ITS_MOVI_UNMAPPED_INTERRUPT		0x010107
#define E_ITS_MOVI_UNMAPPED_COLLECTION		0x010109
#define E_ITS_INT_UNMAPPED_INTERRUPT		0x010307
#define E_ITS_CLEAR_UNMAPPED_INTERRUPT		0x010507
#define E_ITS_MAPD_DEVICE_OOR			0x010801
#define E_ITS_MAPD_ITTSIZE_OOR			0x010802
#define E_ITS_MAPC_PROCNUM_OOR			0x010902
#define E_ITS_MAPC_COLLECTION_OOR		0x010903
#define E_ITS_MAPTI_UNMAPPED_DEVICE		0x010a04
#define E_ITS_MAPTI_ID_OOR			0x010a05
#define E_ITS_MAPTI_PHYSICALID_OOR		0x010a06
#define E_ITS_INV_UNMAPPED_INTERRUPT		0x010c07
#define E_ITS_INVALL_UNMAPPED_COLLECTION	0x010d09
#define E_ITS_MOVALL_PROCNUM_OOR		0x010e01
#define E_ITS_DISCARD_UNMAPPED_INTERRUPT	0x010f07

struct its;

enum its_error_policy {
	ITS_ERRORS_STALL,	/* CREADR.Stalled at the failing command */
	ITS_ERRORS_SKIP,	/* report it and go on with the next one */
};

/*
 * Sizes are in bits. its_config_default() fills in the defaults; zero is
 * not a default for any field but cidbits.
 */
struct its_config {
	unsigned		devbits;	/* DeviceID bits, 1..32 (16) */
	unsigned		eventid_bits;	/* EventID bits, 1..32 (16) */
	/* ICID bits 1..16; 0: 16 bits with GITS_TYPER.CIL = 0 (default). */
	unsigned		cidbits;
	unsigned		intid_bits;	/* LPI INTID bits, 14..32 (16) */
	unsigned		cpus;		/* processors, 1..65536 (1) */
	unsigned		page_sizes;	/* ITS_PAGE_* mask (all) */
	bool			indirect;	/* two-level tables (true) */
	enum its_error_policy	errors;		/* (ITS_ERRORS_STALL) */
};

/*
 * Redistributor-side work of a command, decoded, in queue order: what the
 * owner of the redistributors must do (pending state, LPI configuration).
 * cmd says which fields mean something:
 *   CLEAR, INV, DISCARD: devid, eventid, intid, icid, target
 *   MOVI:   devid, eventid, intid, icid (the new collection), target (the
 *           old processor), target2 (the new one): move the pending state
 *   INVALL: icid, target
 *   MOVALL: target (RDbase1), target2 (RDbase2)
 *   SYNC:   target
 * With GITS_TYPER.PTA = 0 a target is a processor number.
 */
struct its_redist_cmd {
	uint8_t		cmd;		/* enum its_cmd_type */
	uint32_t	devid;
	uint32_t	eventid;
	uint32_t	intid;
	uint16_t	icid;
	uint32_t	target;
	uint32_t	target2;
};

struct its_ops {
	/*
	 * Guest memory, copied in or out: 0, or -EFAULT when [gpa, gpa + len)
	 * is not entirely inside one RAM region.
	 */
	int (*read)(void *opaque, uint64_t gpa, void *buf, size_t len);
	int (*write)(void *opaque, uint64_t gpa, const void *buf, size_t len);
	/* Make LPI intid pending on processor target; false if refused. */
	bool (*deliver_lpi)(void *opaque, uint32_t intid, uint32_t target,
	    uint32_t devid, uint32_t eventid);
	void (*redist_cmd)(void *opaque, const struct its_redist_cmd *);
	/* The guest did something IHI 0069 does not define or forbids. */
	void (*guest_error)(void *opaque, const char *kind, const char *msg);
};

/* Why a (DeviceID, EventID) pair does not translate. */
enum its_xlate_status {
	ITS_XLATE_OK,
	ITS_XLATE_DISABLED,		/* GITS_CTLR.Enabled is 0 */
	ITS_XLATE_DEVICE_OOR,		/* DeviceID beyond the device table */
	ITS_XLATE_DEVICE_UNMAPPED,	/* no valid DTE */
	ITS_XLATE_EVENT_OOR,		/* EventID beyond the ITT's size */
	ITS_XLATE_EVENT_UNMAPPED,	/* no valid ITE */
	ITS_XLATE_COLLECTION_OOR,	/* the ITE's ICID beyond the table */
	ITS_XLATE_COLLECTION_UNMAPPED,	/* the collection is not mapped */
	ITS_XLATE_BAD_ENTRY,		/* an entry that MAPx cannot write */
	ITS_XLATE_MEMORY,		/* a table read failed */
};

struct its_translation {
	enum its_xlate_status	status;
	const char		*reason;	/* for people; "" when OK */
	uint32_t		intid;
	uint16_t		icid;
	uint32_t		target;
};

/* The last command error (chip-query, guest-error events). */
struct its_cmd_error {
	bool		valid;		/* false: no error since reset */
	bool		memory;		/* a memory error (code is 0) */
	uint32_t	code;		/* E_ITS_*, or 0 */
	uint8_t		cmd;		/* DW0[7:0] of the failing command */
	uint32_t	offset;		/* its offset in the queue */
};

/* Registers as saved, in the KVM restore order (see its_set_state). */
struct its_state {
	uint32_t	iidr;
	uint64_t	cbaser;
	uint64_t	creadr;		/* Stalled included */
	uint64_t	cwriter;
	uint64_t	baser[ITS_BASER_COUNT];
	uint32_t	ctlr;		/* Enabled */
	struct its_cmd_error last_error;
};

/* A table entry decoded for people (chip-query). */
struct its_dte {
	uint64_t	itt_addr;
	unsigned	eventid_bits;	/* Size + 1 */
};

struct its_status {
	bool		enabled;
	bool		quiescent;
	bool		stalled;
	uint32_t	creadr;		/* queue offsets, bytes */
	uint32_t	cwriter;
	uint64_t	commands;	/* processed since creation */
	uint64_t	cache_hits;
	uint64_t	cache_misses;
	struct its_cmd_error last_error;
};

void its_config_default(struct its_config *);
/* Returns NULL with errno EINVAL (bad config, NULL ops or callback) or ENOMEM. */
struct its *its_create(const struct its_config *, const struct its_ops *,
    void *opaque);
void its_destroy(struct its *);
/* Architectural reset: disabled, quiescent, every BASER and CBASER invalid. */
void its_reset(struct its *);

/*
 * Guest accesses at offset in the 128 KiB window. Accesses IHI 0069 does
 * not define (reserved offsets, wrong sizes, writes to read-only registers)
 * are reported through guest_error: reads return 0, writes are dropped.
 * Both return 0, or -EINVAL for an access that does not fit in the window
 * or a size not in {1, 2, 4, 8} (a VMM bug, not a guest one). A write of
 * GITS_TRANSLATER here comes from a processor: DeviceID 0.
 */
int its_mmio_read(struct its *, uint64_t offset, unsigned size, uint64_t *value);
int its_mmio_write(struct its *, uint64_t offset, unsigned size, uint64_t value);

/*
 * A device's write of eventid to GITS_TRANSLATER: translate and deliver.
 * 0 delivered; -ENOENT nothing translates (reported as a guest error);
 * -EAGAIN translated but deliver_lpi refused it.
 */
int its_msi(struct its *, uint32_t devid, uint32_t eventid);
/*
 * The same lookup with no delivery, no guest error and no change to the
 * architectural state (it may fill the translation cache, and counts in
 * its_status). 0 with status ITS_XLATE_OK, or -ENOENT with the status and
 * reason set.
 */
int its_translate(struct its *, uint32_t devid, uint32_t eventid,
    struct its_translation *);

void its_get_status(const struct its *, struct its_status *);
void its_get_state(const struct its *, struct its_state *);
/*
 * Restore in the KVM order: IIDR, CBASER, CREADR, CWRITER, BASER0..7, then
 * the tables are re-read from guest memory and checked, CTLR last. Nothing
 * changes on error: -EINVAL (a register or table entry this ITS cannot
 * hold) or -EFAULT (a table outside guest RAM); why (may be NULL) says which.
 * A restored, enabled ITS does not run its queue until the next CWRITER
 * write: commands between CREADR and CWRITER were saved unprocessed.
 */
int its_set_state(struct its *, const struct its_state *, char *why,
    size_t whylen);

/*
 * Walkers over the tables in guest memory (chip-query): fn is called for
 * each valid entry in ID order; a non-zero return stops the walk and is
 * returned. -ENOENT: no such table (BASER invalid, device unmapped);
 * -EFAULT: a table read failed.
 */
int its_walk_devices(struct its *, int (*fn)(void *arg, uint32_t devid,
    const struct its_dte *), void *arg);
int its_walk_collections(struct its *, int (*fn)(void *arg, uint16_t icid,
    uint32_t target), void *arg);
int its_walk_itt(struct its *, uint32_t devid, int (*fn)(void *arg,
    uint32_t eventid, uint32_t intid, uint16_t icid), void *arg);

const char *its_cmd_name(uint8_t cmd);		/* "MAPD", or NULL */
const char *its_error_name(uint32_t code);	/* "MAPD_DEVICE_OOR", or NULL */

#endif
