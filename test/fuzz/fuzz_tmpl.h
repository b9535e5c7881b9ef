/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fuzzer's bytes as a CK_ATTRIBUTE template.  Each entry is
 *
 *   TYPE SHAPE VALUE...
 *
 * TYPE: below 0xf0 an index into fuzz_attr_types (modulo its size:
 * every attribute the module knows and some it does not), 0xf0-0xfe
 * CKA_VENDOR_DEFINED + n, 0xff a raw 4-byte type follows.
 * SHAPE (low 4 bits) says how VALUE is read:
 *   0 a CK_BBOOL: 1 byte, any value       1 a CK_ULONG from 1 byte
 *   2 a CK_ULONG from 8 bytes             3 a CK_ULONG from a table
 *   4 bytes, 1-byte length                5 bytes, 2-byte length
 *   6 pValue NULL, 1-byte ulValueLen      7 a ready-made value (table)
 *   8 a CK_DATE (8 bytes)                 9 a mechanism list (count,
 *                                           table indexes)
 *  10 empty (a pointer, length 0)        11-15 as 4
 * so a CK_BBOOL attribute can come with 8 bytes, a CK_ULONG one with 1,
 * or any with no buffer at all.  Every value gets a buffer of exactly
 * its length, so the module reading one byte more is an ASan report.
 */
#ifndef TPMCARD_TEST_FUZZ_TMPL_H
#define TPMCARD_TEST_FUZZ_TMPL_H

#include <stddef.h>

#include <p11-kit/pkcs11.h>

#include "fuzz_input.h"

#define FUZZ_TMPL_MAX 32
#define FUZZ_ATTR_TYPES_MAX 128

extern const CK_ATTRIBUTE_TYPE fuzz_attr_types[];
extern const size_t fuzz_attr_type_count;

/* Interesting CK_ULONG values: classes, key types, sizes, mechanisms. */
CK_ULONG fuzz_ulong_const(uint8_t index);
/* A ready-made value (OIDs, EC points, RSA parts, a certificate). */
void fuzz_canned_value(uint8_t index, const void **value, CK_ULONG *len);

struct fuzz_tmpl {
	CK_ATTRIBUTE a[FUZZ_TMPL_MAX];
	CK_ULONG count;
};

/* Up to count entries (fewer when the input ends). */
void fuzz_tmpl_decode(struct fuzz_in *in, size_t count, struct fuzz_tmpl *t);
/* One entry's value only (SHAPE VALUE...) into a. */
void fuzz_attr_value_decode(struct fuzz_in *in, CK_ATTRIBUTE *a);
void fuzz_tmpl_free(struct fuzz_tmpl *t);

/* The first entry of that type, or NULL. */
CK_ATTRIBUTE *fuzz_tmpl_find(struct fuzz_tmpl *t, CK_ATTRIBUTE_TYPE type);

#endif /* TPMCARD_TEST_FUZZ_TMPL_H */
