/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/secmem.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/crypto.h>

/*
 * Each secbuf is one private anonymous mapping: the struct at its start,
 * the secret after it.  Secrets are few and small (a wrap secret per token,
 * a PIN while it is used), so a page each costs nothing that matters and
 * keeps them away from the heap, where copies would outlive a free().
 */

static size_t mapping_size(size_t cap)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t need = sizeof(struct secbuf) + cap;

	return (need + page - 1) / page * page;
}

void secmem_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

struct secbuf *secbuf_new(size_t cap)
{
	size_t size;
	struct secbuf *buf;
	void *map;

	if (cap > (SIZE_MAX >> 1))
		return NULL;
	size = mapping_size(cap);
	map = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map == MAP_FAILED)
		return NULL;
	/* Best effort: RLIMIT_MEMLOCK may refuse; DONTDUMP still applies. */
	(void)mlock(map, size);
	(void)madvise(map, size, MADV_DONTDUMP);
	(void)madvise(map, size, MADV_WIPEONFORK);
	buf = map;
	buf->data = (uint8_t *)map + sizeof(*buf);
	buf->len = 0;
	buf->cap = cap;
	return buf;
}

struct secbuf *secbuf_dup(const void *data, size_t len)
{
	struct secbuf *buf = secbuf_new(len);

	if (buf == NULL)
		return NULL;
	if (len > 0)
		memcpy(buf->data, data, len);
	buf->len = len;
	return buf;
}

void secbuf_free(struct secbuf *buf)
{
	size_t size;

	if (buf == NULL)
		return;
	size = mapping_size(buf->cap);
	secmem_wipe(buf, size);
	munlock(buf, size);
	munmap(buf, size);
}
