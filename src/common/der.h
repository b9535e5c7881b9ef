/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_DER_H
#define TPMCARD_COMMON_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The little DER the module reads and writes itself (public keys, so that
 * no OpenSSL key object, which a host's engine could capture, is needed):
 * single-byte tags, definite lengths in minimal form, read up to 16 MiB
 * and written up to 64 KiB.
 */

#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_SEQUENCE 0x30

/* Bytes of a tag and length for content below 64 KiB (1 + 1..3). */
size_t der_header_len(size_t content_len);

/* Writes a tag and length at out; returns der_header_len(content_len). */
size_t der_put_header(uint8_t tag, size_t content_len, uint8_t *out);

/*
 * An INTEGER of the unsigned big-endian value be (leading zeros dropped,
 * a zero byte added before a high bit): its encoded size, and when out
 * is not NULL, the encoding written there.
 */
size_t der_put_uint(const uint8_t *be, size_t len, uint8_t *out);

/* A view of DER bytes not yet read. */
struct der_in {
	const uint8_t *p;
	size_t len;
};

/*
 * Takes the next element from in when it has this tag: *content gets its
 * content and in moves past it.  False (in unchanged) for another tag, a
 * truncated element or a length not in minimal form.
 */
bool der_take(struct der_in *in, uint8_t tag, struct der_in *content);

/*
 * The content of a non-negative INTEGER without its leading zero bytes
 * (the value zero as one zero byte); false for a negative or non-minimal
 * one.
 */
bool der_take_uint(struct der_in *in, struct der_in *value);

#endif /* TPMCARD_COMMON_DER_H */
