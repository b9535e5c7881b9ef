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
 * Slots, tokens and mechanisms through the function list: the slot
 * list's length-query protocol, one slot per token and the empty slot
 * last, slot and token info, the mechanism list and its info.
 */

#define EMPTY_SLOT ((CK_SLOT_ID)0)
#define NO_SUCH_SLOT ((CK_SLOT_ID)4242)

/* The slot list into list (cap entries); asserts CKR_OK. */
static CK_ULONG slot_list(struct p11 *p, CK_SLOT_ID *list, CK_ULONG cap)
{
	CK_ULONG count = cap;

	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, list, &count), CKR_OK);
	return count;
}

/* ---- C_GetSlotList ---- */

static void test_slot_list_without_store(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID list[4] = { 99, 99, 99, 99 };
	CK_ULONG count = 0;

	p11_initialize(p);
	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK);
	assert_int_equal(count, 1);
	assert_int_equal(slot_list(p, list, 4), 1);
	assert_int_equal(list[0], EMPTY_SLOT);
	assert_int_equal(list[1], 99);
	count = 0;
	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, NULL, &count), CKR_OK);
	assert_int_equal(count, 1);
}

static void test_slot_list_tokens_first(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID second = p11_add_token("second");
	CK_SLOT_ID list[4];

	p11_initialize(p);
	assert_int_not_equal(p->slot, EMPTY_SLOT);
	assert_int_not_equal(second, EMPTY_SLOT);
	assert_int_equal(slot_list(p, list, 4), 3);
	assert_int_equal(list[0], p->slot);
	assert_int_equal(list[1], second);
	assert_int_equal(list[2], EMPTY_SLOT);
}

static void test_slot_list_length_query(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID list[2] = { 77, 77 };
	CK_ULONG count = 0;

	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, NULL, &count), CKR_OK);
	assert_int_equal(count, 2);
	count = 1;
	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 2);
	count = 0;
	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, 2);
	assert_int_equal(slot_list(p, list, 2), 2);
	assert_int_equal(list[0], p->slot);
	assert_int_equal(list[1], EMPTY_SLOT);
}

static void test_slot_list_null_count(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID list[4];

	assert_int_equal(p->fn->C_GetSlotList(CK_FALSE, NULL, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetSlotList(CK_TRUE, list, NULL),
			 CKR_ARGUMENTS_BAD);
}

/* Another process makes a token: the next list shows it. */
static void test_slot_list_sees_new_token(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID list[4], later;

	assert_int_equal(slot_list(p, list, 4), 2);
	later = p11_add_token("later");
	assert_int_equal(slot_list(p, list, 4), 3);
	assert_int_equal(list[1], later);
	assert_int_equal(list[2], EMPTY_SLOT);
}

/* ---- C_GetSlotInfo ---- */

static void test_slot_info_token(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_INFO info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(p->fn->C_GetSlotInfo(p->slot, &info), CKR_OK);
	p11_assert_padded(info.slotDescription, sizeof(info.slotDescription),
			  "tpmcard TPM 2.0 token");
	/* The TPM the token was made on (the fake: FAKE, 1.59, fw 2.3). */
	p11_assert_padded(info.manufacturerID, sizeof(info.manufacturerID),
			  "FAKE");
	assert_int_equal(info.flags, CKF_TOKEN_PRESENT | CKF_HW_SLOT);
	assert_int_equal(info.hardwareVersion.major, 1);
	assert_int_equal(info.hardwareVersion.minor, 59);
	assert_int_equal(info.firmwareVersion.major, 2);
	assert_int_equal(info.firmwareVersion.minor, 3);
}

static void test_slot_info_empty(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_INFO info;

	memset(&info, 0, sizeof(info));
	p11_initialize(p);
	assert_int_equal(p->fn->C_GetSlotInfo(EMPTY_SLOT, &info), CKR_OK);
	p11_assert_padded(info.slotDescription, sizeof(info.slotDescription),
			  "tpmcard TPM 2.0, no token yet");
	p11_assert_padded(info.manufacturerID, sizeof(info.manufacturerID),
			  "tpmcard");
	assert_int_equal(info.flags, CKF_TOKEN_PRESENT | CKF_HW_SLOT);
}

static void test_slot_info_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_INFO info;

	assert_int_equal(p->fn->C_GetSlotInfo(NO_SUCH_SLOT, &info),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(p->fn->C_GetSlotInfo((CK_SLOT_ID)-1, &info),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(p->fn->C_GetSlotInfo(p->slot, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetSlotInfo(EMPTY_SLOT, NULL),
			 CKR_ARGUMENTS_BAD);
}

/* ---- C_GetTokenInfo ---- */

static void assert_serial(const CK_UTF8CHAR *serial)
{
	for (size_t i = 0; i < 16; i++)
		assert_true((serial[i] >= '0' && serial[i] <= '9') ||
			    (serial[i] >= 'A' && serial[i] <= 'F'));
}

static void test_token_info(void **state)
{
	struct p11 *p = *state;
	CK_TOKEN_INFO info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info), CKR_OK);
	p11_assert_padded(info.label, sizeof(info.label), P11_LABEL);
	p11_assert_padded(info.manufacturerID, sizeof(info.manufacturerID),
			  "tpmcard");
	p11_assert_padded(info.model, sizeof(info.model), "TPM 2.0");
	assert_int_equal(sizeof(info.serialNumber), 16);
	assert_serial(info.serialNumber);
	assert_int_equal(info.flags, CKF_RNG | CKF_LOGIN_REQUIRED |
					     CKF_USER_PIN_INITIALIZED |
					     CKF_TOKEN_INITIALIZED);
	assert_int_equal(info.ulMinPinLen, TC_DEFAULT_MIN_PIN_LEN);
	assert_int_equal(info.ulMaxPinLen, TC_MAX_PIN_LEN);
	assert_int_equal(info.ulMaxSessionCount, CK_EFFECTIVELY_INFINITE);
	assert_int_equal(info.ulSessionCount, 0);
	assert_int_equal(info.ulRwSessionCount, 0);
	assert_int_equal(info.ulTotalPublicMemory, CK_UNAVAILABLE_INFORMATION);
	p11_assert_padded(info.utcTime, sizeof(info.utcTime), "");
	/* Hardware: the TPM's revision; firmware: tpmcard's version. */
	assert_int_equal(info.hardwareVersion.major, 1);
	assert_int_equal(info.hardwareVersion.minor, 59);
	assert_int_equal(info.firmwareVersion.major, 0);
	assert_int_equal(info.firmwareVersion.minor, 1);
}

static void test_token_info_serials_differ(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID second = p11_add_token("second"), list[4];
	CK_TOKEN_INFO a, b;

	assert_int_equal(slot_list(p, list, 4), 3);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &a), CKR_OK);
	assert_int_equal(p->fn->C_GetTokenInfo(second, &b), CKR_OK);
	p11_assert_padded(b.label, sizeof(b.label), "second");
	assert_serial(b.serialNumber);
	assert_memory_not_equal(a.serialNumber, b.serialNumber, 16);
}

static void test_token_info_counts_sessions(void **state)
{
	struct p11 *p = *state;
	CK_TOKEN_INFO info;
	CK_SESSION_HANDLE ro = p11_open_ro(p);

	p11_open_rw(p);
	p11_open_rw(p);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info), CKR_OK);
	assert_int_equal(info.ulSessionCount, 3);
	assert_int_equal(info.ulRwSessionCount, 2);
	assert_int_equal(p->fn->C_CloseSession(ro), CKR_OK);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info), CKR_OK);
	assert_int_equal(info.ulSessionCount, 2);
	assert_int_equal(info.ulRwSessionCount, 2);
}

/* A wrong PIN shows in the flags, from the TPM's counter. */
static void test_token_info_pin_count_low(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);
	CK_TOKEN_INFO info;

	assert_int_equal(p11_login(p, s, CKU_USER, "000000"),
			 CKR_PIN_INCORRECT);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info), CKR_OK);
	assert_true(info.flags & CKF_USER_PIN_COUNT_LOW);
	assert_false(info.flags & CKF_USER_PIN_LOCKED);
	fake_tpm_set_lockout(32, 32);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, &info), CKR_OK);
	assert_true(info.flags & CKF_USER_PIN_LOCKED);
	assert_true(info.flags & CKF_SO_PIN_LOCKED);
}

static void test_token_info_empty_slot(void **state)
{
	struct p11 *p = *state;
	CK_TOKEN_INFO info;

	memset(&info, 0, sizeof(info));
	assert_int_equal(p->fn->C_GetTokenInfo(EMPTY_SLOT, &info), CKR_OK);
	p11_assert_padded(info.label, sizeof(info.label), "");
	p11_assert_padded(info.serialNumber, sizeof(info.serialNumber), "");
	p11_assert_padded(info.model, sizeof(info.model), "TPM 2.0");
	assert_false(info.flags & CKF_TOKEN_INITIALIZED);
	assert_false(info.flags & CKF_USER_PIN_INITIALIZED);
	assert_true(info.flags & CKF_RNG);
	assert_int_equal(info.ulSessionCount, 0);
	assert_int_equal(info.ulMaxPinLen, TC_MAX_PIN_LEN);
}

static void test_token_info_refusals(void **state)
{
	struct p11 *p = *state;
	CK_TOKEN_INFO info;

	assert_int_equal(p->fn->C_GetTokenInfo(NO_SUCH_SLOT, &info),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(p->fn->C_GetTokenInfo(p->slot, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetTokenInfo(EMPTY_SLOT, NULL),
			 CKR_ARGUMENTS_BAD);
}

/* ---- mechanisms ---- */

/* Signature mechanisms, RSA ones first. */
static const CK_MECHANISM_TYPE expected_mechs[] = {
	CKM_RSA_PKCS,		 CKM_RSA_X_509,		  CKM_RSA_PKCS_PSS,
	CKM_SHA1_RSA_PKCS,	 CKM_SHA224_RSA_PKCS,	  CKM_SHA256_RSA_PKCS,
	CKM_SHA384_RSA_PKCS,	 CKM_SHA512_RSA_PKCS,	  CKM_SHA1_RSA_PKCS_PSS,
	CKM_SHA224_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS_PSS, CKM_SHA384_RSA_PKCS_PSS,
	CKM_SHA512_RSA_PKCS_PSS, CKM_ECDSA,		  CKM_ECDSA_SHA1,
	CKM_ECDSA_SHA224,	 CKM_ECDSA_SHA256,	  CKM_ECDSA_SHA384,
	CKM_ECDSA_SHA512,
};

#define RSA_SIG_COUNT 13

#define MECH_COUNT (sizeof(expected_mechs) / sizeof(expected_mechs[0]))

/* Digests, in software, listed after the signing mechanisms. */
static const CK_MECHANISM_TYPE digest_mechs[] = {
	CKM_SHA_1, CKM_SHA224, CKM_SHA256, CKM_SHA384, CKM_SHA512,
};

/* Key generation, RSA encryption (not signing), ECDH: in the TPM. */
static const CK_MECHANISM_TYPE keygen_mechs[] = {
	CKM_RSA_PKCS_KEY_PAIR_GEN,
	CKM_EC_KEY_PAIR_GEN,
	CKM_RSA_PKCS_OAEP,
	CKM_ECDH1_DERIVE,
};

/* Secret keys in the TPM: AES and HMAC. */
static const CK_MECHANISM_TYPE secret_mechs[] = {
	CKM_AES_KEY_GEN, CKM_AES_ECB,	 CKM_AES_CBC,
	CKM_AES_CBC_PAD, CKM_AES_CTR,	 CKM_AES_CFB128,
	CKM_GENERIC_SECRET_KEY_GEN,	 CKM_SHA_1_HMAC,
	CKM_SHA256_HMAC, CKM_SHA384_HMAC, CKM_SHA512_HMAC,
};

#define KEYGEN_COUNT (sizeof(keygen_mechs) / sizeof(keygen_mechs[0]))
#define DIGEST_COUNT (sizeof(digest_mechs) / sizeof(digest_mechs[0]))
#define SECRET_COUNT (sizeof(secret_mechs) / sizeof(secret_mechs[0]))
#define ALL_COUNT (MECH_COUNT + KEYGEN_COUNT + DIGEST_COUNT + SECRET_COUNT)

static bool listed(const CK_MECHANISM_TYPE *list, CK_ULONG n,
		   CK_MECHANISM_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (list[i] == type)
			return true;
	return false;
}

static void test_mechanism_list(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM_TYPE list[ALL_COUNT + 2];
	CK_ULONG count = 0;

	assert_int_equal(p->fn->C_GetMechanismList(p->slot, NULL, &count),
			 CKR_OK);
	assert_int_equal(count, ALL_COUNT);
	count = ALL_COUNT + 2;
	assert_int_equal(p->fn->C_GetMechanismList(p->slot, list, &count),
			 CKR_OK);
	assert_int_equal(count, ALL_COUNT);
	for (size_t i = 0; i < MECH_COUNT; i++)
		assert_true(listed(list, count, expected_mechs[i]));
	for (size_t i = 0; i < DIGEST_COUNT; i++)
		assert_true(listed(list, count, digest_mechs[i]));
	for (size_t i = 0; i < KEYGEN_COUNT; i++)
		assert_true(listed(list, count, keygen_mechs[i]));
	for (size_t i = 0; i < SECRET_COUNT; i++)
		assert_true(listed(list, count, secret_mechs[i]));
	/* The TPM has no SHA-224: no HMAC with it. */
	assert_false(listed(list, count, CKM_SHA224_HMAC));
}

static void test_mechanism_list_too_small(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM_TYPE list[ALL_COUNT];
	CK_ULONG count = 3;

	assert_int_equal(p->fn->C_GetMechanismList(p->slot, list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, ALL_COUNT);
	count = 0;
	assert_int_equal(p->fn->C_GetMechanismList(EMPTY_SLOT, list, &count),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(count, ALL_COUNT);
}

static void test_mechanism_list_refusals(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM_TYPE list[MECH_COUNT];
	CK_ULONG count = MECH_COUNT;

	assert_int_equal(p->fn->C_GetMechanismList(NO_SUCH_SLOT, list,
						   &count),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(p->fn->C_GetMechanismList(p->slot, list, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetMechanismList(p->slot, NULL, NULL),
			 CKR_ARGUMENTS_BAD);
}

/* Every signature mechanism signs in hardware and verifies. */
static void test_mechanism_info_of_each(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM_INFO info;

	for (size_t i = 0; i < MECH_COUNT; i++) {
		bool rsa = i < RSA_SIG_COUNT;
		CK_MECHANISM_TYPE type = expected_mechs[i];
		bool crypt = type == CKM_RSA_PKCS || type == CKM_RSA_X_509;

		memset(&info, 0, sizeof(info));
		assert_int_equal(p->fn->C_GetMechanismInfo(p->slot, type,
							   &info),
				 CKR_OK);
		assert_true(info.flags & CKF_SIGN);
		assert_true(info.flags & CKF_VERIFY);
		assert_true(info.flags & CKF_HW);
		assert_int_equal(!!(info.flags & CKF_ENCRYPT), crypt);
		assert_int_equal(!!(info.flags & CKF_DECRYPT), crypt);
		assert_int_equal(info.ulMinKeySize, rsa ? 2048 : 256);
		assert_int_equal(info.ulMaxKeySize, rsa ? 4096 : 521);
		if (!rsa)
			assert_true(info.flags & CKF_EC_NAMEDCURVE);
	}
}

static void test_mechanism_info_refusals(void **state)
{
	struct p11 *p = *state;
	CK_MECHANISM_INFO info;

	assert_int_equal(p->fn->C_GetMechanismInfo(p->slot, CKM_MD5, &info),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_GetMechanismInfo(p->slot, CKM_DSA, &info),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_GetMechanismInfo(NO_SUCH_SLOT,
						   CKM_RSA_PKCS, &info),
			 CKR_SLOT_ID_INVALID);
	assert_int_equal(p->fn->C_GetMechanismInfo(p->slot, CKM_RSA_PKCS,
						   NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GetMechanismInfo(EMPTY_SLOT, CKM_ECDSA,
						   &info),
			 CKR_OK);
}

/* ---- C_WaitForSlotEvent ---- */

static void test_wait_for_slot_event(void **state)
{
	struct p11 *p = *state;
	CK_SLOT_ID slot = 0;

	assert_int_equal(p->fn->C_WaitForSlotEvent(CKF_DONT_BLOCK, &slot,
						   NULL),
			 CKR_FUNCTION_NOT_SUPPORTED);
}

#define T(name, setup) \
	cmocka_unit_test_setup_teardown(name, setup, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_slot_list_without_store, p11_setup_no_store),
		T(test_slot_list_tokens_first, p11_setup_uninitialized),
		T(test_slot_list_length_query, p11_setup),
		T(test_slot_list_null_count, p11_setup),
		T(test_slot_list_sees_new_token, p11_setup),
		T(test_slot_info_token, p11_setup),
		T(test_slot_info_empty, p11_setup_no_store),
		T(test_slot_info_refusals, p11_setup),
		T(test_token_info, p11_setup),
		T(test_token_info_serials_differ, p11_setup),
		T(test_token_info_counts_sessions, p11_setup),
		T(test_token_info_pin_count_low, p11_setup),
		T(test_token_info_empty_slot, p11_setup),
		T(test_token_info_refusals, p11_setup),
		T(test_mechanism_list, p11_setup),
		T(test_mechanism_list_too_small, p11_setup),
		T(test_mechanism_list_refusals, p11_setup),
		T(test_mechanism_info_of_each, p11_setup),
		T(test_mechanism_info_refusals, p11_setup),
		T(test_wait_for_slot_event, p11_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
