/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "fake_tpm.h"
#include "p11_fixture.h"
#include "token_verify.h"

/*
 * Signing through the function list with the fake TPM's RSA-2048 and
 * P-256 keys, every signature checked by OpenSSL against the key of the
 * public object's CKA_PUBLIC_KEY_INFO: C_SignInit's refusals, the
 * operation's life (length queries keep it, results and errors end it),
 * one-part and multi-part signing for every mechanism.
 */

#define MSG "the quick brown fox jumps over the lazy dog"
#define MSG_LEN (sizeof(MSG) - 1)
#define RSA_SIG_LEN 256
#define EC_SIG_LEN 64
#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)
#define NO_SUCH_OBJECT ((CK_OBJECT_HANDLE)987654)

static CK_RV sign_init(struct p11 *p, CK_SESSION_HANDLE s,
		       CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM mech = { type, NULL, 0 };

	return p->fn->C_SignInit(s, &mech, key);
}

static CK_RV sign(struct p11 *p, CK_SESSION_HANDLE s, const void *data,
		  size_t len, CK_BYTE *sig, CK_ULONG *sig_len)
{
	return p->fn->C_Sign(s, (CK_BYTE_PTR)data, len, sig, sig_len);
}

static CK_RV sign_update(struct p11 *p, CK_SESSION_HANDLE s,
			 const void *data, size_t len)
{
	return p->fn->C_SignUpdate(s, (CK_BYTE_PTR)data, len);
}

/* One-part: init and sign into sig (512 bytes); asserts, returns length. */
static CK_ULONG sign_once(struct p11 *p, CK_SESSION_HANDLE s,
			  CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key,
			  const void *data, size_t len, CK_BYTE *sig)
{
	CK_ULONG sig_len = 512;

	assert_int_equal(sign_init(p, s, type, key), CKR_OK);
	assert_int_equal(sign(p, s, data, len, sig, &sig_len), CKR_OK);
	return sig_len;
}

/* Multi-part: MSG in three updates, then final; asserts. */
static CK_ULONG sign_parts(struct p11 *p, CK_SESSION_HANDLE s,
			   CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE key,
			   CK_BYTE *sig)
{
	CK_ULONG sig_len = 512;

	assert_int_equal(sign_init(p, s, type, key), CKR_OK);
	assert_int_equal(sign_update(p, s, MSG, 4), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, NULL, 0), CKR_OK);
	assert_int_equal(sign_update(p, s, MSG + 4, MSG_LEN - 4), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len), CKR_OK);
	return sig_len;
}

/* No signing operation is active in the session. */
static void assert_not_signing(struct p11 *p, CK_SESSION_HANDLE s)
{
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static bool verifies(struct p11 *p, CK_SESSION_HANDLE s,
		     CK_OBJECT_HANDLE pub, const char *md, const CK_BYTE *sig,
		     CK_ULONG sig_len)
{
	EVP_PKEY *key = p11_public_key(p, s, pub);
	bool ok = verify_hashed(key, md, MSG, MSG_LEN, sig, sig_len);

	EVP_PKEY_free(key);
	return ok;
}

/* ---- C_SignInit ---- */

static void test_sign_init_needs_login(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_rw(p);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_USER_NOT_LOGGED_IN);
	assert_not_signing(p, s);
	assert_int_equal(p11_login(p, s, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(sign_init(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_USER_NOT_LOGGED_IN);
	assert_not_signing(p, s);
}

static void test_sign_init_key_type_inconsistent(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);

	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.rsa_priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.ec_priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	/* A public key cannot sign. */
	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_not_signing(p, s);
}

static void test_sign_init_mechanism_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE param[8] = { 0 };
	CK_MECHANISM with_param = { CKM_SHA256_RSA_PKCS, param, sizeof(param) };

	assert_int_equal(sign_init(p, s, CKM_RSA_PKCS_PSS, p->keys.rsa_priv),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(sign_init(p, s, CKM_DSA, p->keys.rsa_priv),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(sign_init(p, s, CKM_SHA256, p->keys.rsa_priv),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(sign_init(p, s, CKM_VENDOR_DEFINED, p->keys.ec_priv),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_SignInit(s, &with_param, p->keys.rsa_priv),
			 CKR_MECHANISM_PARAM_INVALID);
	assert_int_equal(p->fn->C_SignInit(s, NULL, p->keys.rsa_priv),
			 CKR_ARGUMENTS_BAD);
	assert_not_signing(p, s);
}

static void test_sign_init_bad_handles(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);

	assert_int_equal(sign_init(p, s, CKM_ECDSA, CK_INVALID_HANDLE),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(sign_init(p, s, CKM_ECDSA, NO_SUCH_OBJECT),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(sign_init(p, s, CKM_ECDSA, (CK_OBJECT_HANDLE)-1),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(sign_init(p, NO_SUCH_SESSION, CKM_ECDSA,
				   p->keys.ec_priv),
			 CKR_SESSION_HANDLE_INVALID);
	assert_not_signing(p, s);
}

/* A key whose CKA_SIGN was turned off by another process. */
static void test_sign_init_function_not_permitted(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_OBJECT_HANDLE found[8];

	fixture_store_set_bool(p->base, (int64_t)p->keys.rsa_priv, CKA_SIGN,
			       false);
	p11_find(p, s, NULL, 0, found, 8); /* the module reads the store */
	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_not_signing(p, s);
}

static void test_sign_init_twice(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign_init(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_OPERATION_ACTIVE);
	/* The first operation is the one that goes on. */
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len), CKR_OK);
	assert_int_equal(sig_len, RSA_SIG_LEN);
	assert_true(verifies(p, s, p->keys.rsa_pub, "SHA256", sig, sig_len));
}

/* Each session has its own operation; read-only ones sign too. */
static void test_sign_per_session(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE a = p11_open_user(p), b = p11_open_ro(p);
	CK_BYTE sig_a[512], sig_b[512];
	CK_ULONG len_a = sizeof(sig_a), len_b = sizeof(sig_b);

	assert_int_equal(sign_init(p, a, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_not_signing(p, b);
	assert_int_equal(sign_init(p, b, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_OK);
	assert_int_equal(sign(p, b, MSG, MSG_LEN, sig_b, &len_b), CKR_OK);
	assert_int_equal(sign(p, a, MSG, MSG_LEN, sig_a, &len_a), CKR_OK);
	assert_true(verifies(p, a, p->keys.rsa_pub, "SHA256", sig_a, len_a));
	assert_true(verifies(p, b, p->keys.ec_pub, "SHA256", sig_b, len_b));
}

/* ---- C_Sign: the operation's life ---- */

static void test_sign_without_init(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_not_signing(p, s);
	assert_int_equal(sign_update(p, s, MSG, MSG_LEN),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(sign(p, NO_SUCH_SESSION, MSG, MSG_LEN, sig, &sig_len),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(sign_update(p, NO_SUCH_SESSION, MSG, MSG_LEN),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_SignFinal(NO_SUCH_SESSION, sig, &sig_len),
			 CKR_SESSION_HANDLE_INVALID);
}

static void test_sign_length_query(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = 0;

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign(p, s, MSG, MSG_LEN, NULL, &sig_len), CKR_OK);
	assert_int_equal(sig_len, RSA_SIG_LEN);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_RSA_PRIVATE), 0);
	sig_len = 7;
	assert_int_equal(sign(p, s, MSG, MSG_LEN, NULL, &sig_len), CKR_OK);
	assert_int_equal(sig_len, RSA_SIG_LEN);
	sig_len = sizeof(sig);
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len), CKR_OK);
	assert_int_equal(sig_len, RSA_SIG_LEN);
	assert_true(verifies(p, s, p->keys.rsa_pub, "SHA256", sig, sig_len));
	/* Success ended the operation. */
	assert_not_signing(p, s);
}

static void test_sign_buffer_too_small(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[EC_SIG_LEN];
	CK_ULONG sig_len = EC_SIG_LEN - 1;

	assert_int_equal(sign_init(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_OK);
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(sig_len, EC_SIG_LEN);
	sig_len = 0;
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(sig_len, EC_SIG_LEN);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_ECDSA), 0);
	/* Still active: the same message signs with room enough. */
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len), CKR_OK);
	assert_int_equal(sig_len, EC_SIG_LEN);
	assert_true(verifies(p, s, p->keys.ec_pub, "SHA256", sig, sig_len));
	assert_not_signing(p, s);
}

/* An error ends the operation: data too long for the RSA key. */
static void test_sign_error_ends_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE data[RSA_SIG_LEN - 10], sig[512];
	CK_ULONG sig_len = sizeof(sig);

	memset(data, 0x5a, sizeof(data));
	assert_int_equal(sign_init(p, s, CKM_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign(p, s, data, sizeof(data), sig, &sig_len),
			 CKR_DATA_LEN_RANGE);
	assert_not_signing(p, s);
	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
	assert_int_equal(sign(p, s, data, 0, sig, &sig_len),
			 CKR_DATA_LEN_RANGE);
	assert_not_signing(p, s);
}

/* A TPM failure ends it too. */
static void test_sign_tpm_failure_ends_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	fake_tpm_fail_next(FAKE_TPM_RSA_PRIVATE, TPM_E_FAILURE);
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len),
			 CKR_DEVICE_ERROR);
	assert_not_signing(p, s);
	sig_len = sign_once(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv, MSG,
			    MSG_LEN, sig);
	assert_true(verifies(p, s, p->keys.rsa_pub, "SHA256", sig, sig_len));
}

/* Logging out takes the key away from an active operation. */
static void test_sign_after_logout(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);
	CK_RV rv;

	assert_int_equal(sign_init(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	rv = sign(p, s, MSG, MSG_LEN, sig, &sig_len);
	assert_int_not_equal(rv, CKR_OK);
	assert_not_signing(p, s);
	assert_int_equal(rv, CKR_USER_NOT_LOGGED_IN);
}

/* Logging out closes the keys login opened in the TPM. */
static void test_logout_unloads_keys(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];

	assert_int_equal(fake_tpm_open_keys(), 0);
	sign_once(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv, MSG, MSG_LEN, sig);
	sign_once(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv, MSG, MSG_LEN,
		  sig);
	assert_int_equal(fake_tpm_open_keys(), 2);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(fake_tpm_open_keys(), 0);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
}

/* Closing a session mid-operation frees it (LeakSanitizer watches). */
static void test_close_session_while_signing(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE a = p11_open_user(p), b = p11_open_rw(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign_init(p, a, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign_update(p, a, MSG, MSG_LEN), CKR_OK);
	assert_int_equal(sign_init(p, b, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(a), CKR_OK);
	assert_int_equal(sign_update(p, a, MSG, MSG_LEN),
			 CKR_SESSION_HANDLE_INVALID);
	/* The other session's operation is untouched. */
	assert_int_equal(sign(p, b, MSG, 32, sig, &sig_len), CKR_OK);
	assert_int_equal(sig_len, EC_SIG_LEN);
}

/*
 * PKCS#11 2.40, C_Sign: "A call to C_Sign always terminates the active
 * signing operation unless it returns CKR_BUFFER_TOO_SMALL or is a
 * successful call (i.e., one which returns CKR_OK) to determine the
 * length of the buffer needed to hold the signature."  The same is said
 * of C_SignFinal; of C_SignUpdate: "A call to C_SignUpdate which results
 * in an error terminates the current signature operation."
 */
static bool signing(struct p11 *p, CK_SESSION_HANDLE s)
{
	CK_ULONG len = 0;
	CK_RV rv = p->fn->C_SignFinal(s, NULL, &len);

	/* A length query of a hash-and-sign operation leaves it be. */
	assert_true(rv == CKR_OK || rv == CKR_OPERATION_NOT_INITIALIZED);
	return rv == CKR_OK;
}

static void test_sign_null_length_ends_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_false(signing(p, s));
	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
}

static void test_sign_null_data_ends_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, NULL, 5, sig, &sig_len),
			 CKR_ARGUMENTS_BAD);
	assert_false(signing(p, s));
	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
}

static void test_sign_update_bad_arguments_end_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, NULL, 5), CKR_ARGUMENTS_BAD);
	assert_false(signing(p, s));
	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
}

static void test_sign_final_bad_arguments_end_operation(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign_update(p, s, MSG, MSG_LEN), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, sig, NULL), CKR_ARGUMENTS_BAD);
	assert_false(signing(p, s));
	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
}

/* ---- multi-part ---- */

static void test_sign_multi_part_rsa(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len;

	sig_len = sign_parts(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv, sig);
	assert_int_equal(sig_len, RSA_SIG_LEN);
	assert_true(verifies(p, s, p->keys.rsa_pub, "SHA256", sig, sig_len));
	assert_not_signing(p, s);
	/* Not a signature of another message. */
	sig[10] ^= 1;
	assert_false(verifies(p, s, p->keys.rsa_pub, "SHA256", sig, sig_len));
}

static void test_sign_multi_part_ecdsa(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len;

	sig_len = sign_parts(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv, sig);
	assert_int_equal(sig_len, EC_SIG_LEN);
	assert_true(verifies(p, s, p->keys.ec_pub, "SHA256", sig, sig_len));
	assert_false(verifies(p, s, p->keys.ec_pub, "SHA384", sig, sig_len));
	assert_not_signing(p, s);
}

/* C_SignFinal's length query and short buffer keep the operation. */
static void test_sign_final_length_protocol(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = 0;

	assert_int_equal(sign_init(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_OK);
	assert_int_equal(sign_update(p, s, MSG, MSG_LEN), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, NULL, &sig_len), CKR_OK);
	assert_int_equal(sig_len, EC_SIG_LEN);
	sig_len = 10;
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(sig_len, EC_SIG_LEN);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len), CKR_OK);
	assert_true(verifies(p, s, p->keys.ec_pub, "SHA256", sig, sig_len));
	assert_not_signing(p, s);
}

/* The empty message: no parts at all, or one-part with no data. */
static void test_sign_empty_message(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);
	EVP_PKEY *rsa = p11_public_key(p, s, p->keys.rsa_pub);
	EVP_PKEY *ec = p11_public_key(p, s, p->keys.ec_pub);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len), CKR_OK);
	assert_true(verify_hashed(rsa, "SHA256", "", 0, sig, sig_len));
	assert_int_equal(sign_init(p, s, CKM_ECDSA_SHA256, p->keys.ec_priv),
			 CKR_OK);
	sig_len = sizeof(sig);
	assert_int_equal(p->fn->C_Sign(s, NULL, 0, sig, &sig_len), CKR_OK);
	assert_true(verify_hashed(ec, "SHA256", "", 0, sig, sig_len));
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
}

/* Once updating, the operation must finish with C_SignFinal. */
static void test_sign_one_part_after_update(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign_update(p, s, MSG, MSG_LEN), CKR_OK);
	/*
	 * C_Sign cannot finish parts: CKR_OPERATION_ACTIVE says why, and, as
	 * "a call to C_Sign always terminates the active signing operation"
	 * (but a length query or a short buffer), the operation is over.
	 */
	assert_int_equal(sign(p, s, MSG, MSG_LEN, sig, &sig_len),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(sign_init(p, s, CKM_SHA256_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(sign_update(p, s, MSG, MSG_LEN), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len), CKR_OK);
	assert_true(verifies(p, s, p->keys.rsa_pub, "SHA256", sig, sig_len));
}

/* The raw mechanisms are one-part only; trying more ends them. */
static void test_sign_raw_is_single_part(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_BYTE sig[512];
	CK_ULONG sig_len = sizeof(sig);

	assert_int_equal(sign_init(p, s, CKM_ECDSA, p->keys.ec_priv), CKR_OK);
	assert_int_equal(sign_update(p, s, MSG, 32),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_not_signing(p, s);
	assert_int_equal(sign_init(p, s, CKM_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, sig, &sig_len),
			 CKR_FUNCTION_NOT_SUPPORTED);
	assert_not_signing(p, s);
}

/* ---- every hash-and-sign mechanism, one-part and multi-part ---- */

struct hashed_case {
	CK_MECHANISM_TYPE type;
	const char *md;
	bool ec;
};

static const struct hashed_case hashed_cases[] = {
	{ CKM_SHA1_RSA_PKCS, "SHA1", false },
	{ CKM_SHA224_RSA_PKCS, "SHA224", false },
	{ CKM_SHA256_RSA_PKCS, "SHA256", false },
	{ CKM_SHA384_RSA_PKCS, "SHA384", false },
	{ CKM_SHA512_RSA_PKCS, "SHA512", false },
	{ CKM_ECDSA_SHA1, "SHA1", true },
	{ CKM_ECDSA_SHA224, "SHA224", true },
	{ CKM_ECDSA_SHA256, "SHA256", true },
	/* Longer than P-256's order: ECDSA uses the leftmost bits. */
	{ CKM_ECDSA_SHA384, "SHA384", true },
	{ CKM_ECDSA_SHA512, "SHA512", true },
};

static void check_hashed(struct p11 *p, CK_SESSION_HANDLE s,
			 const struct hashed_case *c)
{
	CK_OBJECT_HANDLE priv = c->ec ? p->keys.ec_priv : p->keys.rsa_priv;
	CK_OBJECT_HANDLE pub = c->ec ? p->keys.ec_pub : p->keys.rsa_pub;
	CK_ULONG want = c->ec ? EC_SIG_LEN : RSA_SIG_LEN;
	CK_BYTE sig[512];
	CK_ULONG len;

	len = sign_once(p, s, c->type, priv, MSG, MSG_LEN, sig);
	assert_int_equal(len, want);
	if (!verifies(p, s, pub, c->md, sig, len))
		fail_msg("one-part %s (%s)", c->md, c->ec ? "EC" : "RSA");
	len = sign_parts(p, s, c->type, priv, sig);
	assert_int_equal(len, want);
	if (!verifies(p, s, pub, c->md, sig, len))
		fail_msg("multi-part %s (%s)", c->md, c->ec ? "EC" : "RSA");
}

static void test_sign_every_hashed_mechanism(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);

	for (size_t i = 0; i < sizeof(hashed_cases) / sizeof(*hashed_cases);
	     i++)
		check_hashed(p, s, &hashed_cases[i]);
}

/* ---- raw mechanisms ---- */

static void test_sign_raw_rsa(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	EVP_PKEY *key = p11_public_key(p, s, p->keys.rsa_pub);
	CK_BYTE data[RSA_SIG_LEN - 11], sig[512], out[512];
	CK_ULONG len;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (CK_BYTE)(i * 7 + 1);
	len = sign_once(p, s, CKM_RSA_PKCS, p->keys.rsa_priv, data, 20, sig);
	assert_int_equal(len, RSA_SIG_LEN);
	assert_int_equal(verify_rsa_recover(key, sig, len, out, sizeof(out)),
			 20);
	assert_memory_equal(out, data, 20);
	/* The longest input PKCS#1 v1.5 padding leaves room for. */
	len = sign_once(p, s, CKM_RSA_PKCS, p->keys.rsa_priv, data,
			sizeof(data), sig);
	assert_int_equal(verify_rsa_recover(key, sig, len, out, sizeof(out)),
			 sizeof(data));
	assert_memory_equal(out, data, sizeof(data));
	EVP_PKEY_free(key);
}

/* Empty data is a valid input for CKM_RSA_PKCS. */
static void test_sign_raw_rsa_empty(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	EVP_PKEY *key = p11_public_key(p, s, p->keys.rsa_pub);
	CK_BYTE sig[512], out[512];
	CK_ULONG len = sizeof(sig);

	assert_int_equal(sign_init(p, s, CKM_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, out, 0, sig, &len), CKR_OK);
	assert_int_equal(verify_rsa_recover(key, sig, len, out, sizeof(out)),
			 0);
	EVP_PKEY_free(key);
	len = sizeof(sig);
	assert_int_equal(sign_init(p, s, CKM_RSA_PKCS, p->keys.rsa_priv),
			 CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, NULL, 0, sig, &len), CKR_OK);
	key = p11_public_key(p, s, p->keys.rsa_pub);
	assert_int_equal(verify_rsa_recover(key, sig, len, out, sizeof(out)),
			 0);
	EVP_PKEY_free(key);
}

static void check_raw_ecdsa(struct p11 *p, CK_SESSION_HANDLE s,
			    EVP_PKEY *key, const CK_BYTE *data, size_t len,
			    size_t used)
{
	CK_BYTE sig[512];
	CK_ULONG sig_len;

	sig_len = sign_once(p, s, CKM_ECDSA, p->keys.ec_priv, data, len, sig);
	assert_int_equal(sig_len, EC_SIG_LEN);
	if (!verify_raw_ecdsa(key, data, used, sig, sig_len))
		fail_msg("raw ECDSA of %zu bytes", len);
}

static void test_sign_raw_ecdsa(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	EVP_PKEY *key = p11_public_key(p, s, p->keys.ec_pub);
	CK_BYTE data[64];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (CK_BYTE)(0xf0 - i);
	check_raw_ecdsa(p, s, key, data, 32, 32);
	check_raw_ecdsa(p, s, key, data, 20, 20);
	/* 64 bytes on P-256: the leftmost 32 are signed. */
	check_raw_ecdsa(p, s, key, data, 64, 32);
	EVP_PKEY_free(key);
}

#define T(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup_keys, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_sign_init_needs_login),
		T(test_sign_init_key_type_inconsistent),
		T(test_sign_init_mechanism_refusals),
		T(test_sign_init_bad_handles),
		T(test_sign_init_function_not_permitted),
		T(test_sign_init_twice),
		T(test_sign_per_session),
		T(test_sign_without_init),
		T(test_sign_length_query),
		T(test_sign_buffer_too_small),
		T(test_sign_error_ends_operation),
		T(test_sign_tpm_failure_ends_operation),
		T(test_sign_after_logout),
		T(test_logout_unloads_keys),
		T(test_close_session_while_signing),
		T(test_sign_null_length_ends_operation),
		T(test_sign_null_data_ends_operation),
		T(test_sign_update_bad_arguments_end_operation),
		T(test_sign_final_bad_arguments_end_operation),
		T(test_sign_multi_part_rsa),
		T(test_sign_multi_part_ecdsa),
		T(test_sign_final_length_protocol),
		T(test_sign_empty_message),
		T(test_sign_one_part_after_update),
		T(test_sign_raw_is_single_part),
		T(test_sign_every_hashed_mechanism),
		T(test_sign_raw_rsa),
		T(test_sign_raw_rsa_empty),
		T(test_sign_raw_ecdsa),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
