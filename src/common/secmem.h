/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_SECMEM_H
#define TPMCARD_COMMON_SECMEM_H

#include <stddef.h>
#include <stdint.h>

/*
 * A buffer for one secret (PIN, auth value, wrap secret, unsealed data).
 * Its pages are locked in memory where the process may lock them, excluded
 * from core dumps, zero-filled at allocation and wiped before release.
 * len is the number of bytes in use, at most cap.
 */
struct secbuf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* Returns a zeroed buffer of capacity cap with len 0, or NULL on ENOMEM. */
struct secbuf *secbuf_new(size_t cap);

/* Returns a new buffer holding a copy of len bytes of data, or NULL. */
struct secbuf *secbuf_dup(const void *data, size_t len);

/* Wipes and releases; accepts NULL. */
void secbuf_free(struct secbuf *buf);

/* Zeroes memory in a way the compiler cannot remove. */
void secmem_wipe(void *p, size_t len);

#endif /* TPMCARD_COMMON_SECMEM_H */
