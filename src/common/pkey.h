/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_PKEY_H
#define TPMCARD_COMMON_PKEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"

/*
 * Public-key operations in software (verify, encrypt), on a key given as
 * its DER SubjectPublicKeyInfo (RSA, or EC on P-256, P-384, P-521): they
 * need no secret, so the TPM would add nothing but time.  Done on the
 * module's own big numbers and curve points, never on an OpenSSL key
 * object, so that no engine of the host's is ever handed one.
 */

struct pkey;

/* NULL for a malformed key (or no memory). */
struct pkey *pkey_from_spki(const uint8_t *der, size_t len);
void pkey_free(struct pkey *key);

/* Modulus size in bytes of an RSA key, field size of an EC key. */
size_t pkey_size(const struct pkey *key);

enum pkey_padding {
	PKEY_PAD_PKCS1,	/* RSASSA/RSAES-PKCS1-v1_5 */
	PKEY_PAD_NONE,	/* raw RSA (CKM_RSA_X_509) */
	PKEY_PAD_PSS,
	PKEY_PAD_OAEP,
	PKEY_PAD_ECDSA,
};

struct pkey_params {
	enum pkey_padding padding;
	bool has_hash;		/* the input is a digest of hash */
	enum crypto_digest hash;
	enum crypto_digest mgf;	/* PSS, OAEP */
	size_t salt_len;	/* PSS */
	const uint8_t *prefix;	/* PKCS1 with has_hash: the DigestInfo prefix */
	size_t prefix_len;
	const uint8_t *label;	/* OAEP */
	size_t label_len;
};

/*
 * Checks a signature over tbs (a digest when has_hash; else, for PKCS1,
 * the whole encoded message, e.g. a DigestInfo; for ECDSA any digest;
 * for NONE the raw block).  ECDSA signatures are r || s.  1: valid,
 * 0: not valid, -1: failure.
 */
int pkey_verify(const struct pkey *key, const struct pkey_params *params,
		const uint8_t *tbs, size_t tbs_len, const uint8_t *sig,
		size_t sig_len);

/* RSA encryption; *out_len in: room (pkey_size), out: length. */
bool pkey_encrypt(const struct pkey *key, const struct pkey_params *params,
		  const uint8_t *in, size_t in_len, uint8_t *out,
		  size_t *out_len);

#endif /* TPMCARD_COMMON_PKEY_H */
