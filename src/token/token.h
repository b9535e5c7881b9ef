/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TOKEN_TOKEN_H
#define TPMCARD_TOKEN_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

/*
 * Tokens, sessions, login state, objects and mechanisms, in PKCS#11
 * terms (CK_RV), but without PKCS#11 handle numbers: tokens and objects
 * are named by their store ids, sessions by pointers the pkcs11 layer
 * keeps in its handle table.
 *
 * One struct tc_module holds the store connection, the TPM connection
 * (opened only when an operation needs the TPM) and the token cache.  Its
 * lock guards all of that; it is taken inside every function here and
 * may be held across TPM commands (the TPM runs one at a time anyway).
 * Lock order: pkcs11 handle-table lock, then module lock, then tpm lock.
 */

struct tc_module;
struct tc_session;

#define TC_MAX_PIN_LEN 128
#define TC_DEFAULT_MIN_PIN_LEN 4
/* Wrong user PINs in a row that lock a token with a PIN counter. */
#define TC_DEFAULT_PIN_TRIES 5
#define TC_MAX_PIN_TRIES 255

/*
 * Opens the module state: finds the store (never creates one) and reads
 * it.  With no store, the module has no token.  No TPM traffic.
 */
CK_RV token_module_open(struct tc_module **out);

/* Logs out, flushes everything from the TPM, frees; NULL ok. */
/*
 * C_Finalize is under way: what is closed from now on need not be flushed
 * from the TPM one by one where a resource manager flushes it anyway.
 */
void token_module_closing(struct tc_module *mod);
void token_module_close(struct tc_module *mod);

/* Frees nothing and sends nothing: for a forked child dropping state. */
void token_module_abandon(struct tc_module *mod);

/*
 * For a process exiting without C_Finalize: flushes what the module holds
 * in the TPM, unless another thread is inside the module right now.  The
 * module stays usable.
 */
void token_module_release_at_exit(struct tc_module *mod);

/*
 * Re-reads the store when another process changed it (cheap when it did
 * not).  ids gets up to *count token ids in store order; *count is set to
 * the number of tokens (CKR_BUFFER_TOO_SMALL when ids was too short).
 */
CK_RV token_list(struct tc_module *mod, int64_t *ids, size_t *count);

/* True when the token with this id exists. */
bool token_exists(struct tc_module *mod, int64_t token_id);

/* Token and slot info; strings blank-padded as the standard says. */
CK_RV token_get_info(struct tc_module *mod, int64_t token_id,
		     CK_TOKEN_INFO *info);
CK_RV token_get_slot_info(struct tc_module *mod, int64_t token_id,
			  CK_SLOT_INFO *info);
/* The info of the empty slot (no initialized token in it). */
void token_empty_slot_info(CK_SLOT_INFO *slot, CK_TOKEN_INFO *token);

/*
 * Mechanisms, as far as the connected TPM supports their keys (asked of
 * it once per connection; without a TPM, the whole table).
 */
CK_RV token_mechanism_list(struct tc_module *mod, CK_MECHANISM_TYPE *list,
			   CK_ULONG *count);
CK_RV token_mechanism_info(struct tc_module *mod, CK_MECHANISM_TYPE type,
			   CK_MECHANISM_INFO *info);

/* Sessions. */
CK_RV token_session_open(struct tc_module *mod, int64_t token_id, bool rw,
			 struct tc_session **out);
/* Ends the session's operations; logs the token out after the last one. */
void token_session_close(struct tc_session *session);
void token_session_info(struct tc_session *session, CK_SESSION_INFO *info);
/* Number of open sessions of a token (0 for an unknown token). */
size_t token_session_count(struct tc_module *mod, int64_t token_id);
/* The token a session belongs to. */
int64_t token_session_token(const struct tc_session *session);

/* Login state (shared by every session of the token). */
CK_RV token_login(struct tc_session *session, CK_USER_TYPE user,
		  const uint8_t *pin, size_t pin_len);
CK_RV token_logout(struct tc_session *session);
CK_RV token_set_pin(struct tc_session *session, const uint8_t *old_pin,
		    size_t old_len, const uint8_t *new_pin, size_t new_len);

/* Objects. */
CK_RV token_find_init(struct tc_session *session, const CK_ATTRIBUTE *tmpl,
		      CK_ULONG count);
CK_RV token_find_next(struct tc_session *session, int64_t *ids, size_t max,
		      size_t *found);
CK_RV token_find_final(struct tc_session *session);
/* Fills the whole template, marking bad entries, as C_GetAttributeValue. */
CK_RV token_object_get_attrs(struct tc_session *session, int64_t object_id,
			     CK_ATTRIBUTE *tmpl, CK_ULONG count);
CK_RV token_object_size(struct tc_session *session, int64_t object_id,
			CK_ULONG *size);

/* Signing. */
/* Ends the signing operation, if any (an error the caller found). */
void token_sign_abort(struct tc_session *session);
CK_RV token_sign_init(struct tc_session *session,
		      const CK_MECHANISM *mechanism, int64_t key_id);
/*
 * One-part sign with the length-query protocol: sig NULL asks the length;
 * a short buffer gives CKR_BUFFER_TOO_SMALL and keeps the operation.
 * Any other result ends the operation.
 */
CK_RV token_sign(struct tc_session *session, const uint8_t *data,
		 size_t len, uint8_t *sig, CK_ULONG *sig_len);
CK_RV token_sign_update(struct tc_session *session, const uint8_t *data,
			size_t len);
CK_RV token_sign_final(struct tc_session *session, uint8_t *sig,
		       CK_ULONG *sig_len);

/*
 * Verification with public key objects, in software (no login, no TPM):
 * every sign mechanism.  CKR_SIGNATURE_INVALID, CKR_SIGNATURE_LEN_RANGE;
 * every result ends the operation but a successful update.
 */
void token_verify_abort(struct tc_session *session);
CK_RV token_verify_init(struct tc_session *session,
			const CK_MECHANISM *mechanism, int64_t key_id);
CK_RV token_verify(struct tc_session *session, const uint8_t *data,
		   size_t len, const uint8_t *sig, size_t sig_len);
CK_RV token_verify_update(struct tc_session *session, const uint8_t *data,
			  size_t len);
CK_RV token_verify_final(struct tc_session *session, const uint8_t *sig,
			 size_t sig_len);

/*
 * Encryption with public key objects (software) and decryption in the
 * TPM: CKM_RSA_PKCS, CKM_RSA_X_509, CKM_RSA_PKCS_OAEP.  The length-query
 * protocol as for signing; a decryption is done once and kept for a
 * retry after CKR_BUFFER_TOO_SMALL.
 */
void token_encrypt_abort(struct tc_session *session);
void token_decrypt_abort(struct tc_session *session);
CK_RV token_encrypt_init(struct tc_session *session,
			 const CK_MECHANISM *mechanism, int64_t key_id);
CK_RV token_decrypt_init(struct tc_session *session,
			 const CK_MECHANISM *mechanism, int64_t key_id);
CK_RV token_encrypt(struct tc_session *session, const uint8_t *in,
		    size_t len, uint8_t *out, CK_ULONG *out_len);
CK_RV token_decrypt(struct tc_session *session, const uint8_t *in,
		    size_t len, uint8_t *out, CK_ULONG *out_len);
CK_RV token_encrypt_update(struct tc_session *session, const uint8_t *in,
			   size_t len, uint8_t *out, CK_ULONG *out_len);
CK_RV token_encrypt_final(struct tc_session *session, uint8_t *out,
			  CK_ULONG *out_len);
CK_RV token_decrypt_update(struct tc_session *session, const uint8_t *in,
			   size_t len, uint8_t *out, CK_ULONG *out_len);
CK_RV token_decrypt_final(struct tc_session *session, uint8_t *out,
			  CK_ULONG *out_len);

/*
 * Message digests, in software (a TPM hashes no faster and no safer);
 * no login needed.  The same length-query and operation rules as
 * signing: only success or a short buffer (or a length query) keeps an
 * operation going, any error ends it.
 */
void token_digest_abort(struct tc_session *session);
CK_RV token_digest_init(struct tc_session *session,
			const CK_MECHANISM *mechanism);
CK_RV token_digest(struct tc_session *session, const uint8_t *data,
		   size_t len, uint8_t *out, CK_ULONG *out_len);
CK_RV token_digest_update(struct tc_session *session, const uint8_t *data,
			  size_t len);
/* Our keys are never digestible: CKR_KEY_INDIGESTIBLE (or a bad handle). */
CK_RV token_digest_key(struct tc_session *session, int64_t key_id);
CK_RV token_digest_final(struct tc_session *session, uint8_t *out,
			 CK_ULONG *out_len);

/*
 * The dual-function updates: the part goes to both running operations
 * (the plaintext: what is encrypted, or what decryption gives).  Both
 * must run (CKR_OPERATION_NOT_INITIALIZED, before anything moves); the
 * encryption's or decryption's length query and short buffer feed the
 * other operation nothing.
 */
CK_RV token_digest_encrypt_update(struct tc_session *session,
				  const uint8_t *in, size_t len, uint8_t *out,
				  CK_ULONG *out_len);
CK_RV token_sign_encrypt_update(struct tc_session *session,
				const uint8_t *in, size_t len, uint8_t *out,
				CK_ULONG *out_len);
CK_RV token_decrypt_digest_update(struct tc_session *session,
				  const uint8_t *in, size_t len, uint8_t *out,
				  CK_ULONG *out_len);
CK_RV token_decrypt_verify_update(struct tc_session *session,
				  const uint8_t *in, size_t len, uint8_t *out,
				  CK_ULONG *out_len);

/* Whether a sign, verify, encrypt, decrypt or digest operation runs. */
bool token_operation_running(struct tc_session *session);

/* Random bytes from the TPM. */
CK_RV token_random(struct tc_session *session, uint8_t *buf, size_t len);

/* Administration (the CLI; later C_InitToken). */
struct tc_token_params {
	const char *label;
	const uint8_t *user_pin;
	size_t user_pin_len;
	const uint8_t *so_pin;
	size_t so_pin_len;
	unsigned int min_pin_len; /* 0: TC_DEFAULT_MIN_PIN_LEN */
	unsigned int pin_tries;	  /* 0: TC_DEFAULT_PIN_TRIES */
	bool no_pin_counter;	  /* the user PIN behind the DA lockout */
};
/* Creates the store if needed and a token in it; *token_id on CKR_OK. */
CK_RV token_admin_create(const struct tc_token_params *params,
			 int64_t *token_id);
/* Deletes a token and its objects from the store. */
CK_RV token_admin_remove(struct tc_module *mod, int64_t token_id);
/* Token id by label; CKR_TOKEN_NOT_PRESENT when none has it. */
CK_RV token_find_by_label(struct tc_module *mod, const char *label,
			  int64_t *token_id);

enum tc_key_kind {
	TC_KEY_RSA2048 = 0,
	TC_KEY_RSA3072,
	TC_KEY_RSA4096,
	TC_KEY_EC_P256,
	TC_KEY_EC_P384,
	TC_KEY_EC_P521,
	TC_KEY_KIND_COUNT,
};

/* "rsa2048", "ecc-p256", ...; NULL for an unknown kind. */
const char *token_key_kind_name(enum tc_key_kind kind);
/* Parses a kind name; false when unknown. */
bool token_key_kind_parse(const char *name, enum tc_key_kind *kind);

/*
 * Generates a key pair in the TPM as a logged-in user of the session's
 * token: a private and a public key object sharing label and CKA_ID
 * (id NULL: the SHA-1 of the public value, the CKA_ID NSS pairs
 * certificates with keys by).
 */
CK_RV token_key_generate(struct tc_session *session, enum tc_key_kind kind,
			 const char *label, const uint8_t *id, size_t id_len,
			 int64_t *priv_id, int64_t *pub_id);
/*
 * Object management with PKCS#11's template rules (token_template.h):
 * token objects need a R/W session, private ones a logged-in user;
 * session objects (CKA_TOKEN false) live until their session closes.
 */
CK_RV token_object_create(struct tc_session *session,
			  const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			  int64_t *id);
CK_RV token_object_copy(struct tc_session *session, int64_t object_id,
			const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			int64_t *new_id);
CK_RV token_object_set_attrs(struct tc_session *session, int64_t object_id,
			     const CK_ATTRIBUTE *tmpl, CK_ULONG count);
CK_RV token_object_destroy(struct tc_session *session, int64_t object_id);

/*
 * Key generation in the TPM from PKCS#11 templates (C_GenerateKeyPair,
 * C_GenerateKey), as a logged-in user.
 */
CK_RV token_generate_key_pair(struct tc_session *session,
			      const CK_MECHANISM *mechanism,
			      const CK_ATTRIBUTE *pub_tmpl, CK_ULONG pub_count,
			      const CK_ATTRIBUTE *priv_tmpl,
			      CK_ULONG priv_count, int64_t *pub_id,
			      int64_t *priv_id);

/*
 * C_GenerateKey in the TPM: CKM_AES_KEY_GEN (CKA_VALUE_LEN 16, 24 or 32,
 * as far as the TPM has the size: else CKR_KEY_SIZE_RANGE) and
 * CKM_GENERIC_SECRET_KEY_GEN (1 to 64 bytes), as a logged-in user.  The
 * key is sensitive and never extractable.
 */
CK_RV token_generate_key(struct tc_session *session,
			 const CK_MECHANISM *mechanism,
			 const CK_ATTRIBUTE *tmpl, CK_ULONG count, int64_t *id);

/*
 * C_InitToken on the empty slot: a new token with an SO PIN and no user
 * PIN yet.  On a token's slot: with its SO PIN, destroys every object,
 * forgets the user PIN and relabels (CKR_SESSION_EXISTS while a session
 * is open).  C_InitPIN: the logged-in SO sets the user PIN.
 */
CK_RV token_init_new(struct tc_module *mod, const char *label,
		     const uint8_t *so_pin, size_t so_len, int64_t *token_id);
CK_RV token_reinit(struct tc_module *mod, int64_t token_id, const char *label,
		   const uint8_t *so_pin, size_t so_len);
CK_RV token_init_pin(struct tc_session *session, const uint8_t *pin,
		     size_t len);

/*
 * C_DeriveKey: CKM_ECDH1_DERIVE with a token EC key (Z in the TPM), the
 * null or an X9.63 SHA KDF; the result is a non-sensitive session key.
 */
CK_RV token_derive_key(struct tc_session *session,
		       const CK_MECHANISM *mechanism, int64_t base_id,
		       const CK_ATTRIBUTE *tmpl, CK_ULONG count, int64_t *id);

/*
 * C_WrapKey and C_UnwrapKey: the token has no wrapping mechanism and its
 * keys never leave the TPM.  The answer names the first reason:
 * CKR_WRAPPING_KEY_HANDLE_INVALID / CKR_UNWRAPPING_KEY_HANDLE_INVALID,
 * CKR_KEY_HANDLE_INVALID, CKR_KEY_NOT_WRAPPABLE (not a private or secret
 * key), CKR_KEY_UNEXTRACTABLE, else CKR_MECHANISM_INVALID.
 */
CK_RV token_wrap_check(struct tc_session *session, int64_t wrapping_id,
		       int64_t key_id);
CK_RV token_unwrap_check(struct tc_session *session, int64_t unwrapping_id);

/* Readable text for a result, for the CLI. */
const char *token_rv_text(CK_RV rv);
/* What the store said of the last failure on this thread (NULL: none). */
const char *token_last_store_failure(void);

#endif /* TPMCARD_TOKEN_TOKEN_H */
