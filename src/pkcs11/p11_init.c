/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include <string.h>

/*
 * C_InitToken and C_InitPIN.  The empty slot always offers a blank token:
 * initializing it makes a new token, which appears in a slot of its own
 * (the empty slot stays empty, ready for the next one).  Initializing a
 * token's own slot resets that token with its SO PIN.
 */

#define LABEL_WIDTH 32

/* The 32-byte blank-padded label as a string; false when all blank. */
static bool label_text(const CK_UTF8CHAR *label, char *text)
{
	size_t len = LABEL_WIDTH;

	memcpy(text, label, LABEL_WIDTH);
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\0'))
		len--;
	text[len] = '\0';
	return len > 0 && memchr(text, '\0', len) == NULL;
}

EXPORT CK_RV C_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len,
			 CK_UTF8CHAR_PTR label)
{
	char text[LABEL_WIDTH + 1];
	struct tc_module *mod;
	int64_t token_id = 0;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	if (slot != EMPTY_SLOT_ID && !p11_slot_token(slot, &token_id))
		return CKR_SLOT_ID_INVALID;
	/* No protected authentication path: the SO PIN is needed. */
	if (pin == NULL || label == NULL || !label_text(label, text))
		return CKR_ARGUMENTS_BAD;
	if (slot == EMPTY_SLOT_ID)
		return token_init_new(mod, text, pin, len, &token_id);
	return token_reinit(mod, token_id, text, pin, len);
}

EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE handle, CK_UTF8CHAR_PTR pin,
		       CK_ULONG len)
{
	struct tc_session *session;
	CK_RV rv = p11_session_get(handle, &session);

	if (rv != CKR_OK)
		return rv;
	rv = pin == NULL ? CKR_ARGUMENTS_BAD :
			   token_init_pin(session, pin, len);
	p11_session_release(handle);
	return rv;
}
