/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The module's own salted HMAC session, used through tpm2-tss's SYS
 * layer for every command that carries a secret or an authorization.
 * tpm2-tss 3.2.1's ESAPI would compute the same HMACs and encrypted
 * parameters, but through fresh OpenSSL contexts of the host's default
 * library context for each one (about 2 ms of CPU per command, and open to
 * any engine the host registered for digests, ciphers or random numbers).
 *
 * TPM 2.0 Part 1, 18.7 and 19.6 (for one unbound, salted session that
 * authorizes the command's first handle and encrypts its parameters):
 *   cpHash   = SHA256(commandCode || name1 [|| name2] || parameters)
 *   rpHash   = SHA256(responseCode || commandCode || parameters)
 *   key      = sessionKey || authValue (trailing zero bytes removed)
 *   command  HMAC(key, cpHash || nonceCaller || nonceTPM || attributes)
 *   response HMAC(key, rpHash || nonceTPM' || nonceCaller || attributes)
 * and for the parameter encryption (21.4), AES-128-CFB with key || iv =
 *   KDFa(SHA256, key, "CFB", nonceCaller, nonceTPM, 256) on the way in,
 *   KDFa(SHA256, key, "CFB", nonceTPM', nonceCaller, 256) on the way out;
 * the hashes cover the parameters as sent, encrypted.
 */
#include "tpm/tpm.h"

#include <string.h>

#include <tss2/tss2_sys.h>

#include "common/session_crypto.h"
#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define NONCE_BYTES 32

/* Salts with a transient standard ECC primary: for SRKs we cannot use. */
static enum tpm_rc start_with_salting_key_locked(struct tpm *tpm,
						 TPM2_SE type,
						 struct tpm_session *out)
{
	TPM2_HANDLE key = 0;
	TPMT_PUBLIC pub;
	enum tpm_rc rc = tpm_primary_create_locked(tpm, &key, &pub);

	if (rc != TPM_OK)
		return rc;
	rc = tpm_session_start_own_locked(tpm, key, &pub, type, out);
	tpm_flush_locked(tpm, key);
	return rc;
}

enum tpm_rc tpm_session_start_salted_locked(struct tpm *tpm, TPM2_SE type,
					    struct tpm_session *out)
{
	enum tpm_rc rc;
	TPM2_HANDLE srk;

	rc = tpm_srk_get_locked(tpm, &srk);
	tpm_held_pending_locked(tpm, NULL); /* see tpm_reclaim.c */
	if (rc == TPM_OK)
		rc = tpm_session_start_own_locked(tpm, srk, &tpm->srk_public,
						  type, out);
	if (rc == TPM_E_UNSUPPORTED) {
		log_debug("the SRK cannot salt a session: using a transient "
			  "ECC primary for it");
		rc = start_with_salting_key_locked(tpm, type, out);
	}
	if (rc != TPM_OK) {
		tpm_held_unpend_locked(tpm, NULL);
		secmem_wipe(out, sizeof(*out));
		return rc;
	}
	tpm_held_add_session_locked(tpm, out->handle);
	return TPM_OK;
}

enum tpm_rc tpm_session_ready_locked(struct tpm *tpm)
{
	if (tpm->session.handle != 0)
		return TPM_OK;
	return tpm_session_start_salted_locked(tpm, TPM2_SE_HMAC,
					       &tpm->session);
}

void tpm_session_flush_locked(struct tpm *tpm)
{
	if (tpm->session.handle == 0)
		return;
	(void)Tss2_Sys_FlushContext(tpm->sys, tpm->session.handle);
	tpm_held_remove_locked(tpm, tpm->session.handle); /* after: tpm.c */
	secmem_wipe(&tpm->session, sizeof(tpm->session));
}

/* sessionKey || authValue without its trailing zero bytes. */
static size_t hmac_key(const struct tpm_session *s, const uint8_t *auth,
		       size_t auth_len, uint8_t *key)
{
	while (auth_len > 0 && auth[auth_len - 1] == 0)
		auth_len--;
	memcpy(key, s->key, s->key_len);
	if (auth_len > 0)
		memcpy(key + s->key_len, auth, auth_len);
	return s->key_len + auth_len;
}

/* AES-128-CFB over a parameter, with the key of these nonces. */
static bool crypt_param(const uint8_t *key, size_t key_len,
			const TPM2B_NONCE *newer, const TPM2B_NONCE *older,
			bool encrypt, uint8_t *buf, size_t len)
{
	uint8_t k[2 * SC_AES128_BYTES];
	bool ok = sc_kdfa_sha256(key, key_len, "CFB", newer->buffer,
				 newer->size, older->buffer, older->size, k,
				 sizeof(k)) &&
		  sc_aes128_cfb(k, k + SC_AES128_BYTES, encrypt, buf, len);

	secmem_wipe(k, sizeof(k));
	return ok;
}

/* The first parameter of a command or a response, read and replaced. */
struct param_access {
	TSS2_RC (*get)(TSS2_SYS_CONTEXT *, size_t *, const uint8_t **);
	TSS2_RC (*set)(TSS2_SYS_CONTEXT *, size_t, const uint8_t *);
	bool encrypt;
};

/* A command's parameter goes out encrypted (a "decrypt" session). */
static const struct param_access command_param = {
	Tss2_Sys_GetDecryptParam, Tss2_Sys_SetDecryptParam, true
};
/* A response's parameter comes back encrypted (an "encrypt" session). */
static const struct param_access response_param = {
	Tss2_Sys_GetEncryptParam, Tss2_Sys_SetEncryptParam, false
};

/*
 * AES-CFB over the first parameter in place, newer nonce first.  A
 * response's parameter is then plaintext inside tpm2-tss's own buffer:
 * tpm->secret_at remembers where, for tpm_unlock to wipe it once the
 * caller has taken it out (tpm2-tss never clears that buffer, and the
 * short commands that follow would not overwrite it).
 */
static bool crypt_first_param(struct tpm *tpm,
			      const struct param_access *access,
			      const uint8_t *key, size_t key_len,
			      const TPM2B_NONCE *newer,
			      const TPM2B_NONCE *older)
{
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	const uint8_t *param = NULL;
	uint8_t buf[sizeof(TPMU_HA) + 2048];
	size_t size = 0;
	bool ok;

	if (access->get(sys, &size, &param) != TSS2_RC_SUCCESS ||
	    size > sizeof(buf))
		return false;
	if (size == 0) /* an empty buffer: nothing to hide */
		return true;
	memcpy(buf, param, size);
	ok = crypt_param(key, key_len, newer, older, access->encrypt, buf,
			 size) &&
	     access->set(sys, size, buf) == TSS2_RC_SUCCESS;
	secmem_wipe(buf, size);
	if (ok && !access->encrypt) {
		tpm->secret_at = (uint8_t *)param;
		tpm->secret_len = size;
	}
	return ok;
}

void tpm_wipe_secret_locked(struct tpm *tpm)
{
	if (tpm->secret_at != NULL)
		secmem_wipe(tpm->secret_at, tpm->secret_len);
	tpm->secret_at = NULL;
	tpm->secret_len = 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool command_hmac(TSS2_SYS_CONTEXT *sys, const struct tpm_authed *cmd,
			 const uint8_t *key, size_t key_len,
			 const TPM2B_NONCE *caller,
			 const TPM2B_NONCE *tpm_nonce, TPMA_SESSION attrs,
			 TPM2B_AUTH *hmac)
{
	const uint8_t *params = NULL;
	size_t params_len = 0;
	uint8_t cc[4], cp_hash[SC_SHA256_BYTES];
	struct crypto_part cp[4] = { { cc, sizeof(cc) } };
	size_t n = 1;

	if (Tss2_Sys_GetCpBuffer(sys, &params_len, &params) != TSS2_RC_SUCCESS)
		return false;
	put_be32(cc, cmd->cc);
	for (size_t i = 0; i < cmd->name_count; i++)
		cp[n++] = (struct crypto_part){ cmd->names[i]->name,
					    cmd->names[i]->size };
	cp[n++] = (struct crypto_part){ params, params_len };
	struct crypto_part mac[] = {
		{ cp_hash, sizeof(cp_hash) },
		{ caller->buffer, caller->size },
		{ tpm_nonce->buffer, tpm_nonce->size },
		{ &attrs, 1 },
	};
	hmac->size = SC_SHA256_BYTES;
	return sc_sha256(cp, n, cp_hash) &&
	       sc_hmac_sha256(key, key_len, mac, 4, hmac->buffer);
}

/* Checks the TPM's response HMAC; false for a forged or damaged one. */
static bool response_ok(TSS2_SYS_CONTEXT *sys, TPM2_CC code,
			const uint8_t *key, size_t key_len,
			const TPM2B_NONCE *caller,
			const TPMS_AUTH_RESPONSE *rsp)
{
	const uint8_t *params = NULL;
	size_t params_len = 0;
	uint8_t rc_cc[8] = { 0 }, rp_hash[SC_SHA256_BYTES];
	uint8_t want[SC_SHA256_BYTES];
	TPMA_SESSION attrs = rsp->sessionAttributes;
	uint8_t diff = 0;

	if (Tss2_Sys_GetRpBuffer(sys, &params_len, &params) !=
		    TSS2_RC_SUCCESS ||
	    rsp->hmac.size != SC_SHA256_BYTES)
		return false;
	put_be32(rc_cc + 4, code); /* responseCode 0 || commandCode */
	struct crypto_part rp[] = { { rc_cc, sizeof(rc_cc) },
				{ params, params_len } };
	struct crypto_part mac[] = {
		{ rp_hash, sizeof(rp_hash) },
		{ rsp->nonce.buffer, rsp->nonce.size },
		{ caller->buffer, caller->size },
		{ &attrs, 1 },
	};
	if (!sc_sha256(rp, 2, rp_hash) ||
	    !sc_hmac_sha256(key, key_len, mac, 4, want))
		return false;
	for (size_t i = 0; i < sizeof(want); i++)
		diff |= (uint8_t)(want[i] ^ rsp->hmac.buffer[i]);
	return diff == 0;
}

TSS2_RC tpm_session_execute_locked(struct tpm *tpm, struct tpm_session *s,
				   const struct tpm_authed *cmd, bool keep)
{
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	TPMA_SESSION attrs =
		(keep ? TPMA_SESSION_CONTINUESESSION : 0) | cmd->attrs;
	TSS2L_SYS_AUTH_COMMAND auths = { .count = 1 };
	TSS2L_SYS_AUTH_RESPONSE rsp = { 0 };
	TPMS_AUTH_COMMAND *a = &auths.auths[0];
	uint8_t key[sizeof(s->key) + sizeof(TPMU_HA)];
	size_t key_len;
	TSS2_RC rc = TSS2_SYS_RC_GENERAL_FAILURE;
	bool executed = false;

	if (sys == NULL || s->handle == 0 ||
	    cmd->auth_len > sizeof(TPMU_HA) || cmd->name_count > 2)
		return TSS2_SYS_RC_BAD_VALUE;
	key_len = hmac_key(s, cmd->auth, cmd->auth_len, key);
	a->sessionHandle = s->handle;
	a->sessionAttributes = attrs;
	a->nonce.size = NONCE_BYTES;
	if (!crypto_random(a->nonce.buffer, NONCE_BYTES) ||
	    ((attrs & TPMA_SESSION_DECRYPT) &&
	     !crypt_first_param(tpm, &command_param, key, key_len,
				&a->nonce, &s->nonce_tpm)) ||
	    !command_hmac(sys, cmd, key, key_len, &a->nonce, &s->nonce_tpm,
			  attrs, &a->hmac) ||
	    Tss2_Sys_SetCmdAuths(sys, &auths) != TSS2_RC_SUCCESS)
		goto out;
	rc = Tss2_Sys_Execute(sys);
	if (rc != TSS2_RC_SUCCESS)
		goto out; /* no response session: the nonces stand */
	executed = true;
	if (cmd->response_auth != NULL)
		key_len = hmac_key(s, cmd->response_auth,
				   cmd->response_auth_len, key);
	if (Tss2_Sys_GetRspAuths(sys, &rsp) != TSS2_RC_SUCCESS ||
	    rsp.count != 1 ||
	    !response_ok(sys, cmd->cc, key, key_len, &a->nonce,
			 &rsp.auths[0])) {
		log_err("the TPM's answer did not carry the session's "
			"authorization: refused");
		rc = TSS2_SYS_RC_MALFORMED_RESPONSE;
		goto out;
	}
	s->nonce_tpm = rsp.auths[0].nonce;
	if ((attrs & TPMA_SESSION_ENCRYPT) &&
	    !crypt_first_param(tpm, &response_param, key, key_len,
				&s->nonce_tpm, &a->nonce))
		rc = TSS2_SYS_RC_GENERAL_FAILURE;
out:
	secmem_wipe(key, sizeof(key));
	secmem_wipe(&auths, sizeof(auths));
	if (!keep)
		tpm_policy_end_locked(tpm, s, executed);
	return rc;
}

TSS2_RC tpm_authed_execute_locked(struct tpm *tpm,
				  const struct tpm_authed *cmd)
{
	return tpm_session_execute_locked(tpm, &tpm->session, cmd, true);
}

TSS2_RC tpm_password_execute_locked(struct tpm *tpm)
{
	TSS2_RC rc = Tss2_Sys_SetCmdAuths(tpm->sys, &tpm_password_auth);

	return rc == TSS2_RC_SUCCESS ? Tss2_Sys_Execute(tpm->sys) : rc;
}
