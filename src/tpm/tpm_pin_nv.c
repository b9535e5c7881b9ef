/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A token's user PIN retry counter, kept and enforced by the TPM: an NV
 * index of type TPM_NT_PIN_FAIL (TPM 2.0 Part 1, 37.2.6.6; Part 2, 13.4).
 * Its auth value is the PIN-derived auth; every authorization with a wrong
 * one adds 1 to its pinCount, a right one sets it back to 0, and once
 * pinCount reaches pinLimit the TPM refuses the auth value outright
 * (TPM_RC_AUTH_UNAVAILABLE).  It has TPMA_NV_NO_DA, as the type requires:
 * wrong PINs here never touch the TPM's machine-wide lockout.
 *
 * The counter's own policy is an OR of:
 *   read     PolicyCommandCode(NV_Read): the count is not secret
 *   change   PolicyAuthValue + CC(NV_ChangeAuth): the user, with the PIN
 *   first    PolicyNvWritten(NO) + CC(NV_Write): the one initial write
 * Nobody can write the count after that.  The SO's reset (C_InitPIN) is a
 * new pair of indices: an SO branch of NV_ChangeAuth cannot carry the new
 * auth encrypted, since the TPM keys that parameter's encryption with the
 * index's current auth value, which only the user knows.
 *
 * The wrap secret itself sits in a second index, ordinary, written once by
 * the owner and then locked for good (TPMA_NV_WRITEDEFINE); it has no
 * auth value and reads only by the policy PolicySecret(counter): the PIN
 * proven to the counter.  A login is then three commands (a policy
 * session, PolicySecret, NV_Read), as many as loading, unsealing and
 * flushing a sealed object.
 *
 * What the store keeps of the pair: both public areas, one after the
 * other, as TPMS_NV_PUBLIC.
 */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/session_crypto.h"
#include "tpm/tpm_internal.h"
#include "tpm/tpm_nv.h"
#include "tpm/tpm_policy.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

#define COUNTER_SIZE 8 /* TPMS_NV_PIN_COUNTER_PARAMETERS */
#define SECRET_MAX 64

enum branch { B_READ, B_CHANGE, B_FIRST, B_COUNT };

static const TPMA_NV counter_attributes =
	(TPM2_NT_PIN_FAIL << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_NO_DA |
	TPMA_NV_AUTHREAD | TPMA_NV_POLICYREAD | TPMA_NV_POLICYWRITE;

static const TPMA_NV secret_attributes =
	(TPM2_NT_ORDINARY << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_NO_DA |
	TPMA_NV_OWNERWRITE | TPMA_NV_WRITEDEFINE | TPMA_NV_POLICYREAD;

/* A token's pair of indices, and the counter's branch digests. */
struct pin_nv {
	struct tpm_nv counter;
	struct tpm_nv secret;
	struct tpm_policy branches[B_COUNT];
};

static bool branches_of(struct tpm_policy *b)
{
	bool ok = true;

	for (int i = 0; i < B_COUNT; i++)
		tpm_policy_init(&b[i]);
	ok = ok && tpm_policy_command_code(&b[B_READ], TPM2_CC_NV_Read);
	ok = ok && tpm_policy_auth_value(&b[B_CHANGE]) &&
	     tpm_policy_command_code(&b[B_CHANGE], TPM2_CC_NV_ChangeAuth);
	ok = ok && tpm_policy_nv_written(&b[B_FIRST], false) &&
	     tpm_policy_command_code(&b[B_FIRST], TPM2_CC_NV_Write);
	return ok;
}

/* The stored pair, checked to be of the shape this file makes. */
static enum tpm_rc pin_nv_open(const uint8_t *blob, size_t len,
			       struct pin_nv *out)
{
	const TPMA_NV done = TPMA_NV_WRITTEN | TPMA_NV_WRITELOCKED;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (!tpm_nv_unmarshal(blob, len, &off, &out->counter) ||
	    !tpm_nv_unmarshal(blob, len, &off, &out->secret) || off != len ||
	    out->counter.pub.attributes !=
		    (counter_attributes | TPMA_NV_WRITTEN) ||
	    out->counter.pub.dataSize != COUNTER_SIZE ||
	    out->secret.pub.attributes != (secret_attributes | done) ||
	    out->secret.pub.dataSize > SECRET_MAX ||
	    !branches_of(out->branches))
		return TPM_E_BAD_BLOB;
	return TPM_OK;
}

static enum tpm_rc pin_nv_store(const struct pin_nv *nv, uint8_t **out,
				size_t *out_len)
{
	uint8_t buf[2 * sizeof(TPMS_NV_PUBLIC)];
	size_t off = 0;

	if (!tpm_nv_marshal(&nv->counter, buf, sizeof(buf), &off) ||
	    !tpm_nv_marshal(&nv->secret, buf, sizeof(buf), &off))
		return TPM_E_FAILURE;
	*out = malloc(off);
	if (*out == NULL)
		return TPM_E_NO_MEMORY;
	memcpy(*out, buf, off);
	*out_len = off;
	return TPM_OK;
}

/*
 * The salted policy session a PIN is proven in, with the SRK proven
 * first: starting it through the module's session proves an SRK the hint
 * file gave (tpm_salt.c); one that fails that is read again, and only a
 * session under the SRK as the TPM has it ever carries the PIN.
 */
static enum tpm_rc policy_start_once_locked(struct tpm *tpm,
					    struct tpm_session *s)
{
	enum tpm_rc rc = tpm_session_ready_locked(tpm);

	if (rc == TPM_OK)
		rc = tpm_policy_start_locked(tpm, true, s);
	return rc;
}

static enum tpm_rc proven_policy_start_locked(struct tpm *tpm,
					      struct tpm_session *s)
{
	enum tpm_rc rc = policy_start_once_locked(tpm, s);

	/* A failure under a remembered SRK: that SRK may be gone. */
	if (rc == TPM_OK || !tpm->srk_unproven || rc == TPM_E_NO_DEVICE ||
	    rc == TPM_E_IO || rc == TPM_E_NO_MEMORY)
		return rc;
	rc = tpm_srk_proven_locked(tpm);
	if (rc == TPM_OK)
		rc = policy_start_once_locked(tpm, s);
	return rc;
}

/*
 * A policy session through one of the counter's branches: the branch's
 * own assertion, its command code, then the OR of all three.  The change
 * branch's session is started through the salted session, whose answer
 * proves the SRK, because its command carries the PIN's auth.
 */
static enum tpm_rc branch_start_locked(struct tpm *tpm,
				       const struct pin_nv *nv,
				       enum branch branch,
				       struct tpm_session *s)
{
	static const TPM2_CC codes[B_COUNT] = {
		[B_READ] = TPM2_CC_NV_Read,
		[B_CHANGE] = TPM2_CC_NV_ChangeAuth,
		[B_FIRST] = TPM2_CC_NV_Write,
	};
	enum tpm_rc rc = branch == B_CHANGE ?
				 proven_policy_start_locked(tpm, s) :
				 tpm_policy_start_locked(tpm, false, s);

	if (rc == TPM_OK && branch == B_CHANGE)
		rc = tpm_policy_run_auth_value_locked(tpm, s);
	if (rc == TPM_OK && branch == B_FIRST)
		rc = tpm_policy_run_nv_written_locked(tpm, s, false);
	if (rc == TPM_OK)
		rc = tpm_policy_run_command_code_locked(tpm, s,
							codes[branch]);
	if (rc == TPM_OK)
		rc = tpm_policy_run_or_locked(tpm, s, nv->branches, B_COUNT);
	return rc;
}

/* A wrong PIN, or the counter at its limit, told apart. */
static enum tpm_rc pin_result(TSS2_RC trc, const char *what)
{
	if (trc == TPM2_RC_AUTH_UNAVAILABLE) {
		log_warn("%s: the PIN's retry counter is at its limit", what);
		return TPM_E_PIN_LOCKED;
	}
	return tpm_map(trc, what);
}

/* The counter's first write, {0, limit}, through its branch. */
static enum tpm_rc first_write_locked(struct tpm *tpm, struct pin_nv *nv,
				      uint32_t limit)
{
	TPMS_NV_PIN_COUNTER_PARAMETERS counter = { .pinLimit = limit };
	TPM2B_MAX_NV_BUFFER data = { .size = COUNTER_SIZE };
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_Write,
		.names = { &nv->counter.name, &nv->counter.name },
		.name_count = 2,
	};
	struct tpm_session s = { 0 };
	size_t off = 0;
	enum tpm_rc rc = branch_start_locked(tpm, nv, B_FIRST, &s);
	TSS2_RC trc = TSS2_SYS_RC_GENERAL_FAILURE;

	if (rc == TPM_OK &&
	    Tss2_MU_TPMS_NV_PIN_COUNTER_PARAMETERS_Marshal(
		    &counter, data.buffer, sizeof(data.buffer), &off) ==
		    TSS2_RC_SUCCESS)
		trc = Tss2_Sys_NV_Write_Prepare(tpm_sys(tpm),
						nv->counter.pub.nvIndex,
						nv->counter.pub.nvIndex, &data, 0);
	if (rc == TPM_OK && trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, &s, &cmd, false);
	if (rc == TPM_OK)
		rc = tpm_map(trc, "write the PIN counter");
	tpm_policy_end_locked(tpm, &s, false);
	if (rc == TPM_OK) {
		nv->counter.pub.attributes |= TPMA_NV_WRITTEN;
		rc = tpm_nv_named(&nv->counter) ? TPM_OK : TPM_E_FAILURE;
	}
	return rc;
}

/* The secret's index: readable by PolicySecret(counter) alone. */
static enum tpm_rc secret_define_locked(struct tpm *tpm, struct pin_nv *nv,
					const uint8_t *secret, size_t len)
{
	struct tpm_policy policy;
	enum tpm_rc rc;

	tpm_policy_init(&policy);
	if (!tpm_policy_secret(&policy, &nv->counter.name))
		return TPM_E_FAILURE;
	nv->secret.pub.nameAlg = TPM2_ALG_SHA256;
	nv->secret.pub.attributes = secret_attributes;
	nv->secret.pub.authPolicy.size = sizeof(policy.digest);
	memcpy(nv->secret.pub.authPolicy.buffer, policy.digest,
	       sizeof(policy.digest));
	nv->secret.pub.dataSize = (UINT16)len;
	rc = tpm_nv_define_locked(tpm, &nv->secret, NULL, 0);
	if (rc != TPM_OK)
		return rc;
	rc = tpm_nv_owner_write_locked(tpm, &nv->secret, secret, len);
	if (rc == TPM_OK)
		rc = tpm_nv_owner_lock_locked(tpm, &nv->secret);
	if (rc != TPM_OK)
		tpm_nv_undefine_locked(tpm, &nv->secret);
	return rc;
}

static enum tpm_rc create_locked(struct tpm *tpm, struct pin_nv *nv,
				 const uint8_t *auth, size_t auth_len,
				 uint32_t limit, const uint8_t *secret,
				 size_t len)
{
	struct tpm_policy policy;
	enum tpm_rc rc;

	if (!branches_of(nv->branches) ||
	    !tpm_policy_or(nv->branches, B_COUNT, &policy))
		return TPM_E_FAILURE;
	nv->counter.pub.nameAlg = TPM2_ALG_SHA256;
	nv->counter.pub.attributes = counter_attributes;
	nv->counter.pub.authPolicy.size = sizeof(policy.digest);
	memcpy(nv->counter.pub.authPolicy.buffer, policy.digest,
	       sizeof(policy.digest));
	nv->counter.pub.dataSize = COUNTER_SIZE;
	rc = tpm_nv_define_locked(tpm, &nv->counter, auth, auth_len);
	if (rc != TPM_OK)
		return rc;
	rc = first_write_locked(tpm, nv, limit);
	if (rc == TPM_OK)
		rc = secret_define_locked(tpm, nv, secret, len);
	if (rc != TPM_OK)
		tpm_nv_undefine_locked(tpm, &nv->counter);
	return rc;
}

enum tpm_rc tpm_pin_nv_create(struct tpm *tpm, const uint8_t *auth,
			      size_t auth_len, uint32_t limit,
			      const uint8_t *secret, size_t secret_len,
			      uint8_t **out, size_t *out_len)
{
	struct pin_nv nv;
	enum tpm_rc rc;

	*out = NULL;
	*out_len = 0;
	memset(&nv, 0, sizeof(nv));
	if (auth_len > SC_SHA256_BYTES || limit == 0 || secret_len == 0 ||
	    secret_len > SECRET_MAX)
		return TPM_E_BAD_INPUT;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? create_locked(tpm, &nv, auth, auth_len, limit,
					  secret, secret_len) :
			    TPM_E_FAILURE;
	tpm_unlock(tpm);
	if (rc != TPM_OK)
		return rc;
	log_info("PIN counter at NV index 0x%08x (%u tries), its secret at "
		 "0x%08x", (unsigned int)nv.counter.pub.nvIndex,
		 (unsigned int)limit, (unsigned int)nv.secret.pub.nvIndex);
	return pin_nv_store(&nv, out, out_len);
}

/* TPM2_NV_Read of the secret through the policy session, encrypted. */
static enum tpm_rc read_secret_locked(struct tpm *tpm, struct tpm_session *s,
				      const struct pin_nv *nv,
				      TPM2B_MAX_NV_BUFFER *data)
{
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_Read,
		.names = { &nv->secret.name, &nv->secret.name },
		.name_count = 2, .attrs = TPMA_SESSION_ENCRYPT,
	};
	TSS2_RC trc = Tss2_Sys_NV_Read_Prepare(
		tpm_sys(tpm), nv->secret.pub.nvIndex, nv->secret.pub.nvIndex,
		nv->secret.pub.dataSize, 0);

	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, s, &cmd, false);
	if (trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_NV_Read_Complete(tpm_sys(tpm), data);
	return tpm_map(trc, "read the PIN-protected secret");
}

static enum tpm_rc unseal_locked(struct tpm *tpm, const struct pin_nv *nv,
				 const uint8_t *auth, size_t auth_len,
				 TPM2B_MAX_NV_BUFFER *data)
{
	struct tpm_session s = { 0 };
	enum tpm_rc rc = proven_policy_start_locked(tpm, &s);

	if (rc == TPM_OK)
		rc = pin_result(tpm_policy_run_secret_locked(
					tpm, &s, nv->counter.pub.nvIndex,
					&nv->counter.name, auth, auth_len),
				"PIN");
	if (rc == TPM_OK)
		rc = read_secret_locked(tpm, &s, nv, data);
	tpm_policy_end_locked(tpm, &s, false);
	return rc;
}

enum tpm_rc tpm_pin_nv_unseal(struct tpm *tpm, const uint8_t *blob,
			      size_t blob_len, const uint8_t *auth,
			      size_t auth_len, struct secbuf **out)
{
	TPM2B_MAX_NV_BUFFER data = { 0 };
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(blob, blob_len, &nv);

	*out = NULL;
	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? unseal_locked(tpm, &nv, auth, auth_len, &data) :
			    TPM_E_FAILURE;
	tpm_unlock(tpm);
	if (rc == TPM_OK && data.size != nv.secret.pub.dataSize)
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK) {
		*out = secbuf_dup(data.buffer, data.size);
		if (*out == NULL)
			rc = TPM_E_NO_MEMORY;
	}
	secmem_wipe(&data, sizeof(data));
	return rc;
}

/* TPM2_NV_ChangeAuth of the counter, through its change branch. */
static enum tpm_rc change_locked(struct tpm *tpm, const struct pin_nv *nv,
				 const uint8_t *old_auth, size_t old_len,
				 const uint8_t *new_auth, size_t new_len)
{
	TPM2B_AUTH value = { .size = (UINT16)new_len };
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_ChangeAuth, .names = { &nv->counter.name },
		.name_count = 1, .auth = old_auth, .auth_len = old_len,
		.attrs = TPMA_SESSION_DECRYPT, /* the new auth goes in */
		/* Proven with the old auth, the answer comes under the new. */
		.response_auth = new_auth, .response_auth_len = new_len,
	};
	struct tpm_session s = { 0 };
	enum tpm_rc rc = branch_start_locked(tpm, nv, B_CHANGE, &s);
	TSS2_RC trc = TSS2_SYS_RC_GENERAL_FAILURE;

	memcpy(value.buffer, new_auth, new_len);
	if (rc == TPM_OK)
		trc = Tss2_Sys_NV_ChangeAuth_Prepare(
			tpm_sys(tpm), nv->counter.pub.nvIndex, &value);
	if (rc == TPM_OK && trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, &s, &cmd, false);
	if (rc == TPM_OK)
		rc = pin_result(trc, "change the PIN");
	tpm_policy_end_locked(tpm, &s, false);
	secmem_wipe(&value, sizeof(value));
	return rc;
}

enum tpm_rc tpm_pin_nv_change(struct tpm *tpm, const uint8_t *blob,
			      size_t blob_len, const uint8_t *old_auth,
			      size_t old_len, const uint8_t *new_auth,
			      size_t new_len)
{
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(blob, blob_len, &nv);

	if (rc != TPM_OK)
		return rc;
	if (new_len > SC_SHA256_BYTES || old_len > SC_SHA256_BYTES)
		return TPM_E_BAD_INPUT;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? change_locked(tpm, &nv, old_auth, old_len,
					  new_auth, new_len) :
			    TPM_E_FAILURE;
	tpm_unlock(tpm);
	return rc;
}

/* TPM2_NV_Read of the count, through the read branch. */
static enum tpm_rc count_locked(struct tpm *tpm, const struct pin_nv *nv,
				TPMS_NV_PIN_COUNTER_PARAMETERS *counter)
{
	TPM2B_MAX_NV_BUFFER data = { 0 };
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_Read,
		.names = { &nv->counter.name, &nv->counter.name },
		.name_count = 2,
	};
	struct tpm_session s = { 0 };
	size_t off = 0;
	enum tpm_rc rc = branch_start_locked(tpm, nv, B_READ, &s);
	TSS2_RC trc = TSS2_SYS_RC_GENERAL_FAILURE;

	if (rc == TPM_OK)
		trc = Tss2_Sys_NV_Read_Prepare(tpm_sys(tpm),
					       nv->counter.pub.nvIndex,
					       nv->counter.pub.nvIndex,
					       COUNTER_SIZE, 0);
	if (rc == TPM_OK && trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, &s, &cmd, false);
	if (rc == TPM_OK && trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_NV_Read_Complete(tpm_sys(tpm), &data);
	if (rc == TPM_OK && trc == TSS2_RC_SUCCESS &&
	    Tss2_MU_TPMS_NV_PIN_COUNTER_PARAMETERS_Unmarshal(
		    data.buffer, data.size, &off, counter) != TSS2_RC_SUCCESS)
		trc = TSS2_SYS_RC_MALFORMED_RESPONSE;
	if (rc == TPM_OK)
		rc = tpm_map(trc, "read the PIN counter");
	tpm_policy_end_locked(tpm, &s, false);
	return rc;
}

enum tpm_rc tpm_pin_nv_read(struct tpm *tpm, const uint8_t *blob,
			    size_t blob_len, uint32_t *count, uint32_t *limit)
{
	TPMS_NV_PIN_COUNTER_PARAMETERS counter = { 0 };
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(blob, blob_len, &nv);

	*count = 0;
	*limit = 0;
	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? count_locked(tpm, &nv, &counter) : TPM_E_FAILURE;
	tpm_unlock(tpm);
	*count = counter.pinCount;
	*limit = counter.pinLimit;
	return rc;
}

enum tpm_rc tpm_pin_nv_remove(struct tpm *tpm, const uint8_t *blob,
			      size_t blob_len)
{
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(blob, blob_len, &nv);

	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	if (tpm_sys(tpm)) {
		tpm_nv_undefine_locked(tpm, &nv.secret);
		tpm_nv_undefine_locked(tpm, &nv.counter);
	}
	tpm_unlock(tpm);
	return TPM_OK;
}
