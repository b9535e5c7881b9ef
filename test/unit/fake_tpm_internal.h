/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TEST_UNIT_FAKE_TPM_INTERNAL_H
#define TPMCARD_TEST_UNIT_FAKE_TPM_INTERNAL_H

#include <openssl/evp.h>

#include "fake_tpm.h"

/* Sizes the real TPM enforces: TPM2B_AUTH and TPM2B_SENSITIVE_DATA. */
#define FAKE_AUTH_MAX 64
#define FAKE_SEALED_MAX 128

/* One object "in the TPM": what a real private part would protect. */
struct fake_object {
	uint64_t id;		/* named by the private blob */
	uint32_t srk_gen;	/* the SRK it was created under */
	enum fake_object_kind kind;
	uint8_t auth[FAKE_AUTH_MAX];
	size_t auth_len;
	uint8_t secret[FAKE_SEALED_MAX]; /* sealed data, AES or HMAC key */
	size_t secret_len;
	EVP_PKEY *pkey;		/* RSA and EC keys only */
	uint8_t *pub;		/* the public blob it belongs with */
	size_t pub_len;
	bool by_change_auth;
};

struct fake_state {
	struct fake_object **objects;
	size_t count;
	uint32_t srk_gen;
	uint8_t srk_seed[32];
	uint32_t failures;
	uint32_t max_tries;
	unsigned int calls[FAKE_TPM_OP_COUNT];
	bool fail_set[FAKE_TPM_OP_COUNT];
	enum tpm_rc fail_rc[FAKE_TPM_OP_COUNT];
	bool srk_persistent;
	bool busy;
	unsigned int releases;
	size_t connections;
	size_t open_keys;
	size_t loaded_keys;
	struct tpm_caps caps;
};

extern struct fake_state fake;

struct tpm {
	struct tpm_key *keys;	/* every open key */
};

struct tpm_key {
	struct tpm_key *next;
	struct tpm_blob blob;
	uint8_t auth[FAKE_AUTH_MAX];
	size_t auth_len;
	struct tpm_pubkey pub;
	bool loaded;
};

/*
 * Counts a call of op; true when a failure was injected for it, with *rc
 * set to the code to return.
 */
bool fake_enter(enum fake_tpm_op op, enum tpm_rc *rc);

/* A new object in the table (zeroed but for id, SRK and kind), or NULL. */
struct fake_object *fake_object_add(enum fake_object_kind kind);

/*
 * Blobs for an object: a public blob (the fake's format, with the key's
 * public numbers and a random unique field) and a private blob naming the
 * object.  The object keeps a copy of the public blob.
 */
enum tpm_rc fake_blob_make(struct fake_object *obj,
			   const struct tpm_pubkey *pub, struct tpm_blob *out);

/* The object a blob loads as: TPM_E_BAD_BLOB when damaged or foreign. */
enum tpm_rc fake_blob_load(const struct tpm_blob *blob,
			   struct fake_object **obj);

/*
 * Checks an authValue against an object the way the TPM does: sealed
 * data is dictionary-attack protected, keys are noDA.
 */
enum tpm_rc fake_auth_check(const struct fake_object *obj,
			    const uint8_t *auth, size_t auth_len);

/*
 * Readies an open key for one command: loads it at first use (counted,
 * failable as FAKE_TPM_KEY_LOAD), then checks its auth.  *obj is the
 * object it loads as.  TPM_E_BAD_INPUT when that object is not of kind
 * (the TPM's TPM_RC_KEY or TPM_RC_TYPE), the load's or auth check's code
 * otherwise.
 */
enum tpm_rc fake_key_ready(struct tpm_key *key, enum fake_object_kind kind,
			   struct fake_object **obj);

#endif /* TPMCARD_TEST_UNIT_FAKE_TPM_INTERNAL_H */
