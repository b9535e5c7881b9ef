/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_X509_H
#define TPMCARD_COMMON_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The fields of a DER X.509 certificate that PKCS#11 certificate objects
 * repeat as attributes, each as its DER encoding in a malloc'd buffer.
 */
struct x509_fields {
	uint8_t *subject;	/* Name */
	size_t subject_len;
	uint8_t *issuer;	/* Name */
	size_t issuer_len;
	uint8_t *serial;	/* INTEGER */
	size_t serial_len;
};

/* False when der is not exactly one certificate (or on ENOMEM). */
bool x509_parse(const uint8_t *der, size_t len, struct x509_fields *out);

/* Frees the buffers; accepts a zeroed structure. */
void x509_fields_clear(struct x509_fields *fields);

#endif /* TPMCARD_COMMON_X509_H */
