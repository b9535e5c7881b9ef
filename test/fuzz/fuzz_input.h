/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Taking a fuzzer's input apart, front to back.  Reading past the end
 * gives zeros and empty buffers, so that every input decodes to
 * something and a short input is no special case.
 */
#ifndef TPMCARD_TEST_FUZZ_INPUT_H
#define TPMCARD_TEST_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_in {
	const uint8_t *data;
	size_t left;
};

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	if (in->left == 0)
		return 0;
	in->left--;
	return *in->data++;
}

/* n bytes (at most 8), little-endian. */
static inline uint64_t fuzz_uint(struct fuzz_in *in, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n && i < 8; i++)
		v |= (uint64_t)fuzz_u8(in) << (8 * i);
	return v;
}

/* Up to want bytes from the input, in place; returns how many. */
static inline size_t fuzz_take(struct fuzz_in *in, size_t want,
			       const uint8_t **out)
{
	size_t n = want < in->left ? want : in->left;

	*out = in->data;
	in->data += n;
	in->left -= n;
	return n;
}

#endif /* TPMCARD_TEST_FUZZ_INPUT_H */
