/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/x509.h"

#include <stdlib.h>
#include <string.h>

#include "common/der.h"

/*
 * Read with the module's own DER reader: OpenSSL's d2i_X509 decodes the
 * certificate's public key into a key object on the way, which an engine
 * the host registered for RSA or EC keys would be handed.
 */

/* Takes the next element with this tag, as its whole encoding. */
static bool take_whole(struct der_in *in, uint8_t tag, struct der_in *whole)
{
	const uint8_t *start = in->p;
	struct der_in content;

	if (!der_take(in, tag, &content))
		return false;
	whole->p = start;
	whole->len = (size_t)(in->p - start);
	return true;
}

static bool copy_out(const struct der_in *part, uint8_t **out, size_t *len)
{
	*out = malloc(part->len);
	if (*out == NULL)
		return false;
	memcpy(*out, part->p, part->len);
	*len = part->len;
	return true;
}

/*
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm,
 * signatureValue }, and TBSCertificate ::= SEQUENCE { [0] version
 * OPTIONAL, serialNumber, signature, issuer, validity, subject,
 * subjectPublicKeyInfo, ... } (RFC 5280, 4.1).
 */
static bool fields_of(const uint8_t *der, size_t len, struct der_in *serial,
		      struct der_in *issuer, struct der_in *subject)
{
	struct der_in in = { der, len }, cert, tbs, part;

	if (!der_take(&in, DER_SEQUENCE, &cert) || in.len != 0 ||
	    !der_take(&cert, DER_SEQUENCE, &tbs) ||
	    !der_take(&cert, DER_SEQUENCE, &part) ||
	    !der_take(&cert, DER_BIT_STRING, &part) || cert.len != 0)
		return false;
	if (tbs.len > 0 && tbs.p[0] == 0xa0 && !der_take(&tbs, 0xa0, &part))
		return false;
	return take_whole(&tbs, DER_INTEGER, serial) &&
	       der_take(&tbs, DER_SEQUENCE, &part) && /* signature */
	       take_whole(&tbs, DER_SEQUENCE, issuer) &&
	       der_take(&tbs, DER_SEQUENCE, &part) && /* validity */
	       take_whole(&tbs, DER_SEQUENCE, subject) &&
	       der_take(&tbs, DER_SEQUENCE, &part); /* subjectPublicKeyInfo */
}

bool x509_parse(const uint8_t *der, size_t len, struct x509_fields *out)
{
	struct der_in serial, issuer, subject;
	bool ok;

	memset(out, 0, sizeof(*out));
	if (der == NULL || len == 0 ||
	    !fields_of(der, len, &serial, &issuer, &subject))
		return false;
	ok = copy_out(&subject, &out->subject, &out->subject_len) &&
	     copy_out(&issuer, &out->issuer, &out->issuer_len) &&
	     copy_out(&serial, &out->serial, &out->serial_len);
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
