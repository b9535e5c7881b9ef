/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TPM_TPM_NV_H
#define TPMCARD_TPM_TPM_NV_H

#include <stdbool.h>
#include <stddef.h>

#include <tss2/tss2_sys.h>

#include "tpm/tpm.h"

/* Where tpmcard puts its NV indices, in the owner's range. */
#define TPM_NV_FIRST 0x01350000u
#define TPM_NV_SPAN 0x10000u

/* An NV index of ours: its public area (as it is now) and its name. */
struct tpm_nv {
	TPMS_NV_PUBLIC pub;
	TPM2B_NAME name;
};

/* nameAlg || SHA-256(TPMS_NV_PUBLIC), kept in nv->name. */
bool tpm_nv_named(struct tpm_nv *nv);

/* The public area's stored form appended to a buffer, and read back. */
bool tpm_nv_marshal(const struct tpm_nv *nv, uint8_t *buf, size_t size,
		    size_t *off);
bool tpm_nv_unmarshal(const uint8_t *buf, size_t len, size_t *off,
		      struct tpm_nv *nv);

/*
 * TPM2_NV_DefineSpace by the owner (empty auth, in the salted session
 * with the auth value encrypted), at a free random handle of our range.
 * TPM_E_NV_UNAVAILABLE when the TPM refuses (no room, owner password).
 */
enum tpm_rc tpm_nv_define_locked(struct tpm *tpm, struct tpm_nv *nv,
				 const uint8_t *auth, size_t auth_len);

/* TPM2_NV_UndefineSpace by the owner; a failure is logged only. */
void tpm_nv_undefine_locked(struct tpm *tpm, const struct tpm_nv *nv);

/* TPM2_NV_Write by the owner, the data encrypted; sets WRITTEN. */
enum tpm_rc tpm_nv_owner_write_locked(struct tpm *tpm, struct tpm_nv *nv,
				      const uint8_t *data, size_t len);

/* TPM2_NV_WriteLock by the owner (for TPMA_NV_WRITEDEFINE: for good). */
enum tpm_rc tpm_nv_owner_lock_locked(struct tpm *tpm, struct tpm_nv *nv);

#endif
