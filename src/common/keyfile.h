/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_KEYFILE_H
#define TPMCARD_COMMON_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/secmem.h"

/*
 * Private key files for import: PEM or DER, PKCS#8 (encrypted or not) or
 * the traditional RSA/EC forms, read with OpenSSL's decoders in the
 * module's private context.  Every number lands in a secbuf (locked,
 * wiped at free), big-endian without leading zeros.
 */

enum keyfile_part {
	/* RSA, in the order of keyfile.c's rsa_params[]. */
	KEYFILE_N = 0,
	KEYFILE_E,
	KEYFILE_D,
	KEYFILE_P,
	KEYFILE_Q,
	KEYFILE_DP,
	KEYFILE_DQ,
	KEYFILE_QINV,
	KEYFILE_PARTS,
	/* EC. */
	KEYFILE_EC_D = 0,
	KEYFILE_EC_POINT = 1,
};

struct keyfile {
	bool rsa;
	const char *curve;	/* EC: "P-256", "P-384", "P-521" */
	struct secbuf *part[KEYFILE_PARTS];
};

/*
 * Reads an RSA or EC private key from path (PEM or DER, PKCS#8 or
 * traditional; passphrase for an encrypted one, may be NULL).  False with
 * *why set to a reason on failure.  Free with keyfile_clear().
 */
bool keyfile_load(const char *path, const char *passphrase,
		  struct keyfile *out, const char **why);

/* Wipes and frees the parts; accepts a zeroed structure. */
void keyfile_clear(struct keyfile *key);

#endif /* TPMCARD_COMMON_KEYFILE_H */
