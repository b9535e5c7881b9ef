/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_KEYFILE_H
#define TPMCARD_COMMON_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/secmem.h"

/*
 * Private keys and certificates read from files (PEM or DER), taken apart
 * in the module's private OpenSSL context into the big-endian numbers
 * PKCS#11 templates carry.  Private parts live in secbufs only; the OpenSSL
 * objects that held them are freed (and so wiped) before a load returns.
 */

enum keyfile_rc {
	KEYFILE_OK = 0,
	KEYFILE_MALFORMED,	/* not a key (certificate) in any known form */
	KEYFILE_NOT_PRIVATE,	/* a key, but only its public half */
	KEYFILE_UNSUPPORTED,	/* a key of another type or curve */
	KEYFILE_NO_PASSPHRASE,	/* encrypted, and no passphrase was given */
	KEYFILE_BAD_PASSPHRASE, /* encrypted; the passphrase does not open it */
	KEYFILE_NO_MEMORY,
};

/* A sentence for a result, for messages. */
const char *keyfile_rc_text(enum keyfile_rc rc);

enum keyfile_kind { KEYFILE_RSA, KEYFILE_EC };

/* Secret numbers of a key: RSA uses all six, EC only d. */
enum keyfile_secret {
	KEYFILE_D = 0,	/* RSA private exponent; EC scalar, field width */
	KEYFILE_P,
	KEYFILE_Q,
	KEYFILE_DP,
	KEYFILE_DQ,
	KEYFILE_QINV,
	KEYFILE_SECRET_COUNT,
};

#define KEYFILE_EC_POINT_MAX (1 + 2 * 66) /* uncompressed P-521 */

struct keyfile_key {
	enum keyfile_kind kind;
	unsigned int bits;		/* modulus size or curve size */
	/* RSA: modulus and public exponent, big-endian, no leading zero. */
	uint8_t *modulus;
	size_t modulus_len;
	uint8_t *exponent;
	size_t exponent_len;
	/* EC: the curve ("P-256"), its DER OID and the point 04 || X || Y. */
	const char *curve;
	const uint8_t *ec_params;	/* static */
	size_t ec_params_len;
	uint8_t point[KEYFILE_EC_POINT_MAX];
	size_t point_len;
	struct secbuf *secret[KEYFILE_SECRET_COUNT]; /* NULL when unused */
	/* What the file held, for messages ("ED25519"); set on UNSUPPORTED. */
	char type_name[32];
};

/*
 * Gives the passphrase of an encrypted file: called at most once per load
 * and only when the file is encrypted.  NULL when there is none; the
 * loader frees (wipes) the buffer.
 */
typedef struct secbuf *(*keyfile_passphrase_fn)(void *arg);

/*
 * Reads an RSA or EC (P-256, P-384, P-521) private key from data: PEM or
 * DER, PKCS#8 (plain or encrypted) or the traditional forms (an encrypted
 * PEM included).  On KEYFILE_OK *key holds the parts (free with
 * keyfile_key_clear()); on any other result it holds nothing but, for
 * KEYFILE_UNSUPPORTED, type_name.
 */
enum keyfile_rc keyfile_key_load(const uint8_t *data, size_t len,
				 keyfile_passphrase_fn passphrase, void *arg,
				 struct keyfile_key *key);

/* Frees one secret part now that it is used (wiped); NULL-safe. */
void keyfile_key_drop_secret(struct keyfile_key *key,
			     enum keyfile_secret which);

/* Wipes and frees everything; accepts a zeroed (or cleared) structure. */
void keyfile_key_clear(struct keyfile_key *key);

/*
 * Reads one X.509 certificate, PEM (the first CERTIFICATE block) or DER
 * (exactly one certificate).  *der gets the certificate as it was encoded
 * in the file, *spki its SubjectPublicKeyInfo as this module encodes public
 * keys (comparable with CKA_PUBLIC_KEY_INFO).  Both malloc'd, for the
 * caller to free; KEYFILE_MALFORMED or KEYFILE_NO_MEMORY otherwise.
 */
enum keyfile_rc keyfile_cert_load(const uint8_t *data, size_t len,
				  uint8_t **der, size_t *der_len,
				  uint8_t **spki, size_t *spki_len);

#endif /* TPMCARD_COMMON_KEYFILE_H */
