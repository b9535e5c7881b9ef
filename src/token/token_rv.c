/* SPDX-License-Identifier: BSD-3-Clause */
#include "token/token.h"

#include "token/token_internal.h"

/*
 * The one mapping of store and TPM results to PKCS#11 codes.  Wrong PIN
 * and lockout are mapped by the PIN code itself, which knows a PIN was
 * involved (elsewhere an auth failure is a damaged key, not a user error).
 */

/*
 * The store's own words for the last failure mapped on this thread: a
 * PKCS#11 code cannot tell a locked store from a damaged one, and the
 * CLI's user should not need the debug log to learn which.
 */
static _Thread_local enum db_rc last_store_failure;

const char *token_last_store_failure(void)
{
	enum db_rc rc = last_store_failure;

	last_store_failure = DB_OK;
	return rc == DB_OK ? NULL : db_rc_text(rc);
}

CK_RV token_rv_from_db(enum db_rc rc)
{
	if (rc != DB_OK && rc != DB_NOT_FOUND && rc != DB_EXISTS)
		last_store_failure = rc;
	switch (rc) {
	case DB_OK:
		return CKR_OK;
	case DB_NO_MEMORY:
		return CKR_HOST_MEMORY;
	case DB_READ_ONLY:
		return CKR_TOKEN_WRITE_PROTECTED;
	case DB_EXISTS:
		return CKR_TEMPLATE_INCONSISTENT;
	case DB_NOT_FOUND:
		return CKR_OBJECT_HANDLE_INVALID;
	case DB_FULL:
		return CKR_DEVICE_MEMORY;
	case DB_BUSY:
	case DB_CORRUPT:
	case DB_TOO_NEW:
	case DB_IO_ERROR:
	case DB_ERROR:
	default:
		return CKR_DEVICE_ERROR;
	}
}

CK_RV token_rv_from_tpm(enum tpm_rc rc)
{
	switch (rc) {
	case TPM_OK:
		return CKR_OK;
	case TPM_E_NO_MEMORY:
		return CKR_HOST_MEMORY;
	case TPM_E_NO_SLOTS:
		return CKR_DEVICE_MEMORY;
	case TPM_E_UNSUPPORTED:
		return CKR_MECHANISM_INVALID;
	case TPM_E_BAD_INPUT:
		return CKR_ARGUMENTS_BAD;
	case TPM_E_LOCKOUT:
	case TPM_E_PIN_LOCKED:
		return CKR_PIN_LOCKED;
	case TPM_E_NO_DEVICE:
		return CKR_DEVICE_REMOVED;
	case TPM_E_BAD_BLOB:
	case TPM_E_AUTH_FAIL:
	case TPM_E_IO:
	case TPM_E_OWNER_AUTH:
	case TPM_E_RETRY:
	case TPM_E_FAILURE:
	default:
		return CKR_DEVICE_ERROR;
	}
}

const char *token_rv_text(CK_RV rv)
{
	switch (rv) {
	case CKR_OK:
		return "success";
	case CKR_PIN_INCORRECT:
		return "wrong PIN";
	case CKR_PIN_LOCKED:
		return "the PIN is locked: its retry counter is used up (the SO "
		       "resets it by setting a new user PIN), or the TPM is in "
		       "dictionary-attack lockout";
	case CKR_PIN_LEN_RANGE:
		return "PIN length out of range";
	case CKR_TOKEN_NOT_PRESENT:
		return "no such token";
	case CKR_TOKEN_NOT_RECOGNIZED:
		return "the token does not belong to this TPM (cleared TPM, "
		       "or a store copied from another machine)";
	case CKR_TOKEN_WRITE_PROTECTED:
		return "the store is read-only";
	case CKR_DEVICE_REMOVED:
		return "no TPM could be reached";
	case CKR_DEVICE_ERROR:
		return "TPM or store error (run with TPMCARD_LOG=debug)";
	case CKR_DEVICE_MEMORY:
		return "out of TPM or disk space";
	case CKR_HOST_MEMORY:
		return "out of memory";
	case CKR_MECHANISM_INVALID:
		return "algorithm not supported by this TPM";
	case CKR_KEY_SIZE_RANGE:
		return "key size not supported by this TPM";
	case CKR_CURVE_NOT_SUPPORTED:
		return "curve not supported by this TPM";
	case CKR_USER_PIN_NOT_INITIALIZED:
		return "the user PIN is not set yet (the SO sets it)";
	case CKR_SESSION_EXISTS:
		return "the token is in use";
	case CKR_ACTION_PROHIBITED:
		return "the object does not allow that";
	case CKR_USER_NOT_LOGGED_IN:
		return "not logged in";
	case CKR_OBJECT_HANDLE_INVALID:
		return "no such object";
	case CKR_TEMPLATE_INCONSISTENT:
		return "a token with that label already exists";
	case CKR_ARGUMENTS_BAD:
		return "invalid arguments";
	default:
		return "PKCS#11 error";
	}
}

void token_pad(CK_UTF8CHAR *field, size_t width, const char *text)
{
	size_t i = 0;

	for (; text != NULL && text[i] != '\0' && i < width; i++)
		field[i] = (CK_UTF8CHAR)text[i];
	for (; i < width; i++)
		field[i] = ' ';
}
