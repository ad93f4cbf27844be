/*
 * Guest RAM: regions the VMM passes as memfds, mapped shared, and the one
 * bounds-checked way chips read and write them. A copy never crosses a
 * region's edge (a guest structure that straddles two regions is a guest
 * error, as it would be for a device that DMAs through one window), and no
 * pointer into guest RAM leaves this file.
 *
 * A mapping whose file shrinks under it faults (SIGBUS) on the next access.
 * The daemon does not catch that; it refuses memfds that can shrink instead:
 * memory-add requires F_SEAL_SHRINK (memfd_create(2), fcntl(2) F_ADD_SEALS).
 * The fd is closed once mapped: the mapping is the VM's RAM and stays across
 * a client's disconnect and resume, like the chips whose tables live in it.
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "wire.h"
#include "xmalloc.h"

#ifndef F_SEAL_SHRINK
#define F_SEAL_SHRINK	0x0002
#endif

static struct mem_region *
region_at(struct server *srv, uint64_t gpa)
{
	struct mem_region *m;

	TAILQ_FOREACH(m, &srv->memory, entry) {
		if (gpa >= m->gpa && gpa - m->gpa < m->size)
			return m;
	}
	return NULL;
}

static int
check_region(struct server *srv, uint64_t gpa, uint64_t size, int fd, uint64_t offset,
    struct reply *r)
{
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct mem_region *m;
	struct stat st;
	unsigned n = 0;
	int seals;

	if (size == 0 || size % page != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'size' must be a "
		    "non-zero multiple of the page size (%" PRIu64 ")", page);
	if (gpa % page != 0 || offset % page != 0)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'gpa' and 'offset' "
		    "must be multiples of the page size (%" PRIu64 ")", page);
	if (gpa + size - 1 < gpa)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'gpa' and 'size': "
		    "0x%" PRIx64 " + 0x%" PRIx64 " goes past the end of the address space",
		    gpa, size);
	if (offset + size < offset)
		return reply_error(r, ERR_INVALID_PARAMETER, "arguments 'offset' and 'size': "
		    "0x%" PRIx64 " + 0x%" PRIx64 " overflows", offset, size);
	if (fstat(fd, &st) < 0)
		return reply_error(r, ERR_INVALID_FD, "argument 'fd': fstat: %s",
		    strerror(errno));
	if ((uint64_t)st.st_size < offset + size)
		return reply_error(r, ERR_INVALID_PARAMETER, "argument 'fd': the memfd holds "
		    "%" PRIu64 " bytes, fewer than 'offset' + 'size' (0x%" PRIx64 ")",
		    (uint64_t)st.st_size, offset + size);
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		return reply_error(r, ERR_INVALID_FD, "argument 'fd': the memfd must carry "
		    "F_SEAL_SHRINK (memfd_create with MFD_ALLOW_SEALING, then F_ADD_SEALS), "
		    "so that it cannot shrink under the daemon's mapping");
	TAILQ_FOREACH(m, &srv->memory, entry) {
		n++;
		if (gpa <= m->gpa + (m->size - 1) && m->gpa <= gpa + (size - 1))
			return reply_error(r, ERR_ALREADY_EXISTS, "arguments 'gpa' and 'size': "
			    "0x%" PRIx64 "..0x%" PRIx64 " overlaps the region at 0x%" PRIx64
			    "..0x%" PRIx64, gpa, gpa + size - 1, m->gpa, m->gpa + m->size - 1);
	}
	if (n >= MEMORY_MAX_REGIONS)
		return reply_error(r, ERR_INVALID_PARAMETER, "at most %d memory regions",
		    MEMORY_MAX_REGIONS);
	return 0;
}

int
memory_add(struct server *srv, uint64_t gpa, uint64_t size, int fd, uint64_t offset,
    struct reply *r)
{
	struct mem_region *m;
	void *hva;

	if (check_region(srv, gpa, size, fd, offset, r) < 0) {
		close(fd);
		return -EINVAL;
	}
	hva = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
	close(fd);
	if (hva == MAP_FAILED)
		return reply_error(r, ERR_INVALID_FD, "argument 'fd': mmap of 0x%" PRIx64
		    " bytes at offset 0x%" PRIx64 ": %s", size, offset, strerror(errno));
	m = xcalloc(1, sizeof *m);
	m->gpa = gpa;
	m->size = size;
	m->offset = offset;
	m->hva = hva;
	TAILQ_INSERT_TAIL(&srv->memory, m, entry);
	log_info("memory 0x%" PRIx64 "..0x%" PRIx64 " added", gpa, gpa + size - 1);
	return 0;
}

static void
region_free(struct server *srv, struct mem_region *m)
{
	TAILQ_REMOVE(&srv->memory, m, entry);
	munmap(m->hva, (size_t)m->size);
	free(m);
}

int
memory_del(struct server *srv, uint64_t gpa, struct reply *r)
{
	struct mem_region *m;

	TAILQ_FOREACH(m, &srv->memory, entry) {
		if (m->gpa == gpa) {
			region_free(srv, m);
			return 0;
		}
	}
	return reply_error(r, ERR_DEVICE_NOT_FOUND, "argument 'gpa': no memory region "
	    "starts at 0x%" PRIx64 " (query-memory lists them)", gpa);
}

void
memory_free_all(struct server *srv)
{
	struct mem_region *m;

	while ((m = TAILQ_FIRST(&srv->memory)) != NULL)
		region_free(srv, m);
}

json_object *
memory_describe(const struct server *srv)
{
	json_object *list = json_object_new_array();
	const struct mem_region *m;

	TAILQ_FOREACH(m, &srv->memory, entry) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "gpa", wire_u64(m->gpa));
		json_object_object_add(o, "size", wire_u64(m->size));
		json_object_object_add(o, "offset", wire_u64(m->offset));
		json_object_array_add(list, o);
	}
	return list;
}

/* The host address of [gpa, gpa+len), or NULL unless one region holds it all. */
static void *
translate(struct server *srv, uint64_t gpa, size_t len)
{
	struct mem_region *m = region_at(srv, gpa);

	if (m == NULL || len > m->size - (gpa - m->gpa))
		return NULL;
	return (char *)m->hva + (gpa - m->gpa);
}

int
guest_check(struct server *srv, uint64_t gpa, uint64_t len)
{
	struct mem_region *m = region_at(srv, gpa);

	return m == NULL || len > m->size - (gpa - m->gpa) ? -EFAULT : 0;
}

int
guest_read(struct server *srv, uint64_t gpa, void *buf, size_t len)
{
	void *p = translate(srv, gpa, len);

	if (p == NULL)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int
guest_write(struct server *srv, uint64_t gpa, const void *buf, size_t len)
{
	void *p = translate(srv, gpa, len);

	if (p == NULL)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}
