/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TOKEN_TOKEN_INTERNAL_H
#define TPMCARD_TOKEN_TOKEN_INTERNAL_H

#include "common/attrs.h"
#include "common/crypto.h"
#include "common/lock.h"
#include "common/secmem.h"
#include "db/db.h"
#include "tpm/tpm.h"
#include "token/token.h"
#include "token/token_sigmech.h"

struct tc_object {
	struct tc_object *next;
	int64_t id;
	struct attr_list attrs;
	struct tpm_blob blob;	/* empty: no TPM part */
	struct db_blob auth;	/* key auth wrapped under the wrap secret */
	struct tpm_key *key;	/* opened after login; NULL otherwise */
	bool seen;		/* refresh bookkeeping */
	/* A session object: the session that made it; NULL in the store. */
	struct tc_session *owner;
};

/*
 * Session objects live only in memory, with ids from here up, far above
 * any store id, so that one handle space serves both.
 */
#define TC_SESSION_OBJECT_BASE ((int64_t)1 << 48)

struct tc_token {
	struct tc_token *next;
	struct tc_module *mod;	/* the module whose store holds it */
	struct db_token row;
	struct tc_object *objects;
	bool objects_current;	/* objects read since the store last changed */
	bool stale;		/* gone from the store; kept for sessions */
	bool logged_in;
	CK_USER_TYPE user;	/* valid when logged_in */
	struct secbuf *wrap;	/* the wrap secret while logged in */
	/* The user PIN's counter as last seen: wrong PINs in a row, limit. */
	bool pin_count_known;
	uint32_t pin_count, pin_limit;
	size_t sessions;
	size_t rw_sessions;
};

/* An HMAC being computed (signing) or checked (verification). */
struct tc_mac_op {
	enum crypto_digest hash;
	int64_t key_id;
	uint8_t *data;		/* multi-part input gathered so far */
	size_t len, cap;
};

struct tc_sign_op {
	bool active;
	bool is_mac;		/* an HMAC mechanism: mac holds its state */
	struct tc_mac_op mac;
	CK_MECHANISM_TYPE mechanism;
	struct tc_sig_params params;
	int64_t key_id;
	/* A CKU_CONTEXT_SPECIFIC login given for this operation. */
	bool context_auth;
	struct crypto_hash *hash; /* hash-and-sign mechanisms */
	bool multi_part;
};

struct tc_verify_op {
	bool active;
	bool is_mac;
	struct tc_mac_op mac;
	const struct tc_sig_mech *mech;
	struct tc_sig_params params;
	struct pkey *key;	/* the public key, for this operation */
	struct crypto_hash *hash; /* hash-and-verify mechanisms */
	bool multi_part;
};

/* The state of an AES stream between calls. */
struct tc_aes_op {
	enum tpm_aes_mode mode;
	bool pad;		/* CKM_AES_CBC_PAD */
	uint8_t iv[TPM_AES_BLOCK]; /* the chaining value or counter */
	uint8_t held[TPM_AES_BLOCK]; /* input short of a block, or kept */
	size_t held_len;
	bool ctr_limited;	/* CTR whose counter bits could wrap */
	uint64_t ctr_left;	/* then: counter values before they wrap */
	bool multi_part;	/* an update took input */
};

/* An encryption or decryption operation. */
struct tc_crypt_op {
	bool active;
	bool is_aes;		/* an AES mechanism: aes holds its state */
	struct tc_aes_op aes;
	CK_MECHANISM_TYPE mechanism;
	int64_t key_id;
	struct pkey_params params; /* RSA padding and its hashes */
	uint8_t *label;		/* OAEP label (params.label points here) */
	struct pkey *key;	/* the RSA public key (its size, encryption) */
	struct secbuf *result;	/* a decryption kept for a short buffer */
	bool context_auth;	/* as in tc_sign_op */
};

struct tc_digest_op {
	bool active;
	enum crypto_digest alg;
	struct crypto_hash *hash;
	bool multi_part;
};

struct tc_find_op {
	bool active;
	int64_t *ids;
	size_t count;
	size_t pos;
};

struct tc_session {
	struct tc_module *mod;
	struct tc_token *token;
	bool rw;
	struct tc_sign_op sign;
	struct tc_verify_op verify;
	struct tc_crypt_op encrypt;
	struct tc_crypt_op decrypt;
	struct tc_digest_op digest;
	struct tc_find_op find;
};

struct tc_module {
	struct tc_mutex lock;
	struct db *db;		/* NULL while there is no store */
	struct tpm *tpm;	/* NULL until an operation needs the TPM */
	struct tc_token *tokens;
	struct tpm_da_info da;	/* last dictionary-attack state seen */
	bool da_known;
	int64_t next_session_object; /* next session object id */
};

/* One place maps lower-layer results to CK_RV. */
CK_RV token_rv_from_db(enum db_rc rc);
CK_RV token_rv_from_tpm(enum tpm_rc rc);

/*
 * Store and cache (module lock held).  refresh reads the store again when
 * another process changed it; reload reads it again in any case, after
 * this process changed it behind the cache (SQLite's data_version does
 * not move for a connection's own commits).
 */
CK_RV token_refresh_locked(struct tc_module *mod);
CK_RV token_reload_locked(struct tc_module *mod);
struct tc_token *token_get_locked(struct tc_module *mod, int64_t id);
/*
 * The token's objects as the store has them now, read on first need
 * (C_Initialize reads token rows only) and again after the store changed.
 */
CK_RV token_objects_ready_locked(struct tc_module *mod,
				 struct tc_token *token);
CK_RV token_reload_objects_locked(struct tc_module *mod,
				  struct tc_token *token);
CK_RV token_tpm_locked(struct tc_module *mod, struct tpm **tpm);
/*
 * With no token logged in, nothing needs the TPM's objects: flush them,
 * so that a process ending without C_Finalize leaves nothing behind on a
 * TPM without a resource manager.
 */
void token_release_tpm_if_idle_locked(struct tc_module *mod);
/*
 * A token gone from the store: logged out, its objects dropped (handles
 * become invalid), kept only so that open sessions fail cleanly with
 * CKR_DEVICE_REMOVED until they are closed.
 */
void token_mark_removed_locked(struct tc_module *mod, struct tc_token *token);
void token_forget_secrets_locked(struct tc_module *mod,
				 struct tc_token *token);
void token_da_refresh_locked(struct tc_module *mod);
void token_object_free(struct tc_module *mod, struct tc_object *obj);

/*
 * A CKU_CONTEXT_SPECIFIC login just succeeded (authorized) or is being
 * asked about (!authorized): marks, or tells, whether an operation in
 * progress (signing, decryption) uses a key with CKA_ALWAYS_AUTHENTICATE.
 * Each operation spends its own authorization.
 */
bool token_context_auth_locked(struct tc_session *session, bool authorized);
/* Whether a key needs a context-specific login for each operation. */
bool token_key_always_authenticate(const struct tc_object *key);

/*
 * AES with TPM keys (token_aes.c; module lock held).  The one-part,
 * update and final steps follow the length-query protocol; *done tells
 * the caller to end the operation (any result but a length query, a
 * short buffer, or a successful update).
 */
bool token_aes_mechanism(CK_MECHANISM_TYPE type);
CK_RV token_aes_init_locked(struct tc_session *session,
			    struct tc_crypt_op *op,
			    const CK_MECHANISM *mechanism, int64_t key_id,
			    bool encrypt);
CK_RV token_aes_once_locked(struct tc_session *session,
			    struct tc_crypt_op *op, bool encrypt,
			    const uint8_t *in, size_t len, uint8_t *out,
			    CK_ULONG *out_len, bool *done);
CK_RV token_aes_update_locked(struct tc_session *session,
			      struct tc_crypt_op *op, bool encrypt,
			      const uint8_t *in, size_t len, uint8_t *out,
			      CK_ULONG *out_len, bool *done);
CK_RV token_aes_final_locked(struct tc_session *session,
			     struct tc_crypt_op *op, bool encrypt,
			     uint8_t *out, CK_ULONG *out_len, bool *done);

/*
 * HMAC with TPM keys (token_mac.c; module lock held).  sign follows the
 * length-query protocol (*done: the operation is over); verify always
 * ends it.  Multi-part input is gathered by update.
 */
bool token_mac_hash(CK_MECHANISM_TYPE type, enum crypto_digest *hash);
CK_RV token_mac_init_locked(struct tc_session *session, struct tc_mac_op *mac,
			    const CK_MECHANISM *mechanism, int64_t key_id,
			    CK_ATTRIBUTE_TYPE usage);
CK_RV token_mac_update(struct tc_mac_op *mac, const uint8_t *data,
		       size_t len);
size_t token_mac_len(const struct tc_mac_op *mac);
CK_RV token_mac_sign_locked(struct tc_session *session, struct tc_mac_op *mac,
			    const uint8_t *data, size_t len, uint8_t *sig,
			    CK_ULONG *sig_len, bool *done);
CK_RV token_mac_verify_locked(struct tc_session *session,
			      struct tc_mac_op *mac, const uint8_t *data,
			      size_t len, const uint8_t *sig, size_t sig_len);
void token_mac_op_clear(struct tc_mac_op *mac);

/* Frees an operation's state and leaves it inactive. */
void token_crypt_op_clear(struct tc_crypt_op *op);
void token_verify_op_clear(struct tc_verify_op *op);

/* Ends a session's sign and find operations (module lock held). */
void token_session_end_ops_locked(struct tc_session *session);

/* Objects (module lock held). */
struct tc_object *token_object_get_locked(struct tc_token *token,
					  int64_t id);
/*
 * The key an operation is to use: visible (else CKR_KEY_HANDLE_INVALID,
 * or CKR_USER_NOT_LOGGED_IN for a private one), of that class and key
 * type (CKR_KEY_TYPE_INCONSISTENT; a private or secret key must have its
 * TPM part), allowing the use (CKR_KEY_FUNCTION_NOT_PERMITTED) and the
 * mechanism (CKA_ALLOWED_MECHANISMS; CKR_MECHANISM_INVALID).
 */
CK_RV token_key_for_op_locked(struct tc_session *session, int64_t key_id,
			      CK_OBJECT_CLASS cls, CK_KEY_TYPE type,
			      CK_ATTRIBUTE_TYPE usage,
			      CK_MECHANISM_TYPE mechanism,
			      struct tc_object **key);

/* Whether the session may see the object (private ones need login). */
bool token_object_visible(const struct tc_session *session,
			  const struct tc_object *obj);
/* The object with this id if the session may see it, else NULL. */
struct tc_object *token_object_visible_get_locked(struct tc_session *session,
						  int64_t id);
CK_RV token_object_key_locked(struct tc_session *session,
			      struct tc_object *obj, struct tpm_key **key);
/*
 * The TPM key of a running operation's key object and the connection:
 * CKR_KEY_HANDLE_INVALID once the object is gone, CKR_USER_NOT_LOGGED_IN
 * once it is hidden (logged out since the operation began).
 */
CK_RV token_op_key_locked(struct tc_session *session, int64_t key_id,
			  struct tpm **tpm, struct tpm_key **key);
/* The AAD binding a wrapped key auth to its object. */
void token_auth_aad(const struct tc_object *obj, const uint8_t **aad,
		    size_t *len);

/* A TPM key's random auth, and its size wrapped under the token. */
#define TC_KEY_AUTH_LEN 32
#define TC_WRAPPED_AUTH_LEN (TC_KEY_AUTH_LEN + CRYPTO_AEAD_OVERHEAD)
/* Wraps a key auth under the logged-in token's wrap secret. */
CK_RV token_key_auth_wrap(const struct tc_token *token,
			  const struct tpm_blob *blob, const uint8_t *auth,
			  uint8_t *wrapped);

/*
 * A key made in or taken into the TPM stays there: it is sensitive and
 * not extractable (else CKR_ATTRIBUTE_VALUE_INVALID, logged).
 */
CK_RV token_tpm_key_policy(const struct attr_list *attrs);

struct tc_new_object;
/*
 * Making a TPM key for a new object: begin gets the connection and a
 * fresh random auth (TC_KEY_AUTH_LEN bytes); end takes the result rv of
 * making the key with it, wraps the auth into obj (on CKR_OK) and wipes
 * auth either way; it returns rv or the wrapping's failure.
 */
CK_RV token_new_key_begin_locked(struct tc_session *session,
				 struct tpm **tpm, uint8_t *auth);
CK_RV token_new_key_end(struct tc_session *session, CK_RV rv, uint8_t *auth,
			struct tc_new_object *obj);

/* A new object: its attributes and, for a key, its TPM part. */
struct tc_new_object {
	struct attr_list attrs;
	struct tpm_blob blob;	/* empty: no TPM part */
	const uint8_t *auth;	/* the key auth wrapped under the token */
	size_t auth_len;
	uint8_t wrapped[TC_WRAPPED_AUTH_LEN]; /* room for auth, if wanted */
};

/*
 * Whether the session may write an object: token objects need a R/W
 * session and a writable store, private ones a logged-in user.
 */
CK_RV token_write_check_locked(struct tc_session *session, bool token_object,
			       bool private_object);
/*
 * Adds objects, token objects to the store in one transaction, session
 * objects to memory (taking their attributes); ids[i] gets each id.
 */
CK_RV token_objects_add_locked(struct tc_session *session,
			       struct tc_new_object *objs, size_t count,
			       int64_t *ids);
/* Frees the session objects a session made (at its close). */
void token_session_objects_drop_locked(struct tc_session *session);
/* Frees the token's private session objects (at logout). */
void token_private_session_objects_drop_locked(struct tc_module *mod,
					       struct tc_token *token);

struct tmpl_kind;
/*
 * C_CreateObject of a private or secret key: imports its key material
 * into the TPM and fills obj's TPM part; the material itself is never
 * stored.
 */
CK_RV token_import_locked(struct tc_session *session,
			  const struct tmpl_kind *kind,
			  const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			  struct tc_new_object *obj);

/*
 * A secret key (CKK_AES, CKK_GENERIC_SECRET) of len bytes made in the TPM
 * (value NULL: a fresh one) or taken into it; obj gets its blob and
 * wrapped auth.  CKR_KEY_SIZE_RANGE for a size the TPM lacks,
 * CKR_ATTRIBUTE_VALUE_INVALID for one it refuses.
 */
CK_RV token_secret_in_tpm_locked(struct tc_session *session,
				 CK_KEY_TYPE type, const uint8_t *value,
				 size_t len, struct tc_new_object *obj);
/*
 * The same for a secret key (AES, generic secret): its CKA_VALUE; the
 * caller checked token_tpm_key_policy().
 */
CK_RV token_secret_import_locked(struct tc_session *session,
				 const struct tmpl_kind *kind,
				 const CK_ATTRIBUTE *tmpl, CK_ULONG count,
				 struct tc_new_object *obj);

/* The user PIN's retry counter in the TPM (token_pin_counter.c). */
bool token_has_pin_counter(const struct tc_token *token);
/*
 * The user's seal of the wrap secret under a PIN: behind a new counter of
 * tries wrong PINs where the TPM gives one (tries 0: never), else a
 * dictionary-attack protected seal marked as having none.
 */
CK_RV token_user_seal_make(struct tpm *tpm, const struct secbuf *wrap,
			   const uint8_t *pin,
			   size_t pin_len, unsigned int tries,
			   struct db_seal *out);
enum tpm_rc token_counter_unseal(struct tpm *tpm, const struct tc_token *token,
				 const uint8_t *auth, struct secbuf **wrap);
enum tpm_rc token_counter_change(struct tpm *tpm, const struct tc_token *token,
				 const uint8_t *old_auth,
				 const uint8_t *new_auth);
/* Keeps the cached count in step with what a PIN attempt did. */
void token_counter_saw(struct tc_token *token, enum tpm_rc rc);
/* Reads the count from the TPM, when a connection is open. */
void token_counter_refresh_locked(struct tc_module *mod,
				  struct tc_token *token);
/* C_InitPIN: the user seal anew, with a new counter at 0 where possible. */
CK_RV token_counter_init_pin_locked(struct tc_module *mod,
				    struct tc_token *token, struct tpm *tpm,
				    const uint8_t *pin, size_t len);
/* After a user login on a seal from before counters: gives it one. */
void token_counter_migrate_locked(struct tc_module *mod,
				  struct tc_token *token, const uint8_t *pin,
				  size_t len);
/*
 * Undefines the counter of a token's user seal no longer used, if it has
 * one, on the TPM the token was made on only.
 */
void token_counter_remove_locked(struct tc_module *mod,
				 const struct db_token *row);

/*
 * The PIN seals: unseal a token's wrap secret with a PIN (a wrong PIN
 * is a TPM strike: CKR_PIN_INCORRECT, CKR_PIN_LOCKED), seal one under a
 * PIN (seal's blobs are the caller's to clear).
 */
CK_RV token_unseal_wrap_locked(struct tc_module *mod, struct tc_token *token,
			       CK_USER_TYPE user, const uint8_t *pin,
			       size_t pin_len, struct secbuf **wrap);
CK_RV token_seal_under_pin(struct tpm *tpm, const struct secbuf *wrap,
			   const uint8_t *pin, size_t pin_len,
			   struct db_seal *seal);
/*
 * A new token's row: wrap secret sealed under the PINs (no user seal
 * when params->user_pin is NULL), serial, label; then its insertion
 * (CKR_TEMPLATE_INCONSISTENT when the label is taken).
 */
CK_RV token_admin_prepare_row(struct tpm *tpm,
			      const struct tc_token_params *params,
			      struct db_token *row);
CK_RV token_admin_insert_row(struct db *db, const struct db_token *row,
			     int64_t *token_id);
/* Whether the token's user PIN was set (C_InitToken leaves it unset). */
bool token_user_pin_set(const struct tc_token *token);

/* Blank-padded copy of a string into a fixed PKCS#11 field. */
void token_pad(CK_UTF8CHAR *field, size_t width, const char *text);

#endif /* TPMCARD_TOKEN_TOKEN_INTERNAL_H */
