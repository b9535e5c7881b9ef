/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A certificate's DER (CKA_VALUE of a certificate object, from a client
 * or from the store): x509_parse takes it apart for CKA_SUBJECT, ISSUER
 * and SERIAL_NUMBER, and must never go out of bounds.
 */
#include <string.h>

#include "common/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x509_fields fields;

	memset(&fields, 0, sizeof(fields));
	if (x509_parse(data, size, &fields))
		x509_fields_clear(&fields);
	return 0;
}
