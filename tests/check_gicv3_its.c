/*
 * Unit suite for emul/gicv3-its: the GICv3 ITS against Arm IHI 0069 (register
 * map, "ITS commands", "Command errors") and the KVM ITS table ABI revision 0
 * (Linux Documentation/virt/kvm/devices/arm-vgic-its.rst). Register offsets,
 * fields and table layouts below are the test's own, written from those
 * documents, not taken from gicv3_its_internal.h.
 *
 * Guest memory is a buffer behind a region map: two adjacent 16 MiB regions
 * (an edge between them at RAM1) and nothing above them (a hole at HOLE).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "compiler.h"
#include "gicv3-its/gicv3_its.h"

/* Register map (IHI 0069, ITS registers). */
#define CTLR		0x0000
#define IIDR		0x0004
#define TYPER		0x0008
#define CBASER		0x0080
#define CWRITER		0x0088
#define CREADR		0x0090
#define BASER(n)	(0x0100 + 8 * (n))
#define PIDR2		0xffe8
#define CIDR(n)		(0xfff0 + 4 * (n))
#define TRANSLATER	0x10040

#define CTLR_ENABLED	0x1ULL
#define CTLR_QUIESCENT	(1ULL << 31)
#define CREADR_STALLED	0x1ULL
#define CWRITER_RETRY	0x1ULL
#define VALID		(1ULL << 63)
#define INDIRECT	(1ULL << 62)
#define BASER_TYPE(t)	((uint64_t)(t) << 56)
#define BASER_ESZ(b)	((uint64_t)((b) - 1) << 48)
#define BASER_PSZ(p)	((uint64_t)(p) << 8)
#define PSZ_4K		0
#define PSZ_16K		1
#define PSZ_64K		2
#define TYPE_DEVICES	1
#define TYPE_COLLECTIONS 4

/* Guest RAM. */
#define RAM0		0x40000000ULL
#define RAM1		0x41000000ULL	/* adjacent: an edge, not a hole */
#define REGION		0x01000000ULL
#define HOLE		(RAM1 + REGION)

/* Where the default setup puts things. */
#define QUEUE		RAM0		/* 64 KiB: 2048 commands */
#define QUEUE_PAGES	16
#define DEVTAB		(RAM0 + 0x100000) /* flat, 64 KiB pages, 8: 65536 */
#define COLLTAB		(RAM0 + 0x200000) /* flat, one 4 KiB page: 512 */
#define ITTS		(RAM0 + 0x300000)
#define ITT(d)		(ITTS + (uint64_t)(d) * 0x100)	/* 32 events each */
#define LPI		8192
#define ITS_BIG_ITT(d)	(RAM0 + 0x600000 + (uint64_t)(d) * 0x800) /* 256 */

/* Command numbers (IHI 0069, "ITS commands"). */
#define C_MOVI		0x01
#define C_INT		0x03
#define C_CLEAR		0x04
#define C_SYNC		0x05
#define C_MAPD		0x08
#define C_MAPC		0x09
#define C_MAPTI		0x0a
#define C_MAPI		0x0b
#define C_INV		0x0c
#define C_INVALL	0x0d
#define C_MOVALL	0x0e
#define C_DISCARD	0x0f

#define LOG_MAX		64

struct lpi {
	uint32_t	intid, target, devid, eventid;
};

struct recorder {
	uint8_t			*ram;		/* RAM0 .. HOLE */
	unsigned		 nlpi;
	struct lpi		 lpi[LOG_MAX];
	unsigned		 nredist;
	struct its_redist_cmd	 redist[LOG_MAX];
	unsigned		 nerror;
	char			 kind[LOG_MAX][32];
	char			 msg[256];
	bool			 refuse;
	unsigned		 sync_appends;	/* SYNCs that queue one more */
	unsigned		 nread;
};

static struct recorder	 rec;
static struct its	*its;
static uint64_t		 qwr;	/* next free byte in the default queue */
static uint64_t		 qbytes = QUEUE_PAGES * 4096;
static uint64_t		 qbase = QUEUE;
static bool		 skip_mode;	/* the fixture's error policy */

static void	cmd_sync_reentrant(uint64_t rd);

static bool
in_ram(uint64_t gpa, size_t len)
{
	uint64_t	start;

	if (gpa < RAM0 || gpa >= HOLE || len > HOLE - gpa)
		return false;
	start = gpa < RAM1 ? RAM0 : RAM1;
	return gpa + len <= start + REGION;	/* one region only */
}

static int
rec_read(void *opaque, uint64_t gpa, void *buf, size_t len)
{
	struct recorder	*r = opaque;

	r->nread++;
	if (!in_ram(gpa, len))
		return -EFAULT;
	memcpy(buf, r->ram + (gpa - RAM0), len);
	return 0;
}

static int
rec_write(void *opaque, uint64_t gpa, const void *buf, size_t len)
{
	struct recorder	*r = opaque;

	if (!in_ram(gpa, len))
		return -EFAULT;
	memcpy(r->ram + (gpa - RAM0), buf, len);
	return 0;
}

static bool
rec_deliver(void *opaque, uint32_t intid, uint32_t target, uint32_t devid,
    uint32_t eventid)
{
	struct recorder	*r = opaque;
	struct lpi	 l = { intid, target, devid, eventid };

	r->lpi[r->nlpi % LOG_MAX] = l;
	r->nlpi++;
	return !r->refuse;
}

static void
rec_redist(void *opaque, const struct its_redist_cmd *c)
{
	struct recorder	*r = opaque;

	if (r->nredist < LOG_MAX)
		r->redist[r->nredist] = *c;
	r->nredist++;
	/* A VMM callback that queues more work while the ITS runs. */
	if (c->cmd == C_SYNC && r->sync_appends > 0) {
		r->sync_appends--;
		cmd_sync_reentrant(c->target + 1);
	}
}

static void
rec_guest_error(void *opaque, const char *kind, const char *msg)
{
	struct recorder	*r = opaque;

	ck_assert_ptr_nonnull(kind);
	ck_assert_uint_gt(strlen(msg), 0);
	snprintf(r->kind[r->nerror % LOG_MAX], sizeof r->kind[0], "%s",
	    kind);
	snprintf(r->msg, sizeof r->msg, "%s", msg);
	r->nerror++;
}

static const struct its_ops rec_ops = {
	.read = rec_read,
	.write = rec_write,
	.deliver_lpi = rec_deliver,
	.redist_cmd = rec_redist,
	.guest_error = rec_guest_error,
};

static void
rec_clear(void)
{
	uint8_t	*ram = rec.ram;

	memset(&rec, 0, sizeof rec);
	rec.ram = ram;
}

/* The last guest error was of this kind. */
static void
assert_error(const char *kind)
{
	ck_assert_uint_gt(rec.nerror, 0);
	ck_assert_str_eq(rec.kind[(rec.nerror - 1) % LOG_MAX], kind);
}

/* ---- Guest memory, little-endian by bytes (as a big-endian host must). */

static uint8_t *
ram_at(uint64_t gpa, size_t len)
{
	ck_assert(in_ram(gpa, len) || (gpa >= RAM0 && gpa + len <= HOLE));
	return rec.ram + (gpa - RAM0);
}

static void
mem_w64(uint64_t gpa, uint64_t v)
{
	uint8_t	*p = ram_at(gpa, 8);
	int	 i;

	for (i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t
mem_r64(uint64_t gpa)
{
	uint8_t		*p = ram_at(gpa, 8);
	uint64_t	 v = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- Registers. */

static void
mmio_w(uint64_t offset, unsigned size, uint64_t value)
{
	ck_assert_int_eq(its_mmio_write(its, offset, size, value), 0);
}

static uint64_t
mmio_r(uint64_t offset, unsigned size)
{
	uint64_t	v = 0xdeadbeef;

	ck_assert_int_eq(its_mmio_read(its, offset, size, &v), 0);
	return v;
}

static uint64_t
creadr(void)
{
	return mmio_r(CREADR, 8);
}

/* ---- Commands: four little-endian dwords (IHI 0069 "ITS commands"). */

static void
q_put(uint64_t dw0, uint64_t dw1, uint64_t dw2, uint64_t dw3)
{
	mem_w64(qbase + qwr, dw0);
	mem_w64(qbase + qwr + 8, dw1);
	mem_w64(qbase + qwr + 16, dw2);
	mem_w64(qbase + qwr + 24, dw3);
	qwr = (qwr + 32) % qbytes;
}

static void
q_go(void)
{
	mmio_w(CWRITER, 8, qwr);
}

static void
cmd_mapd(uint32_t devid, unsigned bits, uint64_t itt, bool v)
{
	q_put(C_MAPD | (uint64_t)devid << 32, bits - 1,
	    (v ? VALID : 0) | (itt & 0x000fffffffffff00ULL), 0);
}

static void
cmd_mapc(uint16_t icid, uint64_t rd, bool v)
{
	q_put(C_MAPC, 0, (v ? VALID : 0) | rd << 16 | icid, 0);
}

static void
cmd_mapti(uint32_t devid, uint32_t eventid, uint32_t intid, uint16_t icid)
{
	q_put(C_MAPTI | (uint64_t)devid << 32,
	    eventid | (uint64_t)intid << 32, icid, 0);
}

static void
cmd_mapi(uint32_t devid, uint32_t eventid, uint16_t icid)
{
	q_put(C_MAPI | (uint64_t)devid << 32, eventid, icid, 0);
}

static void
cmd_movi(uint32_t devid, uint32_t eventid, uint16_t icid)
{
	q_put(C_MOVI | (uint64_t)devid << 32, eventid, icid, 0);
}

static void
cmd_ev(uint8_t cmd, uint32_t devid, uint32_t eventid)
{
	q_put(cmd | (uint64_t)devid << 32, eventid, 0, 0);
}

static void
cmd_invall(uint16_t icid)
{
	q_put(C_INVALL, 0, icid, 0);
}

static void
cmd_movall(uint64_t rd1, uint64_t rd2)
{
	q_put(C_MOVALL, 0, rd1 << 16, rd2 << 16);
}

static void
cmd_sync(uint64_t rd)
{
	q_put(C_SYNC, 0, rd << 16, 0);
}

/* A SYNC queued and announced from inside a callback. */
static void
cmd_sync_reentrant(uint64_t rd)
{
	cmd_sync(rd % 4);
	ck_assert_int_eq(its_mmio_write(its, CWRITER, 8, qwr), 0);
}

/* ---- Setups. */

static struct its *
make_its(const struct its_config *cfg)
{
	struct its	*s = its_create(cfg, &rec_ops, &rec);

	ck_assert_ptr_nonnull(s);
	return s;
}

/* The default configuration with 4 processors. */
static struct its *
make_its_default4(void)
{
	struct its_config	cfg;

	its_config_default(&cfg);
	cfg.cpus = 4;
	return make_its(&cfg);
}

static void
setup_cfg(const struct its_config *cfg)
{
	rec.ram = calloc(1, HOLE - RAM0);
	ck_assert_ptr_nonnull(rec.ram);
	its = make_its(cfg);
	qwr = 0;
	qbytes = QUEUE_PAGES * 4096;
	qbase = QUEUE;
}

static void
setup(void)
{
	struct its_config	cfg;

	its_config_default(&cfg);
	cfg.cpus = 4;
	setup_cfg(&cfg);
	skip_mode = false;
}

static void
teardown(void)
{
	its_destroy(its);
	its = NULL;
	free(rec.ram);
	memset(&rec, 0, sizeof rec);
}

/* Queue, a flat 64 KiB-page device table and a 4 KiB collection table. */
static void
program_tables(void)
{
	mmio_w(CBASER, 8, VALID | QUEUE | (QUEUE_PAGES - 1));
	mmio_w(BASER(0), 8, VALID | BASER_PSZ(PSZ_64K) | DEVTAB | 7);
	mmio_w(BASER(1), 8, VALID | BASER_PSZ(PSZ_4K) | COLLTAB | 0);
}

static void
enable(void)
{
	program_tables();
	mmio_w(CTLR, 4, CTLR_ENABLED);
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_ENABLED, 1);
}

/* Enabled; collection c -> processor c for c < 4; device 1, 32 events. */
static void
setup_mapped(void)
{
	unsigned	c, e;

	setup();
	enable();
	for (c = 0; c < 4; c++)
		cmd_mapc(c, c, true);
	cmd_mapd(1, 5, ITT(1), true);
	for (e = 0; e < 32; e++)
		cmd_mapti(1, e, LPI + 100 + e, e % 4);
	q_go();
	ck_assert_uint_eq(creadr(), qwr);
	ck_assert_uint_eq(rec.nerror, 0);
	rec_clear();
}

static void
setup_stall(void)
{
	setup_mapped();
}

static void
setup_skip(void)
{
	struct its_config	cfg;
	unsigned		c, e;

	its_config_default(&cfg);
	cfg.cpus = 4;
	cfg.errors = ITS_ERRORS_SKIP;
	setup_cfg(&cfg);
	skip_mode = true;
	enable();
	for (c = 0; c < 4; c++)
		cmd_mapc(c, c, true);
	cmd_mapd(1, 5, ITT(1), true);
	for (e = 0; e < 32; e++)
		cmd_mapti(1, e, LPI + 100 + e, e % 4);
	q_go();
	ck_assert_uint_eq(rec.nerror, 0);
	rec_clear();
}

static void
expect_lpi(uint32_t devid, uint32_t eventid, uint32_t intid, uint32_t target)
{
	struct its_translation	t;
	unsigned		n = rec.nlpi;

	ck_assert_int_eq(its_translate(its, devid, eventid, &t), 0);
	ck_assert_int_eq(t.status, ITS_XLATE_OK);
	ck_assert_uint_eq(t.intid, intid);
	ck_assert_uint_eq(t.target, target);
	ck_assert_int_eq(its_msi(its, devid, eventid), 0);
	ck_assert_uint_eq(rec.nlpi, n + 1);
	ck_assert_uint_eq(rec.lpi[n % LOG_MAX].intid, intid);
	ck_assert_uint_eq(rec.lpi[n % LOG_MAX].target, target);
	ck_assert_uint_eq(rec.lpi[n % LOG_MAX].devid, devid);
	ck_assert_uint_eq(rec.lpi[n % LOG_MAX].eventid, eventid);
}

static void
expect_unmapped(uint32_t devid, uint32_t eventid, enum its_xlate_status st)
{
	struct its_translation	t;

	ck_assert_int_eq(its_translate(its, devid, eventid, &t), -ENOENT);
	ck_assert_int_eq(t.status, st);
	ck_assert_uint_gt(strlen(t.reason), 0);
}

static struct its_status
status(void)
{
	struct its_status	st;

	its_get_status(its, &st);
	return st;
}

/*
 * The command at queue offset off failed with code: check the record and
 * the policy, then get past it (stall: rewrite it as a SYNC and Retry).
 */
static void
expect_fail(uint64_t off, uint8_t cmd, uint32_t code, bool memory)
{
	struct its_status	st = status();

	ck_assert(st.last_error.valid);
	ck_assert_int_eq(st.last_error.memory, memory);
	ck_assert_uint_eq(st.last_error.code, code);
	ck_assert_uint_eq(st.last_error.cmd, cmd);
	ck_assert_uint_eq(st.last_error.offset, off);
	assert_error(memory ? "command-memory-error" : "command-error");
	if (skip_mode) {
		ck_assert(!st.stalled);
		ck_assert_uint_eq(creadr(), qwr);
		return;
	}
	ck_assert(st.stalled);
	ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
	mem_w64(qbase + off, C_SYNC);
	mem_w64(qbase + off + 8, 0);
	mem_w64(qbase + off + 16, 0);
	mem_w64(qbase + off + 24, 0);
	mmio_w(CWRITER, 8, qwr | CWRITER_RETRY);
	ck_assert_uint_eq(creadr(), qwr);
}

/* The command at off could not be read from guest memory. */
static void
expect_fail_memory_at(uint64_t off)
{
	struct its_status	st = status();

	ck_assert(st.last_error.valid);
	ck_assert(st.last_error.memory);
	ck_assert_uint_eq(st.last_error.code, 0);
	ck_assert_uint_eq(st.last_error.offset, off);
	assert_error("command-memory-error");
	if (skip_mode)
		ck_assert_uint_eq(creadr(), qwr);
	else
		ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
}

/* Queue one command with put(), run it, expect it to fail with code. */
#define FAILS(cmd, code, put) do {				\
	uint64_t	off_;						\
	put;							\
	off_ = (qwr + qbytes - 32) % qbytes;			\
	q_go();							\
	expect_fail(off_, (cmd), (code), false);		\
} while (0)

/* ================================================================ */
/* Registers                                                         */

START_TEST(test_reset_values)
{
	uint64_t	typer = mmio_r(TYPER, 8);
	unsigned	n;

	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_QUIESCENT);
	/* Implementer Arm (JEP106 0x43b), Revision 0 = table ABI rev 0. */
	ck_assert_uint_eq(mmio_r(IIDR, 4) & 0xfff, 0x43b);
	ck_assert_uint_eq(mmio_r(IIDR, 4) >> 12 & 0xf, 0);
	ck_assert_uint_eq(typer & 1, 1);		/* Physical */
	ck_assert_uint_eq(typer >> 1 & 1, 0);		/* Virtual */
	ck_assert_uint_eq(typer >> 4 & 0xf, 7);	/* 8-byte ITEs */
	ck_assert_uint_eq(typer >> 8 & 0x1f, 15);	/* 16 EventID bits */
	ck_assert_uint_eq(typer >> 13 & 0x1f, 15);	/* 16 DeviceID bits */
	ck_assert_uint_eq(typer >> 18 & 1, 0);		/* SEIS */
	ck_assert_uint_eq(typer >> 19 & 1, 0);		/* PTA: PE numbers */
	ck_assert_uint_eq(typer >> 24 & 0xff, 0);	/* HCC */
	ck_assert_uint_eq(typer >> 36 & 1, 0);		/* CIL: 16 bits */
	ck_assert_uint_eq(mmio_r(CBASER, 8), 0);
	ck_assert_uint_eq(mmio_r(CWRITER, 8), 0);
	ck_assert_uint_eq(mmio_r(CREADR, 8), 0);
	ck_assert_uint_eq(mmio_r(BASER(0), 8),
	    BASER_TYPE(TYPE_DEVICES) | BASER_ESZ(8) | BASER_PSZ(PSZ_4K));
	ck_assert_uint_eq(mmio_r(BASER(1), 8),
	    BASER_TYPE(TYPE_COLLECTIONS) | BASER_ESZ(8) | BASER_PSZ(PSZ_4K));
	for (n = 2; n < 8; n++)
		ck_assert_uint_eq(mmio_r(BASER(n), 8), 0);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_typer_config)
{
	struct its_config	cfg;
	struct its		*b;
	uint64_t		typer;

	its_config_default(&cfg);
	cfg.devbits = 20;
	cfg.eventid_bits = 10;
	cfg.cidbits = 8;
	b = make_its(&cfg);
	ck_assert_int_eq(its_mmio_read(b, TYPER, 8, &typer), 0);
	ck_assert_uint_eq(typer >> 8 & 0x1f, 9);
	ck_assert_uint_eq(typer >> 13 & 0x1f, 19);
	ck_assert_uint_eq(typer >> 32 & 0xf, 7);	/* CIDbits = bits - 1 */
	ck_assert_uint_eq(typer >> 36 & 1, 1);		/* CIL */
	its_destroy(b);
}
END_TEST

START_TEST(test_id_registers)
{
	/* PIDR2.ArchRev 3: GICv3. CIDR0-3: the CoreSight component ID. */
	ck_assert_uint_eq(mmio_r(PIDR2, 4) >> 4 & 0xf, 3);
	ck_assert_uint_eq(mmio_r(CIDR(0), 4), 0x0d);
	ck_assert_uint_eq(mmio_r(CIDR(1), 4), 0xf0);
	ck_assert_uint_eq(mmio_r(CIDR(2), 4), 0x05);
	ck_assert_uint_eq(mmio_r(CIDR(3), 4), 0xb1);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_read_only_registers)
{
	uint64_t	iidr = mmio_r(IIDR, 4), typer = mmio_r(TYPER, 8);

	mmio_w(IIDR, 4, 0xffffffff);
	assert_error("read-only-register");
	mmio_w(TYPER, 8, ~0ULL);
	assert_error("read-only-register");
	mmio_w(TYPER + 4, 4, 0xffffffff);
	mmio_w(CREADR, 8, 0x40);
	assert_error("read-only-register");
	mmio_w(PIDR2, 4, 0);
	ck_assert_uint_eq(rec.nerror, 5);
	ck_assert_uint_eq(mmio_r(IIDR, 4), iidr);
	ck_assert_uint_eq(mmio_r(TYPER, 8), typer);
	ck_assert_uint_eq(mmio_r(CREADR, 8), 0);
	ck_assert_uint_eq(mmio_r(PIDR2, 4) >> 4 & 0xf, 3);
	/* Quiescent is read-only too. */
	mmio_w(CTLR, 4, 0);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_QUIESCENT);
}
END_TEST

START_TEST(test_reserved_offsets)
{
	static const uint64_t	offs[] = { 0x10, 0x40, 0x98, 0x140,
	    0x8000, 0xffcc, 0x10000, 0x10044, 0x1fffc };
	unsigned		i;

	for (i = 0; i < ARRAY_SIZE(offs); i++) {
		rec_clear();
		ck_assert_uint_eq(mmio_r(offs[i], 4), 0);
		assert_error("reserved-offset");
		mmio_w(offs[i], 4, 0xffffffff);
		assert_error("reserved-offset");
		ck_assert_uint_eq(rec.nerror, 2);
	}
}
END_TEST

START_TEST(test_bad_sizes)
{
	ck_assert_uint_eq(mmio_r(CTLR, 1), 0);
	assert_error("bad-access-size");
	ck_assert_uint_eq(mmio_r(CTLR, 8), 0);
	assert_error("bad-access-size");
	ck_assert_uint_eq(mmio_r(TYPER, 2), 0);
	assert_error("bad-access-size");
	ck_assert_uint_eq(mmio_r(CBASER + 4, 8), 0);
	assert_error("bad-access-size");
	mmio_w(CBASER, 2, 0xffff);
	assert_error("bad-access-size");
	ck_assert_uint_eq(mmio_r(CBASER, 8), 0);
	mmio_w(CTLR, 2, 1);
	assert_error("bad-access-size");
	ck_assert_uint_eq(mmio_r(TRANSLATER, 4), 0);
	assert_error("write-only-register");
	mmio_w(TRANSLATER, 1, 0);
	assert_error("bad-access-size");
	mmio_w(TRANSLATER, 8, 0);
	assert_error("bad-access-size");
	ck_assert_uint_eq(rec.nerror, 9);
	ck_assert_uint_eq(rec.nlpi, 0);
}
END_TEST

START_TEST(test_mmio_einval)
{
	uint64_t	v;

	ck_assert_int_eq(its_mmio_read(its, 0x20000, 4, &v), -EINVAL);
	ck_assert_int_eq(its_mmio_read(its, 0x1fffc, 8, &v), -EINVAL);
	ck_assert_int_eq(its_mmio_read(its, 0, 3, &v), -EINVAL);
	ck_assert_int_eq(its_mmio_write(its, 0x20000, 4, 0), -EINVAL);
	ck_assert_int_eq(its_mmio_write(its, 0, 16, 0), -EINVAL);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_32bit_halves)
{
	mmio_w(CBASER, 4, 0x40000003);
	mmio_w(CBASER + 4, 4, 0x80000000);
	ck_assert_uint_eq(mmio_r(CBASER, 8), VALID | 0x40000003ULL);
	ck_assert_uint_eq(mmio_r(CBASER, 4), 0x40000003);
	ck_assert_uint_eq(mmio_r(CBASER + 4, 4), 0x80000000);
	mmio_w(BASER(0) + 4, 4, 0x80000000);
	ck_assert_uint_eq(mmio_r(BASER(0) + 4, 4) >> 31, 1);
	/* Entry_Size and Type (RO) survive a half write. */
	ck_assert_uint_eq(mmio_r(BASER(0), 8) >> 48 & 0x7ff,
	    (TYPE_DEVICES << 8) | 7);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_cbaser_writable_mask)
{
	/* Size 7:0, Shareability 11:10, PA 51:12, caches 55:53 and 61:59. */
	uint64_t	want = 0xffULL | 3ULL << 10 | 0x000ffffffffff000ULL |
	    7ULL << 53 | 7ULL << 59 | VALID;

	mmio_w(CBASER, 8, ~0ULL);
	ck_assert_uint_eq(mmio_r(CBASER, 8), want);
}
END_TEST

START_TEST(test_baser_probe_all_ones)
{
	/*
	 * Everything writable but Page_Size 3 (reserved: the old 4K stays),
	 * Entry_Size (8 bytes) and Type (RO); PA is 47:12.
	 */
	uint64_t	rw = 0xffULL | 3ULL << 10 | 0x0000fffffffff000ULL |
	    7ULL << 53 | 7ULL << 59 | INDIRECT | VALID;
	unsigned	n;

	mmio_w(BASER(0), 8, ~0ULL);
	ck_assert_uint_eq(mmio_r(BASER(0), 8),
	    rw | BASER_TYPE(TYPE_DEVICES) | BASER_ESZ(8) | BASER_PSZ(PSZ_4K));
	mmio_w(BASER(1), 8, ~0ULL);
	ck_assert_uint_eq(mmio_r(BASER(1), 8), rw |
	    BASER_TYPE(TYPE_COLLECTIONS) | BASER_ESZ(8) | BASER_PSZ(PSZ_4K));
	for (n = 2; n < 8; n++) {
		mmio_w(BASER(n), 8, ~0ULL);
		ck_assert_uint_eq(mmio_r(BASER(n), 8), 0);
	}
	/* RAZ/WI is not an error: Linux probes all eight. */
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_baser_indirect_unsupported)
{
	struct its_config	cfg;
	struct its		*b;
	uint64_t		v;

	its_config_default(&cfg);
	cfg.indirect = false;
	b = make_its(&cfg);
	ck_assert_int_eq(its_mmio_write(b, BASER(0), 8, ~0ULL), 0);
	ck_assert_int_eq(its_mmio_read(b, BASER(0), 8, &v), 0);
	ck_assert_uint_eq(v & INDIRECT, 0);
	ck_assert_uint_eq(v & VALID, VALID);
	its_destroy(b);
}
END_TEST

START_TEST(test_baser_page_sizes)
{
	struct its_config	cfg;
	struct its		*b;
	uint64_t		v;
	unsigned		p;

	for (p = PSZ_4K; p <= PSZ_64K; p++) {
		mmio_w(BASER(0), 8, BASER_PSZ(p));
		ck_assert_uint_eq(mmio_r(BASER(0), 8) >> 8 & 3, p);
	}
	mmio_w(BASER(0), 8, BASER_PSZ(3));
	ck_assert_uint_eq(mmio_r(BASER(0), 8) >> 8 & 3, PSZ_64K);

	/* Only 64 KiB (as KVM): the reset value has it, nothing else sticks. */
	its_config_default(&cfg);
	cfg.page_sizes = ITS_PAGE_64K;
	b = make_its(&cfg);
	ck_assert_int_eq(its_mmio_read(b, BASER(1), 8, &v), 0);
	ck_assert_uint_eq(v >> 8 & 3, PSZ_64K);
	ck_assert_int_eq(its_mmio_write(b, BASER(1), 8, BASER_PSZ(PSZ_4K)), 0);
	ck_assert_int_eq(its_mmio_read(b, BASER(1), 8, &v), 0);
	ck_assert_uint_eq(v >> 8 & 3, PSZ_64K);
	its_destroy(b);

	/* 16K and 64K: a 4K write keeps what was there. */
	cfg.page_sizes = ITS_PAGE_16K | ITS_PAGE_64K;
	b = make_its(&cfg);
	ck_assert_int_eq(its_mmio_read(b, BASER(0), 8, &v), 0);
	ck_assert_uint_eq(v >> 8 & 3, PSZ_16K);
	ck_assert_int_eq(its_mmio_write(b, BASER(0), 8, BASER_PSZ(PSZ_64K)), 0);
	ck_assert_int_eq(its_mmio_write(b, BASER(0), 8, BASER_PSZ(PSZ_4K)), 0);
	ck_assert_int_eq(its_mmio_read(b, BASER(0), 8, &v), 0);
	ck_assert_uint_eq(v >> 8 & 3, PSZ_64K);
	its_destroy(b);
}
END_TEST

START_TEST(test_locked_while_enabled)
{
	uint64_t	cb, b0, b1;

	enable();
	cb = mmio_r(CBASER, 8);
	b0 = mmio_r(BASER(0), 8);
	b1 = mmio_r(BASER(1), 8);
	mmio_w(CBASER, 8, VALID | 0x40800000);
	assert_error("register-locked");
	mmio_w(BASER(0), 8, 0);
	assert_error("register-locked");
	mmio_w(BASER(1) + 4, 4, 0);
	assert_error("register-locked");
	ck_assert_uint_eq(mmio_r(CBASER, 8), cb);
	ck_assert_uint_eq(mmio_r(BASER(0), 8), b0);
	ck_assert_uint_eq(mmio_r(BASER(1), 8), b1);
}
END_TEST

START_TEST(test_enable_refused_without_tables)
{
	mmio_w(CTLR, 4, CTLR_ENABLED);
	assert_error("enable-refused");
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_ENABLED, 0);
	mmio_w(CBASER, 8, VALID | QUEUE);
	mmio_w(BASER(0), 8, VALID | DEVTAB);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_ENABLED, 0);	/* no BASER1 */
	mmio_w(BASER(1), 8, VALID | COLLTAB);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_ENABLED, 1);
	ck_assert_uint_eq(rec.nerror, 2);
}
END_TEST

START_TEST(test_quiescent)
{
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_QUIESCENT, CTLR_QUIESCENT);
	enable();
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_ENABLED | CTLR_QUIESCENT);
	cmd_ev(C_INT, 7, 0);		/* unmapped: stalls */
	q_go();
	ck_assert_uint_eq(creadr(), CREADR_STALLED);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_ENABLED);
	mmio_w(CTLR, 4, 0);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_QUIESCENT);
}
END_TEST

START_TEST(test_translater_mmio)
{
	unsigned	c, e;

	enable();
	for (c = 0; c < 4; c++)
		cmd_mapc(c, c, true);
	cmd_mapd(0, 5, ITT(0), true);
	for (e = 0; e < 4; e++)
		cmd_mapti(0, e, LPI + e, e);
	q_go();
	/* A processor's write: DeviceID 0, 32 or 16 bits of EventID. */
	mmio_w(TRANSLATER, 4, 2);
	ck_assert_uint_eq(rec.nlpi, 1);
	ck_assert_uint_eq(rec.lpi[0].intid, LPI + 2);
	ck_assert_uint_eq(rec.lpi[0].target, 2);
	mmio_w(TRANSLATER, 2, 3);
	ck_assert_uint_eq(rec.nlpi, 2);
	ck_assert_uint_eq(rec.lpi[1].intid, LPI + 3);
	ck_assert_uint_eq(rec.lpi[1].target, 3);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ================================================================ */
/* Linux bring-up (drivers/irqchip/irq-gic-v3-its.c's order)         */

START_TEST(test_linux_bringup)
{
	uint64_t	typer, v;
	unsigned	cpu, n, e, i;

	/* its_probe_one: read TYPER, check Quiescent while disabled. */
	typer = mmio_r(TYPER, 8);
	ck_assert_uint_eq(typer >> 4 & 0xf, 7);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_QUIESCENT);
	/* its_alloc_tables: probe each BASER, then program the two used. */
	for (n = 0; n < 8; n++) {
		mmio_w(BASER(n), 8, ~0ULL);
		v = mmio_r(BASER(n), 8);
		if (n >= 2) {
			ck_assert_uint_eq(v, 0);
			continue;
		}
		ck_assert_uint_eq(v >> 56 & 7, n == 0 ? TYPE_DEVICES :
		    TYPE_COLLECTIONS);
		ck_assert_uint_eq((v >> 48 & 0x1f) + 1, 8);
	}
	/* 64 KiB pages first; read back to see that they stuck. */
	mmio_w(BASER(0), 8, VALID | BASER_PSZ(PSZ_64K) | 1ULL << 10 | DEVTAB |
	    7);
	ck_assert_uint_eq(mmio_r(BASER(0), 8) >> 8 & 3, PSZ_64K);
	mmio_w(BASER(1), 8, VALID | BASER_PSZ(PSZ_64K) | 1ULL << 10 | COLLTAB);
	/* its_alloc_collections / its_cpu_init_collection. */
	mmio_w(CBASER, 8, VALID | 1ULL << 10 | QUEUE | (QUEUE_PAGES - 1));
	mmio_w(CWRITER, 8, 0);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_ENABLED, 1);
	for (cpu = 0; cpu < 4; cpu++) {
		cmd_mapc(cpu, cpu, true);
		cmd_invall(cpu);
		q_go();
	}
	/* A PCI device with 32 MSI-X vectors spread over the CPUs. */
	cmd_mapd(0x0100, 5, ITT(0x100), true);
	q_go();
	for (e = 0; e < 32; e++) {
		cmd_mapti(0x0100, e, LPI + e, e % 4);
		cmd_ev(C_INV, 0x0100, e);
		cmd_sync(e % 4);
		q_go();
		ck_assert_uint_eq(creadr(), qwr);
	}
	ck_assert_uint_eq(rec.nerror, 0);
	/* Redistributor work in queue order: INVALL x4, then INV/SYNC pairs. */
	ck_assert_uint_eq(rec.nredist, 4 + 2 * 32);
	for (cpu = 0; cpu < 4; cpu++) {
		ck_assert_uint_eq(rec.redist[cpu].cmd, C_INVALL);
		ck_assert_uint_eq(rec.redist[cpu].icid, cpu);
		ck_assert_uint_eq(rec.redist[cpu].target, cpu);
	}
	for (e = 0; e < 32 && 4 + 2 * e + 1 < LOG_MAX; e++) {
		i = 4 + 2 * e;
		ck_assert_uint_eq(rec.redist[i].cmd, C_INV);
		ck_assert_uint_eq(rec.redist[i].devid, 0x100);
		ck_assert_uint_eq(rec.redist[i].eventid, e);
		ck_assert_uint_eq(rec.redist[i].intid, LPI + e);
		ck_assert_uint_eq(rec.redist[i].target, e % 4);
		ck_assert_uint_eq(rec.redist[i + 1].cmd, C_SYNC);
		ck_assert_uint_eq(rec.redist[i + 1].target, e % 4);
	}
	/* Every vector's MSI, through the doorbell's translation. */
	for (e = 0; e < 32; e++)
		expect_lpi(0x100, e, LPI + e, e % 4);
	ck_assert_uint_eq(rec.nlpi, 32);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

/* ================================================================ */
/* Table layouts: hand-written KVM ABI rev 0 fixtures                */

START_TEST(test_dte_layout)
{
	/* V[63] Next[62:49] ITT_addr[48:5] = addr[51:8] Size[4:0]. */
	cmd_mapd(5, 5, 0x40345600, true);
	cmd_mapd(9, 16, 0x41000100, true);
	q_go();
	ck_assert_uint_eq(mem_r64(DEVTAB + 5 * 8),
	    1ULL << 63 | 1ULL << 49 | (0x40345600ULL >> 8) << 5 | 4);
	ck_assert_uint_eq(mem_r64(DEVTAB + 9 * 8),
	    1ULL << 63 | 1ULL << 49 | (0x41000100ULL >> 8) << 5 | 15);
	ck_assert_uint_eq(mem_r64(DEVTAB + 6 * 8), 0);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_cte_layout)
{
	/* V[63] RDBase[51:16] ICID[15:0], here at index ICID. */
	cmd_mapc(7, 3, true);
	q_go();
	ck_assert_uint_eq(mem_r64(COLLTAB + 7 * 8), 1ULL << 63 | 3ULL << 16 | 7);
	ck_assert_uint_eq(mem_r64(COLLTAB + 0 * 8), 1ULL << 63 | 0ULL << 16 | 0);
	ck_assert_uint_eq(mem_r64(COLLTAB + 2 * 8), 1ULL << 63 | 2ULL << 16 | 2);
	ck_assert_uint_eq(mem_r64(COLLTAB + 8 * 8), 0);
}
END_TEST

START_TEST(test_ite_layout)
{
	/* Next[63:48] pINTID[47:16] ICID[15:0], at ITT + EventID * 8. */
	ck_assert_uint_eq(mem_r64(ITT(1) + 0 * 8),
	    1ULL << 48 | (uint64_t)(LPI + 100) << 16 | 0);
	ck_assert_uint_eq(mem_r64(ITT(1) + 31 * 8),
	    1ULL << 48 | (uint64_t)(LPI + 131) << 16 | 3);
	cmd_mapd(2, 16, ITT(2), true);
	cmd_mapi(2, 0x2345, 2);
	q_go();
	ck_assert_uint_eq(mem_r64(ITT(2) + 0x2345 * 8),
	    1ULL << 48 | 0x2345ULL << 16 | 2);
}
END_TEST

START_TEST(test_tables_little_endian)
{
	uint8_t	*p = ram_at(DEVTAB + 3 * 8, 8);

	/* Byte 0 of the DTE is the lowest: Size and ITT_addr bits 2:0. */
	cmd_mapd(3, 2, 0x40000100, true);
	q_go();
	ck_assert_uint_eq(p[0], (uint8_t)((0x400001ULL << 5 | 1) & 0xff));
	ck_assert_uint_eq(p[7], 0x80);		/* V, bit 63 */
	ck_assert_uint_eq(p[6], 0x02);		/* Next = 1, bit 49 */
}
END_TEST

/* ================================================================ */
/* Commands                                                          */

START_TEST(test_mapd_unmap_zeroes_dte)
{
	ck_assert_uint_ne(mem_r64(DEVTAB + 8), 0);
	expect_lpi(1, 3, LPI + 103, 3);
	cmd_mapd(1, 5, 0xffffffffff00ULL, false);
	q_go();
	ck_assert_uint_eq(mem_r64(DEVTAB + 8), 0);
	expect_unmapped(1, 3, ITS_XLATE_DEVICE_UNMAPPED);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_mapd_remap_new_itt)
{
	expect_lpi(1, 3, LPI + 103, 3);
	cmd_mapd(1, 5, ITT(40), true);		/* an empty ITT */
	q_go();
	expect_unmapped(1, 3, ITS_XLATE_EVENT_UNMAPPED);
	cmd_mapd(1, 5, ITT(1), true);		/* the old one again */
	q_go();
	expect_lpi(1, 3, LPI + 103, 3);
}
END_TEST

START_TEST(test_mapd_itt_size_bounds)
{
	cmd_mapd(2, 16, ITT(2), true);		/* IDbits + 1: fine */
	q_go();
	ck_assert_uint_eq(rec.nerror, 0);
	FAILS(C_MAPD, E_ITS_MAPD_ITTSIZE_OOR, cmd_mapd(3, 17, ITT(3), true));
	ck_assert_uint_eq(mem_r64(DEVTAB + 3 * 8), 0);
}
END_TEST

START_TEST(test_mapc_unmap)
{
	expect_lpi(1, 2, LPI + 102, 2);
	/* V = 0 does not look at RDbase. */
	cmd_mapc(2, 0xfffffffffULL, false);
	q_go();
	ck_assert_uint_eq(rec.nerror, 0);
	ck_assert_uint_eq(mem_r64(COLLTAB + 2 * 8), 0);
	expect_unmapped(1, 2, ITS_XLATE_COLLECTION_UNMAPPED);
	/* The ITE is still there: mapping the collection again revives it. */
	cmd_mapc(2, 1, true);
	q_go();
	expect_lpi(1, 2, LPI + 102, 1);
}
END_TEST

START_TEST(test_mapc_procnum_bound)
{
	cmd_mapc(9, 3, true);		/* the last processor of 4 */
	q_go();
	ck_assert_uint_eq(rec.nerror, 0);
	/* One past the last processor: QEMU a120157b24. */
	FAILS(C_MAPC, E_ITS_MAPC_PROCNUM_OOR, cmd_mapc(10, 4, true));
	ck_assert_uint_eq(mem_r64(COLLTAB + 10 * 8), 0);
}
END_TEST

START_TEST(test_mapti_physical_id_bounds)
{
	/* [8192, 2^16): 1023 is not an LPI (QEMU 3330241407). */
	static const uint32_t	bad[] = { 0, 1023, 8191, 65536, 0xffffffff };
	unsigned		i;

	cmd_mapd(2, 16, ITT(2), true);
	q_go();
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		FAILS(C_MAPTI, E_ITS_MAPTI_PHYSICALID_OOR,
		    cmd_mapti(2, i, bad[i], 0));
		ck_assert_uint_eq(mem_r64(ITT(2) + i * 8), 0);
	}
	cmd_mapti(2, 10, LPI, 0);
	cmd_mapti(2, 11, 65535, 1);
	q_go();
	ck_assert_uint_eq(status().stalled, false);
	expect_lpi(2, 10, LPI, 0);
	expect_lpi(2, 11, 65535, 1);
}
END_TEST

START_TEST(test_mapti_ids_out_of_range)
{
	/* EventID against the DTE's size, not IDbits. */
	FAILS(C_MAPTI, E_ITS_MAPTI_ID_OOR, cmd_mapti(1, 32, LPI, 0));
	FAILS(C_MAPI, E_ITS_MAPTI_ID_OOR, cmd_mapi(1, 0xffffffff, 0));
	/* ICID beyond the 512 entries of the collection table. */
	FAILS(C_MAPTI, E_ITS_MAPC_COLLECTION_OOR,
	    cmd_mapd(2, 5, ITT(2), true); cmd_mapti(2, 0, LPI, 512));
	FAILS(C_MAPTI, E_ITS_MAPTI_UNMAPPED_DEVICE, cmd_mapti(3, 0, LPI, 0));
	FAILS(C_MAPI, E_ITS_MAPTI_UNMAPPED_DEVICE, cmd_mapi(0xffffffff, 0, 0));
	/* An unmapped collection is fine for MAPTI: translation waits. */
	cmd_mapti(2, 1, LPI + 1, 77);
	q_go();
	expect_unmapped(2, 1, ITS_XLATE_COLLECTION_UNMAPPED);
	cmd_mapc(77, 2, true);
	q_go();
	expect_lpi(2, 1, LPI + 1, 2);
}
END_TEST

START_TEST(test_mapi)
{
	cmd_mapd(2, 16, ITT(2), true);
	cmd_mapi(2, 9000, 3);
	q_go();
	expect_lpi(2, 9000, 9000, 3);
	/* pINTID = EventID, so EventIDs below 8192 cannot be MAPIed. */
	FAILS(C_MAPI, E_ITS_MAPTI_PHYSICALID_OOR, cmd_mapi(2, 100, 0));
}
END_TEST

START_TEST(test_mapti_over_mapping_ignored)
{
	cmd_mapti(1, 4, LPI + 4000, 1);
	q_go();
	assert_error("mapti-over-mapping");
	ck_assert(!status().stalled);
	ck_assert(!status().last_error.valid);
	expect_lpi(1, 4, LPI + 104, 0);
}
END_TEST

START_TEST(test_movi)
{
	expect_lpi(1, 5, LPI + 105, 1);
	cmd_movi(1, 5, 3);
	q_go();
	ck_assert_uint_eq(rec.nredist, 1);
	ck_assert_uint_eq(rec.redist[0].cmd, C_MOVI);
	ck_assert_uint_eq(rec.redist[0].devid, 1);
	ck_assert_uint_eq(rec.redist[0].eventid, 5);
	ck_assert_uint_eq(rec.redist[0].intid, LPI + 105);
	ck_assert_uint_eq(rec.redist[0].icid, 3);
	ck_assert_uint_eq(rec.redist[0].target, 1);
	ck_assert_uint_eq(rec.redist[0].target2, 3);
	ck_assert_uint_eq(mem_r64(ITT(1) + 5 * 8),
	    1ULL << 48 | (uint64_t)(LPI + 105) << 16 | 3);
	expect_lpi(1, 5, LPI + 105, 3);	/* the cached translation moved */

	FAILS(C_MOVI, E_ITS_MOVI_UNMAPPED_INTERRUPT, cmd_movi(1, 32, 0));
	FAILS(C_MOVI, E_ITS_MOVI_UNMAPPED_INTERRUPT, cmd_movi(9, 0, 0));
	FAILS(C_MOVI, E_ITS_MOVI_UNMAPPED_COLLECTION, cmd_movi(1, 5, 8));
	FAILS(C_MOVI, E_ITS_MOVI_UNMAPPED_COLLECTION, cmd_movi(1, 5, 600));
	/* From a collection that was unmapped meanwhile. */
	FAILS(C_MOVI, E_ITS_MOVI_UNMAPPED_COLLECTION,
	    cmd_mapc(3, 0, false); cmd_movi(1, 5, 0));
	ck_assert_uint_eq(rec.nredist, 1 + (skip_mode ? 0 : 5));
}
END_TEST

START_TEST(test_int)
{
	cmd_ev(C_INT, 1, 6);
	q_go();
	ck_assert_uint_eq(rec.nlpi, 1);
	ck_assert_uint_eq(rec.lpi[0].intid, LPI + 106);
	ck_assert_uint_eq(rec.lpi[0].target, 2);
	ck_assert_uint_eq(rec.lpi[0].devid, 1);
	ck_assert_uint_eq(rec.lpi[0].eventid, 6);
	ck_assert_uint_eq(rec.nredist, 0);
	FAILS(C_INT, E_ITS_INT_UNMAPPED_INTERRUPT, cmd_ev(C_INT, 1, 32));
	FAILS(C_INT, E_ITS_INT_UNMAPPED_INTERRUPT, cmd_ev(C_INT, 70000, 0));
	FAILS(C_INT, E_ITS_INT_UNMAPPED_INTERRUPT,
	    cmd_mapc(2, 0, false); cmd_ev(C_INT, 1, 6));
	ck_assert_uint_eq(rec.nlpi, 1);
}
END_TEST

START_TEST(test_clear_inv)
{
	cmd_ev(C_CLEAR, 1, 7);
	cmd_ev(C_INV, 1, 8);
	q_go();
	ck_assert_uint_eq(rec.nredist, 2);
	ck_assert_uint_eq(rec.redist[0].cmd, C_CLEAR);
	ck_assert_uint_eq(rec.redist[0].intid, LPI + 107);
	ck_assert_uint_eq(rec.redist[0].icid, 3);
	ck_assert_uint_eq(rec.redist[0].target, 3);
	ck_assert_uint_eq(rec.redist[1].cmd, C_INV);
	ck_assert_uint_eq(rec.redist[1].intid, LPI + 108);
	ck_assert_uint_eq(rec.redist[1].target, 0);
	FAILS(C_CLEAR, E_ITS_CLEAR_UNMAPPED_INTERRUPT, cmd_ev(C_CLEAR, 2, 0));
	FAILS(C_INV, E_ITS_INV_UNMAPPED_INTERRUPT, cmd_ev(C_INV, 1, 99));
}
END_TEST

START_TEST(test_discard)
{
	expect_lpi(1, 9, LPI + 109, 1);
	cmd_ev(C_DISCARD, 1, 9);
	q_go();
	ck_assert_uint_eq(rec.nredist, 1);
	ck_assert_uint_eq(rec.redist[0].cmd, C_DISCARD);
	ck_assert_uint_eq(rec.redist[0].intid, LPI + 109);
	ck_assert_uint_eq(rec.redist[0].target, 1);
	/* The ITE is zeroed: nothing stale for a restore to find. */
	ck_assert_uint_eq(mem_r64(ITT(1) + 9 * 8), 0);
	expect_unmapped(1, 9, ITS_XLATE_EVENT_UNMAPPED);
	FAILS(C_DISCARD, E_ITS_DISCARD_UNMAPPED_INTERRUPT,
	    cmd_ev(C_DISCARD, 1, 9));
	/* Mappable again. */
	cmd_mapti(1, 9, LPI + 9, 2);
	q_go();
	expect_lpi(1, 9, LPI + 9, 2);
}
END_TEST

START_TEST(test_invall_movall_sync)
{
	cmd_invall(2);
	cmd_movall(1, 3);
	cmd_sync(3);
	q_go();
	ck_assert_uint_eq(rec.nredist, 3);
	ck_assert_uint_eq(rec.redist[0].cmd, C_INVALL);
	ck_assert_uint_eq(rec.redist[0].icid, 2);
	ck_assert_uint_eq(rec.redist[0].target, 2);
	ck_assert_uint_eq(rec.redist[1].cmd, C_MOVALL);
	ck_assert_uint_eq(rec.redist[1].target, 1);
	ck_assert_uint_eq(rec.redist[1].target2, 3);
	ck_assert_uint_eq(rec.redist[2].cmd, C_SYNC);
	ck_assert_uint_eq(rec.redist[2].target, 3);
	FAILS(C_INVALL, E_ITS_INVALL_UNMAPPED_COLLECTION, cmd_invall(4));
	FAILS(C_INVALL, E_ITS_INVALL_UNMAPPED_COLLECTION, cmd_invall(0xffff));
	FAILS(C_MOVALL, E_ITS_MOVALL_PROCNUM_OOR, cmd_movall(4, 0));
	FAILS(C_MOVALL, E_ITS_MOVALL_PROCNUM_OOR, cmd_movall(0, 4));
	/* SYNC has no error code: a bad RDbase is reported and ignored. */
	rec_clear();
	cmd_sync(4);
	q_go();
	assert_error("sync-procnum-oor");
	ck_assert(!status().stalled);
	ck_assert_uint_eq(rec.nredist, 0);
}
END_TEST

START_TEST(test_unknown_command_skipped)
{
	q_put(0x22, 0, 0, 0);		/* VMOVP: GICv4 only */
	q_put(0xff, 0, 0, 0);
	cmd_sync(0);
	q_go();
	ck_assert_uint_eq(rec.nerror, 2);
	ck_assert_str_eq(rec.kind[0], "unknown-command");
	ck_assert(!status().stalled);
	ck_assert(!status().last_error.valid);
	ck_assert_uint_eq(rec.nredist, 1);
}
END_TEST

/* One case of every E_ITS_* code, on the setup_mapped state. */
struct err_case {
	uint8_t		cmd;
	uint32_t	code;
	void		(*put)(void);
};

static void
put_movi_int(void)
{
	cmd_movi(1, 40, 0);
}

static void
put_movi_coll(void)
{
	cmd_movi(1, 0, 5);
}

static void
put_int(void)
{
	cmd_ev(C_INT, 2, 0);
}

static void
put_clear(void)
{
	cmd_ev(C_CLEAR, 1, 32);
}

static void
put_mapd_oor(void)
{
	cmd_mapd(0x10000, 5, ITT(2), true);
}

static void
put_mapd_itt(void)
{
	cmd_mapd(2, 17, ITT(2), true);
}

static void
put_mapc_proc(void)
{
	cmd_mapc(5, 4, true);
}

static void
put_mapc_coll(void)
{
	cmd_mapc(512, 0, true);
}

static void
put_mapti_dev(void)
{
	cmd_mapti(2, 0, LPI, 0);
}

static void
put_mapti_id(void)
{
	cmd_mapti(1, 32, LPI, 0);
}

static void
put_mapti_phys(void)
{
	cmd_mapti(1, 5, 8191, 0);
}

static void
put_inv(void)
{
	cmd_ev(C_INV, 1, 0x20);
}

static void
put_invall(void)
{
	cmd_invall(4);
}

static void
put_movall(void)
{
	cmd_movall(0, 4);
}

static void
put_discard(void)
{
	cmd_ev(C_DISCARD, 3, 0);
}

static void
put_mapi_dev(void)
{
	cmd_mapi(2, 8192, 0);
}

static void
put_mapti_coll(void)
{
	cmd_mapti(1, 5, LPI, 512);
}

static const struct err_case err_cases[] = {
	{ C_MOVI, E_ITS_MOVI_UNMAPPED_INTERRUPT, put_movi_int },
	{ C_MOVI, E_ITS_MOVI_UNMAPPED_COLLECTION, put_movi_coll },
	{ C_INT, E_ITS_INT_UNMAPPED_INTERRUPT, put_int },
	{ C_CLEAR, E_ITS_CLEAR_UNMAPPED_INTERRUPT, put_clear },
	{ C_MAPD, E_ITS_MAPD_DEVICE_OOR, put_mapd_oor },
	{ C_MAPD, E_ITS_MAPD_ITTSIZE_OOR, put_mapd_itt },
	{ C_MAPC, E_ITS_MAPC_PROCNUM_OOR, put_mapc_proc },
	{ C_MAPC, E_ITS_MAPC_COLLECTION_OOR, put_mapc_coll },
	{ C_MAPTI, E_ITS_MAPTI_UNMAPPED_DEVICE, put_mapti_dev },
	{ C_MAPTI, E_ITS_MAPTI_ID_OOR, put_mapti_id },
	{ C_MAPTI, E_ITS_MAPTI_PHYSICALID_OOR, put_mapti_phys },
	{ C_INV, E_ITS_INV_UNMAPPED_INTERRUPT, put_inv },
	{ C_INVALL, E_ITS_INVALL_UNMAPPED_COLLECTION, put_invall },
	{ C_MOVALL, E_ITS_MOVALL_PROCNUM_OOR, put_movall },
	{ C_DISCARD, E_ITS_DISCARD_UNMAPPED_INTERRUPT, put_discard },
	{ C_MAPI, E_ITS_MAPTI_UNMAPPED_DEVICE, put_mapi_dev },
	{ C_MAPTI, E_ITS_MAPC_COLLECTION_OOR, put_mapti_coll },
};

/*
 * The failing command, then SYNC 1. Stall: CREADR.Stalled at the command,
 * the SYNC waits; CWRITER without Retry changes nothing; Retry fails again;
 * fixed in memory, Retry runs both. Skip: the SYNC runs at once.
 */
START_TEST(test_error_codes)
{
	const struct err_case	*c = &err_cases[_i];
	uint64_t		 off = qwr;
	struct its_status	 st;
	const char		*name;

	c->put();
	cmd_sync(1);
	q_go();
	st = status();
	ck_assert(st.last_error.valid);
	ck_assert(!st.last_error.memory);
	ck_assert_uint_eq(st.last_error.code, c->code);
	ck_assert_uint_eq(st.last_error.cmd, c->cmd);
	ck_assert_uint_eq(st.last_error.offset, off);
	ck_assert_uint_eq(rec.nerror, 1);
	assert_error("command-error");
	name = its_error_name(c->code);
	ck_assert_ptr_nonnull(name);
	ck_assert_ptr_nonnull(strstr(rec.msg, name));
	/* The failed command changed nothing. */
	expect_lpi(1, 0, LPI + 100, 0);
	expect_lpi(1, 5, LPI + 105, 1);
	if (skip_mode) {
		ck_assert(!st.stalled);
		ck_assert_uint_eq(creadr(), qwr);
		ck_assert_uint_eq(rec.nredist, 1);
		ck_assert_uint_eq(rec.redist[0].cmd, C_SYNC);
		ck_assert_uint_eq(rec.redist[0].target, 1);
		return;
	}
	ck_assert(st.stalled);
	ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_ENABLED);	/* busy */
	ck_assert_uint_eq(rec.nredist, 0);
	mmio_w(CWRITER, 8, qwr);
	ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
	mmio_w(CWRITER, 8, qwr | CWRITER_RETRY);
	ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
	ck_assert_uint_eq(rec.nerror, 2);
	ck_assert_uint_eq(rec.nredist, 0);
	qwr = off;
	cmd_sync(2);
	qwr += 32;
	mmio_w(CWRITER, 8, qwr | CWRITER_RETRY);
	ck_assert_uint_eq(creadr(), qwr);
	ck_assert_uint_eq(rec.nredist, 2);
	ck_assert_uint_eq(rec.redist[0].target, 2);
	ck_assert_uint_eq(rec.redist[1].target, 1);
	/* Retry is not a register bit to keep. */
	ck_assert_uint_eq(mmio_r(CWRITER, 8), qwr);
}
END_TEST

START_TEST(test_error_names)
{
	unsigned	i;

	for (i = 0; i < ARRAY_SIZE(err_cases); i++)
		ck_assert_ptr_nonnull(its_error_name(err_cases[i].code));
	ck_assert_ptr_null(its_error_name(0x010108));
	ck_assert_str_eq(its_cmd_name(C_MAPTI), "MAPTI");
	ck_assert_ptr_null(its_cmd_name(0x02));
	ck_assert_ptr_null(its_cmd_name(0x22));
}
END_TEST

/* ================================================================ */
/* The queue                                                         */

START_TEST(test_nothing_runs_while_disabled)
{
	program_tables();
	cmd_mapc(0, 0, true);
	cmd_sync(0);
	q_go();
	ck_assert_uint_eq(creadr(), 0);
	ck_assert_uint_eq(rec.nredist, 0);
	ck_assert_uint_eq(mmio_r(CWRITER, 8), 64);
	/* Disabled, the ITS is doing nothing: quiescent, work queued or not. */
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_QUIESCENT);
	mmio_w(CTLR, 4, CTLR_ENABLED);		/* enable runs the queue */
	ck_assert_uint_eq(creadr(), 64);
	ck_assert_uint_eq(rec.nredist, 1);
}
END_TEST

START_TEST(test_reenable_keeps_creadr)
{
	uint64_t	pos;

	cmd_sync(0);
	cmd_sync(1);
	q_go();
	pos = creadr();
	ck_assert_uint_ne(pos, 0);
	mmio_w(CTLR, 4, 0);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	/* QEMU 1e794a3be1 zeroed CREADR here and re-ran the queue. */
	ck_assert_uint_eq(creadr(), pos);
	ck_assert_uint_eq(rec.nredist, 2);
	expect_lpi(1, 0, LPI + 100, 0);
}
END_TEST

START_TEST(test_cbaser_write_zeroes_creadr_only)
{
	uint64_t	cw;

	cmd_sync(0);
	q_go();
	cw = mmio_r(CWRITER, 8);
	ck_assert_uint_ne(creadr(), 0);
	mmio_w(CTLR, 4, 0);
	mmio_w(CBASER, 8, VALID | QUEUE | (QUEUE_PAGES - 1));
	ck_assert_uint_eq(creadr(), 0);
	/* QEMU 0cc38f359c also cleared CWRITER; KVM sets it to CREADR. */
	ck_assert_uint_eq(mmio_r(CWRITER, 8), cw);
}
END_TEST

START_TEST(test_queue_wrap)
{
	unsigned	i;

	/* A one-page queue: 128 commands. */
	mmio_w(CTLR, 4, 0);
	mmio_w(CBASER, 8, VALID | QUEUE);
	qbytes = 4096;
	qwr = 0;
	mmio_w(CWRITER, 8, 0);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	for (i = 0; i < 120; i++)
		cmd_sync(0);
	q_go();
	ck_assert_uint_eq(creadr(), 120 * 32);
	rec_clear();
	for (i = 0; i < 16; i++)
		cmd_sync(i % 4);
	ck_assert_uint_eq(qwr, 8 * 32);
	q_go();
	ck_assert_uint_eq(creadr(), 8 * 32);
	ck_assert_uint_eq(rec.nredist, 16);
	for (i = 0; i < 16; i++)
		ck_assert_uint_eq(rec.redist[i].target, i % 4);
}
END_TEST

START_TEST(test_cwriter_out_of_range)
{
	uint64_t	cw = mmio_r(CWRITER, 8);

	mmio_w(CWRITER, 8, qbytes);
	assert_error("cwriter-out-of-range");
	ck_assert_uint_eq(mmio_r(CWRITER, 8), cw);
	mmio_w(CWRITER, 8, 0xfffe0);
	ck_assert_uint_eq(mmio_r(CWRITER, 8), cw);
	ck_assert_uint_eq(creadr(), cw);
	/* A smaller queue leaves an old CWRITER beyond it: nothing runs. */
	mmio_w(CTLR, 4, 0);
	mmio_w(CWRITER, 8, 0x2000);
	mmio_w(CBASER, 8, VALID | QUEUE);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	ck_assert_uint_eq(creadr(), 0);
}
END_TEST

START_TEST(test_ten_thousand_commands)
{
	unsigned	i;
	uint64_t	reads;

	/* A 1 MiB queue: 32768 commands. */
	mmio_w(CTLR, 4, 0);
	mmio_w(CBASER, 8, VALID | QUEUE | 255);
	qbytes = 256 * 4096;
	qwr = 0;
	mmio_w(CWRITER, 8, 0);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	cmd_mapd(2, 16, ITT(2), true);
	for (i = 0; i < 4999; i++) {
		cmd_mapti(2, i, LPI + i, i % 4);
		cmd_ev(C_INV, 2, i);
	}
	cmd_sync(0);
	ck_assert_uint_eq(qwr, 10000 * 32);
	reads = rec.nread;
	q_go();
	ck_assert_uint_eq(creadr(), 10000 * 32);
	ck_assert_uint_eq(status().commands, 37 + 10000);
	ck_assert_uint_eq(rec.nerror, 0);
	ck_assert_uint_eq(rec.nredist, 5000);
	ck_assert_uint_gt(rec.nread - reads, 10000);
	expect_lpi(2, 0, LPI, 0);
	expect_lpi(2, 4998, LPI + 4998, 4998 % 4);
}
END_TEST

/* ================================================================ */
/* Guest memory: holes and edges                                     */

START_TEST(test_queue_outside_ram)
{
	mmio_w(CTLR, 4, 0);
	mmio_w(CBASER, 8, VALID | HOLE);
	mmio_w(CWRITER, 8, 0);
	qbase = HOLE;
	qwr = 0;
	mmio_w(CTLR, 4, CTLR_ENABLED);
	mmio_w(CWRITER, 8, 64);
	if (skip_mode) {
		ck_assert_uint_eq(creadr(), 64);
		ck_assert_uint_eq(rec.nerror, 2);
	} else {
		ck_assert_uint_eq(creadr(), CREADR_STALLED);
		ck_assert_uint_eq(rec.nerror, 1);
	}
	assert_error("command-memory-error");
	ck_assert(status().last_error.memory);
	ck_assert_uint_eq(status().last_error.code, 0);
}
END_TEST

START_TEST(test_queue_into_hole)
{
	unsigned	i;
	uint64_t	off;

	/* Two pages from the last page of RAM: the second is a hole. */
	mmio_w(CTLR, 4, 0);
	mmio_w(CBASER, 8, VALID | (HOLE - 4096) | 1);
	qbase = HOLE - 4096;
	qbytes = 8192;
	qwr = 0;
	mmio_w(CWRITER, 8, 0);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	for (i = 0; i < 128; i++)
		cmd_sync(0);
	q_go();
	ck_assert_uint_eq(creadr(), 4096);
	ck_assert_uint_eq(rec.nredist, 128);
	off = qwr;
	qwr += 32;		/* a command that cannot be written or read */
	q_go();
	expect_fail_memory_at(off);
}
END_TEST

/* A command that names a table entry in the hole fails as a memory error. */
static void
expect_cmd_memory(uint8_t cmd, uint64_t off)
{
	struct its_status	st = status();

	ck_assert(st.last_error.valid);
	ck_assert(st.last_error.memory);
	ck_assert_uint_eq(st.last_error.cmd, cmd);
	ck_assert_uint_eq(st.last_error.offset, off);
	assert_error("command-memory-error");
	if (skip_mode) {
		ck_assert_uint_eq(creadr(), qwr);
		return;
	}
	ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
	/* Retry with the fault still there: stalled again. */
	mmio_w(CWRITER, 8, qwr | CWRITER_RETRY);
	ck_assert_uint_eq(creadr(), off | CREADR_STALLED);
	expect_fail(off, cmd, 0, true);
}

START_TEST(test_tables_outside_ram)
{
	uint64_t	off;

	mmio_w(CTLR, 4, 0);
	/* Device table in the hole, collection table across the edge. */
	mmio_w(BASER(0), 8, VALID | HOLE);
	mmio_w(BASER(1), 8, VALID | (RAM1 - 4096) | 1);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	off = qwr;
	cmd_mapd(1, 5, ITT(1), true);
	q_go();
	expect_cmd_memory(C_MAPD, off);
	/* Adjacent regions: entries on both sides of the edge work. */
	cmd_mapc(511, 1, true);
	cmd_mapc(512, 2, true);
	q_go();
	ck_assert_uint_eq(mem_r64(RAM1 - 8), VALID | 1ULL << 16 | 511);
	ck_assert_uint_eq(mem_r64(RAM1), VALID | 2ULL << 16 | 512);
	/* The translation of anything reports the memory error. */
	expect_unmapped(1, 0, ITS_XLATE_MEMORY);
}
END_TEST

START_TEST(test_table_into_hole)
{
	uint64_t	off;

	mmio_w(CTLR, 4, 0);
	mmio_w(BASER(0), 8, VALID | (HOLE - 4096) | 1);	/* 2 pages */
	mmio_w(CTLR, 4, CTLR_ENABLED);
	cmd_mapd(511, 5, ITT(1), true);
	q_go();
	ck_assert_uint_eq(mem_r64(HOLE - 8) >> 63, 1);
	off = qwr;
	cmd_mapd(512, 5, ITT(1), true);
	q_go();
	expect_cmd_memory(C_MAPD, off);
}
END_TEST

START_TEST(test_itt_into_hole)
{
	uint64_t	off;

	/* 64 events from 256 bytes below the hole: 32-63 are in it. */
	cmd_mapd(2, 6, HOLE - 256, true);
	cmd_mapti(2, 0, LPI, 0);
	cmd_mapti(2, 31, LPI + 31, 1);
	q_go();
	ck_assert_uint_eq(rec.nerror, 0);
	expect_lpi(2, 31, LPI + 31, 1);
	off = qwr;
	cmd_mapti(2, 64, LPI, 0);	/* out of range comes first */
	q_go();
	expect_fail(off, C_MAPTI, E_ITS_MAPTI_ID_OOR, false);
	off = qwr;
	cmd_mapti(2, 32, LPI + 32, 0);
	q_go();
	expect_cmd_memory(C_MAPTI, off);
	off = qwr;
	cmd_ev(C_INT, 2, 33);
	q_go();
	expect_cmd_memory(C_INT, off);
	expect_unmapped(2, 32, ITS_XLATE_MEMORY);
}
END_TEST

START_TEST(test_l1_entry_into_hole)
{
	uint64_t	l1 = RAM0 + 0x400000, off;

	mmio_w(CTLR, 4, 0);
	mmio_w(BASER(0), 8, VALID | INDIRECT | l1);
	mem_w64(l1, VALID | HOLE);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	off = qwr;
	cmd_mapd(5, 5, ITT(5), true);
	q_go();
	expect_cmd_memory(C_MAPD, off);
}
END_TEST

/* Two-level device tables with each page size (loop index: Page_Size). */
START_TEST(test_two_level_device_table)
{
	uint64_t	page = (uint64_t)4096 << (2 * _i), per = page / 8;
	uint64_t	l1 = RAM0 + 0x400000, l2 = RAM0 + 0x800000;

	mmio_w(CTLR, 4, 0);
	mmio_w(BASER(0), 8, VALID | INDIRECT | BASER_PSZ(_i) | l1);
	ck_assert_uint_eq(mmio_r(BASER(0), 8) >> 8 & 3, _i);
	mem_w64(l1 + 8, VALID | l2);	/* level 1 entry 1 only */
	mmio_w(CTLR, 4, CTLR_ENABLED);
	cmd_mapd((uint32_t)(per + 3), 5, ITT(7), true);
	cmd_mapti((uint32_t)(per + 3), 4, LPI + 4, 2);
	q_go();
	ck_assert_uint_eq(rec.nerror, 0);
	ck_assert_uint_eq(mem_r64(l2 + 3 * 8),
	    VALID | 1ULL << 49 | (ITT(7) >> 8) << 5 | 4);
	expect_lpi((uint32_t)(per + 3), 4, LPI + 4, 2);
	/* Level 1 entry 0 is invalid: its IDs are out of range. */
	FAILS(C_MAPD, E_ITS_MAPD_DEVICE_OOR, cmd_mapd(3, 5, ITT(8), true));
	FAILS(C_MAPTI, E_ITS_MAPTI_UNMAPPED_DEVICE, cmd_mapti(3, 0, LPI, 0));
	expect_unmapped(3, 0, ITS_XLATE_DEVICE_UNMAPPED);
	/* Beyond the level 1 table (one page of it), or beyond 2^16. */
	if (per * per < 65536) {
		FAILS(C_MAPD, E_ITS_MAPD_DEVICE_OOR,
		    cmd_mapd((uint32_t)(per * per), 5, ITT(8), true));
	}
	FAILS(C_MAPD, E_ITS_MAPD_DEVICE_OOR, cmd_mapd(65536, 5, ITT(8), true));
	expect_unmapped(65536, 0, ITS_XLATE_DEVICE_OOR);
	/* Unmap zeroes the level 2 entry. */
	cmd_mapd((uint32_t)(per + 3), 5, 0, false);
	q_go();
	ck_assert_uint_eq(mem_r64(l2 + 3 * 8), 0);
}
END_TEST

START_TEST(test_two_level_collection_table)
{
	uint64_t	l1 = RAM0 + 0x400000, l2 = RAM0 + 0x801000;

	mmio_w(CTLR, 4, 0);
	mmio_w(BASER(1), 8, VALID | INDIRECT | BASER_PSZ(PSZ_4K) | l1);
	mem_w64(l1, VALID | l2);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	cmd_mapc(5, 3, true);
	cmd_mapti(1, 0, 0, 0);		/* fails: keeps the old mapping */
	q_go();
	ck_assert_uint_eq(mem_r64(l2 + 5 * 8), VALID | 3ULL << 16 | 5);
	expect_fail(qwr - 32, C_MAPTI, E_ITS_MAPTI_PHYSICALID_OOR, false);
	/* ICID 1 is now an unmapped entry of the new table. */
	expect_unmapped(1, 1, ITS_XLATE_COLLECTION_UNMAPPED);
	FAILS(C_MOVI, E_ITS_MOVI_UNMAPPED_COLLECTION, cmd_movi(1, 1, 5));
	FAILS(C_MAPC, E_ITS_MAPC_COLLECTION_OOR, cmd_mapc(600, 0, true));
	FAILS(C_INVALL, E_ITS_INVALL_UNMAPPED_COLLECTION, cmd_invall(600));
}
END_TEST

START_TEST(test_callback_queues_more)
{
	unsigned	i;

	rec.sync_appends = 5;
	cmd_sync(0);
	q_go();
	/* Served by the running loop, in order, with no recursion. */
	ck_assert_uint_eq(rec.nredist, 6);
	for (i = 0; i < 6; i++) {
		ck_assert_uint_eq(rec.redist[i].cmd, C_SYNC);
		ck_assert_uint_eq(rec.redist[i].target, i % 4);
	}
	ck_assert_uint_eq(creadr(), qwr);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_baser_64k_high_pa)
{
	uint64_t	off;

	/*
	 * 64 KiB pages: BASER bits 15:12 are PA 51:48, so this table is at
	 * 2^48 + DEVTAB, outside RAM. With 4 KiB pages the same bits are PA
	 * 15:12: the table is 4 KiB above DEVTAB.
	 */
	mmio_w(CTLR, 4, 0);
	mmio_w(BASER(0), 8, VALID | BASER_PSZ(PSZ_64K) | DEVTAB | 1ULL << 12);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	off = qwr;
	cmd_mapd(2, 5, ITT(2), true);
	q_go();
	expect_cmd_memory(C_MAPD, off);
	mmio_w(CTLR, 4, 0);
	mmio_w(BASER(0), 8, VALID | BASER_PSZ(PSZ_4K) | DEVTAB | 1ULL << 12);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	cmd_mapd(2, 5, ITT(2), true);
	q_go();
	ck_assert_uint_eq(mem_r64(DEVTAB + 0x1000 + 2 * 8) >> 63, 1);
}
END_TEST

/* Every ID bounded by the configuration, not only by the table. */
START_TEST(test_config_bounds)
{
	struct its_config	cfg;

	its_destroy(its);
	its_config_default(&cfg);
	cfg.devbits = 8;
	cfg.eventid_bits = 4;
	cfg.cidbits = 4;
	cfg.intid_bits = 14;
	cfg.cpus = 2;
	cfg.errors = skip_mode ? ITS_ERRORS_SKIP : ITS_ERRORS_STALL;
	its = make_its(&cfg);
	qwr = 0;
	enable();
	FAILS(C_MAPD, E_ITS_MAPD_DEVICE_OOR, cmd_mapd(256, 4, ITT(0), true));
	FAILS(C_MAPD, E_ITS_MAPD_ITTSIZE_OOR, cmd_mapd(255, 5, ITT(0), true));
	FAILS(C_MAPC, E_ITS_MAPC_COLLECTION_OOR, cmd_mapc(16, 0, true));
	FAILS(C_MAPC, E_ITS_MAPC_PROCNUM_OOR, cmd_mapc(15, 2, true));
	cmd_mapd(255, 4, ITT(0), true);
	cmd_mapc(15, 1, true);
	cmd_mapti(255, 15, 16383, 15);
	q_go();
	expect_lpi(255, 15, 16383, 1);
	FAILS(C_MAPTI, E_ITS_MAPTI_PHYSICALID_OOR,
	    cmd_mapti(255, 14, 16384, 15));
	FAILS(C_MAPTI, E_ITS_MAPTI_ID_OOR, cmd_mapti(255, 16, 8192, 15));
	FAILS(C_MAPTI, E_ITS_MAPC_COLLECTION_OOR, cmd_mapti(255, 1, 8192, 16));
	FAILS(C_MOVALL, E_ITS_MOVALL_PROCNUM_OOR, cmd_movall(1, 2));
	expect_unmapped(256, 0, ITS_XLATE_DEVICE_OOR);
	expect_unmapped(255, 16, ITS_XLATE_EVENT_OOR);
}
END_TEST

/* ================================================================ */
/* Translation and the cache                                         */

START_TEST(test_translate_reasons)
{
	struct its_translation	t;
	unsigned		nerror, nlpi;

	expect_unmapped(1, 0, ITS_XLATE_DISABLED);
	enable();
	cmd_mapc(0, 0, true);
	cmd_mapd(1, 2, ITT(1), true);
	cmd_mapti(1, 0, LPI, 0);
	cmd_mapti(1, 1, LPI + 1, 9);
	q_go();
	nerror = rec.nerror;
	nlpi = rec.nlpi;
	expect_unmapped(0x10000, 0, ITS_XLATE_DEVICE_OOR);
	expect_unmapped(2, 0, ITS_XLATE_DEVICE_UNMAPPED);
	expect_unmapped(1, 4, ITS_XLATE_EVENT_OOR);
	expect_unmapped(1, 2, ITS_XLATE_EVENT_UNMAPPED);
	expect_unmapped(1, 1, ITS_XLATE_COLLECTION_UNMAPPED);
	/* A table entry written by the guest with an LPI out of range. */
	mem_w64(ITT(1) + 3 * 8, 1ULL << 48 | 100ULL << 16);
	expect_unmapped(1, 3, ITS_XLATE_BAD_ENTRY);
	ck_assert_int_eq(its_translate(its, 1, 0, &t), 0);
	ck_assert_uint_eq(t.intid, LPI);
	ck_assert_uint_eq(t.icid, 0);
	ck_assert_str_eq(t.reason, "");
	/* Nothing delivered, nothing reported. */
	ck_assert_uint_eq(rec.nerror, nerror);
	ck_assert_uint_eq(rec.nlpi, nlpi);
}
END_TEST

START_TEST(test_msi_results)
{
	ck_assert_int_eq(its_msi(its, 1, 32), -ENOENT);
	assert_error("unmapped-msi");
	ck_assert_uint_eq(rec.nlpi, 0);
	rec.refuse = true;
	ck_assert_int_eq(its_msi(its, 1, 0), -EAGAIN);
	ck_assert_uint_eq(rec.nlpi, 1);
	rec.refuse = false;
	mmio_w(CTLR, 4, 0);
	ck_assert_int_eq(its_msi(its, 1, 0), -ENOENT);
	ck_assert_uint_eq(rec.nlpi, 1);
	ck_assert(!status().last_error.valid);
}
END_TEST

START_TEST(test_cache_hits)
{
	struct its_status	a, b;

	expect_lpi(1, 1, LPI + 101, 1);
	a = status();
	expect_lpi(1, 1, LPI + 101, 1);
	b = status();
	ck_assert_uint_eq(b.cache_hits, a.cache_hits + 2);
	ck_assert_uint_eq(b.cache_misses, a.cache_misses);
}
END_TEST

START_TEST(test_cache_invalidation)
{
	/* MAPC retargets a collection: cached targets follow. */
	expect_lpi(1, 2, LPI + 102, 2);
	cmd_mapc(2, 0, true);
	q_go();
	expect_lpi(1, 2, LPI + 102, 0);
	/* MOVALL: mass move, nothing cached survives. */
	cmd_movall(0, 1);
	q_go();
	expect_lpi(1, 2, LPI + 102, 0);

	/*
	 * A guest write to a table it has given the ITS is not seen while
	 * the translation is cached...
	 */
	mem_w64(ITT(1) + 2 * 8, 1ULL << 48 | (uint64_t)(LPI + 7) << 16 | 1);
	expect_lpi(1, 2, LPI + 102, 0);
	/* ...until something invalidates it: here disabling the ITS. */
	mmio_w(CTLR, 4, 0);
	mmio_w(CTLR, 4, CTLR_ENABLED);
	expect_lpi(1, 2, LPI + 7, 1);

	/* A command invalidates exactly its own event. */
	mem_w64(ITT(1) + 2 * 8, 1ULL << 48 | (uint64_t)(LPI + 8) << 16 | 1);
	expect_lpi(1, 3, LPI + 103, 3);
	cmd_ev(C_DISCARD, 1, 3);
	q_go();
	expect_lpi(1, 2, LPI + 7, 1);
	cmd_movi(1, 2, 1);
	q_go();
	expect_lpi(1, 2, LPI + 8, 1);
}
END_TEST

START_TEST(test_cache_set_conflicts)
{
	unsigned	e, d;

	/* More mappings than the cache holds: evictions, no wrong answers. */
	for (d = 2; d < 40; d++) {
		cmd_mapd(d, 8, ITS_BIG_ITT(d), true);
		for (e = 0; e < 200; e++)
			cmd_mapti(d, e, LPI + d * 200 + e, (d + e) % 4);
		q_go();
	}
	ck_assert_uint_eq(rec.nerror, 0);
	for (e = 0; e < 200; e++)
		for (d = 2; d < 40; d++)
			expect_lpi(d, e, LPI + d * 200 + e, (d + e) % 4);
	for (d = 2; d < 40; d++)
		expect_lpi(d, 0, LPI + d * 200, d % 4);
}
END_TEST

/* ================================================================ */
/* State                                                             */

START_TEST(test_state_roundtrip)
{
	struct its_state	st, st2;
	struct its_config	cfg;
	struct its		*a = its;
	char			why[128];

	cmd_sync(0);
	q_go();
	its_get_state(its, &st);
	its_config_default(&cfg);
	cfg.cpus = 4;
	its = make_its(&cfg);
	ck_assert_int_eq(its_set_state(its, &st, why, sizeof why), 0);
	ck_assert_str_eq(why, "");
	its_get_state(its, &st2);
	ck_assert_mem_eq(&st, &st2, sizeof st);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_ENABLED | CTLR_QUIESCENT);
	ck_assert_uint_eq(creadr(), qwr);
	expect_lpi(1, 31, LPI + 131, 3);
	/* The queue goes on where it was. */
	cmd_ev(C_DISCARD, 1, 31);
	q_go();
	ck_assert_uint_eq(creadr(), qwr);
	expect_unmapped(1, 31, ITS_XLATE_EVENT_UNMAPPED);
	its_destroy(a);
}
END_TEST

START_TEST(test_restore_never_mapped_collections)
{
	struct its_state	st;
	struct its		*a = its;

	/* Tables valid, nothing ever mapped (Linux 8c58be34494b). */
	enable();
	its_get_state(its, &st);
	its = make_its_default4();
	ck_assert_int_eq(its_set_state(its, &st, NULL, 0), 0);
	ck_assert_uint_eq(mmio_r(CTLR, 4) & CTLR_ENABLED, 1);
	expect_unmapped(0, 0, ITS_XLATE_DEVICE_UNMAPPED);
	ck_assert(its_walk_collections(its, NULL, NULL) == 0);
	its_destroy(a);
}
END_TEST

/*
 * Tables as KVM's save writes them (arm-vgic-its.rst, ABI rev 0): DTE Next
 * is the distance to the next valid DTE (0: last), ITE Next likewise;
 * collection entries here at index ICID.
 */
START_TEST(test_restore_kvm_fixture)
{
	struct its_state	st;
	uint64_t		itt3 = RAM0 + 0x500000, itt7 = RAM0 + 0x500100;

	mem_w64(DEVTAB + 3 * 8, 1ULL << 63 | 4ULL << 49 | (itt3 >> 8) << 5 | 4);
	mem_w64(DEVTAB + 7 * 8, 1ULL << 63 | 0ULL << 49 | (itt7 >> 8) << 5 | 1);
	mem_w64(itt3 + 2 * 8, 3ULL << 48 | 8300ULL << 16 | 1);
	mem_w64(itt3 + 5 * 8, 0ULL << 48 | 8302ULL << 16 | 0);
	mem_w64(itt7 + 1 * 8, 0ULL << 48 | 8301ULL << 16 | 0);
	mem_w64(COLLTAB + 0 * 8, 1ULL << 63 | 0ULL << 16 | 0);
	mem_w64(COLLTAB + 1 * 8, 1ULL << 63 | 3ULL << 16 | 1);

	its_get_state(its, &st);
	st.cbaser = VALID | QUEUE | (QUEUE_PAGES - 1);
	st.creadr = 0x40;
	st.cwriter = 0x40;
	st.baser[0] = BASER_TYPE(TYPE_DEVICES) | BASER_ESZ(8) | VALID |
	    BASER_PSZ(PSZ_64K) | DEVTAB | 7;
	st.baser[1] = BASER_TYPE(TYPE_COLLECTIONS) | BASER_ESZ(8) | VALID |
	    COLLTAB;
	st.ctlr = CTLR_ENABLED;
	ck_assert_int_eq(its_set_state(its, &st, NULL, 0), 0);
	ck_assert_uint_eq(creadr(), 0x40);
	expect_lpi(3, 2, 8300, 3);
	expect_lpi(3, 5, 8302, 0);
	expect_lpi(7, 1, 8301, 0);
	expect_unmapped(3, 3, ITS_XLATE_EVENT_UNMAPPED);
	expect_unmapped(7, 4, ITS_XLATE_EVENT_OOR);
	expect_unmapped(5, 0, ITS_XLATE_DEVICE_UNMAPPED);
	ck_assert_uint_eq(rec.nerror, 0);
}
END_TEST

START_TEST(test_restored_queue_waits)
{
	struct its_state	st;

	/* Commands saved between CREADR and CWRITER run at the next write. */
	its_get_state(its, &st);
	cmd_sync(2);
	st.cwriter = qwr;
	ck_assert_int_eq(its_set_state(its, &st, NULL, 0), 0);
	ck_assert_uint_eq(rec.nredist, 0);
	cmd_sync(3);
	q_go();
	ck_assert_uint_eq(rec.nredist, 2);
	ck_assert_uint_eq(rec.redist[0].target, 2);
	ck_assert_uint_eq(rec.redist[1].target, 3);
}
END_TEST

/* Each broken state is refused, with a reason, and changes nothing. */
START_TEST(test_set_state_rejects)
{
	struct its_state	good, bad, now;
	char			why[160];
	unsigned		i;
	int			want, rc;

	cmd_sync(0);
	q_go();
	its_get_state(its, &good);
	for (i = 0; i < 13; i++) {
		bad = good;
		want = -EINVAL;
		mem_w64(COLLTAB, VALID | 0);
		mem_w64(ITT(1), 1ULL << 48 | (uint64_t)(LPI + 100) << 16);
		mem_w64(DEVTAB + 8, VALID | 1ULL << 49 | (ITT(1) >> 8) << 5 | 4);
		switch (i) {
		case 0:
			bad.iidr ^= 1 << 12;		/* ABI revision 1 */
			break;
		case 1:
			bad.creadr = qbytes;
			break;
		case 2:
			bad.cwriter = qwr | CWRITER_RETRY;
			break;
		case 3:
			bad.baser[0] ^= BASER_TYPE(7);
			break;
		case 4:
			bad.baser[3] = VALID;
			break;
		case 5:
			bad.baser[1] |= BASER_PSZ(3);
			break;
		case 6:
			bad.cbaser &= ~VALID;
			break;
		case 7:
			bad.baser[1] = (bad.baser[1] & ~0x0000fffffffff000ULL) |
			    HOLE;
			want = -EFAULT;
			break;
		case 8:		/* an LPI below 8192 */
			mem_w64(ITT(1), 1ULL << 48 | 100ULL << 16);
			break;
		case 9:		/* KVM's packed collection table */
			mem_w64(COLLTAB, VALID | 5);
			break;
		case 10:	/* an ITT wider than IDbits */
			mem_w64(DEVTAB + 8, VALID | (ITT(1) >> 8) << 5 | 16);
			break;
		case 11:
			bad.cbaser |= 1ULL << 8;	/* RES0 */
			break;
		case 12:	/* a collection on a processor that is not */
			mem_w64(COLLTAB, VALID | 4ULL << 16 | 0);
			break;
		}
		why[0] = 'x';
		why[1] = '\0';
		rc = its_set_state(its, &bad, why, sizeof why);
		ck_assert_msg(rc == want, "case %u: %d", i, rc);
		ck_assert_msg(strlen(why) > 1, "case %u: no reason", i);
		its_get_state(its, &now);
		ck_assert_mem_eq(&now, &good, sizeof now);
	}
	mem_w64(COLLTAB, VALID | 0);
	mem_w64(ITT(1), 1ULL << 48 | (uint64_t)(LPI + 100) << 16);
	mem_w64(DEVTAB + 8, VALID | 1ULL << 49 | (ITT(1) >> 8) << 5 | 4);
	expect_lpi(1, 0, LPI + 100, 0);
}
END_TEST

START_TEST(test_reset)
{
	cmd_ev(C_INT, 9, 9);
	q_go();
	ck_assert(status().last_error.valid);
	its_reset(its);
	ck_assert_uint_eq(mmio_r(CTLR, 4), CTLR_QUIESCENT);
	ck_assert_uint_eq(mmio_r(CBASER, 8), 0);
	ck_assert_uint_eq(mmio_r(CREADR, 8), 0);
	ck_assert_uint_eq(mmio_r(CWRITER, 8), 0);
	ck_assert_uint_eq(mmio_r(BASER(0), 8),
	    BASER_TYPE(TYPE_DEVICES) | BASER_ESZ(8) | BASER_PSZ(PSZ_4K));
	ck_assert(!status().last_error.valid);
	expect_unmapped(1, 0, ITS_XLATE_DISABLED);
	/* The cache went with it: fresh tables translate afresh. */
	qwr = 0;
	enable();
	expect_lpi(1, 0, LPI + 100, 0);
}
END_TEST

/* ================================================================ */
/* Walkers (chip-query)                                              */

struct walk {
	unsigned	n;
	uint32_t	id[64];
	uint64_t	a[64];
	uint32_t	b[64];
	unsigned	stop_at;
};

static int
walk_dev(void *arg, uint32_t devid, const struct its_dte *d)
{
	struct walk	*w = arg;

	w->id[w->n] = devid;
	w->a[w->n] = d->itt_addr;
	w->b[w->n] = d->eventid_bits;
	return ++w->n == w->stop_at ? 42 : 0;
}

static int
walk_coll(void *arg, uint16_t icid, uint32_t target)
{
	struct walk	*w = arg;

	w->id[w->n] = icid;
	w->b[w->n] = target;
	return ++w->n == w->stop_at ? 42 : 0;
}

static int
walk_ite(void *arg, uint32_t eventid, uint32_t intid, uint16_t icid)
{
	struct walk	*w = arg;

	w->id[w->n] = eventid;
	w->a[w->n] = intid;
	w->b[w->n] = icid;
	return ++w->n == w->stop_at ? 42 : 0;
}

START_TEST(test_walkers)
{
	struct walk	w;
	unsigned	i;

	cmd_mapd(300, 1, ITT(300), true);
	cmd_mapd(65535, 16, ITT(3), true);
	q_go();
	memset(&w, 0, sizeof w);
	ck_assert_int_eq(its_walk_devices(its, walk_dev, &w), 0);
	ck_assert_uint_eq(w.n, 3);
	ck_assert_uint_eq(w.id[0], 1);
	ck_assert_uint_eq(w.a[0], ITT(1));
	ck_assert_uint_eq(w.b[0], 5);
	ck_assert_uint_eq(w.id[1], 300);
	ck_assert_uint_eq(w.b[1], 1);
	ck_assert_uint_eq(w.id[2], 65535);
	ck_assert_uint_eq(w.b[2], 16);

	memset(&w, 0, sizeof w);
	ck_assert_int_eq(its_walk_collections(its, walk_coll, &w), 0);
	ck_assert_uint_eq(w.n, 4);
	for (i = 0; i < 4; i++) {
		ck_assert_uint_eq(w.id[i], i);
		ck_assert_uint_eq(w.b[i], i);
	}

	memset(&w, 0, sizeof w);
	ck_assert_int_eq(its_walk_itt(its, 1, walk_ite, &w), 0);
	ck_assert_uint_eq(w.n, 32);
	for (i = 0; i < 32; i++) {
		ck_assert_uint_eq(w.id[i], i);
		ck_assert_uint_eq(w.a[i], LPI + 100 + i);
		ck_assert_uint_eq(w.b[i], i % 4);
	}
	memset(&w, 0, sizeof w);
	w.stop_at = 5;
	ck_assert_int_eq(its_walk_itt(its, 1, walk_ite, &w), 42);
	ck_assert_uint_eq(w.n, 5);
	memset(&w, 0, sizeof w);
	ck_assert_int_eq(its_walk_itt(its, 300, walk_ite, &w), 0);
	ck_assert_uint_eq(w.n, 0);
	ck_assert_int_eq(its_walk_itt(its, 2, walk_ite, &w), -ENOENT);
	ck_assert_int_eq(its_walk_itt(its, 70000, walk_ite, &w), -ENOENT);

	its_reset(its);
	ck_assert_int_eq(its_walk_devices(its, walk_dev, &w), -ENOENT);
	ck_assert_int_eq(its_walk_collections(its, walk_coll, &w), -ENOENT);
	mmio_w(BASER(0), 8, VALID | HOLE);
	ck_assert_int_eq(its_walk_devices(its, walk_dev, &w), -EFAULT);
}
END_TEST

/* ================================================================ */
/* Life cycle                                                        */

START_TEST(test_create_rejects)
{
	struct its_config	good, c;
	struct its_ops		ops;
	unsigned		i;

	its_config_default(&good);
	ck_assert_ptr_null(its_create(NULL, &rec_ops, &rec));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(its_create(&good, NULL, &rec));
	for (i = 0; i < 13; i++) {
		c = good;
		switch (i) {
		case 0:
			c.devbits = 0;
			break;
		case 1:
			c.devbits = 33;
			break;
		case 2:
			c.eventid_bits = 0;
			break;
		case 3:
			c.eventid_bits = 33;
			break;
		case 4:
			c.cidbits = 17;
			break;
		case 5:
			c.intid_bits = 13;
			break;
		case 6:
			c.intid_bits = 33;
			break;
		case 7:
			c.cpus = 0;
			break;
		case 8:
			c.cpus = 65537;
			break;
		case 9:
			c.page_sizes = 0;
			break;
		case 10:
			c.page_sizes = 8;
			break;
		case 11:
			c.errors = 2;
			break;
		case 12:
			break;
		}
		errno = 0;
		if (i == 12)
			continue;
		ck_assert_msg(its_create(&c, &rec_ops, &rec) == NULL,
		    "config %u accepted", i);
		ck_assert_int_eq(errno, EINVAL);
	}
	for (i = 0; i < 5; i++) {
		ops = rec_ops;
		switch (i) {
		case 0:
			ops.read = NULL;
			break;
		case 1:
			ops.write = NULL;
			break;
		case 2:
			ops.deliver_lpi = NULL;
			break;
		case 3:
			ops.redist_cmd = NULL;
			break;
		case 4:
			ops.guest_error = NULL;
			break;
		}
		ck_assert_ptr_null(its_create(&good, &ops, &rec));
	}
}
END_TEST

START_TEST(test_defaults)
{
	struct its_config	c;

	its_config_default(&c);
	ck_assert_uint_eq(c.devbits, 16);
	ck_assert_uint_eq(c.eventid_bits, 16);
	ck_assert_uint_eq(c.cidbits, 0);
	ck_assert_uint_eq(c.intid_bits, 16);
	ck_assert_uint_eq(c.cpus, 1);
	ck_assert_uint_eq(c.page_sizes, ITS_PAGE_ALL);
	ck_assert(c.indirect);
	ck_assert_int_eq(c.errors, ITS_ERRORS_STALL);
}
END_TEST

START_TEST(test_two_instances)
{
	struct its	*a = its, *b = make_its_default4();
	uint64_t	 v;

	/* b: its own queue and tables, higher in RAM. */
	ck_assert_int_eq(its_mmio_write(b, CBASER, 8, VALID | (RAM1 + 0)), 0);
	ck_assert_int_eq(its_mmio_write(b, BASER(0), 8,
	    VALID | (RAM1 + 0x10000)), 0);
	ck_assert_int_eq(its_mmio_write(b, BASER(1), 8,
	    VALID | (RAM1 + 0x20000)), 0);
	ck_assert_int_eq(its_mmio_write(b, CTLR, 4, CTLR_ENABLED), 0);
	mem_w64(RAM1, C_MAPC);
	mem_w64(RAM1 + 16, VALID | 3ULL << 16 | 0);
	ck_assert_int_eq(its_mmio_write(b, CWRITER, 8, 32), 0);
	ck_assert_int_eq(its_mmio_read(b, CREADR, 8, &v), 0);
	ck_assert_uint_eq(v, 32);
	ck_assert_uint_eq(mem_r64(RAM1 + 0x20000), VALID | 3ULL << 16);
	/* a is untouched. */
	ck_assert_uint_eq(mem_r64(COLLTAB), VALID | 0);
	expect_lpi(1, 0, LPI + 100, 0);
	its_destroy(b);
	its = a;
}
END_TEST

/*
 * The tests whose outcome depends on the error policy, or that start from
 * the mapped state (collections 0-3 on processors 0-3, device 1).
 */
static void
its_add_policy_tests(TCase *tc)
{
	tcase_add_test(tc, test_dte_layout);
	tcase_add_test(tc, test_cte_layout);
	tcase_add_test(tc, test_ite_layout);
	tcase_add_test(tc, test_tables_little_endian);
	tcase_add_test(tc, test_mapd_unmap_zeroes_dte);
	tcase_add_test(tc, test_mapd_remap_new_itt);
	tcase_add_test(tc, test_mapd_itt_size_bounds);
	tcase_add_test(tc, test_mapc_unmap);
	tcase_add_test(tc, test_mapc_procnum_bound);
	tcase_add_test(tc, test_mapti_physical_id_bounds);
	tcase_add_test(tc, test_mapti_ids_out_of_range);
	tcase_add_test(tc, test_mapi);
	tcase_add_test(tc, test_mapti_over_mapping_ignored);
	tcase_add_test(tc, test_movi);
	tcase_add_test(tc, test_int);
	tcase_add_test(tc, test_clear_inv);
	tcase_add_test(tc, test_discard);
	tcase_add_test(tc, test_invall_movall_sync);
	tcase_add_test(tc, test_unknown_command_skipped);
	tcase_add_loop_test(tc, test_error_codes, 0, ARRAY_SIZE(err_cases));
	tcase_add_test(tc, test_error_names);
	tcase_add_test(tc, test_reenable_keeps_creadr);
	tcase_add_test(tc, test_cbaser_write_zeroes_creadr_only);
	tcase_add_test(tc, test_queue_wrap);
	tcase_add_test(tc, test_cwriter_out_of_range);
	tcase_add_test(tc, test_ten_thousand_commands);
	tcase_add_test(tc, test_queue_outside_ram);
	tcase_add_test(tc, test_queue_into_hole);
	tcase_add_test(tc, test_tables_outside_ram);
	tcase_add_test(tc, test_table_into_hole);
	tcase_add_test(tc, test_itt_into_hole);
	tcase_add_test(tc, test_l1_entry_into_hole);
	tcase_add_loop_test(tc, test_two_level_device_table, PSZ_4K,
	    PSZ_64K + 1);
	tcase_add_test(tc, test_two_level_collection_table);
	tcase_add_test(tc, test_config_bounds);
	tcase_add_test(tc, test_callback_queues_more);
	tcase_add_test(tc, test_baser_64k_high_pa);
	tcase_add_test(tc, test_msi_results);
	tcase_add_test(tc, test_cache_hits);
	tcase_add_test(tc, test_cache_invalidation);
	tcase_add_test(tc, test_cache_set_conflicts);
	tcase_add_test(tc, test_state_roundtrip);
	tcase_add_test(tc, test_restored_queue_waits);
	tcase_add_test(tc, test_set_state_rejects);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_walkers);
	tcase_add_test(tc, test_two_instances);
}

static Suite *
its_suite(void)
{
	Suite	*s = suite_create("gicv3-its");
	TCase	*tc;

	tc = tcase_create("registers");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_reset_values);
	tcase_add_test(tc, test_typer_config);
	tcase_add_test(tc, test_id_registers);
	tcase_add_test(tc, test_read_only_registers);
	tcase_add_test(tc, test_reserved_offsets);
	tcase_add_test(tc, test_bad_sizes);
	tcase_add_test(tc, test_mmio_einval);
	tcase_add_test(tc, test_32bit_halves);
	tcase_add_test(tc, test_cbaser_writable_mask);
	tcase_add_test(tc, test_baser_probe_all_ones);
	tcase_add_test(tc, test_baser_indirect_unsupported);
	tcase_add_test(tc, test_baser_page_sizes);
	tcase_add_test(tc, test_locked_while_enabled);
	tcase_add_test(tc, test_enable_refused_without_tables);
	tcase_add_test(tc, test_quiescent);
	tcase_add_test(tc, test_translater_mmio);
	tcase_add_test(tc, test_linux_bringup);
	tcase_add_test(tc, test_translate_reasons);
	tcase_add_test(tc, test_nothing_runs_while_disabled);
	tcase_add_test(tc, test_restore_never_mapped_collections);
	tcase_add_test(tc, test_restore_kvm_fixture);
	tcase_add_test(tc, test_create_rejects);
	tcase_add_test(tc, test_defaults);
	suite_add_tcase(s, tc);

	/* Everything that depends on the error policy runs under both. */
	tc = tcase_create("stall");
	tcase_add_checked_fixture(tc, setup_stall, teardown);
	its_add_policy_tests(tc);
	suite_add_tcase(s, tc);
	tc = tcase_create("skip");
	tcase_add_checked_fixture(tc, setup_skip, teardown);
	its_add_policy_tests(tc);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(its_suite());
	int	 failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
