/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include "token/token_internal.h"
#include "token/token_template.h"

#define TC_LOG_LAYER TC_LAYER_TOKEN
#include "common/log.h"

/*
 * Import of private and secret keys into the TPM (C_CreateObject).
 * Waiting for the TPM layer's import; until then refused whole.
 */
CK_RV token_import_locked(struct tc_session *session,
			  const struct tmpl_kind *kind,
			  const CK_ATTRIBUTE *tmpl, CK_ULONG count,
			  struct tc_new_object *obj)
{
	(void)session;
	(void)kind;
	(void)tmpl;
	(void)count;
	(void)obj;
	return CKR_FUNCTION_NOT_SUPPORTED;
}
