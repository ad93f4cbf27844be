/*
 * The client library's architecture-specific KVM calls, against an ioctl shim:
 * this program defines ioctl(), so the library's calls on the fake VM and
 * vCPU fds below come here, are recorded, and are checked against the
 * encodings of the KVM API (Documentation/virt/kvm/api.rst). Every other fd
 * goes to the kernel. No /dev/kvm is needed, so the suite runs on every
 * architecture scripts/cross-check builds for, each checking its own host's
 * part: x86 split irqchip, arm64 SPI lines and ITS device IDs, POWER
 * KVM_INTERRUPT, and the refusal elsewhere (s390x).
 *
 * Expected values are written as numbers from api.rst, not taken from the
 * uapi macros the library uses, except the ioctl request numbers themselves.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <json-c/json.h>
#include <linux/kvm.h>

#include "compiler.h"
#include "irqchip-kvm.h"
#include "testlib.h"

#if defined(__x86_64__) || defined(__i386__)
#define ARCH_X86 1
#elif defined(__aarch64__)
#define ARCH_ARM64 1
#elif defined(__powerpc64__)
#define ARCH_PPC 1
#else
#define ARCH_OTHER 1
#endif

/*
 * api.rst: KVM_IRQ_ROUTING_MSI, KVM_MSI_VALID_DEVID. The helpers below are
 * UNUSED on hosts whose checks need only some of them (s390x: none).
 */
#define ROUTING_MSI	2
#define MSI_VALID_DEVID	1u

struct call {
	int fd;
	unsigned long req;
	union {
		struct kvm_irq_level line;
		struct kvm_msi msi;
		struct kvm_interrupt intr;
		int cap;
	} u;
	unsigned nroutes;
	struct kvm_irq_routing_entry routes[8];
};

static struct {
	int vm;
	int vcpu[2];
	int caps[256];
	int get_irqchip_errno; /* 0: KVM_GET_IRQCHIP succeeds */
	int irq_line_errno;
	struct call calls[64];
	unsigned ncalls;
} shim;

/* The library's client: a fake daemon whose chips announce GSIs 0..1023. */
static struct irqchip_client *fake_client;
static int fake_fd = -1;

static int
is_fake(int fd)
{
	return fd >= 0 && (fd == shim.vm || fd == shim.vcpu[0] || fd == shim.vcpu[1]);
}

/* The shim: KVM's answers for the fake fds, the kernel for the rest. */
int
ioctl(int fd, unsigned long req, ...)
{
	struct call *c;
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!is_fake(fd))
		return (int)syscall(SYS_ioctl, fd, req, arg);
	ck_assert_uint_lt(shim.ncalls, 64);
	c = &shim.calls[shim.ncalls++];
	memset(c, 0, sizeof *c);
	c->fd = fd;
	c->req = req;
	switch (req) {
	case KVM_CHECK_EXTENSION:
		/* An int argument: its low 32 bits on every 64-bit ABI here. */
		c->u.cap = (int)(uintptr_t)arg;
		return c->u.cap >= 0 && c->u.cap < 256 ? shim.caps[c->u.cap] : 0;
#ifdef KVM_GET_IRQCHIP
	case KVM_GET_IRQCHIP:
		if (shim.get_irqchip_errno != 0) {
			errno = shim.get_irqchip_errno;
			return -1;
		}
		return 0;
#endif
	case KVM_IRQ_LINE:
		memcpy(&c->u.line, arg, sizeof c->u.line);
		if (shim.irq_line_errno != 0) {
			errno = shim.irq_line_errno;
			return -1;
		}
		return 0;
	case KVM_SET_GSI_ROUTING: {
		const struct kvm_irq_routing *t = arg;

		c->nroutes = t->nr;
		ck_assert_uint_le(t->nr, 8);
		memcpy(c->routes, t->entries, t->nr * sizeof t->entries[0]);
		return 0;
	}
	case KVM_SIGNAL_MSI:
		memcpy(&c->u.msi, arg, sizeof c->u.msi);
		return 1;
	case KVM_INTERRUPT:
		memcpy(&c->u.intr, arg, sizeof c->u.intr);
		return 0;
	case KVM_IRQFD:
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static void
setup(void)
{
	memset(&shim, 0, sizeof shim);
	/* Real fds nobody else uses, so the numbers cannot collide. */
	shim.vm = open("/dev/null", O_RDONLY | O_CLOEXEC);
	shim.vcpu[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	shim.vcpu[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert(shim.vm >= 0 && shim.vcpu[0] >= 0 && shim.vcpu[1] >= 0);
	shim.caps[KVM_CAP_IRQ_ROUTING] = 1;
	shim.caps[KVM_CAP_IRQFD] = 1;
	shim.caps[KVM_CAP_SIGNAL_MSI] = 1;
	shim.caps[KVM_CAP_MSI_DEVID] = 1;
	shim.caps[KVM_CAP_PPC_IRQ_LEVEL] = 1;
	/* A split irqchip: no in-kernel IOAPIC to read, lines work. */
	shim.get_irqchip_errno = ENXIO;
}

static void
teardown(void)
{
	if (fake_client != NULL)
		irqchip_client_close(fake_client);
	fake_client = NULL;
	if (fake_fd >= 0)
		close(fake_fd);
	fake_fd = -1;
	close(shim.vm);
	close(shim.vcpu[0]);
	close(shim.vcpu[1]);
}

/* The next recorded call of request number req from index *from on; asserts one. */
static UNUSED const struct call *
next_call(unsigned long req, unsigned *from)
{
	for (; *from < shim.ncalls; (*from)++)
		if (shim.calls[*from].req == req)
			return &shim.calls[(*from)++];
	ck_abort_msg("no further call of ioctl 0x%lx among %u", req, shim.ncalls);
	return &shim.calls[0];
}

static UNUSED unsigned
count_calls(unsigned long req)
{
	unsigned n = 0;

	for (unsigned i = 0; i < shim.ncalls; i++)
		n += shim.calls[i].req == req;
	return n;
}

static UNUSED struct irqchip_kvm *
create_ok(unsigned reserved)
{
	struct irqchip_kvm *kvm = NULL;
	char *cause = NULL;
	int rc;

	fake_fd = test_fake_daemon(&fake_client);
	rc = irqchip_kvm_create(fake_client, shim.vm, reserved, 0, &kvm, &cause);
	ck_assert_msg(rc == 0, "irqchip_kvm_create: %d %s", rc, cause ? cause : "");
	ck_assert_ptr_nonnull(kvm);
	/*
	 * The library accepts routes only for GSIs a chip announced, asking
	 * query-chips (the first call: id 1) when it meets one it does not know.
	 */
	test_fake_say(fake_fd, "{\"return\": {\"chips\": [{\"id\": \"c\", \"type\": "
	    "\"test\", \"gsis\": {\"base\": 0, \"count\": 1024}}]}, \"id\": 1}");
	return kvm;
}

/* Applies effects (JSON text); returns rc, *cause for the caller to free. */
static UNUSED int
apply(struct irqchip_kvm *kvm, const char *json, char **cause)
{
	json_object *e = json_tokener_parse(json);
	int rc;

	ck_assert_ptr_nonnull(e);
	*cause = NULL;
	rc = irqchip_kvm_apply_effects(kvm, e, cause);
	json_object_put(e);
	return rc;
}

static UNUSED void
apply_ok(struct irqchip_kvm *kvm, const char *json)
{
	char *cause;
	int rc = apply(kvm, json, &cause);

	ck_assert_msg(rc == 0, "%s: %d %s", json, rc, cause ? cause : "");
	free(cause);
}

/* Asserts a refusal with rc and a reason that mentions needle; nothing applied. */
static UNUSED void
apply_refused(struct irqchip_kvm *kvm, const char *json, int want, const char *needle)
{
	unsigned before = shim.ncalls;
	char *cause;
	int rc = apply(kvm, json, &cause);

	ck_assert_msg(rc == want, "%s: rc %d, want %d (%s)", json, rc, want,
	    cause ? cause : "");
	ck_assert_msg(cause != NULL && test_contains(cause, needle),
	    "%s: reason \"%s\" does not mention \"%s\"", json, cause ? cause : "", needle);
	ck_assert_uint_eq(shim.ncalls, before);
	free(cause);
}

#if !defined(ARCH_OTHER)
/* Every host with KVM glue: an MSI route reaches KVM_SET_GSI_ROUTING as api.rst lays it out. */
START_TEST(test_msi_route_layout)
{
	struct irqchip_kvm *kvm = create_ok(0);
	const struct call *c;
	unsigned i = 0;

#if defined(ARCH_X86)
	/* x86: the library refuses addresses outside 0xfee00000-0xfeefffff. */
	apply_ok(kvm, "[{\"route\": {\"gsi\": 3, \"address\": \"0xfee01000\", "
	    "\"data\": 49, \"devid\": 264}}]");
#else
	apply_ok(kvm, "[{\"route\": {\"gsi\": 3, \"address\": \"0x1fee01000\", "
	    "\"data\": 49, \"devid\": 264}}]");
#endif
	c = next_call(KVM_SET_GSI_ROUTING, &i);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nroutes, 1);
	ck_assert_uint_eq(c->routes[0].gsi, 3);
	ck_assert_uint_eq(c->routes[0].type, ROUTING_MSI);
	ck_assert_uint_eq(c->routes[0].u.msi.address_lo, 0xfee01000);
#if defined(ARCH_X86)
	ck_assert_uint_eq(c->routes[0].u.msi.address_hi, 0);
#else
	ck_assert_uint_eq(c->routes[0].u.msi.address_hi, 0x1);
#endif
	ck_assert_uint_eq(c->routes[0].u.msi.data, 0x31);
	/* KVM_CAP_MSI_DEVID is present: the device ID goes with its flag. */
	ck_assert_uint_eq(c->routes[0].flags, MSI_VALID_DEVID);
	ck_assert_uint_eq(c->routes[0].u.msi.devid, 264);
	irqchip_kvm_destroy(kvm);
}
END_TEST
#endif

#if defined(ARCH_X86)
START_TEST(test_x86_split_irqchip)
{
	struct irqchip_kvm *kvm = create_ok(24);
	const struct call *c;
	unsigned i = 0;

	/* api.rst KVM_IRQ_LINE, x86: irq is the GSI. */
	apply_ok(kvm, "[{\"irq-line\": {\"gsi\": 5, \"level\": 1}}, "
	    "{\"irq-line\": {\"gsi\": 23, \"level\": 0}}]");
	c = next_call(KVM_IRQ_LINE, &i);
	/* The first was create()'s probe (GSI 0, level 0, a no-op under split). */
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u.line.irq, 0);
	ck_assert_uint_eq(c->u.line.level, 0);
	c = next_call(KVM_IRQ_LINE, &i);
	ck_assert_uint_eq(c->u.line.irq, 5);
	ck_assert_uint_eq(c->u.line.level, 1);
	c = next_call(KVM_IRQ_LINE, &i);
	ck_assert_uint_eq(c->u.line.irq, 23);
	ck_assert_uint_eq(c->u.line.level, 0);
	ck_assert_uint_eq(count_calls(KVM_IRQ_LINE), 3);
	irqchip_kvm_destroy(kvm);
}
END_TEST

START_TEST(test_x86_refuses_without_split)
{
	struct irqchip_kvm *kvm = NULL;
	char *cause = NULL;

	/* KVM_CREATE_IRQCHIP: the IOAPIC is in the kernel. */
	shim.get_irqchip_errno = 0;
	ck_assert_int_eq(irqchip_kvm_create(NULL, shim.vm, 24, 0, &kvm, &cause), -EINVAL);
	ck_assert_ptr_null(kvm);
	ck_assert(test_contains(cause, "KVM_CAP_SPLIT_IRQCHIP"));
	free(cause);
	cause = NULL;
	/* No irqchip at all: KVM_IRQ_LINE fails with ENXIO. */
	shim.get_irqchip_errno = ENXIO;
	shim.irq_line_errno = ENXIO;
	ck_assert_int_eq(irqchip_kvm_create(NULL, shim.vm, 24, 0, &kvm, &cause), -ENXIO);
	ck_assert(test_contains(cause, "KVM_CAP_SPLIT_IRQCHIP"));
	free(cause);
	cause = NULL;
	/* A missing capability is named. */
	shim.irq_line_errno = 0;
	shim.caps[KVM_CAP_SIGNAL_MSI] = 0;
	ck_assert_int_eq(irqchip_kvm_create(NULL, shim.vm, 24, 0, &kvm, &cause), -ENOTSUP);
	ck_assert(test_contains(cause, "KVM_CAP_SIGNAL_MSI"));
	free(cause);
}
END_TEST
#endif

#if defined(ARCH_ARM64)
START_TEST(test_arm64_spi_lines)
{
	struct irqchip_kvm *kvm = create_ok(0);
	const struct call *c;
	unsigned i = 0;

	/*
	 * api.rst KVM_IRQ_LINE, arm64: irq = vcpu2_index[31:28] | type[27:24] |
	 * vcpu_index[23:16] | irq_id[15:0]; type 1 is an SPI (vcpu ignored),
	 * irq_id 32..1019. GSI n is SPI n + 32, as in the vGIC's default routing.
	 */
	apply_ok(kvm, "[{\"irq-line\": {\"gsi\": 5, \"level\": 1}}, "
	    "{\"irq-line\": {\"gsi\": 987, \"level\": 0}}]");
	c = next_call(KVM_IRQ_LINE, &i);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u.line.irq, 0x01000025);
	ck_assert_uint_eq(c->u.line.level, 1);
	c = next_call(KVM_IRQ_LINE, &i);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u.line.irq, 0x010003fb);
	ck_assert_uint_eq(c->u.line.level, 0);
	/* SPI 1020 does not exist. */
	apply_refused(kvm, "[{\"irq-line\": {\"gsi\": 988, \"level\": 1}}]", -EPROTO, "SPI");
	irqchip_kvm_destroy(kvm);
}
END_TEST

START_TEST(test_arm64_msi_device_id)
{
	struct irqchip_kvm *kvm = create_ok(0);
	const struct call *c;
	unsigned i = 0;

	/* The ITS translates by device ID: an MSI without one cannot be applied. */
	apply_refused(kvm, "[{\"route\": {\"gsi\": 40, \"address\": \"0x8090040\", "
	    "\"data\": 7}}]", -EPROTO, "devid");
	apply_refused(kvm, "[{\"signal-msi\": {\"address\": \"0x8090040\", "
	    "\"data\": 7}}]", -EPROTO, "devid");
	/* GITS_TRANSLATER of an ITS at 0x8080000, EventID 7, DeviceID 0x0108. */
	apply_ok(kvm, "[{\"route\": {\"gsi\": 40, \"address\": \"0x8090040\", "
	    "\"data\": 7, \"devid\": 264}}, {\"signal-msi\": {\"address\": "
	    "\"0x8090040\", \"data\": 9, \"devid\": 264}}]");
	c = next_call(KVM_SET_GSI_ROUTING, &i);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->nroutes, 1);
	ck_assert_uint_eq(c->routes[0].gsi, 40);
	ck_assert_uint_eq(c->routes[0].type, ROUTING_MSI);
	ck_assert_uint_eq(c->routes[0].flags, MSI_VALID_DEVID);
	ck_assert_uint_eq(c->routes[0].u.msi.address_lo, 0x08090040);
	ck_assert_uint_eq(c->routes[0].u.msi.data, 7);
	ck_assert_uint_eq(c->routes[0].u.msi.devid, 0x108);
	i = 0;
	c = next_call(KVM_SIGNAL_MSI, &i);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->u.msi.flags, MSI_VALID_DEVID);
	ck_assert_uint_eq(c->u.msi.devid, 0x108);
	ck_assert_uint_eq(c->u.msi.address_lo, 0x08090040);
	ck_assert_uint_eq(c->u.msi.address_hi, 0);
	ck_assert_uint_eq(c->u.msi.data, 9);
	irqchip_kvm_destroy(kvm);
}
END_TEST

START_TEST(test_arm64_no_ioapic_routes)
{
	struct irqchip_kvm *kvm = NULL;
	char *cause = NULL;

	ck_assert_int_eq(irqchip_kvm_create(NULL, shim.vm, 24, 0, &kvm, &cause), -EINVAL);
	ck_assert(test_contains(cause, "split irqchip"));
	free(cause);
}
END_TEST
#endif

#if defined(ARCH_PPC)
START_TEST(test_ppc_cpu_irq)
{
	struct irqchip_kvm *kvm = create_ok(0);
	const struct call *c;
	char *cause = NULL;
	unsigned i = 0;

	ck_assert_int_eq(irqchip_kvm_set_vcpu_fd(kvm, 0, shim.vcpu[0], &cause), 0);
	ck_assert_int_eq(irqchip_kvm_set_vcpu_fd(kvm, 3, shim.vcpu[1], &cause), 0);
	/* cpu 1 was never given: nothing of the list is applied. */
	apply_refused(kvm, "[{\"cpu-irq\": {\"cpu\": 0, \"level\": 1}}, "
	    "{\"cpu-irq\": {\"cpu\": 1, \"level\": 1}}]", -EPROTO, "cpu 1");
	/*
	 * api.rst KVM_INTERRUPT, PPC: KVM_INTERRUPT_SET_LEVEL (-3U) raises the
	 * external interrupt line, KVM_INTERRUPT_UNSET (-2U) lowers it.
	 */
	apply_ok(kvm, "[{\"cpu-irq\": {\"cpu\": 3, \"level\": 1}}, "
	    "{\"cpu-irq\": {\"cpu\": 0, \"level\": 1}}, "
	    "{\"cpu-irq\": {\"cpu\": 3, \"level\": 0}}]");
	c = next_call(KVM_INTERRUPT, &i);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->fd, shim.vcpu[1]);
	ck_assert_uint_eq(c->u.intr.irq, 0xfffffffdu);
	c = next_call(KVM_INTERRUPT, &i);
	ck_assert_int_eq(c->fd, shim.vcpu[0]);
	ck_assert_uint_eq(c->u.intr.irq, 0xfffffffdu);
	c = next_call(KVM_INTERRUPT, &i);
	ck_assert_int_eq(c->fd, shim.vcpu[1]);
	ck_assert_uint_eq(c->u.intr.irq, 0xfffffffeu);
	ck_assert_uint_eq(count_calls(KVM_INTERRUPT), 3);
	/* Forgotten: refused again. */
	ck_assert_int_eq(irqchip_kvm_set_vcpu_fd(kvm, 3, -1, &cause), 0);
	apply_refused(kvm, "[{\"cpu-irq\": {\"cpu\": 3, \"level\": 1}}]", -EPROTO, "cpu 3");
	irqchip_kvm_destroy(kvm);
}
END_TEST

START_TEST(test_ppc_needs_irq_level)
{
	struct irqchip_kvm *kvm = NULL;
	char *cause = NULL;

	shim.caps[KVM_CAP_PPC_IRQ_LEVEL] = 0;
	ck_assert_int_eq(irqchip_kvm_create(NULL, shim.vm, 0, 0, &kvm, &cause), -ENOTSUP);
	ck_assert(test_contains(cause, "KVM_CAP_PPC_IRQ_LEVEL"));
	free(cause);
}
END_TEST
#elif !defined(ARCH_OTHER)
/* x86 and arm64: cpu-irq effects and vCPU fds are refused, and say why. */
START_TEST(test_cpu_irq_refused)
{
	struct irqchip_kvm *kvm = create_ok(0);
	char *cause = NULL;

	ck_assert_int_eq(irqchip_kvm_set_vcpu_fd(kvm, 0, shim.vcpu[0], &cause), -EOPNOTSUPP);
	ck_assert(test_contains(cause, "POWER"));
	free(cause);
	apply_refused(kvm, "[{\"cpu-irq\": {\"cpu\": 0, \"level\": 1}}]", -EOPNOTSUPP,
	    "POWER");
	irqchip_kvm_destroy(kvm);
}
END_TEST
#endif

#if !defined(ARCH_OTHER)
/* What the callbacks received, in order. */
static struct {
	char log[1024];
	int fail;		/* the next callback returns this */
} cbrec;

static void
cblog(const char *fmt, ...)
{
	size_t n = strlen(cbrec.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cbrec.log + n, sizeof cbrec.log - n, fmt, ap);
	va_end(ap);
}

static int
cb_cpu_irq(void *opaque, unsigned cpu, int level)
{
	ck_assert_ptr_eq(opaque, &cbrec);
	cblog("cpu-irq %u %d;", cpu, level);
	return cbrec.fail;
}

static int
cb_lpi(void *opaque, uint32_t intid, uint32_t target, uint32_t device, uint32_t event)
{
	cblog("lpi %u %u %u %u;", intid, target, device, event);
	return cbrec.fail;
}

static int
cb_its(void *opaque, json_object *c)
{
	json_object *v;

	ck_assert(json_object_object_get_ex(c, "command", &v));
	cblog("its %s;", json_object_get_string(v));
	return cbrec.fail;
}

/*
 * A VMM that owns its CPUs or the GIC redistributors takes cpu-irq, lpi and
 * its-command effects through callbacks, in the reply's order, on every host;
 * without the callback they are refused before anything is applied.
 */
START_TEST(test_callbacks)
{
	static const struct irqchip_kvm_callbacks cb = {
		.cpu_irq = cb_cpu_irq, .lpi = cb_lpi, .its_command = cb_its, .opaque = &cbrec,
	};
	struct irqchip_kvm *kvm = create_ok(0);
	char *cause = NULL;

	memset(&cbrec, 0, sizeof cbrec);
	apply_refused(kvm, "[{\"lpi\": {\"intid\": 8192, \"target\": 0, \"device\": 1, "
	    "\"event\": 2}}]", -EOPNOTSUPP, "lpi callback");
	apply_refused(kvm, "[{\"its-command\": {\"command\": \"SYNC\", \"target\": 0}}]",
	    -EOPNOTSUPP, "its_command callback");
	irqchip_kvm_set_callbacks(kvm, &cb);
	apply_ok(kvm, "[{\"its-command\": {\"command\": \"INV\", \"device\": 16, "
	    "\"event\": 0, \"intid\": 8192, \"collection\": 0, \"target\": 0}}, "
	    "{\"lpi\": {\"intid\": 8193, \"target\": 1, \"device\": 16, \"event\": 1}}, "
	    "{\"cpu-irq\": {\"cpu\": 3, \"level\": 1}}]");
	ck_assert_str_eq(cbrec.log, "its INV;lpi 8193 1 16 1;cpu-irq 3 1;");
	/* Validated against the architecture: INTIDs below 8192 are no LPIs. */
	apply_refused(kvm, "[{\"lpi\": {\"intid\": 8191, \"target\": 0, \"device\": 1, "
	    "\"event\": 2}}]", -EPROTO, "no LPI");
	apply_refused(kvm, "[{\"its-command\": {\"command\": \"MAPD\"}}]", -EPROTO,
	    "must be INV");
	apply_refused(kvm, "[{\"its-command\": {\"command\": \"INV\", \"device\": -1}}]",
	    -EPROTO, "device");
	apply_refused(kvm, "[{\"lpi\": {\"intid\": 8192, \"target\": 0, \"device\": 1, "
	    "\"event\": 2, \"x\": 1}}]", -EPROTO, "x");
	/* A callback's failure stops the list there and comes back with a reason. */
	cbrec.log[0] = '\0';
	cbrec.fail = -EIO;
	ck_assert_int_eq(apply(kvm, "[{\"cpu-irq\": {\"cpu\": 0, \"level\": 0}}, "
	    "{\"cpu-irq\": {\"cpu\": 1, \"level\": 0}}]", &cause), -EIO);
	ck_assert(test_contains(cause, "cpu-irq callback"));
	ck_assert_str_eq(cbrec.log, "cpu-irq 0 0;");
	free(cause);
	irqchip_kvm_set_callbacks(kvm, NULL);
	irqchip_kvm_destroy(kvm);
}
END_TEST
#endif

#if defined(ARCH_OTHER)
START_TEST(test_other_refused)
{
	struct irqchip_kvm *kvm = NULL;
	char *cause = NULL;

	ck_assert_int_eq(irqchip_kvm_create(NULL, shim.vm, 0, 0, &kvm, &cause), -ENOTSUP);
	ck_assert_ptr_null(kvm);
	ck_assert_msg(test_contains(cause, HOST_CPU), "reason: %s", cause);
	ck_assert(test_contains(cause, "x86") && test_contains(cause, "arm64") &&
	    test_contains(cause, "POWER"));
	free(cause);
	/* Refused before any KVM call. */
	ck_assert_uint_eq(shim.ncalls, 0);
}
END_TEST
#endif

int
main(void)
{
	Suite *s = suite_create("kvm-arch");
	TCase *tc = tcase_create(HOST_CPU);

	tcase_add_checked_fixture(tc, setup, teardown);
#if !defined(ARCH_OTHER)
	tcase_add_test(tc, test_msi_route_layout);
	tcase_add_test(tc, test_callbacks);
#endif
#if defined(ARCH_X86)
	tcase_add_test(tc, test_x86_split_irqchip);
	tcase_add_test(tc, test_x86_refuses_without_split);
#endif
#if defined(ARCH_ARM64)
	tcase_add_test(tc, test_arm64_spi_lines);
	tcase_add_test(tc, test_arm64_msi_device_id);
	tcase_add_test(tc, test_arm64_no_ioapic_routes);
#endif
#if defined(ARCH_PPC)
	tcase_add_test(tc, test_ppc_cpu_irq);
	tcase_add_test(tc, test_ppc_needs_irq_level);
#elif !defined(ARCH_OTHER)
	tcase_add_test(tc, test_cpu_irq_refused);
#endif
#if defined(ARCH_OTHER)
	tcase_add_test(tc, test_other_refused);
#endif
	suite_add_tcase(s, tc);
	return test_main(s);
}
