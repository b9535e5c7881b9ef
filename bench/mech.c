/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "bench.h"

/* The mechanisms the benchmark measures, and what each one works on. */
static const struct bench_mech mechs[] = {
	/* what ssh uses: a SHA-256 DigestInfo, padded by the module */
	{ "rsa-pkcs", CKM_RSA_PKCS, CKK_RSA, OP_SIGN, 51 },
	{ "rsa-sha256", CKM_SHA256_RSA_PKCS, CKK_RSA, OP_SIGN, 64 },
	{ "rsa-pss", CKM_SHA256_RSA_PKCS_PSS, CKK_RSA, OP_SIGN, 64 },
	{ "rsa-oaep", CKM_RSA_PKCS_OAEP, CKK_RSA, OP_DECRYPT, 32 },
	{ "ecdsa", CKM_ECDSA_SHA256, CKK_EC, OP_SIGN, 64 },
	/* a peer's uncompressed P-256 point */
	{ "ecdh", CKM_ECDH1_DERIVE, CKK_EC, OP_DERIVE, 65 },
	{ "aes-cbc", CKM_AES_CBC, CKK_AES, OP_ENCRYPT, 4096 },
	{ "hmac", CKM_SHA256_HMAC, CKK_GENERIC_SECRET, OP_SIGN, 64 },
};

bool bench_is_secret(const struct bench_mech *m)
{
	return m->key_type == CKK_AES || m->key_type == CKK_GENERIC_SECRET;
}

void bench_secret_value(const struct bench_mech *m, uint8_t value[32])
{
	unsigned int n = 32;
	char seed[64];

	snprintf(seed, sizeof(seed), "tpmcard-bench %s key", m->name);
	EVP_Digest(seed, strlen(seed), value, &n, EVP_sha256(), NULL);
}

const struct bench_mech *bench_mech_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++)
		if (strcmp(mechs[i].name, name) == 0)
			return &mechs[i];
	return NULL;
}
