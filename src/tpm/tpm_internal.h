/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TPM_TPM_INTERNAL_H
#define TPMCARD_TPM_TPM_INTERNAL_H


#include <tss2/tss2_sys.h>
#include <tss2/tss2_tcti.h>

#include "common/lock.h"
#include "tpm/tpm.h"

/* A transient object or session this process holds (tpm_reclaim.c). */
struct tpm_held {
	TPM2_HANDLE handle;	/* 0 while pending */
	TPM2B_NAME name; /* objects: to recognise it later */
	bool session;
	bool pending;		/* a load under way: its handle unknown yet */
};

/*
 * The module's own salted HMAC session (tpm_session.c), used through the
 * SYS layer: its handle, session key and the TPM's last nonce.
 */
struct tpm_session {
	TPM2_HANDLE handle; /* 0 while there is none */
	uint8_t key[32];
	size_t key_len;	/* 32 salted; 0 for an unsalted policy session */
	TPM2B_NONCE nonce_tpm;
};

/*
 * A command authorized by the salted session: its code, the names of its
 * handles in order, the auth value of the first handle (the one the
 * session authorizes), and TPMA_SESSION_DECRYPT / _ENCRYPT for a first
 * command / response parameter that travels encrypted.
 */
struct tpm_authed {
	TPM2_CC cc;
	const TPM2B_NAME *names[2];
	size_t name_count;
	const uint8_t *auth;
	size_t auth_len;
	TPMA_SESSION attrs;
	/* The response's key uses this auth instead, when set: the entity's
	 * new one, for TPM2_NV_ChangeAuth (Part 3, 31.4.1). */
	const uint8_t *response_auth;
	size_t response_auth_len;
};

#define TPM_HELD_MAX 16
/* The SRK hint file: a line, then the persistent SRK's public area. */
#define TPM_SRK_HINT_MAX (16 + sizeof(TPMT_PUBLIC))

/*
 * Lock order: tpm->lock is the innermost lock of the module; nothing
 * called with it held takes another lock.
 */
struct tpm {
	struct tc_mutex lock;
	TSS2_TCTI_CONTEXT *tcti;
	bool own_tcti;		/* tcti_tabrmd.c's, not tpm2-tss's */
	TSS2_SYS_CONTEXT *sys;
	bool managed;		/* behind a resource manager: see tpm_release */
	bool closing;		/* tpm_closing: the connection ends next */
	TPM2_HANDLE srk;	/* 0 until first needed */
	bool srk_transient;	/* we created it: flush at close */
	TPMT_PUBLIC srk_public;	/* valid with srk */
	uint8_t srk_name[66];
	size_t srk_name_len;	/* 0 until known */
	bool srk_unproven;	/* public area from the hint; no Load yet */
	bool srk_hint_failed;	/* a Load under the hinted SRK failed */
	struct tpm_session session; /* salted HMAC session, created once */
	uint8_t *secret_at;	/* plaintext in tpm2-tss's buffer, or NULL */
	size_t secret_len;
	struct tpm_key *keys;	/* every open key, most recent first */
	struct tpm_caps caps;	/* valid when caps_known */
	bool caps_known;
	uint64_t clock;		/* use counter for least-recently-used */
	char *record;		/* direct connection: our list of handles */
	char *evicted;		/* what another process took out for us */
	char *srk_hint;		/* which SRK this TPM's tokens use, a file */
	uint8_t srk_hint_bytes[TPM_SRK_HINT_MAX]; /* the file, once read */
	size_t srk_hint_len;
	bool srk_hint_cached;	/* srk_hint_bytes hold the file's bytes */
	char *share_dir;	/* direct connection: the runtime directory */
	char share_prefix[32];	/* this TPM's tag in its file names */
	int lock_fd;		/* taking turns (tpm_share.c); -1: alone */
	struct tpm_held held[TPM_HELD_MAX];
	size_t held_count;
};

/* Taking turns with the module's other processes (tpm_share.c). */
void tpm_share_open(struct tpm *tpm);
void tpm_share_close(struct tpm *tpm);
void tpm_share_begin_locked(struct tpm *tpm);
void tpm_share_end_locked(struct tpm *tpm);
/* Takes another process's handles out of the TPM; true: room was made. */
bool tpm_evict_other_locked(struct tpm *tpm);
/* Loads back what another process took out of the TPM for us. */
void tpm_restore_evicted_locked(struct tpm *tpm);

/* The lock of the connection, and this process's turn on the TPM. */
static inline void tpm_lock(struct tpm *tpm)
{
	tc_mutex_lock(&tpm->lock);
	tpm_share_begin_locked(tpm);
}

static inline bool tpm_trylock(struct tpm *tpm)
{
	if (!tc_mutex_trylock(&tpm->lock))
		return false;
	tpm_share_begin_locked(tpm);
	return true;
}

/* A decrypted response parameter left in tpm2-tss's buffer: wiped. */
void tpm_wipe_secret_locked(struct tpm *tpm);

static inline void tpm_unlock(struct tpm *tpm)
{
	tpm_wipe_secret_locked(tpm);
	tpm_share_end_locked(tpm);
	tc_mutex_unlock(&tpm->lock);
}

struct tpm_key {
	struct tpm_key *next;
	TPM2_HANDLE handle;	/* 0 while not loaded */
	TPM2B_NAME name;	/* while loaded */
	uint64_t last_use;
	struct tpm_blob blob;
	struct secbuf *auth;
	struct tpm_pubkey pub;
};

/* The TPM's id of a curve; TPM2_ECC_NONE for none. */
TPMI_ECC_CURVE tpm_curve_id(enum tpm_curve curve);

/* The TPM's id of a hash; TPM2_ALG_NULL for one it lacks (SHA-224). */
TPMI_ALG_HASH tpm_hash_alg(enum crypto_digest hash);

/*
 * Loads an open key if needed (filling its TPM handle and name) and makes
 * sure the salted session exists, for a command authorized with the key.
 */
enum tpm_rc tpm_key_ready_locked(struct tpm *tpm, struct tpm_key *key);

/* The command description of one authorized with a ready key. */
struct tpm_authed tpm_key_authed(const struct tpm_key *key, TPM2_CC cc,
				 TPMA_SESSION attrs);

/* Maps a TSS2_RC to a tpm_rc, logging what failed, decoded, once. */
enum tpm_rc tpm_map(TSS2_RC rc, const char *what);

/* The SRK handle, creating or finding it on first use. */
enum tpm_rc tpm_srk_get_locked(struct tpm *tpm, TPM2_HANDLE *srk);

/* An object's name: nameAlg || SHA-256(public area); false for others. */
bool tpm_name_of(const TPMT_PUBLIC *pub, TPM2B_NAME *name);

/* The empty password authorization (the SRK, the owner, a sequence). */
extern const TSS2L_SYS_AUTH_COMMAND tpm_password_auth;

/* TPM2_TestParms, repeated while the TPM is busy. */
TSS2_RC tpm_test_parms_locked(struct tpm *tpm, const TPMT_PUBLIC_PARMS *parms);

/* TPM2_GetCapability, repeated while the TPM is busy. */
enum tpm_rc tpm_capability_locked(struct tpm *tpm, TPM2_CAP cap,
				  UINT32 property, UINT32 count,
				  TPMS_CAPABILITY_DATA *data);

/*
 * Before a PIN is proven in a session salted to the SRK: an SRK known only
 * from the hint file is read now (TPM2_ReadPublic), so that a stale memory
 * costs one command, never a PIN try.  TPM_E_BAD_BLOB when it is no longer
 * the SRK of that name.
 */
enum tpm_rc tpm_srk_proven_locked(struct tpm *tpm);

/* The SRK's TPM handle and name, creating or finding it on first use. */
enum tpm_rc tpm_srk_ref_locked(struct tpm *tpm, TPM2_HANDLE *handle,
			       TPM2B_NAME *name);

/* A transient TCG standard ECC primary under the owner hierarchy. */
enum tpm_rc tpm_primary_create_locked(struct tpm *tpm, TPM2_HANDLE *out,
				      TPMT_PUBLIC *pub);

/*
 * Starts a salted session with the module's own cryptography, for an ECC
 * P-256 or RSA salting key with SHA-256 names (TPM_E_UNSUPPORTED for
 * another); see tpm_salt.c.
 */
enum tpm_rc tpm_session_start_own_locked(struct tpm *tpm, TPM2_HANDLE salt_key,
					 const TPMT_PUBLIC *pub, TPM2_SE type,
					 struct tpm_session *out);

/* The SYS context every command goes through. */
TSS2_SYS_CONTEXT *tpm_sys(struct tpm *tpm);

/*
 * Starts a session salted to the SRK (or, for an SRK that cannot salt, a
 * transient ECC primary), listed with the handles held.
 */
enum tpm_rc tpm_session_start_salted_locked(struct tpm *tpm, TPM2_SE type,
					    struct tpm_session *out);

/* Makes sure the salted session exists (tpm_session.c). */
enum tpm_rc tpm_session_ready_locked(struct tpm *tpm);
void tpm_session_flush_locked(struct tpm *tpm);


/*
 * After Tss2_Sys_<Command>_Prepare: encrypts the first parameter,
 * authorizes, sends, checks the TPM's response authorization and
 * decrypts the first response parameter, ready for _Complete.
 */
TSS2_RC tpm_authed_execute_locked(struct tpm *tpm,
				  const struct tpm_authed *cmd);

/*
 * The same through another session of ours (a policy session,
 * tpm_policy.c).  With keep false the session ends with the command: the
 * TPM flushes it on success, and so does this on failure.
 */
TSS2_RC tpm_session_execute_locked(struct tpm *tpm, struct tpm_session *s,
				   const struct tpm_authed *cmd, bool keep);

/*
 * Starts a policy session: salted like the module's own (for a command
 * whose parameter is secret) or unsalted; listed with the handles held.
 */
enum tpm_rc tpm_policy_start_locked(struct tpm *tpm, bool salted,
				    struct tpm_session *out);

/*
 * A policy session of tpm_policy_start_locked is over: gone already when
 * a command ended it (continueSession clear), else flushed now.
 */
void tpm_policy_end_locked(struct tpm *tpm, struct tpm_session *s,
			   bool gone);

/*
 * After Tss2_Sys_<Command>_Prepare of a command whose handle needs an
 * empty password (a sequence object): sends it.
 */
TSS2_RC tpm_password_execute_locked(struct tpm *tpm);

/*
 * Loads a blob under the SRK; when the TPM is out of object slots, evicts
 * the least recently used open key and tries again.
 */
/*
 * After a command failed for lack of TPM memory: frees one of our loaded
 * keys, or else waits a little (bounded backoff; *waits counts the waits,
 * at most TPM_MEMORY_WAITS) for other clients to free theirs.  True: try
 * the command again.
 */
#define TPM_MEMORY_WAITS 40

/*
 * After TPM_RC_RETRY, _YIELDED or _TESTING (the TPM could not start the
 * command just now): waits a moment; true: send the command again (at
 * most TPM_BUSY_TRIES times).  ESAPI did this by itself; the module's
 * own SYS commands must.
 */
#define TPM_BUSY_TRIES 100
bool tpm_busy_retry(TSS2_RC trc, unsigned int *tries);
bool tpm_memory_retry_locked(struct tpm *tpm, TSS2_RC trc,
			     unsigned int *waits);

/*
 * TPM2_Create under the SRK in the salted session (which carries the
 * sensitive part encrypted), waiting out a full TPM like tpm_load_locked.
 */
enum tpm_rc tpm_create_locked(struct tpm *tpm,
			      const TPM2B_SENSITIVE_CREATE *sensitive,
			      const TPM2B_PUBLIC *template,
			      TPM2B_PRIVATE *priv, TPM2B_PUBLIC *pub,
			      const char *what);

enum tpm_rc tpm_load_locked(struct tpm *tpm, const struct tpm_blob *blob,
			    TPM2_HANDLE *handle, TPM2B_NAME *name);

/* Flushes a transient handle (0: none), logging a failure. */
void tpm_flush_locked(struct tpm *tpm, TPM2_HANDLE handle);

/*
 * On a direct connection: flushes what dead processes left in this TPM
 * and starts this process's list of handles (tpm_reclaim.c).  The list
 * follows every object and session made (add) and flushed (remove), and
 * goes at close.  Without a resource manager only.
 */
void tpm_held_open_locked(struct tpm *tpm, const char *config);
void tpm_held_add_locked(struct tpm *tpm, TPM2_HANDLE handle,
			 const TPM2B_NAME *name);
void tpm_held_add_session_locked(struct tpm *tpm, TPM2_HANDLE handle);
/*
 * Before a TPM2_Load: the object of this name (NULL: a session being
 * started) may appear in the TPM with a handle not known yet.  If the
 * process dies before tpm_held_add_locked lists the handle, the next
 * process finds the object by its name (a session: as one no process of
 * ours lists).  tpm_held_unpend_locked takes it back on failure.
 */
void tpm_held_pending_locked(struct tpm *tpm, const TPM2B_NAME *name);
void tpm_held_unpend_locked(struct tpm *tpm, const TPM2B_NAME *name);
void tpm_held_remove_locked(struct tpm *tpm, TPM2_HANDLE handle);
void tpm_held_close(struct tpm *tpm);

/*
 * Which SRK to look at first (tpm_srk_hint.c keeps the file): the kind that
 * matched a token's recorded SRK name last time, on this TPM for this
 * user, and for a persistent one its public area.  Only a shortcut: the
 * recorded name decides.
 */
bool tpm_srk_hint_persistent(struct tpm *tpm);
/* The persistent SRK's remembered public area; false when there is none. */
bool tpm_srk_hint_public(struct tpm *tpm, TPMT_PUBLIC *pub);
/* Remembers the kind that matched; pub: the persistent SRK's, or NULL. */
void tpm_srk_hint_set(struct tpm *tpm, bool persistent,
		      const TPMT_PUBLIC *pub);
/* The file is read once per search for an SRK: this starts a search. */
void tpm_srk_hint_forget(struct tpm *tpm);

/* Unmarshals a blob; false (logged) when malformed. */
bool tpm_blob_unmarshal(const struct tpm_blob *blob, TPM2B_PUBLIC *pub,
			TPM2B_PRIVATE *priv);
/* Marshals; false on ENOMEM. */
bool tpm_blob_marshal(const TPM2B_PUBLIC *pub, const TPM2B_PRIVATE *priv,
		      struct tpm_blob *blob);
/* Fills a tpm_pubkey from a TPMT_PUBLIC; false for other key types. */
bool tpm_pubkey_from_public(const TPMT_PUBLIC *pub, struct tpm_pubkey *out);

#endif /* TPMCARD_TPM_TPM_INTERNAL_H */
