/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "bench.h"

/* The mechanisms the benchmark measures, and what each one works on. */
static const struct bench_mech mechs[] = {
	/* what ssh uses: a SHA-256 DigestInfo, padded by the module */
	{ "rsa-pkcs", CKM_RSA_PKCS, CKK_RSA, OP_SIGN, 51 },
	{ "rsa-sha256", CKM_SHA256_RSA_PKCS, CKK_RSA, OP_SIGN, 64 },
	{ "rsa-pss", CKM_SHA256_RSA_PKCS_PSS, CKK_RSA, OP_SIGN, 64 },
	{ "rsa-oaep", CKM_RSA_PKCS_OAEP, CKK_RSA, OP_DECRYPT, 32 },
	{ "ecdsa", CKM_ECDSA_SHA256, CKK_EC, OP_SIGN, 64 },
};

const struct bench_mech *bench_mech_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strcmp(mechs[i].name, name) == 0)
			return &mechs[i];
	return NULL;
}
