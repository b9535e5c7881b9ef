/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/x509.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

/* A copy of an OpenSSL-allocated DER buffer in our own allocation. */
static bool take_der(unsigned char *der, int len, uint8_t **out,
		     size_t *out_len)
{
	if (len <= 0)
		return false;
	*out = malloc((size_t)len);
	if (*out != NULL) {
		memcpy(*out, der, (size_t)len);
		*out_len = (size_t)len;
	}
	OPENSSL_free(der);
	return *out != NULL;
}

static bool name_der(const X509_NAME *name, uint8_t **out, size_t *out_len)
{
	unsigned char *der = NULL;
	int len = i2d_X509_NAME(name, &der);

	return take_der(der, len, out, out_len);
}

static bool serial_der(const ASN1_INTEGER *serial, uint8_t **out,
		       size_t *out_len)
{
	unsigned char *der = NULL;
	int len = i2d_ASN1_INTEGER(serial, &der);

	return take_der(der, len, out, out_len);
}

bool x509_parse(const uint8_t *der, size_t len, struct x509_fields *out)
{
	const unsigned char *p = der;
	X509 *cert;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0 || len > LONG_MAX)
		return false;
	cert = d2i_X509(NULL, &p, (long)len);
	/* Trailing bytes would make the attribute not one certificate. */
	if (cert == NULL || p != der + len) {
		X509_free(cert);
		return false;
	}
	ok = name_der(X509_get_subject_name(cert), &out->subject,
		      &out->subject_len) &&
	     name_der(X509_get_issuer_name(cert), &out->issuer,
		      &out->issuer_len) &&
	     serial_der(X509_get0_serialNumber(cert), &out->serial,
			&out->serial_len);
	X509_free(cert);
	if (!ok)
		x509_fields_clear(out);
	return ok;
}

void x509_fields_clear(struct x509_fields *fields)
{
	free(fields->subject);
	free(fields->issuer);
	free(fields->serial);
	memset(fields, 0, sizeof(*fields));
}
