/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fake_tpm.h"
#include "token/token.h"
#include "token_fixture.h"

/*
 * The PIN model of the token layer against the fake TPM: login, logout,
 * set PIN, the dictionary-attack counters behind the PIN flags, and how
 * each TPM failure under a PIN reaches the caller.
 */

#define NEW_PIN "24682468"
#define USER_COUNTER_FLAGS \
	(CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_LOCKED)
#define SO_COUNTER_FLAGS \
	(CKF_SO_PIN_COUNT_LOW | CKF_SO_PIN_FINAL_TRY | CKF_SO_PIN_LOCKED)

static CK_FLAGS token_flags(struct fixture *f)
{
	CK_TOKEN_INFO info;

	assert_int_equal(token_get_info(f->mod, f->token_id, &info), CKR_OK);
	return info.flags;
}

static CK_STATE session_state(struct tc_session *session)
{
	CK_SESSION_INFO info;

	token_session_info(session, &info);
	return info.state;
}

static uint32_t da_failures(void)
{
	struct tpm_da_info da;

	fake_tpm_da(&da);
	return da.failures;
}

static CK_RV set_pin(struct tc_session *session, const char *old_pin,
		     const char *new_pin)
{
	return token_set_pin(session, (const uint8_t *)old_pin,
			     strlen(old_pin), (const uint8_t *)new_pin,
			     strlen(new_pin));
}

static void right_pin_logs_in(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(session_state(f->rw), CKS_RW_USER_FUNCTIONS);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 1);
	assert_int_equal(da_failures(), 0);
}

static void wrong_pin_is_incorrect_and_counted_by_the_tpm(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fixture_login(f->rw, CKU_USER, "654321"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(da_failures(), 1);
	assert_int_equal(fixture_login(f->rw, CKU_USER, "1234567"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(da_failures(), 2);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	/* A PIN that is a prefix of the right one is just as wrong. */
	assert_int_equal(fixture_login(f->rw, CKU_USER, "12345"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(da_failures(), 3);
}

static void impossible_pin_lengths_cost_no_strike(void **state)
{
	struct fixture *f = *state;
	char too_long[TC_MAX_PIN_LEN + 2];

	memset(too_long, '1', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(fixture_login(f->rw, CKU_USER, "123"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_USER, ""),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_SO, too_long),
			 CKR_PIN_INCORRECT);
	assert_int_equal(set_pin(f->rw, "123", NEW_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 0);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_CHANGE_AUTH), 0);
	assert_int_equal(da_failures(), 0);
}

static void failed_login_leaves_nothing_loaded(void **state)
{
	struct fixture *f = *state;
	unsigned int releases;

	assert_int_equal(fixture_login(f->rw, CKU_USER, "000000"),
			 CKR_PIN_INCORRECT);
	releases = fake_tpm_releases();
	assert_true(releases > 0);
	fixture_login_user(f);
	assert_int_equal(fake_tpm_releases(), releases);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_true(fake_tpm_releases() > releases);
}

static void wrong_pin_sets_count_low(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fixture_login(f->rw, CKU_USER, "000000"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(token_flags(f) & USER_COUNTER_FLAGS,
			 CKF_USER_PIN_COUNT_LOW);
	assert_int_equal(token_flags(f) & SO_COUNTER_FLAGS,
			 CKF_SO_PIN_COUNT_LOW);
}

static void token_info_asks_no_tpm(void **state)
{
	struct fixture *f = *state;
	unsigned int opens = fake_tpm_calls(FAKE_TPM_OPEN);

	/* Failures the module has not seen: it must not go and ask. */
	fake_tpm_set_lockout(3, 5);
	assert_int_equal(token_flags(f) & USER_COUNTER_FLAGS, 0);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_OPEN), opens);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_DA_INFO), 0);
}

struct counter_case {
	uint32_t failures, max_tries;
	CK_FLAGS user_flags;
};

static void pin_flags_follow_the_tpm_counters(void **state)
{
	static const struct counter_case cases[] = {
		{ 0, 5, 0 },
		{ 1, 5, CKF_USER_PIN_COUNT_LOW },
		{ 3, 5, CKF_USER_PIN_COUNT_LOW },
		{ 4, 5, CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_FINAL_TRY },
		{ 0, 1, CKF_USER_PIN_FINAL_TRY },
		{ 5, 5, CKF_USER_PIN_LOCKED },
		{ 9, 5, CKF_USER_PIN_LOCKED },
	};
	struct fixture *f = *state;

	fixture_login_user(f); /* the module now has a TPM connection */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_tpm_set_lockout(cases[i].failures, cases[i].max_tries);
		assert_int_equal(token_flags(f) & USER_COUNTER_FLAGS,
				 cases[i].user_flags);
	}
}

static void last_try_then_lockout_refuses_even_the_right_pin(void **state)
{
	struct fixture *f = *state;

	fake_tpm_set_lockout(0, 2);
	assert_int_equal(fixture_login(f->rw, CKU_USER, "000000"),
			 CKR_PIN_INCORRECT);
	assert_true(token_flags(f) & CKF_USER_PIN_FINAL_TRY);
	/* The attempt that reaches the maximum is still a wrong PIN. */
	assert_int_equal(fixture_login(f->rw, CKU_USER, "000001"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_PIN_LOCKED);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN),
			 CKR_PIN_LOCKED);
	assert_int_equal(da_failures(), 2);
	assert_int_equal(token_flags(f) & USER_COUNTER_FLAGS,
			 CKF_USER_PIN_LOCKED);
	assert_int_equal(token_flags(f) & SO_COUNTER_FLAGS, CKF_SO_PIN_LOCKED);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	/* The lockout ends (lockout auth, or time): the PIN works again. */
	fake_tpm_set_lockout(0, 2);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void set_pin_replaces_the_user_pin(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set_pin(f->rw, USER_PIN, NEW_PIN), CKR_OK);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_USER, NEW_PIN), CKR_OK);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	/* The SO PIN is another seal: untouched. */
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
}

static void set_pin_is_stored(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set_pin(f->rw, USER_PIN, NEW_PIN), CKR_OK);
	fixture_close_module(f);
	fixture_open_module(f);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_USER, NEW_PIN), CKR_OK);
}

static void set_pin_length_is_checked_before_the_tpm(void **state)
{
	struct fixture *f = *state;
	char too_long[TC_MAX_PIN_LEN + 2];

	memset(too_long, '7', sizeof(too_long) - 1);
	too_long[sizeof(too_long) - 1] = '\0';
	assert_int_equal(set_pin(f->rw, USER_PIN, "123"), CKR_PIN_LEN_RANGE);
	assert_int_equal(set_pin(f->rw, USER_PIN, ""), CKR_PIN_LEN_RANGE);
	assert_int_equal(set_pin(f->rw, USER_PIN, too_long),
			 CKR_PIN_LEN_RANGE);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_CHANGE_AUTH), 0);
	/* Exactly the minimum and the maximum are fine. */
	too_long[TC_MAX_PIN_LEN] = '\0';
	assert_int_equal(set_pin(f->rw, USER_PIN, "4321"), CKR_OK);
	assert_int_equal(set_pin(f->rw, "4321", too_long), CKR_OK);
	assert_int_equal(fixture_login(f->rw, CKU_USER, too_long), CKR_OK);
}

static void set_pin_with_wrong_old_pin_changes_nothing(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(set_pin(f->rw, "999999", NEW_PIN), CKR_PIN_INCORRECT);
	assert_int_equal(da_failures(), 1);
	assert_int_equal(fixture_login(f->rw, CKU_USER, NEW_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void set_pin_needs_a_rw_session(void **state)
{
	struct fixture *f = *state;
	struct tc_session *ro = NULL;

	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_OK);
	assert_int_equal(set_pin(ro, USER_PIN, NEW_PIN),
			 CKR_SESSION_READ_ONLY);
	token_session_close(ro);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_CHANGE_AUTH), 0);
}

static void set_pin_in_lockout_is_locked(void **state)
{
	struct fixture *f = *state;

	fake_tpm_set_lockout(3, 3);
	assert_int_equal(set_pin(f->rw, USER_PIN, NEW_PIN), CKR_PIN_LOCKED);
	fake_tpm_set_lockout(0, 3);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void so_set_pin_changes_the_so_pin(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(set_pin(f->rw, SO_PIN, NEW_PIN), CKR_OK);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_SO, NEW_PIN), CKR_OK);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void so_pin_logs_in_as_so_only(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fixture_login(f->rw, CKU_SO, USER_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_USER, SO_PIN),
			 CKR_PIN_INCORRECT);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(session_state(f->rw), CKS_RW_SO_FUNCTIONS);
}

static void second_login_is_refused_without_the_tpm(void **state)
{
	struct fixture *f = *state;

	fixture_login_user(f);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN),
			 CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
	/* Even a wrong PIN: nothing is tried, nothing counted. */
	assert_int_equal(fixture_login(f->rw, CKU_USER, "000000"),
			 CKR_USER_ALREADY_LOGGED_IN);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 1);
	assert_int_equal(da_failures(), 0);
}

static void logout_needs_a_login(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(token_logout(f->rw), CKR_USER_NOT_LOGGED_IN);
	fixture_login_user(f);
	assert_int_equal(token_logout(f->rw), CKR_OK);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(token_logout(f->rw), CKR_USER_NOT_LOGGED_IN);
}

static void odd_user_types(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(fixture_login(f->rw, 7, USER_PIN),
			 CKR_USER_TYPE_INVALID);
	assert_int_equal(fixture_login(f->rw, CKU_CONTEXT_SPECIFIC, USER_PIN),
			 CKR_USER_NOT_LOGGED_IN);
	fixture_login_user(f);
	assert_int_equal(fixture_login(f->rw, CKU_CONTEXT_SPECIFIC, USER_PIN),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 1);
}

static void so_and_read_only_sessions_exclude_each_other(void **state)
{
	struct fixture *f = *state;
	struct tc_session *ro = NULL;

	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_OK);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN),
			 CKR_SESSION_READ_ONLY_EXISTS);
	token_session_close(ro);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_SESSION_READ_WRITE_SO_EXISTS);
	assert_null(ro);
}

static void login_is_shared_by_the_sessions_of_a_token(void **state)
{
	struct fixture *f = *state;
	struct tc_session *ro = NULL;

	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_OK);
	assert_int_equal(session_state(ro), CKS_RO_PUBLIC_SESSION);
	fixture_login_user(f);
	assert_int_equal(session_state(ro), CKS_RO_USER_FUNCTIONS);
	assert_int_equal(token_logout(ro), CKR_OK);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	token_session_close(ro);
}

static void closing_the_last_session_logs_out(void **state)
{
	struct fixture *f = *state;
	struct tc_session *other = NULL;
	int64_t priv, pub;

	fixture_login_user(f);
	assert_int_equal(token_session_open(f->mod, f->token_id, false,
					    &other),
			 CKR_OK);
	token_session_close(f->rw);
	f->rw = NULL;
	assert_int_equal(session_state(other), CKS_RO_USER_FUNCTIONS);
	token_session_close(other);
	assert_int_equal(token_session_open(f->mod, f->token_id, true, &f->rw),
			 CKR_OK);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	assert_int_equal(token_key_generate(f->rw, TC_KEY_EC_P256, "k", NULL,
					    0, &priv, &pub),
			 CKR_USER_NOT_LOGGED_IN);
}

static void another_srk_is_refused_before_any_pin_is_tried(void **state)
{
	struct fixture *f = *state;

	fake_tpm_clear();
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_DEVICE_ERROR);
	assert_int_equal(fixture_login(f->rw, CKU_SO, SO_PIN),
			 CKR_DEVICE_ERROR);
	assert_int_equal(set_pin(f->rw, USER_PIN, NEW_PIN), CKR_DEVICE_ERROR);
	/* No unseal, so no dictionary-attack strike for a PIN. */
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 0);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_CHANGE_AUTH), 0);
	assert_int_equal(da_failures(), 0);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
}

struct rc_case {
	enum tpm_rc rc;
	CK_RV rv;
};

/* Every failure an unseal can give, and what login must say. */
static const struct rc_case unseal_cases[] = {
	{ TPM_E_AUTH_FAIL, CKR_PIN_INCORRECT },
	{ TPM_E_LOCKOUT, CKR_PIN_LOCKED },
	{ TPM_E_BAD_BLOB, CKR_DEVICE_ERROR },
	{ TPM_E_NO_DEVICE, CKR_DEVICE_REMOVED },
	{ TPM_E_IO, CKR_DEVICE_ERROR },
	{ TPM_E_BAD_INPUT, CKR_ARGUMENTS_BAD },
	{ TPM_E_NO_SLOTS, CKR_DEVICE_MEMORY },
	{ TPM_E_RETRY, CKR_DEVICE_ERROR },
	{ TPM_E_NO_MEMORY, CKR_HOST_MEMORY },
	{ TPM_E_FAILURE, CKR_DEVICE_ERROR },
};

static void unseal_failures_map_to_precise_codes(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(unseal_cases) / sizeof(*unseal_cases);
	     i++) {
		fake_tpm_fail_next(FAKE_TPM_UNSEAL, unseal_cases[i].rc);
		assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
				 unseal_cases[i].rv);
		assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	}
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void change_auth_failures_map_like_unseal(void **state)
{
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(unseal_cases) / sizeof(*unseal_cases);
	     i++) {
		fake_tpm_fail_next(FAKE_TPM_CHANGE_AUTH, unseal_cases[i].rc);
		assert_int_equal(set_pin(f->rw, USER_PIN, NEW_PIN),
				 unseal_cases[i].rv);
	}
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void unreachable_tpm_at_login(void **state)
{
	struct fixture *f = *state;

	fake_tpm_fail_next(FAKE_TPM_OPEN, TPM_E_NO_DEVICE);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_DEVICE_REMOVED);
	fake_tpm_fail_next(FAKE_TPM_SRK_NAME, TPM_E_OWNER_AUTH);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_DEVICE_ERROR);
	fake_tpm_fail_next(FAKE_TPM_SRK_NAME, TPM_E_IO);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_DEVICE_ERROR);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 0);
	/* The TPM is back: the next login connects and works. */
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

static void removed_token_refuses_login(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(token_admin_remove(f->mod, f->token_id), CKR_OK);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_DEVICE_REMOVED);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_UNSEAL), 0);
}

static void removing_a_token_logs_it_out(void **state)
{
	struct fixture *f = *state;

	fixture_login_user(f);
	assert_int_equal(token_admin_remove(f->mod, f->token_id), CKR_OK);
	assert_int_equal(session_state(f->rw), CKS_RW_PUBLIC_SESSION);
	assert_false(token_exists(f->mod, f->token_id));
	assert_int_equal(token_admin_remove(f->mod, f->token_id),
			 CKR_TOKEN_NOT_PRESENT);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(right_pin_logs_in),
		T(wrong_pin_is_incorrect_and_counted_by_the_tpm),
		T(impossible_pin_lengths_cost_no_strike),
		T(failed_login_leaves_nothing_loaded),
		T(wrong_pin_sets_count_low),
		T(token_info_asks_no_tpm),
		T(pin_flags_follow_the_tpm_counters),
		T(last_try_then_lockout_refuses_even_the_right_pin),
		T(set_pin_replaces_the_user_pin),
		T(set_pin_is_stored),
		T(set_pin_length_is_checked_before_the_tpm),
		T(set_pin_with_wrong_old_pin_changes_nothing),
		T(set_pin_needs_a_rw_session),
		T(set_pin_in_lockout_is_locked),
		T(so_set_pin_changes_the_so_pin),
		T(so_pin_logs_in_as_so_only),
		T(second_login_is_refused_without_the_tpm),
		T(logout_needs_a_login),
		T(odd_user_types),
		T(so_and_read_only_sessions_exclude_each_other),
		T(login_is_shared_by_the_sessions_of_a_token),
		T(closing_the_last_session_logs_out),
		T(another_srk_is_refused_before_any_pin_is_tried),
		T(unseal_failures_map_to_precise_codes),
		T(change_auth_failures_map_like_unseal),
		T(unreachable_tpm_at_login),
		T(removed_token_refuses_login),
		T(removing_a_token_logs_it_out),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
