/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TEST_UNIT_FAKE_TPM_H
#define TPMCARD_TEST_UNIT_FAKE_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tpm/tpm.h"

/*
 * An in-memory TPM behind the whole src/tpm/tpm.h interface, for testing
 * the layers above without a TPM.  It keeps what a TPM keeps:
 *
 * - Objects (sealed data and keys) live in a table of the fake; a blob's
 *   private part names its entry, never its secret or auth, as a real
 *   private part is encrypted under the SRK.  Blobs stay valid across
 *   tpm_open()/tpm_close(), until fake_tpm_reset() or fake_tpm_clear().
 * - Sealed data is dictionary-attack protected: a wrong auth counts a
 *   failure; at max_tries the TPM is in lockout and every use of such an
 *   object, right auth or not, gives TPM_E_LOCKOUT.  Keys are noDA: a
 *   wrong auth gives TPM_E_AUTH_FAIL and counts nothing.
 * - Keys are real OpenSSL keys: signatures verify.  The public blob is the
 *   fake's own format, read back by its tpm_blob_pubkey().
 * - Secret keys (AES, HMAC) keep their bytes in the table and run through
 *   OpenSSL, with the TPM's iv chaining: CBC and CFB continue from the
 *   last ciphertext block, CTR from the counter after the last block.
 *
 * Not thread-safe: one test thread at a time.
 */

/* The calls that can be counted and made to fail. */
enum fake_tpm_op {
	FAKE_TPM_OPEN = 0,
	FAKE_TPM_SRK_NAME,
	FAKE_TPM_SRK_PERSIST,	/* tpm_srk_persist and tpm_srk_is_persistent */
	FAKE_TPM_RANDOM,
	FAKE_TPM_DA_INFO,
	FAKE_TPM_SEAL,
	FAKE_TPM_UNSEAL,
	FAKE_TPM_CHANGE_AUTH,
	FAKE_TPM_KEY_CREATE,
	FAKE_TPM_KEY_OPEN,
	FAKE_TPM_KEY_LOAD, /* the first use of an opened key */
	FAKE_TPM_RSA_PRIVATE,
	FAKE_TPM_ECDSA,
	FAKE_TPM_KEY_IMPORT,
	FAKE_TPM_CAPS,
	FAKE_TPM_ECDH,
	FAKE_TPM_SECRET_CREATE,
	FAKE_TPM_AES,
	FAKE_TPM_HMAC,
	FAKE_TPM_OP_COUNT,
};

/*
 * Forgets every object, counter and injected failure, and gives the TPM a
 * fresh SRK and the default dictionary-attack settings (no failure, 32
 * tries).  Call it before and after each test: it frees what the fake
 * holds, so that leak detection sees only what the code under test lost.
 */
void fake_tpm_reset(void);

/* The next call of op returns rc, doing nothing else. */
void fake_tpm_fail_next(enum fake_tpm_op op, enum tpm_rc rc);

/* How many times op was called since the last reset (failed ones too). */
unsigned int fake_tpm_calls(enum fake_tpm_op op);

/* Sets the dictionary-attack failure count and maximum. */
void fake_tpm_set_lockout(uint32_t failures, uint32_t max_tries);
/* The dictionary-attack state as tpm_da_info() would report it. */
void fake_tpm_da(struct tpm_da_info *info);

/*
 * What tpm_caps() reports; after a reset, every RSA size and curve, made
 * by "FAKE".  Key creation itself is not limited by this.
 */
void fake_tpm_set_caps(const struct tpm_caps *caps);

/* TPM2_Clear: a new SRK; every existing blob stops loading (BAD_BLOB). */
void fake_tpm_clear(void);

/* Calls of tpm_release() and successful tpm_release_if_free(). */
unsigned int fake_tpm_releases(void);
/* Makes tpm_release_if_free() report the TPM busy (false) or not. */
void fake_tpm_set_busy(bool busy);

/* Connections opened and not yet closed. */
size_t fake_tpm_connections(void);
/* Keys opened (tpm_key_open) and not yet closed. */
size_t fake_tpm_open_keys(void);
/*
 * Opened keys currently loaded in the fake TPM (a key loads at its first
 * use; tpm_release() and tpm_close() unload every key).
 */
size_t fake_tpm_loaded_keys(void);

/* What the fake was given, for tests that look for secrets elsewhere. */
enum fake_object_kind {
	FAKE_OBJ_SEALED = 1,
	FAKE_OBJ_RSA,
	FAKE_OBJ_EC,
	FAKE_OBJ_AES,
	FAKE_OBJ_HMAC,
};
struct fake_object_view {
	enum fake_object_kind kind;
	const uint8_t *auth;	/* the authValue it was created with */
	size_t auth_len;
	const uint8_t *secret;	/* sealed data, AES or HMAC key; else NULL */
	size_t secret_len;
	bool by_change_auth;	/* made by tpm_change_auth() */
};
/* Objects in creation order; false past the end. */
size_t fake_tpm_object_count(void);
bool fake_tpm_object(size_t index, struct fake_object_view *view);

#endif /* TPMCARD_TEST_UNIT_FAKE_TPM_H */
