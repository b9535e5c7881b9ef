/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A store row's attributes (objects.attrs), as a malicious or damaged
 * store file may hold them: attrs_parse must refuse or parse, never read
 * or write out of bounds; what it parses serializes and parses back the
 * same.
 */
#include <stdlib.h>
#include <string.h>

#include "common/attrs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attr_list list, again;
	uint8_t *out = NULL;
	size_t out_len = 0;

	memset(&list, 0, sizeof(list));
	memset(&again, 0, sizeof(again));
	if (!attrs_parse(data, size, &list))
		return 0;
	if (attrs_serialize(&list, &out, &out_len)) {
		if (!attrs_parse(out, out_len, &again))
			abort(); /* what it wrote it must read */
		attrs_clear(&again);
		free(out);
	}
	attrs_clear(&list);
	return 0;
}
