/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_ATTRS_H
#define TPMCARD_COMMON_ATTRS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * An attribute list as the store keeps it: (type, value) pairs, types as
 * plain 64-bit numbers (the token layer gives them their PKCS#11 meaning).
 * Serialized form, all big-endian: "TCA1", u32 count, then per attribute
 * u64 type, u32 length, value bytes.  Parsing checks every length against
 * the input, so a damaged or malicious store row cannot overrun anything.
 */

struct attr {
	uint64_t type;
	uint32_t len;
	uint8_t *value; /* owned by the list; NULL when len is 0 */
};

struct attr_list {
	struct attr *items;
	size_t count;
};

#define ATTRS_MAX_COUNT 256
#define ATTRS_MAX_VALUE (1u << 20)

/* Frees every value and the array; accepts NULL; leaves an empty list. */
void attrs_clear(struct attr_list *list);

/* The attribute of that type, or NULL. */
const struct attr *attrs_find(const struct attr_list *list, uint64_t type);

/* Adds or replaces type with a copy of value; false on ENOMEM/limits. */
bool attrs_set(struct attr_list *list, uint64_t type, const void *value,
	       size_t len);

/* Removes type if present. */
void attrs_remove(struct attr_list *list, uint64_t type);

/* Convenience setters and getters for the common shapes. */
bool attrs_set_bool(struct attr_list *list, uint64_t type, bool value);
bool attrs_set_ulong(struct attr_list *list, uint64_t type,
		     unsigned long value);
/* Returns dflt when absent or of the wrong size. */
bool attrs_get_bool(const struct attr_list *list, uint64_t type, bool dflt);
/* False when absent or of the wrong size. */
bool attrs_get_ulong(const struct attr_list *list, uint64_t type,
		     unsigned long *value);

/* Deep copy; false on ENOMEM (dst is then empty). */
bool attrs_copy(struct attr_list *dst, const struct attr_list *src);

/* Serializes into a malloc'd buffer the caller frees; false on ENOMEM. */
bool attrs_serialize(const struct attr_list *list, uint8_t **out,
		     size_t *out_len);

/* Parses a serialized list into out (empty on failure); false if malformed. */
bool attrs_parse(const uint8_t *in, size_t len, struct attr_list *out);

#endif /* TPMCARD_COMMON_ATTRS_H */
