/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/attrs.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t magic[4] = { 'T', 'C', 'A', '1' };

void attrs_clear(struct attr_list *list)
{
	if (list == NULL)
		return;
	for (size_t i = 0; i < list->count; i++)
		free(list->items[i].value);
	free(list->items);
	list->items = NULL;
	list->count = 0;
}

static struct attr *find_mutable(const struct attr_list *list, uint64_t type)
{
	for (size_t i = 0; i < list->count; i++)
		if (list->items[i].type == type)
			return &list->items[i];
	return NULL;
}

const struct attr *attrs_find(const struct attr_list *list, uint64_t type)
{
	return find_mutable(list, type);
}

static uint8_t *copy_value(const void *value, size_t len)
{
	uint8_t *copy;

	if (len == 0)
		return NULL;
	copy = malloc(len);
	if (copy != NULL)
		memcpy(copy, value, len);
	return copy;
}

bool attrs_set(struct attr_list *list, uint64_t type, const void *value,
	       size_t len)
{
	struct attr *slot = find_mutable(list, type);
	struct attr *grown;
	uint8_t *copy;

	if (len > ATTRS_MAX_VALUE)
		return false;
	copy = copy_value(value, len);
	if (len > 0 && copy == NULL)
		return false;
	if (slot == NULL) {
		if (list->count >= ATTRS_MAX_COUNT)
			goto fail;
		grown = realloc(list->items,
				(list->count + 1) * sizeof(*list->items));
		if (grown == NULL)
			goto fail;
		list->items = grown;
		slot = &list->items[list->count++];
	} else {
		free(slot->value);
	}
	slot->type = type;
	slot->len = (uint32_t)len;
	slot->value = copy;
	return true;
fail:
	free(copy);
	return false;
}

void attrs_remove(struct attr_list *list, uint64_t type)
{
	struct attr *slot = find_mutable(list, type);
	size_t index;

	if (slot == NULL)
		return;
	free(slot->value);
	index = (size_t)(slot - list->items);
	memmove(slot, slot + 1, (list->count - index - 1) * sizeof(*slot));
	list->count--;
}

bool attrs_set_bool(struct attr_list *list, uint64_t type, bool value)
{
	uint8_t byte = value ? 1 : 0;

	return attrs_set(list, type, &byte, 1);
}

bool attrs_set_ulong(struct attr_list *list, uint64_t type,
		     unsigned long value)
{
	return attrs_set(list, type, &value, sizeof(value));
}

bool attrs_get_bool(const struct attr_list *list, uint64_t type, bool dflt)
{
	const struct attr *a = attrs_find(list, type);

	if (a == NULL || a->len != 1)
		return dflt;
	return a->value[0] != 0;
}

bool attrs_get_ulong(const struct attr_list *list, uint64_t type,
		     unsigned long *value)
{
	const struct attr *a = attrs_find(list, type);

	if (a == NULL || a->len != sizeof(*value))
		return false;
	memcpy(value, a->value, sizeof(*value));
	return true;
}

bool attrs_copy(struct attr_list *dst, const struct attr_list *src)
{
	dst->items = NULL;
	dst->count = 0;
	for (size_t i = 0; i < src->count; i++) {
		const struct attr *a = &src->items[i];

		if (!attrs_set(dst, a->type, a->value, a->len)) {
			attrs_clear(dst);
			return false;
		}
	}
	return true;
}

static uint8_t *put_be(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
	return p + bytes;
}

static uint64_t get_be(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

bool attrs_serialize(const struct attr_list *list, uint8_t **out,
		     size_t *out_len)
{
	size_t total = sizeof(magic) + 4;
	uint8_t *buf, *p;

	for (size_t i = 0; i < list->count; i++)
		total += 12 + list->items[i].len;
	buf = malloc(total);
	if (buf == NULL)
		return false;
	memcpy(buf, magic, sizeof(magic));
	p = put_be(buf + sizeof(magic), list->count, 4);
	for (size_t i = 0; i < list->count; i++) {
		const struct attr *a = &list->items[i];

		p = put_be(p, a->type, 8);
		p = put_be(p, a->len, 4);
		if (a->len > 0)
			memcpy(p, a->value, a->len);
		p += a->len;
	}
	*out = buf;
	*out_len = total;
	return true;
}

bool attrs_parse(const uint8_t *in, size_t len, struct attr_list *out)
{
	size_t pos = sizeof(magic) + 4, count;

	out->items = NULL;
	out->count = 0;
	if (in == NULL || len < pos || memcmp(in, magic, sizeof(magic)) != 0)
		return false;
	count = (size_t)get_be(in + sizeof(magic), 4);
	if (count > ATTRS_MAX_COUNT)
		return false;
	for (size_t i = 0; i < count; i++) {
		uint64_t type;
		size_t vlen;

		if (len - pos < 12)
			goto bad;
		type = get_be(in + pos, 8);
		vlen = (size_t)get_be(in + pos + 8, 4);
		pos += 12;
		if (vlen > len - pos || attrs_find(out, type) != NULL ||
		    !attrs_set(out, type, in + pos, vlen))
			goto bad;
		pos += vlen;
	}
	if (pos == len)
		return true;
bad:
	attrs_clear(out);
	return false;
}
