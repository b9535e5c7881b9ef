/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_tpm.h"
#include "p11_fixture.h"

/*
 * Sessions and login through the function list: opening and closing,
 * session info and its state as login changes, the login rules (shared by
 * every session of a token, undone by closing the last one), C_SetPIN.
 */

#define EMPTY_SLOT ((CK_SLOT_ID)0)
#define NO_SUCH_SLOT ((CK_SLOT_ID)4242)
#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)
#define WRONG_PIN "000000"
#define NEW_PIN "24681357"

static CK_RV open_session(struct p11 *p, CK_SLOT_ID slot, CK_FLAGS flags,
			  CK_SESSION_HANDLE *s)
{
	return p->fn->C_OpenSession(slot, flags, NULL, NULL, s);
}

static uint32_t tpm_failures(void)
{
	struct tpm_da_info da;

	fake_tpm_da(&da);
	return da.failures;
}

/* ---- C_OpenSession ---- */

static void test_open_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE ro = p11_open_ro(p), rw = p11_open_rw(p);
	CK_SESSION_INFO info;

	assert_int_not_equal(ro, rw);
	memset(&info, 0xa5, sizeof(info));
	assert_int_equal(p->fn->C_GetSessionInfo(ro, &info), CKR_OK);
	assert_int_equal(info.slotID, p->slot);
	assert_int_equal(info.state, CKS_RO_PUBLIC_SESSION);
	assert_int_equal(info.flags, CKF_SERIAL_SESSION);
	assert_int_equal(info.ulDeviceError, 0);
	assert_int_equal(p->fn->C_GetSessionInfo(rw, &info), CKR_OK);
	assert_int_equal(info.slotID, p->slot);
	assert_int_equal(info.state, CKS_RW_PUBLIC_SESSION);
	assert_int_equal(info.flags, CKF_SERIAL_SESSION | CKF_RW_SESSION);
}

static void test_open_session_not_serial(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;

	assert_int_equal(open_session(p, p->slot, 0, &s),
			 CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(open_session(p, p->slot, CKF_RW_SESSION, &s),
			 CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	assert_int_equal(s, CK_INVALID_HANDLE);
}

static void test_open_session_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	CK_TOKEN_INFO info;

	assert_int_equal(open_session(p, p->slot, CKF_SERIAL_SESSION, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(open_session(p, NO_SUCH_SLOT, CKF_SERIAL_SESSION,
				      &s),
			 CKR_SLOT_ID_INVALID);
	/* The empty slot has no token to open a session with. */
	assert_int_equal(open_session(p, EMPTY_SLOT, CKF_SERIAL_SESSION, &s),
			 CKR_TOKEN_NOT_RECOGNIZED);
	assert_int_equal(s, CK_INVALID_HANDLE);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info), CKR_OK);
	assert_int_equal(info.ulSessionCount, 0);
}

static void test_open_session_ro_while_so(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), s = CK_INVALID_HANDLE;

	assert_int_equal(p11_login(p, rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(open_session(p, p->slot, CKF_SERIAL_SESSION, &s),
			 CKR_SESSION_READ_WRITE_SO_EXISTS);
	s = p11_open_rw(p);
	assert_int_equal(p11_state(p, s), CKS_RW_SO_FUNCTIONS);
}

/* ---- C_CloseSession, C_CloseAllSessions ---- */

static void test_close_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_SESSION_INFO info;

	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
	assert_int_equal(p->fn->C_GetSessionInfo(s, &info),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_SESSION_HANDLE_INVALID);
}

static void test_close_session_invalid(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p->fn->C_CloseSession(CK_INVALID_HANDLE),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_CloseSession(NO_SUCH_SESSION),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
}

/* Handles are not reused: a new session never revives a closed one. */
static void test_closed_handle_not_reused(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE old = p11_open_rw(p), s;

	assert_int_equal(p->fn->C_CloseSession(old), CKR_OK);
	s = p11_open_rw(p);
	assert_int_not_equal(s, old);
	assert_int_equal(p->fn->C_CloseSession(old),
			 CKR_SESSION_HANDLE_INVALID);
}

static void test_close_all_sessions_of_one_slot(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID other = p11_add_token("other"), list[4];
	CK_ULONG count = 4;
	CK_SESSION_HANDLE a1, a2, b = CK_INVALID_HANDLE;
	CK_SESSION_INFO info;

	p11_initialize(p);
	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, list, &count), CKR_OK);
	a1 = p11_open_ro(p);
	a2 = p11_open_rw(p);
	assert_int_equal(open_session(p, other, CKF_SERIAL_SESSION, &b),
			 CKR_OK);
	assert_int_equal(p->fn->C_CloseAllSessions(p->slot), CKR_OK);
	assert_int_equal(p->fn->C_GetSessionInfo(a1, &info),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GetSessionInfo(a2, &info),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GetSessionInfo(b, &info), CKR_OK);
	assert_int_equal(info.slotID, other);
	assert_int_equal(p->fn->C_CloseAllSessions(p->slot), CKR_OK);
}

static void test_close_all_sessions_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p->fn->C_CloseAllSessions(NO_SUCH_SLOT),
			 CKR_SLOT_ID_INVALID);
	/* The empty slot has no sessions: nothing to do. */
	assert_int_equal(p->fn->C_CloseAllSessions(EMPTY_SLOT), CKR_OK);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
}

/* ---- C_GetSessionInfo ---- */

static void test_session_info_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_SESSION_INFO info;

	assert_int_equal(p->fn->C_GetSessionInfo(s, NULL), CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetSessionInfo(NO_SUCH_SESSION, &info),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GetSessionInfo(CK_INVALID_HANDLE, &info),
			 CKR_SESSION_HANDLE_INVALID);
}

static void test_session_states_user(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE ro = p11_open_ro(p), rw = p11_open_rw(p);

	assert_int_equal(p11_login(p, ro, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p11_state(p, ro), CKS_RO_USER_FUNCTIONS);
	assert_int_equal(p11_state(p, rw), CKS_RW_USER_FUNCTIONS);
	assert_int_equal(p->fn->C_Logout(ro), CKR_OK);
	assert_int_equal(p11_state(p, ro), CKS_RO_PUBLIC_SESSION);
	assert_int_equal(p11_state(p, rw), CKS_RW_PUBLIC_SESSION);
}

static void test_session_states_so(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), other = p11_open_rw(p);

	assert_int_equal(p11_login(p, rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(p11_state(p, rw), CKS_RW_SO_FUNCTIONS);
	assert_int_equal(p11_state(p, other), CKS_RW_SO_FUNCTIONS);
	assert_int_equal(p->fn->C_Logout(other), CKR_OK);
	assert_int_equal(p11_state(p, rw), CKS_RW_PUBLIC_SESSION);
}

/* ---- C_Login, C_Logout ---- */

static void test_login_wrong_pin(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p11_login(p, s, CKU_USER, WRONG_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(tpm_failures(), 1);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(p11_login(p, s, CKU_SO, WRONG_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(p11_login(p, s, CKU_SO, USER_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(p11_login(p, s, CKU_USER, SO_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p11_state(p, s), CKS_RW_USER_FUNCTIONS);
}

/* A PIN no token accepts costs no TPM strike. */
static void test_login_pin_length_out_of_range(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_UTF8CHAR long_pin[TC_MAX_PIN_LEN + 1];

	memset(long_pin, '1', sizeof(long_pin));
	assert_int_equal(p11_login(p, s, CKU_USER, "123"), CKR_PIN_INCORRECT);
	assert_int_equal(p->fn->C_Login(s, CKU_USER, long_pin,
					sizeof(long_pin)),
			 CKR_PIN_INCORRECT);
	assert_int_equal(p->fn->C_Login(s, CKU_USER, long_pin, 0),
			 CKR_PIN_INCORRECT);
	assert_int_equal(tpm_failures(), 0);
}

static void test_login_null_pin(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p->fn->C_Login(s, CKU_USER, NULL, 6),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_Login(s, CKU_USER, NULL, 0),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(tpm_failures(), 0);
}

static void test_login_invalid_session(void **state)
{
	struct p11 *p = *state;

	assert_int_equal(p11_login(p, NO_SUCH_SESSION, CKU_USER, USER_PIN),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_Logout(NO_SUCH_SESSION),
			 CKR_SESSION_HANDLE_INVALID);
}

static void test_login_user_type_invalid(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p11_login(p, s, 7, USER_PIN), CKR_USER_TYPE_INVALID);
	/* No operation asks for context-specific login. */
	assert_int_equal(p11_login(p, s, CKU_CONTEXT_SPECIFIC, USER_PIN),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p11_login(p, s, CKU_CONTEXT_SPECIFIC, USER_PIN),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static void test_login_already_logged_in(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE a = p11_open_rw(p), b = p11_open_rw(p);

	assert_int_equal(p11_login(p, a, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p11_login(p, a, CKU_USER, USER_PIN),
			 CKR_USER_ALREADY_LOGGED_IN);
	/* Login belongs to the token: the other session is in too. */
	assert_int_equal(p11_login(p, b, CKU_USER, USER_PIN),
			 CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(p11_login(p, b, CKU_SO, SO_PIN),
			 CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	assert_int_equal(p11_state(p, b), CKS_RW_USER_FUNCTIONS);
}

static void test_login_so_with_ro_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), ro = p11_open_ro(p);

	assert_int_equal(p11_login(p, rw, CKU_SO, SO_PIN),
			 CKR_SESSION_READ_ONLY_EXISTS);
	assert_int_equal(tpm_failures(), 0);
	assert_int_equal(p->fn->C_CloseSession(ro), CKR_OK);
	assert_int_equal(p11_login(p, rw, CKU_SO, SO_PIN), CKR_OK);
}

static void test_logout_not_logged_in(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p->fn->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_USER_NOT_LOGGED_IN);
}

/* The login of one token does not reach another. */
static void test_login_per_token(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID other = p11_add_token("other"), list[4];
	CK_ULONG count = 4;
	CK_SESSION_HANDLE a, b = CK_INVALID_HANDLE;

	p11_initialize(p);
	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, list, &count), CKR_OK);
	a = p11_open_user(p);
	assert_int_equal(open_session(p, other, CKF_SERIAL_SESSION, &b),
			 CKR_OK);
	assert_int_equal(p11_state(p, b), CKS_RO_PUBLIC_SESSION);
	assert_int_equal(p->fn->C_Logout(b), CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_state(p, a), CKS_RW_USER_FUNCTIONS);
}

static void test_close_last_session_logs_out(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE a = p11_open_user(p), b = p11_open_ro(p);

	assert_int_equal(fake_tpm_connections(), 1);
	assert_int_equal(p->fn->C_CloseSession(a), CKR_OK);
	assert_int_equal(p11_state(p, b), CKS_RO_USER_FUNCTIONS);
	assert_int_equal(p->fn->C_CloseSession(b), CKR_OK);
	b = p11_open_rw(p);
	assert_int_equal(p11_state(p, b), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
}

static void test_close_all_sessions_logs_out(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);

	p11_open_ro(p);
	assert_int_equal(p->fn->C_CloseAllSessions(p->slot), CKR_OK);
	s = p11_open_ro(p);
	assert_int_equal(p11_state(p, s), CKS_RO_PUBLIC_SESSION);
}

/* Dictionary-attack lockout: even the right PIN is refused. */
static void test_login_locked(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	fake_tpm_set_lockout(5, 5);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_PIN_LOCKED);
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
}

/* No TPM reachable at login. */
static void test_login_without_tpm(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	fake_tpm_fail_next(FAKE_TPM_OPEN, TPM_E_NO_DEVICE);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN),
			 CKR_DEVICE_REMOVED);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
}

/* ---- a token removed by another process ---- */

/* Removes the fixture's token through a module of its own, as the CLI. */
static void remove_token_elsewhere(struct p11 *p)
{
	struct fixture *f = p->base;

	assert_int_equal(token_module_open(&f->mod), CKR_OK);
	assert_int_equal(token_admin_remove(f->mod, f->token_id), CKR_OK);
	token_module_close(f->mod);
	f->mod = NULL;
}

static void test_removed_token(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p), s2 = CK_INVALID_HANDLE;
	CK_ULONG count = 0;
	CK_TOKEN_INFO info;

	remove_token_elsewhere(p);
	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK);
	assert_int_equal(count, 1);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	assert_int_equal(p->fn->C_FindObjectsInit(s, NULL, 0),
			 CKR_DEVICE_REMOVED);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN),
			 CKR_DEVICE_REMOVED);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(open_session(p, p->slot, CKF_SERIAL_SESSION, &s2),
			 CKR_SLOT_ID_INVALID);
	/* The session lives on, logged out, until it is closed... */
	assert_int_equal(p11_state(p, s), CKS_RW_PUBLIC_SESSION);
	/* ...one by one: the slot is gone. */
	assert_int_equal(p->fn->C_CloseAllSessions(p->slot),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
}

/* ---- C_SetPIN ---- */

static CK_RV set_pin(struct p11 *p, CK_SESSION_HANDLE s, const char *old,
		     const char *new_pin)
{
	return p->fn->C_SetPIN(s, (CK_UTF8CHAR_PTR)old, strlen(old),
			       (CK_UTF8CHAR_PTR)new_pin, strlen(new_pin));
}

static void test_set_pin_user(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(set_pin(p, s, USER_PIN, NEW_PIN), CKR_OK);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(p11_login(p, s, CKU_USER, NEW_PIN), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	/* The SO PIN did not change. */
	assert_int_equal(p11_login(p, s, CKU_SO, SO_PIN), CKR_OK);
}

/* Logged in: the PIN of whoever is logged in changes. */
static void test_set_pin_so(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(p11_login(p, s, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(set_pin(p, s, SO_PIN, NEW_PIN), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p11_login(p, s, CKU_SO, SO_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(p11_login(p, s, CKU_SO, NEW_PIN), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
}

static void test_set_pin_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE ro = p11_open_ro(p), rw = p11_open_rw(p);
	CK_UTF8CHAR_PTR pin = (CK_UTF8CHAR_PTR)USER_PIN;
	CK_UTF8CHAR long_pin[TC_MAX_PIN_LEN + 1];

	memset(long_pin, '7', sizeof(long_pin));
	assert_int_equal(set_pin(p, ro, USER_PIN, NEW_PIN),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(set_pin(p, rw, WRONG_PIN, NEW_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(set_pin(p, rw, USER_PIN, "12"), CKR_PIN_LEN_RANGE);
	assert_int_equal(p->fn->C_SetPIN(rw, pin, 6, long_pin,
					 sizeof(long_pin)),
			 CKR_PIN_LEN_RANGE);
	assert_int_equal(p->fn->C_SetPIN(rw, NULL, 6, pin, 6),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_SetPIN(rw, pin, 6, NULL, 6),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(set_pin(p, NO_SUCH_SESSION, USER_PIN, NEW_PIN),
			 CKR_SESSION_HANDLE_INVALID);
	/* Nothing changed. */
	assert_int_equal(p11_login(p, rw, CKU_USER, USER_PIN), CKR_OK);
}

#define T(name) cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_session),
		T(test_open_session_not_serial),
		T(test_open_session_refusals),
		T(test_open_session_ro_while_so),
		T(test_close_session),
		T(test_close_session_invalid),
		T(test_closed_handle_not_reused),
		cmocka_unit_test_setup_teardown(
			test_close_all_sessions_of_one_slot,
			p11_setup_uninitialized, p11_teardown),
		T(test_close_all_sessions_refusals),
		T(test_session_info_refusals),
		T(test_session_states_user),
		T(test_session_states_so),
		T(test_login_wrong_pin),
		T(test_login_pin_length_out_of_range),
		T(test_login_null_pin),
		T(test_login_invalid_session),
		T(test_login_user_type_invalid),
		T(test_login_already_logged_in),
		T(test_login_so_with_ro_session),
		T(test_logout_not_logged_in),
		cmocka_unit_test_setup_teardown(test_login_per_token,
						p11_setup_uninitialized,
						p11_teardown),
		T(test_close_last_session_logs_out),
		T(test_close_all_sessions_logs_out),
		T(test_login_locked),
		T(test_login_without_tpm),
		T(test_removed_token),
		T(test_set_pin_user),
		T(test_set_pin_so),
		T(test_set_pin_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
