/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_PKCS11_P11_INTERNAL_H
#define TPMCARD_PKCS11_P11_INTERNAL_H

#include <p11-kit/pkcs11.h>

#include "token/token.h"

/*
 * State of the PKCS#11 layer: whether we are initialized (in this
 * process: a forked child is not), the token module, and the session
 * handle table.  p11_lock guards all of it and is never held across a
 * token call.
 */

#define EXPORT __attribute__((visibility("default")))
#define EMPTY_SLOT_ID ((CK_SLOT_ID)0)

/* The 2.40 function list (p11_function_list.c). */
extern CK_FUNCTION_LIST p11_function_list;

/* CKR_OK with *mod set when initialized in this process. */
CK_RV p11_module(struct tc_module **mod);

/*
 * Resolves a session handle and holds the session until p11_release();
 * CKR_SESSION_HANDLE_INVALID (or not initialized) otherwise.
 */
CK_RV p11_session_get(CK_SESSION_HANDLE handle, struct tc_session **session);
void p11_session_release(CK_SESSION_HANDLE handle);

/* Registers a new session; *handle on CKR_OK. */
CK_RV p11_session_add(CK_SLOT_ID slot, struct tc_session *session,
		      CK_SESSION_HANDLE *handle);
/* Closes now, or when the last call using it returns. */
CK_RV p11_session_close(CK_SESSION_HANDLE handle);
/* The slot of a session; false for an unknown handle. */
bool p11_session_slot(CK_SESSION_HANDLE handle, CK_SLOT_ID *slot);
/* Forgets every entry without closing (forked child). */
void p11_sessions_abandon(void);

/* Closes every session (of one slot, or all with all_slots). */
void p11_sessions_close_all(bool all_slots, CK_SLOT_ID slot);

/* The token id behind a slot id; false for the empty or an unknown slot. */
bool p11_slot_token(CK_SLOT_ID slot, int64_t *token_id);

#endif /* TPMCARD_PKCS11_P11_INTERNAL_H */
