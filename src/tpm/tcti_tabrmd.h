/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TPM_TCTI_TABRMD_H
#define TPMCARD_TPM_TCTI_TABRMD_H

#include <tss2/tss2_tcti.h>

/*
 * A connection to tpm2-abrmd made by the module itself; conf: what
 * follows "tabrmd:" in a TCTI string (bus_name=..., bus_type=...).  NULL
 * when it cannot be made this way: use tpm2-tss's TCTI instead.
 */
TSS2_TCTI_CONTEXT *tcti_tabrmd_open(const char *conf);
void tcti_tabrmd_close(TSS2_TCTI_CONTEXT *ctx);

#endif /* TPMCARD_TPM_TCTI_TABRMD_H */
