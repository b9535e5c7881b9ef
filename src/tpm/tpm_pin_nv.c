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
 * The wrap secret is sealed in an object whose only authorization is the
 * policy PolicySecret(index) + PolicyCommandCode(Unseal): to unseal it,
 * the PIN must be proven to the index.
 *
 * The index is written and re-keyed only through its policy, an OR of:
 *   read     PolicyCommandCode(NV_Read): the counter is not secret
 *   change   PolicyAuthValue + CC(NV_ChangeAuth): the user, with the PIN
 *   first    PolicyNvWritten(NO) + CC(NV_Write): the one initial write
 * Nobody can write the count after that.  The SO's reset (C_InitPIN) is
 * a new index and a new seal (token_pin_counter.c): an SO branch of
 * NV_ChangeAuth cannot carry the new auth encrypted, since the TPM keys
 * that parameter's encryption with the index's current auth value, which
 * only the user knows.
 */
#include "tpm/tpm.h"

#include <stdlib.h>
#include <string.h>

#include <tss2/tss2_mu.h>

#include "common/session_crypto.h"
#include "tpm/tpm_internal.h"
#include "tpm/tpm_policy.h"

#define TC_LOG_LAYER TC_LAYER_TPM
#include "common/log.h"

/* Where tpmcard puts its indices, in the owner's range. */
#define PIN_NV_BASE 0x01350000u
#define PIN_NV_SPAN 0x10000u
#define PIN_NV_TRIES 8 /* handles tried before giving up */
#define PIN_NV_SIZE 8  /* TPMS_NV_PIN_COUNTER_PARAMETERS */

enum branch { B_READ, B_CHANGE, B_FIRST, B_COUNT };

static const TPMA_NV pin_nv_attributes =
	(TPM2_NT_PIN_FAIL << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_NO_DA |
	TPMA_NV_AUTHREAD | TPMA_NV_POLICYREAD | TPMA_NV_POLICYWRITE;

/* The branch digests. */
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

/* An index's name: nameAlg || SHA-256(TPMS_NV_PUBLIC). */
static bool nv_name_of(const TPMS_NV_PUBLIC *pub, TPM2B_NAME *name)
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	size_t len = 0;
	struct crypto_part part = { buf, 0 };

	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(pub, buf, sizeof(buf), &len) !=
	    TSS2_RC_SUCCESS)
		return false;
	part.len = len;
	name->name[0] = (uint8_t)(TPM2_ALG_SHA256 >> 8);
	name->name[1] = (uint8_t)(TPM2_ALG_SHA256 & 0xff);
	name->size = 2 + SC_SHA256_BYTES;
	return sc_sha256(&part, 1, name->name + 2);
}

/* The stored form of an index's public area, and back. */
static enum tpm_rc nv_marshal(const TPMS_NV_PUBLIC *pub, uint8_t **out,
			      size_t *out_len)
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	size_t len = 0;

	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(pub, buf, sizeof(buf), &len) !=
	    TSS2_RC_SUCCESS)
		return TPM_E_FAILURE;
	*out = malloc(len);
	if (*out == NULL)
		return TPM_E_NO_MEMORY;
	memcpy(*out, buf, len);
	*out_len = len;
	return TPM_OK;
}

static bool nv_unmarshal(const uint8_t *nv, size_t nv_len,
			 TPMS_NV_PUBLIC *pub)
{
	size_t off = 0;

	memset(pub, 0, sizeof(*pub));
	return Tss2_MU_TPMS_NV_PUBLIC_Unmarshal(nv, nv_len, &off, pub) ==
		       TSS2_RC_SUCCESS &&
	       off == nv_len &&
	       (pub->attributes & ~TPMA_NV_WRITTEN) == pin_nv_attributes &&
	       pub->nameAlg == TPM2_ALG_SHA256 &&
	       pub->dataSize == PIN_NV_SIZE;
}

/* What every operation on a token's index needs to know of it. */
struct pin_nv {
	TPMS_NV_PUBLIC pub;
	TPM2B_NAME name;
	struct tpm_policy branches[B_COUNT];
};

static enum tpm_rc pin_nv_open(const uint8_t *nv, size_t nv_len,
			       struct pin_nv *out)
{
	memset(out, 0, sizeof(*out));
	if (!nv_unmarshal(nv, nv_len, &out->pub) ||
	    !nv_name_of(&out->pub, &out->name) ||
	    !branches_of(out->branches))
		return TPM_E_BAD_BLOB;
	return TPM_OK;
}

/* The end of a branch: its command code, then the OR of all branches. */
static enum tpm_rc finish_branch_locked(struct tpm *tpm,
					const struct tpm_session *s,
					const struct pin_nv *nv, TPM2_CC code)
{
	enum tpm_rc rc = tpm_policy_run_command_code_locked(tpm, s, code);

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

/* NV_Write of the counter {0, limit} through a session past its branch. */
static enum tpm_rc write_counter_locked(struct tpm *tpm, struct tpm_session *s,
					const struct pin_nv *nv,
					uint32_t limit)
{
	TPMS_NV_PIN_COUNTER_PARAMETERS counter = { .pinCount = 0,
						   .pinLimit = limit };
	TPM2B_MAX_NV_BUFFER data = { .size = PIN_NV_SIZE };
	size_t off = 0;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_Write, .names = { &nv->name, &nv->name },
		.name_count = 2,
	};
	TSS2_RC trc;

	if (Tss2_MU_TPMS_NV_PIN_COUNTER_PARAMETERS_Marshal(
		    &counter, data.buffer, sizeof(data.buffer), &off) !=
	    TSS2_RC_SUCCESS)
		return TPM_E_FAILURE;
	trc = Tss2_Sys_NV_Write_Prepare(tpm_sys(tpm), nv->pub.nvIndex,
					nv->pub.nvIndex, &data, 0);
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, s, &cmd, false);
	return tpm_map(trc, "write the PIN counter");
}

/* TPM2_NV_DefineSpace by the owner (empty auth), at a free handle. */
static enum tpm_rc define_locked(struct tpm *tpm, TPMS_NV_PUBLIC *pub,
				 const uint8_t *auth, size_t auth_len)
{
	TPM2B_NV_PUBLIC info = { 0 };
	TPM2B_AUTH value = { .size = (UINT16)auth_len };
	TPM2B_NAME owner;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_DefineSpace, .names = { &owner },
		.name_count = 1, .attrs = TPMA_SESSION_DECRYPT,
	};
	uint8_t pick[2];
	TSS2_RC trc = TPM2_RC_NV_DEFINED;
	enum tpm_rc rc;

	memcpy(value.buffer, auth, auth_len);
	tpm_handle_name(TPM2_RH_OWNER, &owner);
	rc = tpm_session_ready_locked(tpm);
	for (int i = 0; rc == TPM_OK && i < PIN_NV_TRIES &&
			trc == TPM2_RC_NV_DEFINED;
	     i++) {
		if (!crypto_random(pick, sizeof(pick))) {
			rc = TPM_E_FAILURE;
			break;
		}
		pub->nvIndex = PIN_NV_BASE + (((uint32_t)pick[0] << 8 | pick[1]) %
					      PIN_NV_SPAN);
		info.nvPublic = *pub;
		trc = Tss2_Sys_NV_DefineSpace_Prepare(tpm_sys(tpm),
						      TPM2_RH_OWNER, &value,
						      &info);
		if (trc == TSS2_RC_SUCCESS)
			trc = tpm_authed_execute_locked(tpm, &cmd);
	}
	secmem_wipe(&value, sizeof(value));
	if (rc != TPM_OK || trc == TSS2_RC_SUCCESS)
		return rc;
	if ((trc & TSS2_RC_LAYER_MASK) != TSS2_TPM_RC_LAYER)
		return tpm_map(trc, "define the PIN counter");
	log_info("no PIN counter index in this TPM (TPM2_NV_DefineSpace: "
		 "0x%x): the PIN stays behind the TPM's dictionary-attack "
		 "lockout", (unsigned int)trc);
	return TPM_E_NV_UNAVAILABLE;
}

/* The first write, through its branch: {0, limit}. */
static enum tpm_rc first_write_locked(struct tpm *tpm, struct pin_nv *nv,
				      uint32_t limit)
{
	struct tpm_session s;
	enum tpm_rc rc = tpm_policy_start_locked(tpm, false, &s);

	if (rc == TPM_OK)
		rc = tpm_policy_run_nv_written_locked(tpm, &s, false);
	if (rc == TPM_OK)
		rc = finish_branch_locked(tpm, &s, nv, TPM2_CC_NV_Write);
	if (rc == TPM_OK)
		rc = write_counter_locked(tpm, &s, nv, limit);
	tpm_policy_end_locked(tpm, &s, false);
	return rc;
}

static void undefine_locked(struct tpm *tpm, const struct pin_nv *nv);

enum tpm_rc tpm_pin_nv_create(struct tpm *tpm, const uint8_t *auth,
			      size_t auth_len, uint32_t limit, uint8_t **out,
			      size_t *out_len)
{
	struct pin_nv nv;
	struct tpm_policy policy;
	enum tpm_rc rc;

	*out = NULL;
	*out_len = 0;
	memset(&nv, 0, sizeof(nv));
	if (auth_len > SC_SHA256_BYTES || limit == 0)
		return TPM_E_BAD_INPUT;
	if (!branches_of(nv.branches) ||
	    !tpm_policy_or(nv.branches, B_COUNT, &policy))
		return TPM_E_BAD_BLOB;
	nv.pub.nameAlg = TPM2_ALG_SHA256;
	nv.pub.attributes = pin_nv_attributes;
	nv.pub.authPolicy.size = sizeof(policy.digest);
	memcpy(nv.pub.authPolicy.buffer, policy.digest, sizeof(policy.digest));
	nv.pub.dataSize = PIN_NV_SIZE;

	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? define_locked(tpm, &nv.pub, auth, auth_len) :
			    TPM_E_FAILURE;
	if (rc == TPM_OK && !nv_name_of(&nv.pub, &nv.name))
		rc = TPM_E_FAILURE;
	if (rc == TPM_OK) {
		rc = first_write_locked(tpm, &nv, limit);
		if (rc != TPM_OK)
			undefine_locked(tpm, &nv);
	}
	tpm_unlock(tpm);
	if (rc != TPM_OK)
		return rc;
	nv.pub.attributes |= TPMA_NV_WRITTEN;
	log_info("PIN counter at NV index 0x%08x, %u tries",
		 (unsigned int)nv.pub.nvIndex, (unsigned int)limit);
	return nv_marshal(&nv.pub, out, out_len);
}

/* The policy that unseals: PolicySecret(index) + CC(Unseal). */
static bool unseal_policy(const struct pin_nv *nv, struct tpm_policy *p)
{
	tpm_policy_init(p);
	return tpm_policy_secret(p, &nv->name) &&
	       tpm_policy_command_code(p, TPM2_CC_Unseal);
}

enum tpm_rc tpm_pin_nv_seal(struct tpm *tpm, const uint8_t *nv_pub,
			    size_t nv_len, const uint8_t *secret,
			    size_t secret_len, struct tpm_blob *out)
{
	TPM2B_SENSITIVE_CREATE sensitive = { 0 };
	TPM2B_PUBLIC template = { 0 }, pub = { 0 };
	TPM2B_PRIVATE priv = { 0 };
	struct tpm_policy policy;
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(nv_pub, nv_len, &nv);

	memset(out, 0, sizeof(*out));
	if (rc != TPM_OK)
		return rc;
	if (secret_len > sizeof(sensitive.sensitive.data.buffer))
		return TPM_E_BAD_INPUT;
	if (!unseal_policy(&nv, &policy))
		return TPM_E_FAILURE;
	template.publicArea.type = TPM2_ALG_KEYEDHASH;
	template.publicArea.nameAlg = TPM2_ALG_SHA256;
	/* No auth value of its own: only the policy opens it. */
	template.publicArea.objectAttributes =
		TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
		TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_NODA;
	template.publicArea.authPolicy.size = sizeof(policy.digest);
	memcpy(template.publicArea.authPolicy.buffer, policy.digest,
	       sizeof(policy.digest));
	template.publicArea.parameters.keyedHashDetail.scheme.scheme =
		TPM2_ALG_NULL;
	sensitive.sensitive.data.size = (UINT16)secret_len;
	memcpy(sensitive.sensitive.data.buffer, secret, secret_len);

	tpm_lock(tpm);
	rc = tpm_create_locked(tpm, &sensitive, &template, &priv, &pub,
			       "create the PIN-counter sealed object");
	tpm_unlock(tpm);
	secmem_wipe(&sensitive, sizeof(sensitive));
	if (rc == TPM_OK && !tpm_blob_marshal(&pub, &priv, out))
		rc = TPM_E_NO_MEMORY;
	return rc;
}

/* TPM2_Unseal through the policy session, the secret encrypted back. */
static enum tpm_rc unseal_locked(struct tpm *tpm, struct tpm_session *s,
				 TPM2_HANDLE seal, const TPM2B_NAME *seal_name,
				 TPM2B_SENSITIVE_DATA *data)
{
	struct tpm_authed cmd = {
		.cc = TPM2_CC_Unseal, .names = { seal_name }, .name_count = 1,
		.attrs = TPMA_SESSION_ENCRYPT,
	};
	TSS2_RC trc = Tss2_Sys_Unseal_Prepare(tpm_sys(tpm), seal);

	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, s, &cmd, false);
	if (trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_Unseal_Complete(tpm_sys(tpm), data);
	return tpm_map(trc, "unseal under the PIN counter");
}

enum tpm_rc tpm_pin_nv_unseal(struct tpm *tpm, const uint8_t *nv_pub,
			      size_t nv_len, const struct tpm_blob *seal,
			      const uint8_t *auth, size_t auth_len,
			      struct secbuf **out)
{
	TPM2B_SENSITIVE_DATA data = { 0 };
	TPM2_HANDLE handle = 0;
	TPM2B_NAME seal_name;
	struct tpm_session s = { 0 };
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(nv_pub, nv_len, &nv);

	*out = NULL;
	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? tpm_load_locked(tpm, seal, &handle, &seal_name) :
			    TPM_E_FAILURE;
	if (rc == TPM_OK)
		rc = tpm_session_ready_locked(tpm);
	if (rc == TPM_OK)
		rc = tpm_policy_start_locked(tpm, true, &s);
	if (rc == TPM_OK)
		rc = pin_result(tpm_policy_run_secret_locked(
					tpm, &s, nv.pub.nvIndex, &nv.name,
					auth, auth_len),
				"PIN");
	if (rc == TPM_OK)
		rc = tpm_policy_run_command_code_locked(tpm, &s,
							TPM2_CC_Unseal);
	if (rc == TPM_OK)
		rc = unseal_locked(tpm, &s, handle, &seal_name, &data);
	tpm_policy_end_locked(tpm, &s, false);
	tpm_flush_locked(tpm, handle);
	tpm_unlock(tpm);
	if (rc == TPM_OK) {
		*out = secbuf_dup(data.buffer, data.size);
		if (*out == NULL)
			rc = TPM_E_NO_MEMORY;
	}
	secmem_wipe(&data, sizeof(data));
	return rc;
}

/* TPM2_NV_ChangeAuth through a session past one of its branches. */
static enum tpm_rc change_auth_locked(struct tpm *tpm, struct tpm_session *s,
				      const struct pin_nv *nv,
				      const uint8_t *old_auth, size_t old_len,
				      const uint8_t *new_auth, size_t new_len)
{
	TPM2B_AUTH value = { .size = (UINT16)new_len };
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_ChangeAuth, .names = { &nv->name },
		.name_count = 1, .auth = old_auth, .auth_len = old_len,
		.attrs = TPMA_SESSION_DECRYPT, /* the new auth goes in */
	};
	TSS2_RC trc;

	if (new_len > SC_SHA256_BYTES)
		return TPM_E_BAD_INPUT;
	memcpy(value.buffer, new_auth, new_len);
	/* Proven with the old auth, the answer comes under the new one. */
	cmd.response_auth = new_auth;
	cmd.response_auth_len = new_len;
	trc = Tss2_Sys_NV_ChangeAuth_Prepare(tpm_sys(tpm), nv->pub.nvIndex,
					     &value);
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, s, &cmd, false);
	secmem_wipe(&value, sizeof(value));
	return pin_result(trc, "change the PIN");
}

enum tpm_rc tpm_pin_nv_change(struct tpm *tpm, const uint8_t *nv_pub,
			      size_t nv_len, const uint8_t *old_auth,
			      size_t old_len, const uint8_t *new_auth,
			      size_t new_len)
{
	struct tpm_session s = { 0 };
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(nv_pub, nv_len, &nv);

	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? tpm_policy_start_locked(tpm, true, &s) :
			    TPM_E_FAILURE;
	if (rc == TPM_OK)
		rc = tpm_policy_run_auth_value_locked(tpm, &s);
	if (rc == TPM_OK)
		rc = finish_branch_locked(tpm, &s, &nv, TPM2_CC_NV_ChangeAuth);
	if (rc == TPM_OK)
		rc = change_auth_locked(tpm, &s, &nv, old_auth, old_len,
					new_auth, new_len);
	tpm_policy_end_locked(tpm, &s, false);
	tpm_unlock(tpm);
	return rc;
}

/* TPM2_NV_Read of the counter, through a session past its branch. */
static enum tpm_rc read_counter_locked(struct tpm *tpm, struct tpm_session *s,
				       const struct pin_nv *nv,
				       TPMS_NV_PIN_COUNTER_PARAMETERS *counter)
{
	TPM2B_MAX_NV_BUFFER data = { 0 };
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_Read, .names = { &nv->name, &nv->name },
		.name_count = 2,
	};
	size_t off = 0;
	TSS2_RC trc = Tss2_Sys_NV_Read_Prepare(tpm_sys(tpm), nv->pub.nvIndex,
					       nv->pub.nvIndex, PIN_NV_SIZE,
					       0);

	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_session_execute_locked(tpm, s, &cmd, false);
	if (trc == TSS2_RC_SUCCESS)
		trc = Tss2_Sys_NV_Read_Complete(tpm_sys(tpm), &data);
	if (trc == TSS2_RC_SUCCESS &&
	    Tss2_MU_TPMS_NV_PIN_COUNTER_PARAMETERS_Unmarshal(
		    data.buffer, data.size, &off, counter) != TSS2_RC_SUCCESS)
		trc = TSS2_SYS_RC_MALFORMED_RESPONSE;
	return tpm_map(trc, "read the PIN counter");
}

static enum tpm_rc read_locked(struct tpm *tpm, const struct pin_nv *nv,
			       TPMS_NV_PIN_COUNTER_PARAMETERS *counter)
{
	struct tpm_session s = { 0 };
	enum tpm_rc rc = tpm_policy_start_locked(tpm, false, &s);

	if (rc == TPM_OK)
		rc = finish_branch_locked(tpm, &s, nv, TPM2_CC_NV_Read);
	if (rc == TPM_OK)
		rc = read_counter_locked(tpm, &s, nv, counter);
	tpm_policy_end_locked(tpm, &s, false);
	return rc;
}

enum tpm_rc tpm_pin_nv_read(struct tpm *tpm, const uint8_t *nv_pub,
			    size_t nv_len, uint32_t *count, uint32_t *limit)
{
	TPMS_NV_PIN_COUNTER_PARAMETERS counter = { 0 };
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(nv_pub, nv_len, &nv);

	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	rc = tpm_sys(tpm) ? read_locked(tpm, &nv, &counter) : TPM_E_FAILURE;
	tpm_unlock(tpm);
	*count = counter.pinCount;
	*limit = counter.pinLimit;
	return rc;
}

/* TPM2_NV_UndefineSpace by the owner (empty auth); logged, not fatal. */
static void undefine_locked(struct tpm *tpm, const struct pin_nv *nv)
{
	TPM2B_NAME owner;
	struct tpm_authed cmd = {
		.cc = TPM2_CC_NV_UndefineSpace, .names = { &owner, &nv->name },
		.name_count = 2,
	};
	TSS2_RC trc;

	tpm_handle_name(TPM2_RH_OWNER, &owner);
	trc = tpm_session_ready_locked(tpm) == TPM_OK ?
		      Tss2_Sys_NV_UndefineSpace_Prepare(
			      tpm_sys(tpm), TPM2_RH_OWNER, nv->pub.nvIndex) :
		      TSS2_SYS_RC_GENERAL_FAILURE;
	if (trc == TSS2_RC_SUCCESS)
		trc = tpm_authed_execute_locked(tpm, &cmd);
	if (trc != TSS2_RC_SUCCESS)
		log_warn("the PIN counter at NV index 0x%08x stays in the TPM "
			 "(0x%x); tpm2_nvundefine removes it",
			 (unsigned int)nv->pub.nvIndex, (unsigned int)trc);
}

enum tpm_rc tpm_pin_nv_remove(struct tpm *tpm, const uint8_t *nv_pub,
			      size_t nv_len)
{
	struct pin_nv nv;
	enum tpm_rc rc = pin_nv_open(nv_pub, nv_len, &nv);

	if (rc != TPM_OK)
		return rc;
	tpm_lock(tpm);
	if (tpm_sys(tpm))
		undefine_locked(tpm, &nv);
	tpm_unlock(tpm);
	return TPM_OK;
}
