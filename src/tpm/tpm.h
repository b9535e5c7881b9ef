/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TPM_TPM_H
#define TPMCARD_TPM_TPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/secmem.h"

/*
 * The only layer that talks to the TPM (through tpm2-tss ESAPI).  It names
 * no TSS2 type: blobs cross it as marshalled bytes, results as tpm_rc.
 *
 * One struct tpm is one connection, opened by tpm_open() when something
 * first needs the TPM.  Calls on one struct tpm are serialized by its own
 * lock: the TPM runs one command at a time.  Every transient object and
 * session it creates is flushed by tpm_close() at the latest.
 *
 * Secrets (auth values, sealed data) enter as byte arrays and leave in
 * secbufs; they cross the TPM interface only inside a salted HMAC session
 * with parameter encryption, never in clear.
 */

enum tpm_rc {
	TPM_OK = 0,
	TPM_E_NO_DEVICE,	/* no TPM reachable through the TCTI */
	TPM_E_IO,		/* the connection failed mid-command */
	TPM_E_AUTH_FAIL,	/* wrong authorization (PIN): DA counted */
	TPM_E_LOCKOUT,		/* the TPM is in dictionary-attack lockout */
	TPM_E_BAD_BLOB,		/* blob damaged, or not for this TPM/SRK */
	TPM_E_UNSUPPORTED,	/* algorithm, size or curve not supported */
	TPM_E_BAD_INPUT,	/* a size or value the TPM refused */
	TPM_E_NO_SLOTS,		/* out of object or session memory */
	TPM_E_OWNER_AUTH,	/* owner hierarchy needs a password */
	TPM_E_RETRY,		/* busy; retried and still busy */
	TPM_E_NO_MEMORY,
	TPM_E_FAILURE,		/* TPM in failure mode, or anything else */
	TPM_E_PIN_LOCKED,	/* a PIN counter at its limit (tpm_pin_nv.c) */
	TPM_E_NV_UNAVAILABLE,	/* no NV index for a PIN counter to be had */
};

/* One sentence for each code. */
const char *tpm_rc_text(enum tpm_rc rc);

struct tpm;

/* Marshalled TPM2B_PUBLIC and TPM2B_PRIVATE of an object under the SRK. */
struct tpm_blob {
	uint8_t *pub;
	size_t pub_len;
	uint8_t *priv;
	size_t priv_len;
};

void tpm_blob_clear(struct tpm_blob *blob);

/*
 * Connects using TPMCARD_TCTI, else TPM2_PKCS11_TCTI, else TPM2TOOLS_TCTI,
 * else the tpm2-tss default order (tabrmd, /dev/tpmrm0, /dev/tpm0, ...).
 * Sends nothing to the TPM yet.  *out is set on TPM_OK only.
 */
enum tpm_rc tpm_open(struct tpm **out);

/* Flushes every object and session created here, disconnects; NULL ok. */
void tpm_close(struct tpm *tpm);

/*
 * Flushes every object and session this connection holds in the TPM (the
 * SRK if transient, the salted session, loaded keys) but stays connected:
 * open keys reload when next used.  Without a resource manager, whatever
 * a process leaves loaded stays in the TPM after it exits, so the module
 * calls this whenever nobody is logged in.  Behind a resource manager
 * (tabrmd, /dev/tpmrm0), which flushes at disconnect, it does nothing.
 */
void tpm_release(struct tpm *tpm);
/* The same, unless another thread is using the TPM (then false). */
bool tpm_release_if_free(struct tpm *tpm);

/* Frees the structure without any TPM traffic (a forked child). */
void tpm_abandon(struct tpm *tpm);

/*
 * Says that tpm_close comes next: keys closed from now on are not flushed
 * one by one when a resource manager will flush them with the connection.
 */
void tpm_closing(struct tpm *tpm);

/*
 * The name of the SRK in use: persistent 0x81000001 when present, else
 * the TCG ECC P-256 SRK created as a transient primary once per struct tpm.
 * name must hold 66 bytes; *len gets its size.
 */
enum tpm_rc tpm_srk_name(struct tpm *tpm, uint8_t *name, size_t *len);

/*
 * Makes the SRK in use the one with this name if the TPM has it: the
 * persistent SRK or the transient standard one, tried in the order that
 * matched last time (so a cold process sends no needless command).
 * *matches false when neither has the name (a cleared TPM, another
 * machine's store).
 */
enum tpm_rc tpm_srk_match(struct tpm *tpm, const uint8_t *name, size_t len,
			  bool *matches);

/* Whether the SRK in use is the persistent one at 0x81000001. */
enum tpm_rc tpm_srk_is_persistent(struct tpm *tpm, bool *persistent);

/*
 * Makes the standard ECC SRK persistent at 0x81000001 (owner hierarchy,
 * empty owner password) when no key is there yet, so that processes skip
 * creating it.  Its name does not change: tokens made before keep working.
 * *created tells whether this call persisted it.
 */
enum tpm_rc tpm_srk_persist(struct tpm *tpm, bool *created);

/* Fills buf from the TPM's random number generator. */
enum tpm_rc tpm_random(struct tpm *tpm, uint8_t *buf, size_t len);

/* Dictionary-attack state, from one TPM2_GetCapability. */
struct tpm_da_info {
	uint32_t failures;	/* TPM_PT_LOCKOUT_COUNTER */
	uint32_t max_failures;	/* TPM_PT_MAX_AUTH_FAIL */
	uint32_t recovery_s;	/* TPM_PT_LOCKOUT_INTERVAL */
	bool in_lockout;	/* TPMA_PERMANENT inLockout */
};
enum tpm_rc tpm_da_info(struct tpm *tpm, struct tpm_da_info *info);

/*
 * Sealed data objects: secret (at most 128 bytes) sealed under the SRK
 * with authValue auth, dictionary-attack protected (no noDA).
 */
enum tpm_rc tpm_seal(struct tpm *tpm, const uint8_t *auth, size_t auth_len,
		     const uint8_t *secret, size_t secret_len,
		     struct tpm_blob *out);
/* *out receives the secret in a secbuf the caller frees. */
enum tpm_rc tpm_unseal(struct tpm *tpm, const struct tpm_blob *blob,
		       const uint8_t *auth, size_t auth_len,
		       struct secbuf **out);
/*
 * TPM2_ObjectChangeAuth: out gets the same public part and a new private
 * part whose authValue is new_auth.  The old blob still opens with the old
 * auth: the caller replaces it in the store.
 */
/*
 * A user PIN retry counter in the TPM (tpm_pin_nv.c): an NV index of the
 * PIN-fail type under the PIN-derived auth, and a second index holding a
 * secret (the wrap secret) that reads only once the PIN was proven to the
 * first.  *nv (malloc'd, the caller frees) is the pair as stored;
 * TPM_E_NV_UNAVAILABLE when the TPM has no room or the owner hierarchy
 * has a password.  limit: the wrong PINs in a row that lock it.
 */
enum tpm_rc tpm_pin_nv_create(struct tpm *tpm, const uint8_t *auth,
			      size_t auth_len, uint32_t limit,
			      const uint8_t *secret, size_t secret_len,
			      uint8_t **nv, size_t *nv_len);
/*
 * The secret, with the PIN-derived auth: TPM_E_AUTH_FAIL for a wrong one
 * (the counter counts it), TPM_E_PIN_LOCKED once it is at its limit.
 */
enum tpm_rc tpm_pin_nv_unseal(struct tpm *tpm, const uint8_t *nv,
			      size_t nv_len, const uint8_t *auth,
			      size_t auth_len, struct secbuf **out);
/* The user changes the auth, proving the old one (counted likewise). */
enum tpm_rc tpm_pin_nv_change(struct tpm *tpm, const uint8_t *nv,
			      size_t nv_len, const uint8_t *old_auth,
			      size_t old_len, const uint8_t *new_auth,
			      size_t new_len);
/* The wrong PINs in a row so far, and how many lock it. */
enum tpm_rc tpm_pin_nv_read(struct tpm *tpm, const uint8_t *nv,
			    size_t nv_len, uint32_t *count, uint32_t *limit);
/* Undefines both indices (owner, empty auth); failures are logged only. */
enum tpm_rc tpm_pin_nv_remove(struct tpm *tpm, const uint8_t *nv,
			      size_t nv_len);

enum tpm_rc tpm_change_auth(struct tpm *tpm, const struct tpm_blob *blob,
			    const uint8_t *old_auth, size_t old_len,
			    const uint8_t *new_auth, size_t new_len,
			    struct tpm_blob *out);

/* Asymmetric keys. */
enum tpm_key_type { TPM_KEY_RSA = 1, TPM_KEY_EC, TPM_KEY_AES, TPM_KEY_HMAC };
enum tpm_curve { TPM_CURVE_NONE = 0, TPM_CURVE_P256, TPM_CURVE_P384,
		 TPM_CURVE_P521 };

struct tpm_key_spec {
	enum tpm_key_type type;
	unsigned int rsa_bits;	/* 2048, 3072, 4096 */
	uint32_t rsa_exponent;	/* 0 means 65537 */
	enum tpm_curve curve;
};

struct tpm_pubkey {
	enum tpm_key_type type;
	uint8_t modulus[512];
	size_t modulus_len;
	uint32_t exponent;
	enum tpm_curve curve;
	uint8_t x[66], y[66];
	size_t coord_len; /* both coordinates, zero-padded to the field */
	size_t aes_len;	/* AES: the key's size in bytes */
};

/* Bytes of one coordinate (field size) of a curve, 0 for none. */
size_t tpm_curve_bytes(enum tpm_curve curve);

/*
 * Creates a key under the SRK with authValue auth: unrestricted, sign and
 * decrypt, no scheme fixed, noDA (its auth is random, not a PIN).
 */
enum tpm_rc tpm_key_create(struct tpm *tpm, const struct tpm_key_spec *spec,
			   const uint8_t *auth, size_t auth_len,
			   struct tpm_blob *out, struct tpm_pubkey *pub);

/* Reads the public key out of a blob; no TPM needed. */
enum tpm_rc tpm_blob_pubkey(const struct tpm_blob *blob,
			    struct tpm_pubkey *pub);

/*
 * A key ready for use.  tpm_key_open() copies the blob and auth and sends
 * nothing; the key is loaded at first use and stays loaded, evicted when
 * the TPM runs out of object slots and reloaded when needed again.
 */
struct tpm_key;
enum tpm_rc tpm_key_open(struct tpm *tpm, const struct tpm_blob *blob,
			 const uint8_t *auth, size_t auth_len,
			 struct tpm_key **out);
/* Flushes it if loaded and wipes its auth; NULL ok. */
void tpm_key_close(struct tpm *tpm, struct tpm_key *key);

/*
 * The RSA private-key operation on one modulus-sized block (already
 * padded by the caller): out gets modulus_len bytes.
 */
enum tpm_rc tpm_key_rsa_private(struct tpm *tpm, struct tpm_key *key,
				const uint8_t *in, size_t in_len,
				uint8_t *out, size_t out_len);

/*
 * ECDSA over a digest whose length is that of hash: out gets r || s, each
 * zero-padded to the curve's field size (2 * tpm_curve_bytes()).
 */
enum tpm_rc tpm_key_ecdsa(struct tpm *tpm, struct tpm_key *key,
			  enum crypto_digest hash, const uint8_t *digest,
			  size_t digest_len, uint8_t *out, size_t out_len);

/*
 * ECDH (TPM2_ECDH_ZGen): z gets the x coordinate of d * (peer point),
 * the shared secret Z, field-size bytes, sent back encrypted by the
 * session.  A point not on the key's curve is TPM_E_BAD_INPUT.
 */
enum tpm_rc tpm_key_ecdh(struct tpm *tpm, struct tpm_key *key,
			 const uint8_t *peer_x, const uint8_t *peer_y,
			 size_t coord_len, uint8_t *z, size_t z_len);

/*
 * What the TPM can make, asked once per connection and cached (at most
 * five commands: TPM2_TestParms for each RSA size, one
 * TPM2_GetCapability for the curves, one for the fixed properties).
 */
struct tpm_caps {
	bool rsa[3];		/* RSA 2048, 3072, 4096 keys */
	bool curve[4];		/* by enum tpm_curve; [0] unused */
	char manufacturer[5];	/* TPM_PT_MANUFACTURER as text */
	uint32_t firmware1;	/* TPM_PT_FIRMWARE_VERSION_1 */
	uint32_t revision;	/* TPM_PT_REVISION, e.g. 159 for 1.59 */
};
enum tpm_rc tpm_caps(struct tpm *tpm, struct tpm_caps *caps);

/* An existing private key, to be imported (RSA: n, e, p; EC: Q, d). */
struct tpm_import_key {
	enum tpm_key_type type;
	const uint8_t *modulus;	/* big-endian n */
	size_t modulus_len;
	uint32_t exponent;
	const uint8_t *prime;	/* one prime factor p */
	size_t prime_len;
	enum tpm_curve curve;
	const uint8_t *x, *y;	/* the public point, field-size each */
	const uint8_t *d;	/* the private scalar */
	size_t d_len;
};

/*
 * TPM2_Import of a private key under the SRK with authValue auth: the key
 * is wrapped for the transfer (an inner duplication wrapper whose AES key
 * travels as an encrypted command parameter), so it never crosses the TPM
 * interface in clear.  The key is then loaded once: a key whose parts do
 * not match is TPM_E_BAD_INPUT.  The imported key is unrestricted, sign
 * and decrypt, noDA, and can never be duplicated out again.
 */
enum tpm_rc tpm_key_import(struct tpm *tpm, const struct tpm_import_key *key,
			   const uint8_t *auth, size_t auth_len,
			   struct tpm_blob *out, struct tpm_pubkey *pub);

/*
 * Secret keys.  An AES key (16, 24 or 32 bytes) or an HMAC key (1 to
 * TPM_HMAC_KEY_MAX bytes) under the SRK with authValue auth, fixed to
 * this TPM, noDA, any mode or hash chosen per operation.  value NULL
 * makes a fresh key: the TPM makes AES keys and 32-byte HMAC keys itself;
 * other HMAC sizes come from the module's random generator.  Otherwise
 * value is the key to take in (import).  Either way the key material is
 * the first parameter of TPM2_Create, which the salted session encrypts:
 * it never crosses the TPM interface in clear.  TPM_E_UNSUPPORTED for an
 * AES size the TPM lacks, TPM_E_BAD_INPUT for a size out of range.
 */
#define TPM_HMAC_KEY_MAX 64
#define TPM_HMAC_KEY_NATIVE 32
enum tpm_rc tpm_secret_create(struct tpm *tpm, enum tpm_key_type type,
			      const uint8_t *value, size_t len,
			      const uint8_t *auth, size_t auth_len,
			      struct tpm_blob *out);

/* AES modes of TPM2_EncryptDecrypt2. */
enum tpm_aes_mode { TPM_AES_ECB = 1, TPM_AES_CBC, TPM_AES_CFB, TPM_AES_CTR };
#define TPM_AES_BLOCK 16

/*
 * AES in the TPM with an open AES key: len bytes of in to out (the same
 * length; whole blocks for ECB and CBC).  iv holds TPM_AES_BLOCK bytes
 * (unused for ECB) and is updated so that the next call continues the
 * stream (CBC, CFB, CTR after whole blocks).  Data and result travel
 * encrypted by the session.  TPM_E_BAD_INPUT for a wrong length or key.
 */
enum tpm_rc tpm_key_aes(struct tpm *tpm, struct tpm_key *key, bool decrypt,
			enum tpm_aes_mode mode, uint8_t *iv,
			const uint8_t *in, size_t len, uint8_t *out);

/*
 * HMAC in the TPM with an open HMAC key over len bytes (TPM2_HMAC, or an
 * HMAC sequence when the data exceeds one TPM buffer): mac gets the
 * digest length of hash, which mac_len must be.  TPM_E_UNSUPPORTED for a
 * hash the TPM lacks.
 */
enum tpm_rc tpm_key_hmac(struct tpm *tpm, struct tpm_key *key,
			 enum crypto_digest hash, const uint8_t *data,
			 size_t len, uint8_t *mac, size_t mac_len);

#endif /* TPMCARD_TPM_TPM_H */
