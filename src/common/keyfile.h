/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_KEYFILE_H
#define TPMCARD_COMMON_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/secmem.h"

/*
 * Private keys and certificates as files hold them (PEM or DER), taken
 * apart in the module's private OpenSSL context into the big-endian
 * numbers PKCS#11 templates carry.  Secret numbers live in secbufs only;
 * the OpenSSL objects that held them are freed (their numbers cleared)
 * before a load returns.
 */

enum keyfile_rc {
	KEYFILE_OK = 0,
	KEYFILE_MALFORMED,	/* no key (certificate) in any known form */
	KEYFILE_NOT_PRIVATE,	/* a key, but only its public half */
	KEYFILE_UNSUPPORTED,	/* a key of another type, curve or shape */
	KEYFILE_NO_PASSPHRASE,	/* encrypted, and no passphrase was had */
	KEYFILE_BAD_PASSPHRASE, /* encrypted; the passphrase did not open it */
	KEYFILE_NO_MEMORY,
};

/* A short phrase for a result, for messages. */
const char *keyfile_rc_text(enum keyfile_rc rc);

enum keyfile_kind { KEYFILE_RSA, KEYFILE_EC };

/* The secret numbers: RSA has all six, EC only KEYFILE_D. */
enum keyfile_secret {
	KEYFILE_D = 0,	/* RSA private exponent; EC scalar (field width) */
	KEYFILE_P,
	KEYFILE_Q,
	KEYFILE_DP,
	KEYFILE_DQ,
	KEYFILE_QINV,
	KEYFILE_SECRET_COUNT,
};

#define KEYFILE_EC_POINT_MAX (1 + 2 * 66) /* uncompressed P-521 */
#define KEYFILE_TYPE_NAME_MAX 32

struct keyfile_key {
	enum keyfile_kind kind;
	unsigned int bits;	/* modulus size, or the curve's size */
	/* RSA: modulus and public exponent, malloc'd, no leading zero. */
	uint8_t *modulus;
	size_t modulus_len;
	uint8_t *exponent;
	size_t exponent_len;
	/* EC: the curve, its DER OID (static) and the point 04 || X || Y. */
	const char *curve;	/* "P-256", "P-384", "P-521" */
	const uint8_t *ec_params;
	size_t ec_params_len;
	uint8_t point[KEYFILE_EC_POINT_MAX];
	size_t point_len;
	struct secbuf *secret[KEYFILE_SECRET_COUNT]; /* NULL when unused */
	/* On KEYFILE_UNSUPPORTED: what the file held ("ED25519", "EC"). */
	char type_name[KEYFILE_TYPE_NAME_MAX];
};

/*
 * Gives the passphrase of an encrypted file: called at most once per load,
 * only for an encrypted file.  NULL when there is none; the loader wipes
 * and frees the buffer.
 */
typedef struct secbuf *(*keyfile_passphrase_fn)(void *arg);

/*
 * Reads an RSA (two primes) or EC (P-256, P-384, P-521) private key from
 * data: PEM or DER, PKCS#8 (plain or encrypted) or the traditional forms
 * (an encrypted PEM too).  passphrase may be NULL (encrypted files then
 * give KEYFILE_NO_PASSPHRASE).  On KEYFILE_OK *key holds the parts, for
 * keyfile_key_clear(); otherwise only type_name may be set.
 */
enum keyfile_rc keyfile_key_load(const uint8_t *data, size_t len,
				 keyfile_passphrase_fn passphrase, void *arg,
				 struct keyfile_key *key);

/*
 * The curve ("P-256", "P-384", "P-521") a DER CKA_EC_PARAMS names by its
 * OID; NULL for any other value.
 */
const char *keyfile_curve_name(const uint8_t *params, size_t len);

/* Wipes and frees one secret as soon as it has been used. */
void keyfile_key_drop_secret(struct keyfile_key *key,
			     enum keyfile_secret which);

/* Wipes and frees everything; accepts a zeroed (or cleared) structure. */
void keyfile_key_clear(struct keyfile_key *key);

/*
 * Reads one X.509 certificate: the first CERTIFICATE block of a PEM file,
 * else exactly one DER certificate.  *der gets the certificate's bytes as
 * the file encodes them; *spki its SubjectPublicKeyInfo as this module
 * encodes public keys (comparable with CKA_PUBLIC_KEY_INFO).  Both
 * malloc'd for the caller, on KEYFILE_OK only; else KEYFILE_MALFORMED or
 * KEYFILE_NO_MEMORY.
 */
enum keyfile_rc keyfile_cert_load(const uint8_t *data, size_t len,
				  uint8_t **der, size_t *der_len,
				  uint8_t **spki, size_t *spki_len);

#endif /* TPMCARD_COMMON_KEYFILE_H */
