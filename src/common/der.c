/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/der.h"

size_t der_header_len(size_t content_len)
{
	if (content_len < 0x80)
		return 2;
	return content_len < 0x100 ? 3 : 4;
}

size_t der_put_header(uint8_t tag, size_t content_len, uint8_t *out)
{
	size_t n = der_header_len(content_len);

	out[0] = tag;
	if (n == 2) {
		out[1] = (uint8_t)content_len;
	} else if (n == 3) {
		out[1] = 0x81;
		out[2] = (uint8_t)content_len;
	} else {
		out[1] = 0x82;
		out[2] = (uint8_t)(content_len >> 8);
		out[3] = (uint8_t)content_len;
	}
	return n;
}

size_t der_put_uint(const uint8_t *be, size_t len, uint8_t *out)
{
	size_t content, header;
	bool pad;

	while (len > 1 && be[0] == 0) {
		be++;
		len--;
	}
	if (len == 0) {
		static const uint8_t zero;

		be = &zero;
		len = 1;
	}
	pad = (be[0] & 0x80) != 0;
	content = len + (pad ? 1 : 0);
	header = der_header_len(content);
	if (out != NULL) {
		der_put_header(DER_INTEGER, content, out);
		if (pad)
			out[header] = 0x00;
		for (size_t i = 0; i < len; i++)
			out[header + (pad ? 1 : 0) + i] = be[i];
	}
	return header + content;
}

/* The content length after the tag at in->p; false when malformed. */
static bool read_length(const struct der_in *in, size_t *header,
			size_t *len)
{
	uint8_t first;

	if (in->len < 2)
		return false;
	first = in->p[1];
	if (first < 0x80) {
		*header = 2;
		*len = first;
	} else if (first == 0x81 && in->len >= 3 && in->p[2] >= 0x80) {
		*header = 3;
		*len = in->p[2];
	} else if (first == 0x82 && in->len >= 4 && in->p[2] != 0) {
		*header = 4;
		*len = ((size_t)in->p[2] << 8) | in->p[3];
	} else if (first == 0x83 && in->len >= 5 && in->p[2] != 0) {
		*header = 5;
		*len = ((size_t)in->p[2] << 16) | ((size_t)in->p[3] << 8) |
		       in->p[4];
	} else {
		return false;
	}
	return *len <= in->len - *header;
}

bool der_take(struct der_in *in, uint8_t tag, struct der_in *content)
{
	size_t header, len;

	if (in->len == 0 || in->p[0] != tag || !read_length(in, &header, &len))
		return false;
	content->p = in->p + header;
	content->len = len;
	in->p += header + len;
	in->len -= header + len;
	return true;
}

bool der_take_uint(struct der_in *in, struct der_in *value)
{
	struct der_in rest = *in, v;

	if (!der_take(&rest, DER_INTEGER, &v) || v.len == 0 ||
	    (v.p[0] & 0x80) != 0)
		return false;
	if (v.len > 1 && v.p[0] == 0) {
		if ((v.p[1] & 0x80) == 0)
			return false; /* not minimal */
		v.p++;
		v.len--;
	}
	*value = v;
	*in = rest;
	return true;
}
