/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake_tpm.h"
#include "token/token.h"
#include "token_fixture.h"

/*
 * Tokens as a whole: creation and its checks, the list, token and slot
 * info, removal, sessions, the mechanism table and random numbers.
 */

static bool store_exists(const struct fixture *f)
{
	return access(f->store, F_OK) == 0;
}

/* True when the padded field holds text followed by blanks only. */
static bool padded_equal(const CK_UTF8CHAR *field, size_t width,
			 const char *text)
{
	size_t len = strlen(text);

	if (len > width || memcmp(field, text, len) != 0)
		return false;
	for (size_t i = len; i < width; i++)
		if (field[i] != ' ')
			return false;
	return true;
}

static size_t token_count(struct tc_module *mod)
{
	size_t count = 0;

	assert_int_equal(token_list(mod, NULL, &count), CKR_OK);
	return count;
}

static void create_then_list_and_find_by_label(void **state)
{
	struct fixture *f = *state;
	int64_t ids[4], found = 0;
	size_t count = 4;

	assert_int_equal(fixture_create_token("first", "1111", "2222",
					      &f->token_id),
			 CKR_OK);
	assert_true(store_exists(f));
	assert_int_equal(token_module_open(&f->mod), CKR_OK);
	assert_int_equal(token_list(f->mod, ids, &count), CKR_OK);
	assert_int_equal(count, 1);
	assert_int_equal(ids[0], f->token_id);
	assert_true(token_exists(f->mod, f->token_id));
	assert_false(token_exists(f->mod, f->token_id + 1));
	assert_int_equal(token_find_by_label(f->mod, "first", &found), CKR_OK);
	assert_int_equal(found, f->token_id);
	assert_int_equal(token_find_by_label(f->mod, "second", &found),
			 CKR_TOKEN_NOT_PRESENT);
}

static void create_checks_its_parameters_before_the_tpm(void **state)
{
	struct fixture *f = *state;
	char long_pin[TC_MAX_PIN_LEN + 2];
	int64_t id = 0;

	memset(long_pin, '5', sizeof(long_pin) - 1);
	long_pin[sizeof(long_pin) - 1] = '\0';
	assert_int_equal(fixture_create_token("", "1234", "1234", &id),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(fixture_create_token(
				 "a label far too long for a token field", "1234",
				 "1234", &id),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(fixture_create_token("t", "123", "1234", &id),
			 CKR_PIN_LEN_RANGE);
	assert_int_equal(fixture_create_token("t", "1234", "123", &id),
			 CKR_PIN_LEN_RANGE);
	assert_int_equal(fixture_create_token("t", long_pin, "1234", &id),
			 CKR_PIN_LEN_RANGE);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_OPEN), 0);
	assert_false(store_exists(f));
}

static void create_honours_a_minimum_pin_length(void **state)
{
	struct fixture *f = *state;
	struct tc_token_params params = {
		.label = "six",
		.user_pin = (const uint8_t *)"12345",
		.user_pin_len = 5,
		.so_pin = (const uint8_t *)"123456",
		.so_pin_len = 6,
		.min_pin_len = 6,
	};
	CK_TOKEN_INFO info;

	assert_int_equal(token_admin_create(&params, &f->token_id),
			 CKR_PIN_LEN_RANGE);
	params.user_pin = (const uint8_t *)"654321";
	params.user_pin_len = 6;
	assert_int_equal(token_admin_create(&params, &f->token_id), CKR_OK);
	fixture_open_module(f);
	assert_int_equal(token_get_info(f->mod, f->token_id, &info), CKR_OK);
	assert_int_equal(info.ulMinPinLen, 6);
	assert_int_equal(token_set_pin(f->rw, (const uint8_t *)"654321", 6,
				       (const uint8_t *)"12345", 5),
			 CKR_PIN_LEN_RANGE);
	params.min_pin_len = TC_MAX_PIN_LEN + 1;
	params.label = "big";
	assert_int_equal(token_admin_create(&params, &f->token_id),
			 CKR_ARGUMENTS_BAD);
}

static void duplicate_label_is_refused(void **state)
{
	struct fixture *f = *state;
	unsigned int opens = fake_tpm_calls(FAKE_TPM_OPEN);
	int64_t id = 0;

	assert_int_equal(fixture_create_token(TOKEN_LABEL, "4444", "5555",
					      &id),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_OPEN), opens);
	assert_int_equal(token_count(f->mod), 1);
}

static void no_tpm_means_no_store_file(void **state)
{
	struct fixture *f = *state;
	int64_t id = 0;

	fake_tpm_fail_next(FAKE_TPM_OPEN, TPM_E_NO_DEVICE);
	assert_int_equal(fixture_create_token("t", "1234", "1234", &id),
			 CKR_DEVICE_REMOVED);
	assert_false(store_exists(f));
}

struct rc_case {
	enum fake_tpm_op op;
	enum tpm_rc rc;
	CK_RV rv;
};

static void tpm_failures_while_creating_store_nothing(void **state)
{
	static const struct rc_case cases[] = {
		{ FAKE_TPM_SRK_NAME, TPM_E_OWNER_AUTH, CKR_DEVICE_ERROR },
		{ FAKE_TPM_RANDOM, TPM_E_IO, CKR_DEVICE_ERROR },
		{ FAKE_TPM_SEAL, TPM_E_NO_SLOTS, CKR_DEVICE_MEMORY },
		{ FAKE_TPM_SEAL, TPM_E_RETRY, CKR_DEVICE_ERROR },
		{ FAKE_TPM_SEAL, TPM_E_NO_MEMORY, CKR_HOST_MEMORY },
		{ FAKE_TPM_OPEN, TPM_E_NO_MEMORY, CKR_HOST_MEMORY },
	};
	struct fixture *f = *state;
	int64_t id = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_tpm_fail_next(cases[i].op, cases[i].rc);
		assert_int_equal(fixture_create_token("t", "1234", "1234",
						      &id),
				 cases[i].rv);
		assert_int_equal(fake_tpm_connections(), 0);
		assert_false(store_exists(f));
	}
	assert_int_equal(fixture_create_token("t", "1234", "1234", &id),
			 CKR_OK);
}

static void the_wrap_secret_is_sealed_under_both_pins(void **state)
{
	struct fake_object_view user, so;

	(void)state;
	assert_int_equal(fake_tpm_object_count(), 2);
	assert_true(fake_tpm_object(0, &user));
	assert_true(fake_tpm_object(1, &so));
	assert_int_equal(user.kind, FAKE_OBJ_SEALED);
	assert_int_equal(user.secret_len, 32);
	assert_int_equal(so.secret_len, 32);
	assert_memory_equal(user.secret, so.secret, 32);
	/* Two PIN-derived auth values, neither the PIN itself. */
	assert_int_equal(user.auth_len, 32);
	assert_int_equal(so.auth_len, 32);
	assert_memory_not_equal(user.auth, so.auth, 32);
	assert_int_equal(fake_tpm_connections(), 0);
}

static void second_token_created_elsewhere_is_seen(void **state)
{
	struct fixture *f = *state;
	int64_t ids[1], other = 0;
	size_t count = 1;

	assert_int_equal(fixture_create_token("other", "1234", "1234",
					      &other),
			 CKR_OK);
	assert_int_equal(token_list(f->mod, ids, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 2);
	assert_int_equal(ids[0], f->token_id);
	assert_int_equal(token_count(f->mod), 2);
	assert_true(token_exists(f->mod, other));
}

static void token_info_describes_the_token(void **state)
{
	struct fixture *f = *state;
	CK_FLAGS expected = CKF_RNG | CKF_LOGIN_REQUIRED |
			    CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
	CK_TOKEN_INFO info;
	struct tc_session *ro = NULL;

	assert_int_equal(token_session_open(f->mod, f->token_id, false, &ro),
			 CKR_OK);
	assert_int_equal(token_get_info(f->mod, f->token_id, &info), CKR_OK);
	assert_true(padded_equal(info.label, sizeof(info.label),
				 TOKEN_LABEL));
	assert_true(padded_equal(info.manufacturerID,
				 sizeof(info.manufacturerID), "tpmcard"));
	assert_int_equal(info.flags, expected);
	assert_int_equal(info.ulSessionCount, 2);
	assert_int_equal(info.ulRwSessionCount, 1);
	assert_int_equal(info.ulMinPinLen, TC_DEFAULT_MIN_PIN_LEN);
	assert_int_equal(info.ulMaxPinLen, TC_MAX_PIN_LEN);
	for (size_t i = 0; i < sizeof(info.serialNumber); i++)
		assert_non_null(memchr("0123456789ABCDEF",
				       info.serialNumber[i], 16));
	assert_int_equal(token_session_count(f->mod, f->token_id), 2);
	token_session_close(ro);
	assert_int_equal(token_session_count(f->mod, f->token_id), 1);
}

static void two_tokens_have_different_serials(void **state)
{
	struct fixture *f = *state;
	CK_TOKEN_INFO a, b;
	int64_t other = 0;

	assert_int_equal(fixture_create_token("other", "1234", "1234",
					      &other),
			 CKR_OK);
	assert_int_equal(token_count(f->mod), 2);
	assert_int_equal(token_get_info(f->mod, f->token_id, &a), CKR_OK);
	assert_int_equal(token_get_info(f->mod, other, &b), CKR_OK);
	assert_memory_not_equal(a.serialNumber, b.serialNumber,
				sizeof(a.serialNumber));
}

static void unknown_tokens_and_slots(void **state)
{
	struct fixture *f = *state;
	struct tc_session *session = NULL;
	CK_TOKEN_INFO info;
	CK_SLOT_INFO slot;

	assert_int_equal(token_get_info(f->mod, f->token_id + 7, &info),
			 CKR_TOKEN_NOT_PRESENT);
	assert_int_equal(token_get_slot_info(f->mod, f->token_id + 7, &slot),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(token_session_open(f->mod, f->token_id + 7, true,
					    &session),
			 CKR_TOKEN_NOT_PRESENT);
	assert_null(session);
	assert_int_equal(token_session_count(f->mod, f->token_id + 7), 0);
	assert_int_equal(token_get_slot_info(f->mod, f->token_id, &slot),
			 CKR_OK);
	assert_int_equal(slot.flags, CKF_TOKEN_PRESENT | CKF_HW_SLOT);
	assert_int_equal(token_session_token(f->rw), f->token_id);
}

static void empty_slot_info(void **state)
{
	CK_SLOT_INFO slot;
	CK_TOKEN_INFO info;

	(void)state;
	token_empty_slot_info(&slot, &info);
	assert_int_equal(slot.flags, CKF_TOKEN_PRESENT | CKF_HW_SLOT);
	assert_int_equal(info.flags & CKF_TOKEN_INITIALIZED, 0);
	assert_true(padded_equal(info.label, sizeof(info.label), ""));
	token_empty_slot_info(NULL, NULL);
}

static void no_store_no_tokens_and_nothing_created(void **state)
{
	struct fixture *f = *state;
	int64_t id = 0;

	assert_int_equal(token_module_open(&f->mod), CKR_OK);
	assert_int_equal(token_count(f->mod), 0);
	assert_int_equal(token_find_by_label(f->mod, TOKEN_LABEL, &id),
			 CKR_TOKEN_NOT_PRESENT);
	assert_false(store_exists(f));
	assert_int_equal(fake_tpm_calls(FAKE_TPM_OPEN), 0);
	/* A store created afterwards is found by the next listing. */
	assert_int_equal(fixture_create_token("late", "1234", "1234", &id),
			 CKR_OK);
	assert_int_equal(token_count(f->mod), 1);
}

static void removed_token_disappears(void **state)
{
	struct fixture *f = *state;
	struct tc_session *session = NULL;

	assert_int_equal(token_admin_remove(f->mod, f->token_id), CKR_OK);
	assert_false(token_exists(f->mod, f->token_id));
	assert_int_equal(token_count(f->mod), 0);
	assert_int_equal(token_session_open(f->mod, f->token_id, true,
					    &session),
			 CKR_TOKEN_NOT_PRESENT);
	fixture_close_module(f);
	assert_int_equal(token_module_open(&f->mod), CKR_OK);
	assert_int_equal(token_count(f->mod), 0);
}

/* A session still open on a removed token sees nothing and says why. */
static void session_on_removed_token_fails_cleanly(void **state)
{
	struct fixture *f = *state;
	int64_t priv = 0, pub = 0, found[4];
	size_t n = 0;
	uint8_t buf[16];
	CK_ATTRIBUTE label = { CKA_LABEL, buf, sizeof(buf) };
	CK_MECHANISM mech = { CKM_ECDSA, NULL, 0 };

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "k", &priv, &pub);
	assert_int_equal(token_admin_remove(f->mod, f->token_id), CKR_OK);
	assert_int_equal(token_find_init(f->rw, NULL, 0), CKR_DEVICE_REMOVED);
	assert_int_equal(token_find_next(f->rw, found, 4, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(token_object_get_attrs(f->rw, pub, &label, 1),
			 CKR_OBJECT_HANDLE_INVALID);
	assert_int_equal(token_sign_init(f->rw, &mech, priv),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN),
			 CKR_DEVICE_REMOVED);
}

static void mechanism_list_and_info(void **state)
{
	struct fixture *f = *state;
	CK_MECHANISM_TYPE list[40];
	CK_MECHANISM_INFO info;
	CK_ULONG count = 0;

	assert_int_equal(token_mechanism_list(f->mod, NULL, &count), CKR_OK);
	/*
	 * 2 key pair generation, 14 RSA, ECDH, 6 ECDSA, 5 digests; AES key
	 * generation and 5 modes, generic secret generation and 4 HMACs.
	 */
	assert_int_equal(count, 39);
	count = 3;
	assert_int_equal(token_mechanism_list(f->mod, list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 39);
	count = 40;
	assert_int_equal(token_mechanism_list(f->mod, list, &count), CKR_OK);
	assert_int_equal(count, 39);
	for (CK_ULONG i = 0; i < count; i++)
		assert_int_equal(token_mechanism_info(f->mod, list[i], &info),
				 CKR_OK);
	assert_int_equal(token_mechanism_info(f->mod, CKM_RSA_PKCS, &info),
			 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 2048);
	assert_int_equal(info.ulMaxKeySize, 4096);
	assert_int_equal(info.flags, CKF_HW | CKF_SIGN | CKF_VERIFY |
					     CKF_ENCRYPT | CKF_DECRYPT);
	assert_int_equal(token_mechanism_info(f->mod, CKM_RSA_PKCS_OAEP, &info),
			 CKR_OK);
	assert_int_equal(info.flags, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT);
	assert_int_equal(token_mechanism_info(f->mod, CKM_SHA256_RSA_PKCS_PSS,
					      &info),
			 CKR_OK);
	assert_int_equal(info.flags, CKF_HW | CKF_SIGN | CKF_VERIFY);
	assert_int_equal(token_mechanism_info(f->mod, CKM_ECDSA_SHA256, &info),
			 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 256);
	assert_int_equal(info.ulMaxKeySize, 521);
	assert_int_equal(token_mechanism_info(f->mod, CKM_DSA, &info),
			 CKR_MECHANISM_INVALID);
	/* AES and HMAC key sizes are in bytes, generic generation in bits. */
	assert_int_equal(token_mechanism_info(f->mod, CKM_AES_CBC_PAD, &info),
			 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 16);
	assert_int_equal(info.ulMaxKeySize, 32);
	assert_int_equal(info.flags, CKF_HW | CKF_ENCRYPT | CKF_DECRYPT);
	assert_int_equal(token_mechanism_info(f->mod, CKM_AES_KEY_GEN, &info),
			 CKR_OK);
	assert_int_equal(info.flags, CKF_HW | CKF_GENERATE);
	assert_int_equal(token_mechanism_info(f->mod,
					      CKM_GENERIC_SECRET_KEY_GEN,
					      &info),
			 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 8);
	assert_int_equal(info.ulMaxKeySize, 512);
	assert_int_equal(token_mechanism_info(f->mod, CKM_SHA512_HMAC, &info),
			 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 1);
	assert_int_equal(info.ulMaxKeySize, 64);
	assert_int_equal(info.flags, CKF_HW | CKF_SIGN | CKF_VERIFY);
	assert_int_equal(token_mechanism_info(f->mod, CKM_SHA224_HMAC, &info),
			 CKR_MECHANISM_INVALID);
}

/* What the TPM lacks is not offered; key sizes are its own. */
static void mechanisms_follow_the_tpm(void **state)
{
	struct fixture *f = *state;
	struct tpm_caps caps = { .rsa = { true, true, false },
				 .curve = { false, true, true, false } };
	CK_MECHANISM_INFO info;
	CK_ULONG count = 0;

	fake_tpm_set_caps(&caps);
	assert_int_equal(token_mechanism_info(f->mod, CKM_RSA_PKCS_KEY_PAIR_GEN,
					      &info),
			 CKR_OK);
	assert_int_equal(info.ulMinKeySize, 2048);
	assert_int_equal(info.ulMaxKeySize, 3072);
	assert_int_equal(token_mechanism_info(f->mod, CKM_ECDSA, &info), CKR_OK);
	assert_int_equal(info.ulMinKeySize, 256);
	assert_int_equal(info.ulMaxKeySize, 384);
	/* A TPM without RSA: no RSA mechanism at all. */
	caps.rsa[0] = caps.rsa[1] = false;
	fake_tpm_set_caps(&caps);
	assert_int_equal(token_mechanism_info(f->mod, CKM_RSA_PKCS, &info),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(token_mechanism_list(f->mod, NULL, &count), CKR_OK);
	assert_int_equal(count, 39 - 14 - 1);
	/* Secret keys do not depend on the RSA sizes or curves. */
	assert_int_equal(token_mechanism_info(f->mod, CKM_AES_CTR, &info),
			 CKR_OK);
	/* Without a TPM, the whole table. */
	fake_tpm_fail_next(FAKE_TPM_CAPS, TPM_E_NO_DEVICE);
	assert_int_equal(token_mechanism_list(f->mod, NULL, &count), CKR_OK);
	assert_int_equal(count, 39);
}

static void random_comes_from_the_tpm(void **state)
{
	struct fixture *f = *state;
	uint8_t a[48] = { 0 }, b[48] = { 0 };

	assert_int_equal(token_random(f->rw, a, sizeof(a)), CKR_OK);
	assert_int_equal(token_random(f->rw, b, sizeof(b)), CKR_OK);
	assert_memory_not_equal(a, b, sizeof(a));
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RANDOM), 3);
	fake_tpm_fail_next(FAKE_TPM_RANDOM, TPM_E_IO);
	assert_int_equal(token_random(f->rw, a, sizeof(a)), CKR_DEVICE_ERROR);
	fake_tpm_fail_next(FAKE_TPM_RANDOM, TPM_E_NO_DEVICE);
	assert_int_equal(token_random(f->rw, a, sizeof(a)),
			 CKR_DEVICE_REMOVED);
}

static void key_kind_names(void **state)
{
	enum tc_key_kind kind = TC_KEY_KIND_COUNT;

	(void)state;
	for (int i = 0; i < TC_KEY_KIND_COUNT; i++) {
		const char *name = token_key_kind_name((enum tc_key_kind)i);

		assert_non_null(name);
		assert_true(token_key_kind_parse(name, &kind));
		assert_int_equal(kind, i);
	}
	assert_string_equal(token_key_kind_name(TC_KEY_EC_P256), "ecc-p256");
	assert_null(token_key_kind_name(TC_KEY_KIND_COUNT));
	assert_false(token_key_kind_parse("rsa1024", &kind));
}

static void result_texts(void **state)
{
	(void)state;
	assert_string_equal(token_rv_text(CKR_PIN_INCORRECT), "wrong PIN");
	assert_string_equal(token_rv_text(CKR_VENDOR_DEFINED + 1),
			    "PKCS#11 error");
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						fixture_teardown)
#define EMPTY(name) cmocka_unit_test_setup_teardown(name, \
	fixture_setup_empty, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		EMPTY(create_then_list_and_find_by_label),
		EMPTY(create_checks_its_parameters_before_the_tpm),
		EMPTY(create_honours_a_minimum_pin_length),
		T(duplicate_label_is_refused),
		EMPTY(no_tpm_means_no_store_file),
		EMPTY(tpm_failures_while_creating_store_nothing),
		T(the_wrap_secret_is_sealed_under_both_pins),
		T(second_token_created_elsewhere_is_seen),
		T(token_info_describes_the_token),
		T(two_tokens_have_different_serials),
		T(unknown_tokens_and_slots),
		EMPTY(empty_slot_info),
		EMPTY(no_store_no_tokens_and_nothing_created),
		T(removed_token_disappears),
		T(session_on_removed_token_fails_cleanly),
		T(mechanism_list_and_info),
		T(mechanisms_follow_the_tpm),
		T(random_comes_from_the_tpm),
		EMPTY(key_kind_names),
		EMPTY(result_texts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
