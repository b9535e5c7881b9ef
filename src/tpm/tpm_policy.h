/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TPM_TPM_POLICY_H
#define TPMCARD_TPM_TPM_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <tss2/tss2_sys.h>

#include "tpm/tpm.h"

struct tpm_session;

#define TPM_POLICY_OR_MAX 8

/* A SHA-256 policy digest, as a policy session would end with it. */
struct tpm_policy {
	uint8_t digest[32];
};

/* The digests, computed locally (tpm_policy.c gives the formulas). */
void tpm_policy_init(struct tpm_policy *p);
bool tpm_policy_command_code(struct tpm_policy *p, TPM2_CC code);
bool tpm_policy_auth_value(struct tpm_policy *p);
bool tpm_policy_nv_written(struct tpm_policy *p, bool written);
bool tpm_policy_secret(struct tpm_policy *p, const TPM2B_NAME *auth_name);
bool tpm_policy_or(const struct tpm_policy *branches, size_t count,
		   struct tpm_policy *out);

/* The name of a handle that is its own name (a session, a hierarchy). */
void tpm_handle_name(TPM2_HANDLE handle, TPM2B_NAME *name);

/* The same assertions, sent to the TPM for a policy session. */
enum tpm_rc tpm_policy_run_command_code_locked(struct tpm *tpm,
					       const struct tpm_session *s,
					       TPM2_CC code);
enum tpm_rc tpm_policy_run_auth_value_locked(struct tpm *tpm,
					     const struct tpm_session *s);
enum tpm_rc tpm_policy_run_nv_written_locked(struct tpm *tpm,
					     const struct tpm_session *s,
					     bool written);
enum tpm_rc tpm_policy_run_or_locked(struct tpm *tpm,
				     const struct tpm_session *s,
				     const struct tpm_policy *branches,
				     size_t count);
/* The raw result: the caller tells a wrong auth from a locked entity. */
TSS2_RC tpm_policy_run_secret_locked(struct tpm *tpm,
				     const struct tpm_session *s,
				     TPM2_HANDLE entity,
				     const TPM2B_NAME *entity_name,
				     const uint8_t *auth, size_t auth_len);

#endif
