/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TOKEN_TOKEN_SIGMECH_H
#define TPMCARD_TOKEN_TOKEN_SIGMECH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

#include "common/crypto.h"
#include "common/pkey.h"

/*
 * The signature mechanisms, shared by signing (the TPM's raw RSA or ECDSA
 * after the module's padding) and verification (OpenSSL).
 */

enum tc_sig_scheme {
	TC_SIG_PKCS1,	/* EMSA-PKCS1-v1_5 */
	TC_SIG_X509,	/* raw RSA */
	TC_SIG_PSS,
	TC_SIG_ECDSA,
};

struct tc_sig_mech {
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	enum tc_sig_scheme scheme;
	bool hashed;		/* hash-and-sign: multi-part allowed */
	enum crypto_digest hash;
	const uint8_t *prefix;	/* PKCS#1 DigestInfo prefix */
	size_t prefix_len;
};

/* The mechanism, or NULL when it is no signature mechanism. */
const struct tc_sig_mech *token_sig_mech(CK_MECHANISM_TYPE type);

/* What a mechanism's parameter says (PSS); zero for the others. */
struct tc_sig_params {
	enum crypto_digest hash; /* what the input is a digest of (PSS) */
	enum crypto_digest mgf;
	size_t salt_len;
};

/*
 * Checks a mechanism's parameter for a key of mod_bits bits (0 for EC):
 * CKR_MECHANISM_PARAM_INVALID when missing, malformed, inconsistent with
 * the mechanism, or a salt too long for the key.
 */
CK_RV token_sig_params(const struct tc_sig_mech *m,
		       const CK_MECHANISM *mechanism, size_t mod_bits,
		       struct tc_sig_params *params);

/* The digest a PKCS#11 hash mechanism names; false for others. */
bool token_digest_of(CK_MECHANISM_TYPE type, enum crypto_digest *digest);
/* The digest a CKG_MGF1_* value names; false for others. */
bool token_mgf_of(CK_RSA_PKCS_MGF_TYPE mgf, enum crypto_digest *digest);

/* How OpenSSL should check a signature of this mechanism. */
void token_sig_pkey_params(const struct tc_sig_mech *m,
			   const struct tc_sig_params *params,
			   struct pkey_params *out);

#endif /* TPMCARD_TOKEN_TOKEN_SIGMECH_H */
