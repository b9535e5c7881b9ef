/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Policy sessions, and the policy digests they must end with, computed
 * here as the TPM computes them (TPM 2.0 Part 1, 19.7; Part 3, 23):
 *   PolicyCommandCode  d = H(d || CC_PolicyCommandCode || code)
 *   PolicyAuthValue    d = H(d || CC_PolicyAuthValue)
 *   PolicyNvWritten    d = H(d || CC_PolicyNvWritten || writtenSet)
 *   PolicySecret       d = H(H(d || CC_PolicySecret || authName) || ref)
 *   PolicyOR           d = H(0...0 || CC_PolicyOR || d1 || ... || dn)
 * with H = SHA-256, d starting as 32 zero bytes, and an empty policyRef.
 */
#include "tpm/tpm_policy.h"

#include <string.h>

#include "common/session_crypto.h"
#include "tpm/tpm_internal.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define NONCE_BYTES 32

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void tpm_policy_init(struct tpm_policy *p)
{
	memset(p, 0, sizeof(*p));
}

/* d = H(d || code || extra) */
static bool extend(struct tpm_policy *p, TPM2_CC code, const uint8_t *extra,
		   size_t extra_len)
{
	uint8_t cc[4];
	struct crypto_part parts[] = {
		{ p->digest, sizeof(p->digest) },
		{ cc, sizeof(cc) },
		{ extra, extra_len },
	};

	put_be32(cc, code);
	return sc_sha256(parts, extra_len ? 3 : 2, p->digest);
}

bool tpm_policy_command_code(struct tpm_policy *p, TPM2_CC code)
{
	uint8_t cc[4];

	put_be32(cc, code);
	return extend(p, TPM2_CC_PolicyCommandCode, cc, sizeof(cc));
}

bool tpm_policy_auth_value(struct tpm_policy *p)
{
	return extend(p, TPM2_CC_PolicyAuthValue, NULL, 0);
}

bool tpm_policy_nv_written(struct tpm_policy *p, bool written)
{
	uint8_t yes = written ? 1 : 0;

	return extend(p, TPM2_CC_PolicyNvWritten, &yes, 1);
}

bool tpm_policy_secret(struct tpm_policy *p, const TPM2B_NAME *auth_name)
{
	struct crypto_part ref = { p->digest, sizeof(p->digest) };

	return extend(p, TPM2_CC_PolicySecret, auth_name->name,
		      auth_name->size) &&
	       sc_sha256(&ref, 1, p->digest); /* || empty policyRef */
}

bool tpm_policy_or(const struct tpm_policy *branches, size_t count,
		   struct tpm_policy *out)
{
	uint8_t cc[4];
	struct crypto_part parts[2 + TPM_POLICY_OR_MAX];
	struct tpm_policy zero;

	if (count < 2 || count > TPM_POLICY_OR_MAX)
		return false;
	tpm_policy_init(&zero);
	put_be32(cc, TPM2_CC_PolicyOR);
	parts[0] = (struct crypto_part){ zero.digest, sizeof(zero.digest) };
	parts[1] = (struct crypto_part){ cc, sizeof(cc) };
	for (size_t i = 0; i < count; i++)
		parts[2 + i] = (struct crypto_part){
			branches[i].digest, sizeof(branches[i].digest)
		};
	return sc_sha256(parts, 2 + count, out->digest);
}

void tpm_handle_name(TPM2_HANDLE handle, TPM2B_NAME *name)
{
	name->size = 4;
	put_be32(name->name, handle);
}

enum tpm_rc tpm_policy_start_locked(struct tpm *tpm, bool salted,
				    struct tpm_session *out)
{
	TPMT_SYM_DEF none = { .algorithm = TPM2_ALG_NULL };
	TPM2B_NONCE caller = { .size = NONCE_BYTES };
	TPM2B_ENCRYPTED_SECRET no_salt = { 0 };
	enum tpm_rc rc;
	TSS2_RC trc;

	memset(out, 0, sizeof(*out));
	if (salted)
		return tpm_session_start_salted_locked(tpm, TPM2_SE_POLICY,
						       out);
	if (!crypto_random(caller.buffer, caller.size))
		return TPM_E_FAILURE;
	tpm_held_pending_locked(tpm, NULL); /* see tpm_reclaim.c */
	for (unsigned int waits = 0;;) {
		trc = Tss2_Sys_StartAuthSession(
			tpm_sys(tpm), TPM2_RH_NULL, TPM2_RH_NULL, NULL, &caller,
			&no_salt, TPM2_SE_POLICY, &none, TPM2_ALG_SHA256,
			&out->handle, &out->nonce_tpm, NULL);
		if (!tpm_memory_retry_locked(tpm, trc, &waits))
			break;
	}
	rc = tpm_map(trc, "start a policy session");
	if (rc != TPM_OK) {
		tpm_held_unpend_locked(tpm, NULL);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	tpm_held_add_session_locked(tpm, out->handle);
	return TPM_OK;
}

void tpm_policy_end_locked(struct tpm *tpm, struct tpm_session *s, bool gone)
{
	if (s->handle == 0)
		return;
	if (!gone)
		(void)Tss2_Sys_FlushContext(tpm_sys(tpm), s->handle);
	tpm_held_remove_locked(tpm, s->handle); /* after: see tpm_flush_locked */
	secmem_wipe(s, sizeof(*s));
}

enum tpm_rc tpm_policy_run_command_code_locked(struct tpm *tpm,
					       const struct tpm_session *s,
					       TPM2_CC code)
{
	return tpm_map(Tss2_Sys_PolicyCommandCode(tpm_sys(tpm), s->handle,
						  NULL, code, NULL),
		       "policy command code");
}

enum tpm_rc tpm_policy_run_auth_value_locked(struct tpm *tpm,
					     const struct tpm_session *s)
{
	return tpm_map(Tss2_Sys_PolicyAuthValue(tpm_sys(tpm), s->handle, NULL,
						NULL),
		       "policy auth value");
}

enum tpm_rc tpm_policy_run_nv_written_locked(struct tpm *tpm,
					     const struct tpm_session *s,
					     bool written)
{
	return tpm_map(Tss2_Sys_PolicyNvWritten(tpm_sys(tpm), s->handle, NULL,
						written ? 1 : 0, NULL),
		       "policy NV written");
}

enum tpm_rc tpm_policy_run_or_locked(struct tpm *tpm,
				     const struct tpm_session *s,
				     const struct tpm_policy *branches,
				     size_t count)
{
	TPML_DIGEST list = { .count = (UINT32)count };

	if (count < 2 || count > TPM_POLICY_OR_MAX)
		return TPM_E_BAD_INPUT;
	for (size_t i = 0; i < count; i++) {
		list.digests[i].size = sizeof(branches[i].digest);
		memcpy(list.digests[i].buffer, branches[i].digest,
		       sizeof(branches[i].digest));
	}
	return tpm_map(Tss2_Sys_PolicyOR(tpm_sys(tpm), s->handle, NULL, &list,
					 NULL),
		       "policy OR");
}

/*
 * TPM2_PolicySecret, the entity's auth value proven in the module's salted
 * HMAC session: it never crosses the interface, and a wrong one fails
 * here as it would on the entity itself (a PIN-fail index counts it).
 */
TSS2_RC tpm_policy_run_secret_locked(struct tpm *tpm,
				     const struct tpm_session *s,
				     TPM2_HANDLE entity,
				     const TPM2B_NAME *entity_name,
				     const uint8_t *auth, size_t auth_len)
{
	TPM2B_NONCE no_nonce = { 0 };
	TPM2B_DIGEST no_cp_hash = { 0 };
	TPM2B_NONCE no_ref = { 0 };
	TPM2B_NAME session_name;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_PolicySecret,
		.names = { entity_name, &session_name }, .name_count = 2,
		.auth = auth, .auth_len = auth_len,
	};
	TSS2_SYS_CONTEXT *sys = tpm_sys(tpm);
	TSS2_RC trc;

	tpm_handle_name(s->handle, &session_name);
	for (unsigned int tries = 0;;) {
		trc = Tss2_Sys_PolicySecret_Prepare(sys, entity, s->handle,
						    &no_nonce, &no_cp_hash,
						    &no_ref, 0);
		if (trc == TSS2_RC_SUCCESS)
			trc = tpm_authed_execute_locked(tpm, &cmd);
		if (!tpm_busy_retry(trc, &tries))
			break;
	}
	return trc;
}
