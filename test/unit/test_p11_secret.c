/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "fake_tpm.h"
#include "p11_fixture.h"

/*
 * Secret keys in the TPM through the function list: C_GenerateKey and
 * C_CreateObject of AES and generic secret keys, AES in every mode, one-
 * and multi-part, and HMAC signing and verification.  Keys are imported
 * with known values, or their value is read back from the fake TPM, so
 * that every result is checked against OpenSSL; then each refusal with
 * its exact code, and what it leaves of the operation and of the token.
 */

#define BLOCK 16
#define BIG 256		/* the longest AES message */
#define ROOM (BIG + 2 * BLOCK)
#define DATA_LEN 3000	/* the longest HMAC message: several TPM commands */
#define MSG_LEN 77
#define NO_SUCH_SESSION ((CK_SESSION_HANDLE)987654)
#define NO_SUCH_OBJECT ((CK_OBJECT_HANDLE)987654)
#define N(a) (sizeof(a) / sizeof((a)[0]))

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY;
static CK_BYTE data[DATA_LEN];
static CK_BYTE iv[BLOCK] = { 0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87,
			     0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f };
/* The counter carries across two bytes after the second block. */
static CK_AES_CTR_PARAMS ctr = { 128,
				 { 0xc0, 0xff, 0xee, 0x00, 0x11, 0x22, 0x33,
				   0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
				   0xff, 0xfe } };

/* Update sizes, odd on purpose; zero-length updates included. */
static const size_t chunks_a[] = { 1, 7, 16, 17, 3, 31, 5, 0, 13, 40 };
static const size_t chunks_b[] = { 5, 11, 16, 1, 0, 32, 9, 2 };

static void pattern(CK_BYTE *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (CK_BYTE)(seed * 131 + i * 37 + (i >> 8));
}

/* ---- OpenSSL's answers ---- */

static const char *mode_name(CK_MECHANISM_TYPE type)
{
	switch (type) {
	case CKM_AES_ECB:
		return "ECB";
	case CKM_AES_CTR:
		return "CTR";
	case CKM_AES_CFB128:
		return "CFB"; /* OpenSSL's CFB is CFB128 */
	default:
		return "CBC";
	}
}

/* The IV or counter block the tests give a mode; NULL for ECB. */
static const CK_BYTE *cb_of(CK_MECHANISM_TYPE type)
{
	if (type == CKM_AES_ECB)
		return NULL;
	return type == CKM_AES_CTR ? ctr.cb : iv;
}

/* AES of in by OpenSSL, PKCS#7 padding for CBC_PAD only; the length. */
static size_t ref_aes(CK_MECHANISM_TYPE type, const CK_BYTE *key,
		      size_t key_len, const CK_BYTE *cb, bool encrypt,
		      const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_CIPHER *cipher;
	char name[32];
	int n = 0, last = 0;

	snprintf(name, sizeof(name), "AES-%zu-%s", key_len * 8,
		 mode_name(type));
	cipher = EVP_CIPHER_fetch(NULL, name, NULL);
	assert_non_null(ctx);
	assert_non_null(cipher);
	assert_int_equal(EVP_CipherInit_ex2(ctx, cipher, key, cb, encrypt,
					    NULL),
			 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx,
						    type == CKM_AES_CBC_PAD),
			 1);
	assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &last), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
	return (size_t)(n + last);
}

static const EVP_MD *hmac_md(CK_MECHANISM_TYPE type)
{
	switch (type) {
	case CKM_SHA_1_HMAC:
		return EVP_sha1();
	case CKM_SHA384_HMAC:
		return EVP_sha384();
	case CKM_SHA512_HMAC:
		return EVP_sha512();
	default:
		return EVP_sha256();
	}
}

static size_t ref_hmac(CK_MECHANISM_TYPE type, const CK_BYTE *key,
		       size_t key_len, const CK_BYTE *msg, size_t len,
		       CK_BYTE *mac)
{
	unsigned int n = 0;

	assert_non_null(HMAC(hmac_md(type), key, (int)key_len,
			     len > 0 ? msg : (const CK_BYTE *)"", len, mac,
			     &n));
	return n;
}

/* ---- Objects ---- */

/* The mechanism with the parameter the tests give its mode. */
static CK_MECHANISM mech(CK_MECHANISM_TYPE type)
{
	CK_MECHANISM m = { type, NULL, 0 };

	if (type == CKM_AES_CTR) {
		m.pParameter = &ctr;
		m.ulParameterLen = sizeof(ctr);
	} else if (type == CKM_AES_CBC || type == CKM_AES_CBC_PAD ||
		   type == CKM_AES_CFB128) {
		m.pParameter = iv;
		m.ulParameterLen = sizeof(iv);
	}
	return m;
}

/* C_CreateObject of a secret key, with up to five more attributes. */
static CK_RV import(struct p11 *p, CK_SESSION_HANDLE s, CK_KEY_TYPE type,
		    const CK_BYTE *value, CK_ULONG len,
		    const CK_ATTRIBUTE *extra, CK_ULONG n_extra,
		    CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE tmpl[8] = {
		{ CKA_CLASS, &secret_class, sizeof(secret_class) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
		{ CKA_VALUE, (CK_VOID_PTR)value, len },
	};

	assert_true(n_extra <= N(tmpl) - 3);
	for (CK_ULONG i = 0; i < n_extra; i++)
		tmpl[3 + i] = extra[i];
	return p->fn->C_CreateObject(s, tmpl, 3 + n_extra, h);
}

/* A session key of known value, made as the logged-in user; asserts. */
static CK_OBJECT_HANDLE known(struct p11 *p, CK_SESSION_HANDLE s,
			      CK_KEY_TYPE type, const CK_BYTE *value,
			      CK_ULONG len)
{
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(import(p, s, type, value, len, NULL, 0, &h), CKR_OK);
	assert_int_not_equal(h, CK_INVALID_HANDLE);
	return h;
}

/*
 * The same as a token object: private session objects end at logout, so
 * tests that log out and in again use token keys.
 */
static CK_OBJECT_HANDLE known_token(struct p11 *p, CK_SESSION_HANDLE s,
				    CK_KEY_TYPE type, const CK_BYTE *value,
				    CK_ULONG len)
{
	CK_ATTRIBUTE token = { CKA_TOKEN, &yes, sizeof(yes) };
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;

	assert_int_equal(import(p, s, type, value, len, &token, 1, &h),
			 CKR_OK);
	assert_int_not_equal(h, CK_INVALID_HANDLE);
	return h;
}

/* C_GenerateKey with CKA_VALUE_LEN and up to seven more attributes. */
static CK_RV generate(struct p11 *p, CK_SESSION_HANDLE s,
		      CK_MECHANISM_TYPE type, CK_ULONG len,
		      const CK_ATTRIBUTE *extra, CK_ULONG n_extra,
		      CK_OBJECT_HANDLE *h)
{
	CK_MECHANISM m = { type, NULL, 0 };
	CK_ATTRIBUTE tmpl[8] = { { CKA_VALUE_LEN, &len, sizeof(len) } };

	assert_true(n_extra < N(tmpl));
	for (CK_ULONG i = 0; i < n_extra; i++)
		tmpl[1 + i] = extra[i];
	return p->fn->C_GenerateKey(s, &m, tmpl, 1 + n_extra, h);
}

static CK_ULONG get_ulong(struct p11 *p, CK_SESSION_HANDLE s,
			  CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG v = 0;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	assert_int_equal(p->fn->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	assert_int_equal(a.ulValueLen, sizeof(v));
	return v;
}

static bool get_bool(struct p11 *p, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
		     CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 0xa5;
	CK_ATTRIBUTE a = { type, &v, sizeof(v) };

	assert_int_equal(p->fn->C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	assert_int_equal(a.ulValueLen, sizeof(v));
	assert_true(v == CK_TRUE || v == CK_FALSE);
	return v == CK_TRUE;
}

/* The class, type, length and default usage of a secret key. */
static void assert_kind(struct p11 *p, CK_SESSION_HANDLE s,
			CK_OBJECT_HANDLE h, CK_KEY_TYPE type, CK_ULONG len)
{
	bool aes = type == CKK_AES;

	assert_int_equal(get_ulong(p, s, h, CKA_CLASS), CKO_SECRET_KEY);
	assert_int_equal(get_ulong(p, s, h, CKA_KEY_TYPE), type);
	assert_int_equal(get_ulong(p, s, h, CKA_VALUE_LEN), len);
	assert_int_equal(get_bool(p, s, h, CKA_ENCRYPT), aes);
	assert_int_equal(get_bool(p, s, h, CKA_DECRYPT), aes);
	assert_int_equal(get_bool(p, s, h, CKA_SIGN), !aes);
	assert_int_equal(get_bool(p, s, h, CKA_VERIFY), !aes);
	assert_true(get_bool(p, s, h, CKA_PRIVATE));
}

/*
 * What says how the key was made: by gen, or imported (gen is then
 * CK_UNAVAILABLE_INFORMATION); sensitive either way, its value hidden.
 */
static void assert_origin(struct p11 *p, CK_SESSION_HANDLE s,
			  CK_OBJECT_HANDLE h, CK_MECHANISM_TYPE gen)
{
	bool local = gen != CK_UNAVAILABLE_INFORMATION;
	CK_BYTE buf[64];
	CK_ATTRIBUTE value = { CKA_VALUE, NULL, 0 };

	assert_int_equal(get_bool(p, s, h, CKA_LOCAL), local);
	assert_int_equal(get_bool(p, s, h, CKA_ALWAYS_SENSITIVE), local);
	assert_int_equal(get_bool(p, s, h, CKA_NEVER_EXTRACTABLE), local);
	assert_true(get_bool(p, s, h, CKA_SENSITIVE));
	assert_false(get_bool(p, s, h, CKA_EXTRACTABLE));
	assert_int_equal(get_ulong(p, s, h, CKA_KEY_GEN_MECHANISM), gen);
	assert_int_equal(p->fn->C_GetAttributeValue(s, h, &value, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(value.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	value.pValue = buf;
	value.ulValueLen = sizeof(buf);
	assert_int_equal(p->fn->C_GetAttributeValue(s, h, &value, 1),
			 CKR_ATTRIBUTE_SENSITIVE);
	assert_int_equal(value.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

/* The value the fake TPM holds for its newest object, of that kind. */
static size_t tpm_value(enum fake_object_kind kind, CK_BYTE *value)
{
	struct fake_object_view v;
	size_t count = fake_tpm_object_count();

	assert_true(count > 0);
	assert_true(fake_tpm_object(count - 1, &v));
	assert_int_equal(v.kind, kind);
	assert_non_null(v.secret);
	assert_true(v.auth_len > 0);
	memcpy(value, v.secret, v.secret_len);
	return v.secret_len;
}

static size_t count_secret_keys(struct p11 *p, CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE cls = { CKA_CLASS, &secret_class, sizeof(secret_class) };
	CK_OBJECT_HANDLE found[16];

	return p11_find(p, s, &cls, 1, found, N(found));
}

/* What a refused creation leaves as it was. */
struct snapshot {
	size_t keys;		/* secret keys the session sees */
	size_t tpm_objects;
	unsigned int creates;	/* tpm_secret_create calls */
};

static struct snapshot snap(struct p11 *p, CK_SESSION_HANDLE s)
{
	struct snapshot now = {
		.keys = count_secret_keys(p, s),
		.tpm_objects = fake_tpm_object_count(),
		.creates = fake_tpm_calls(FAKE_TPM_SECRET_CREATE),
	};

	return now;
}

/* Nothing made since before; the TPM was asked tries times (and failed). */
static void assert_nothing_made(struct p11 *p, CK_SESSION_HANDLE s,
				const struct snapshot *before,
				unsigned int tries)
{
	struct snapshot now = snap(p, s);

	assert_int_equal(now.keys, before->keys);
	assert_int_equal(now.tpm_objects, before->tpm_objects);
	assert_int_equal(now.creates, before->creates + tries);
}

/* Whether any file of the store holds the bytes. */
static bool in_store(const struct p11 *p, const void *needle, size_t len)
{
	DIR *d = opendir(p->base->dir);
	struct dirent *e;
	char path[512];
	size_t files = 0;
	bool found = false;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", p->base->dir, e->d_name);
		found |= fixture_file_contains(path, needle, len);
		files++;
	}
	closedir(d);
	assert_true(files > 0);
	return found;
}

/* ---- Encryption and decryption, either way ---- */

struct dir {
	CK_RV (*init)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
	CK_RV (*once)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
		      CK_ULONG_PTR);
	CK_RV (*update)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
			CK_ULONG_PTR);
	CK_RV (*final)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR);
};

static struct dir dir_of(const struct p11 *p, bool encrypt)
{
	struct dir d = {
		encrypt ? p->fn->C_EncryptInit : p->fn->C_DecryptInit,
		encrypt ? p->fn->C_Encrypt : p->fn->C_Decrypt,
		encrypt ? p->fn->C_EncryptUpdate : p->fn->C_DecryptUpdate,
		encrypt ? p->fn->C_EncryptFinal : p->fn->C_DecryptFinal,
	};

	return d;
}

/* Init, then one C_Encrypt or C_Decrypt. */
static CK_RV crypt_once(struct p11 *p, CK_SESSION_HANDLE s, bool encrypt,
			CK_MECHANISM *m, CK_OBJECT_HANDLE key,
			const CK_BYTE *in, CK_ULONG len, CK_BYTE *out,
			CK_ULONG *out_len)
{
	struct dir d = dir_of(p, encrypt);
	CK_RV rv = d.init(s, m, key);

	if (rv != CKR_OK)
		return rv;
	return d.once(s, (CK_BYTE_PTR)in, len, out, out_len);
}

/* Asserts that the operation is over: the next call is refused. */
static void assert_ended(struct p11 *p, CK_SESSION_HANDLE s, bool encrypt)
{
	struct dir d = dir_of(p, encrypt);
	CK_BYTE out[ROOM];
	CK_ULONG n = sizeof(out);

	assert_int_equal(d.once(s, data, BLOCK, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* What an update gives: whole blocks, the last one held if asked. */
static size_t update_out(size_t *held, size_t len, bool hold_last)
{
	size_t total = *held + len, n = total - total % BLOCK;

	if (hold_last && n > 0 && n == total)
		n -= BLOCK;
	*held = total - n;
	return n;
}

/*
 * A running operation fed in by updates of the sizes given (cycled),
 * each output length asserted, then ended by the final call; returns
 * the length of all the output.
 */
static size_t run_parts(struct p11 *p, CK_SESSION_HANDLE s, bool encrypt,
			bool hold_last, const size_t *sizes, size_t n_sizes,
			const CK_BYTE *in, size_t len, CK_BYTE *out)
{
	struct dir d = dir_of(p, encrypt);
	size_t done = 0, total = 0, held = 0;
	CK_ULONG n;

	for (size_t i = 0; done < len; i++) {
		size_t part = sizes[i % n_sizes], want;

		if (part > len - done)
			part = len - done;
		want = update_out(&held, part, hold_last);
		n = ROOM - total;
		assert_int_equal(d.update(s, (CK_BYTE_PTR)in + done, part,
					  out + total, &n),
				 CKR_OK);
		assert_int_equal(n, want);
		done += part;
		total += n;
	}
	n = ROOM - total;
	assert_int_equal(d.final(s, out + total, &n), CKR_OK);
	assert_true(n <= BLOCK);
	return total + n;
}

/* ---- C_GenerateKey ---- */

static void test_generate_aes(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_ULONG sizes[] = { 16, 24, 32 };
	CK_MECHANISM ecb = mech(CKM_AES_ECB);
	CK_BYTE value[32], ct[2 * BLOCK], want[2 * BLOCK];

	for (size_t i = 0; i < N(sizes); i++) {
		unsigned int creates = fake_tpm_calls(FAKE_TPM_SECRET_CREATE);
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
		CK_ULONG len = sizeof(ct);

		assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, sizes[i], NULL,
					  0, &h),
				 CKR_OK);
		assert_int_not_equal(h, CK_INVALID_HANDLE);
		assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE),
				 creates + 1);
		assert_int_equal(tpm_value(FAKE_OBJ_AES, value), sizes[i]);
		assert_kind(p, s, h, CKK_AES, sizes[i]);
		assert_origin(p, s, h, CKM_AES_KEY_GEN);
		assert_false(get_bool(p, s, h, CKA_TOKEN));
		/* The object uses the key the TPM made. */
		assert_int_equal(crypt_once(p, s, true, &ecb, h, data,
					    sizeof(ct), ct, &len),
				 CKR_OK);
		assert_int_equal(len, sizeof(ct));
		ref_aes(CKM_AES_ECB, value, sizes[i], NULL, true, data,
			sizeof(ct), want);
		assert_memory_equal(ct, want, sizeof(ct));
	}
	assert_int_equal(count_secret_keys(p, s), N(sizes));
}

static void test_generate_generic(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_ULONG sizes[] = { 1, 32, 64 };
	CK_MECHANISM sha256 = { CKM_SHA256_HMAC, NULL, 0 };
	CK_BYTE value[64], mac[32], want[32];

	for (size_t i = 0; i < N(sizes); i++) {
		CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
		CK_ULONG len = sizeof(mac);

		assert_int_equal(generate(p, s, CKM_GENERIC_SECRET_KEY_GEN,
					  sizes[i], NULL, 0, &h),
				 CKR_OK);
		assert_int_equal(tpm_value(FAKE_OBJ_HMAC, value), sizes[i]);
		assert_kind(p, s, h, CKK_GENERIC_SECRET, sizes[i]);
		assert_origin(p, s, h, CKM_GENERIC_SECRET_KEY_GEN);
		assert_int_equal(p->fn->C_SignInit(s, &sha256, h), CKR_OK);
		assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &len),
				 CKR_OK);
		assert_int_equal(len, 32);
		ref_hmac(CKM_SHA256_HMAC, value, sizes[i], data, MSG_LEN, want);
		assert_memory_equal(mac, want, 32);
	}
}

/* A token key outlives the module; its value is never in the store. */
static void test_generate_token_key_persists(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_ATTRIBUTE extra[] = { { CKA_TOKEN, &yes, sizeof(yes) },
				 { CKA_LABEL, "kept-aes-key", 12 } };
	CK_MECHANISM ecb = mech(CKM_AES_ECB);
	CK_BYTE value[32], ct[BLOCK], again[BLOCK];
	CK_OBJECT_HANDLE h = 0, found[2];
	CK_ULONG len = sizeof(ct);

	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 32, extra, 2, &h),
			 CKR_OK);
	assert_true(h < ((CK_OBJECT_HANDLE)1 << 48)); /* a stored object */
	assert_true(get_bool(p, s, h, CKA_TOKEN));
	assert_int_equal(tpm_value(FAKE_OBJ_AES, value), 32);
	assert_int_equal(crypt_once(p, s, true, &ecb, h, data, BLOCK, ct,
				    &len),
			 CKR_OK);
	assert_true(in_store(p, "kept-aes-key", 12));
	assert_false(in_store(p, value, sizeof(value)));
	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);

	p11_initialize(p);
	s = p11_open_user(p);
	assert_int_equal(p11_find(p, s, &extra[1], 1, found, 2), 1);
	assert_int_equal(found[0], h);
	assert_origin(p, s, h, CKM_AES_KEY_GEN);
	len = sizeof(again);
	assert_int_equal(crypt_once(p, s, true, &ecb, h, data, BLOCK, again,
				    &len),
			 CKR_OK);
	assert_int_equal(len, BLOCK);
	assert_memory_equal(again, ct, BLOCK);
}

static void test_generate_argument_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p), closed = p11_open_rw(p);
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 16;
	CK_ATTRIBUTE tmpl = { CKA_VALUE_LEN, &len, sizeof(len) };
	CK_OBJECT_HANDLE h = 0x1234;
	struct snapshot before = snap(p, s);

	assert_int_equal(p->fn->C_CloseSession(closed), CKR_OK);
	assert_int_equal(p->fn->C_GenerateKey(s, NULL, &tmpl, 1, &h),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GenerateKey(s, &m, &tmpl, 1, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GenerateKey(s, &m, NULL, 1, &h),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_GenerateKey(NO_SUCH_SESSION, &m, &tmpl, 1,
					      &h),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GenerateKey(closed, &m, &tmpl, 1, &h),
			 CKR_SESSION_HANDLE_INVALID);
	assert_int_equal(p->fn->C_GenerateKey(CK_INVALID_HANDLE, &m, &tmpl, 1,
					      &h),
			 CKR_SESSION_HANDLE_INVALID);
	/* No template at all: no CKA_VALUE_LEN. */
	assert_int_equal(p->fn->C_GenerateKey(s, &m, NULL, 0, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(h, 0x1234);
	assert_nothing_made(p, s, &before, 0);
	assert_int_equal(p->fn->C_Finalize(NULL), CKR_OK);
	assert_int_equal(p->fn->C_GenerateKey(s, &m, &tmpl, 1, &h),
			 CKR_CRYPTOKI_NOT_INITIALIZED);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE),
			 before.creates);
}

static void test_generate_login_and_session_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), ro;
	CK_ATTRIBUTE token = { CKA_TOKEN, &yes, sizeof(yes) };
	CK_ATTRIBUTE public = { CKA_PRIVATE, &no, sizeof(no) };
	CK_OBJECT_HANDLE h = 0;
	unsigned int creates = fake_tpm_calls(FAKE_TPM_SECRET_CREATE);
	size_t objects = fake_tpm_object_count();

	/* Nobody logged in: private or public, session or token key. */
	assert_int_equal(generate(p, rw, CKM_AES_KEY_GEN, 16, NULL, 0, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(generate(p, rw, CKM_AES_KEY_GEN, 16, &public, 1, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(generate(p, rw, CKM_GENERIC_SECRET_KEY_GEN, 32,
				  &token, 1, &h),
			 CKR_USER_NOT_LOGGED_IN);
	/* The SO has no wrap secret for keys either. */
	assert_int_equal(p11_login(p, rw, CKU_SO, SO_PIN), CKR_OK);
	assert_int_equal(generate(p, rw, CKM_AES_KEY_GEN, 16, &public, 1, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(generate(p, rw, CKM_AES_KEY_GEN, 16, NULL, 0, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p->fn->C_Logout(rw), CKR_OK);
	/* A R/O session: no token key, even for the user; session keys. */
	ro = p11_open_ro(p);
	assert_int_equal(generate(p, ro, CKM_AES_KEY_GEN, 16, &token, 1, &h),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(p11_login(p, ro, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(generate(p, ro, CKM_AES_KEY_GEN, 16, &token, 1, &h),
			 CKR_SESSION_READ_ONLY);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE), creates);
	assert_int_equal(fake_tpm_object_count(), objects);
	assert_int_equal(count_secret_keys(p, ro), 0);
	assert_int_equal(generate(p, ro, CKM_AES_KEY_GEN, 16, NULL, 0, &h),
			 CKR_OK);
	assert_int_equal(count_secret_keys(p, rw), 1);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE), creates + 1);
}

static void test_generate_template_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_ULONG bad_aes[] = { 0, 1, 8, 15, 17, 20, 31, 33, 64 };
	static const CK_ULONG bad_generic[] = { 0, 65, 128, 4096 };
	CK_MECHANISM aes = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_KEY_TYPE generic_type = CKK_GENERIC_SECRET, aes_type = CKK_AES;
	CK_OBJECT_CLASS data_class = CKO_DATA;
	CK_ULONG sixteen = 16, thirty_two = 32;
	CK_BYTE byte = 16, value[16] = { 1 };
	CK_ATTRIBUTE label = { CKA_LABEL, "x", 1 };
	CK_ATTRIBUTE short_len = { CKA_VALUE_LEN, &byte, sizeof(byte) };
	CK_ATTRIBUTE twice[] = { { CKA_VALUE_LEN, &sixteen, sizeof(CK_ULONG) },
				 { CKA_VALUE_LEN, &thirty_two,
				   sizeof(CK_ULONG) } };
	CK_ATTRIBUTE plain = { CKA_SENSITIVE, &no, sizeof(no) };
	CK_ATTRIBUTE takeable = { CKA_EXTRACTABLE, &yes, sizeof(yes) };
	CK_ATTRIBUTE as_generic = { CKA_KEY_TYPE, &generic_type,
				    sizeof(generic_type) };
	CK_ATTRIBUTE as_aes = { CKA_KEY_TYPE, &aes_type, sizeof(aes_type) };
	CK_ATTRIBUTE as_data = { CKA_CLASS, &data_class, sizeof(data_class) };
	CK_ATTRIBUTE with_value = { CKA_VALUE, value, sizeof(value) };
	CK_ATTRIBUTE local = { CKA_LOCAL, &yes, sizeof(yes) };
	CK_ATTRIBUTE modulus = { CKA_MODULUS, value, sizeof(value) };
	CK_OBJECT_HANDLE h = 0;
	struct snapshot before = snap(p, s);

	assert_int_equal(p->fn->C_GenerateKey(s, &aes, &label, 1, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	aes.mechanism = CKM_GENERIC_SECRET_KEY_GEN;
	assert_int_equal(p->fn->C_GenerateKey(s, &aes, &label, 1, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	aes.mechanism = CKM_AES_KEY_GEN;
	assert_int_equal(p->fn->C_GenerateKey(s, &aes, &short_len, 1, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(p->fn->C_GenerateKey(s, &aes, twice, 2, &h),
			 CKR_TEMPLATE_INCONSISTENT);
	for (size_t i = 0; i < N(bad_aes); i++)
		assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, bad_aes[i],
					  NULL, 0, &h),
				 CKR_ATTRIBUTE_VALUE_INVALID);
	for (size_t i = 0; i < N(bad_generic); i++)
		assert_int_equal(generate(p, s, CKM_GENERIC_SECRET_KEY_GEN,
					  bad_generic[i], NULL, 0, &h),
				 CKR_ATTRIBUTE_VALUE_INVALID);
	/* The value cannot leave the TPM. */
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &plain, 1, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &takeable, 1,
				  &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(generate(p, s, CKM_GENERIC_SECRET_KEY_GEN, 32, &plain,
				  1, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	/* The mechanism names the class and the key type. */
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &as_generic, 1,
				  &h),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(generate(p, s, CKM_GENERIC_SECRET_KEY_GEN, 32,
				  &as_aes, 1, &h),
			 CKR_TEMPLATE_INCONSISTENT);
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &as_data, 1, &h),
			 CKR_TEMPLATE_INCONSISTENT);
	/* What generation sets, and what a secret key does not have. */
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &with_value, 1,
				  &h),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &local, 1, &h),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &modulus, 1, &h),
			 CKR_ATTRIBUTE_TYPE_INVALID);
	assert_int_equal(h, 0);
	assert_nothing_made(p, s, &before, 0);
	/* The same attributes given right are taken. */
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 16, &as_aes, 1, &h),
			 CKR_OK);
}

static void test_generate_mechanism_and_tpm_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_ULONG len = 24;
	CK_ATTRIBUTE tmpl = { CKA_VALUE_LEN, &len, sizeof(len) };
	CK_MECHANISM unknown[] = { { CKM_DES_KEY_GEN, NULL, 0 },
				   { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 },
				   { CKM_AES_ECB, NULL, 0 },
				   { CKM_SHA256_HMAC, NULL, 0 } };
	CK_MECHANISM with_param[] = { { CKM_AES_KEY_GEN, iv, sizeof(iv) },
				      { CKM_AES_KEY_GEN, iv, 0 },
				      { CKM_GENERIC_SECRET_KEY_GEN, NULL,
					4 } };
	static const struct {
		enum tpm_rc rc;
		CK_RV rv;
	} fails[] = {
		{ TPM_E_UNSUPPORTED, CKR_KEY_SIZE_RANGE }, /* AES-192 */
		{ TPM_E_BAD_INPUT, CKR_ATTRIBUTE_VALUE_INVALID },
		{ TPM_E_NO_SLOTS, CKR_DEVICE_MEMORY },
		{ TPM_E_FAILURE, CKR_DEVICE_ERROR },
	};
	CK_OBJECT_HANDLE h = 0;
	struct snapshot before = snap(p, s);

	for (size_t i = 0; i < N(unknown); i++)
		assert_int_equal(p->fn->C_GenerateKey(s, &unknown[i], &tmpl, 1,
						      &h),
				 CKR_MECHANISM_INVALID);
	for (size_t i = 0; i < N(with_param); i++)
		assert_int_equal(p->fn->C_GenerateKey(s, &with_param[i], &tmpl,
						      1, &h),
				 CKR_MECHANISM_PARAM_INVALID);
	assert_nothing_made(p, s, &before, 0);
	for (size_t i = 0; i < N(fails); i++) {
		fake_tpm_fail_next(FAKE_TPM_SECRET_CREATE, fails[i].rc);
		assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 24, NULL, 0,
					  &h),
				 fails[i].rv);
	}
	fake_tpm_fail_next(FAKE_TPM_SECRET_CREATE, TPM_E_UNSUPPORTED);
	assert_int_equal(generate(p, s, CKM_GENERIC_SECRET_KEY_GEN, 32, NULL,
				  0, &h),
			 CKR_KEY_SIZE_RANGE);
	assert_int_equal(h, 0);
	assert_nothing_made(p, s, &before, N(fails) + 1);
	/* Each failure was spent on one call. */
	assert_int_equal(generate(p, s, CKM_AES_KEY_GEN, 24, NULL, 0, &h),
			 CKR_OK);
	assert_int_equal(count_secret_keys(p, s), 1);
}

/* ---- C_CreateObject ---- */

static void test_import_keys(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const struct {
		CK_KEY_TYPE type;
		CK_ULONG len;
		enum fake_object_kind kind;
	} keys[] = {
		{ CKK_AES, 16, FAKE_OBJ_AES },
		{ CKK_AES, 24, FAKE_OBJ_AES },
		{ CKK_AES, 32, FAKE_OBJ_AES },
		{ CKK_GENERIC_SECRET, 1, FAKE_OBJ_HMAC },
		{ CKK_GENERIC_SECRET, 20, FAKE_OBJ_HMAC },
		{ CKK_GENERIC_SECRET, 64, FAKE_OBJ_HMAC },
	};
	CK_ATTRIBUTE token[] = { { CKA_TOKEN, &yes, sizeof(yes) },
				 { CKA_LABEL, "imported-key", 12 } };
	CK_BYTE value[64], held[64];
	CK_OBJECT_HANDLE h = 0;

	for (size_t i = 0; i < N(keys); i++) {
		pattern(value, keys[i].len, (unsigned int)i + 3);
		h = known(p, s, keys[i].type, value, keys[i].len);
		assert_int_equal(tpm_value(keys[i].kind, held), keys[i].len);
		assert_memory_equal(held, value, keys[i].len);
		assert_kind(p, s, h, keys[i].type, keys[i].len);
		assert_origin(p, s, h, CK_UNAVAILABLE_INFORMATION);
	}
	/* A token key: the store keeps its blob, never its value. */
	pattern(value, 32, 99);
	assert_int_equal(import(p, s, CKK_AES, value, 32, token, 2, &h),
			 CKR_OK);
	assert_true(get_bool(p, s, h, CKA_TOKEN));
	assert_true(in_store(p, "imported-key", 12));
	assert_false(in_store(p, value, 32));
	assert_int_equal(count_secret_keys(p, s), N(keys) + 1);
}

static void test_import_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE rw = p11_open_rw(p), ro;
	CK_BYTE value[65] = { 7 };
	CK_KEY_TYPE des3 = CKK_DES3, aes_type = CKK_AES;
	CK_ULONG sixteen = 16;
	CK_ATTRIBUTE public = { CKA_PRIVATE, &no, sizeof(no) };
	CK_ATTRIBUTE token = { CKA_TOKEN, &yes, sizeof(yes) };
	CK_ATTRIBUTE plain = { CKA_SENSITIVE, &no, sizeof(no) };
	CK_ATTRIBUTE takeable = { CKA_EXTRACTABLE, &yes, sizeof(yes) };
	CK_ATTRIBUTE value_len = { CKA_VALUE_LEN, &sixteen, sizeof(sixteen) };
	CK_ATTRIBUTE no_value[] = {
		{ CKA_CLASS, &secret_class, sizeof(secret_class) },
		{ CKA_KEY_TYPE, &aes_type, sizeof(aes_type) },
	};
	CK_ATTRIBUTE no_type[] = {
		{ CKA_CLASS, &secret_class, sizeof(secret_class) },
		{ CKA_VALUE, value, 16 },
	};
	CK_OBJECT_HANDLE h = 0;
	struct snapshot before = snap(p, rw);

	assert_int_equal(import(p, rw, CKK_AES, value, 16, NULL, 0, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(import(p, rw, CKK_AES, value, 16, &public, 1, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(import(p, rw, CKK_GENERIC_SECRET, value, 16, &public,
				1, &h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, rw, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(import(p, rw, CKK_AES, value, 0, NULL, 0, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_AES, value, 15, NULL, 0, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_AES, value, 17, NULL, 0, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_AES, value, 33, NULL, 0, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_GENERIC_SECRET, value, 0, NULL, 0,
				&h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_GENERIC_SECRET, value, 65, NULL, 0,
				&h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_AES, value, 16, &plain, 1, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_GENERIC_SECRET, value, 16,
				&takeable, 1, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(import(p, rw, CKK_AES, value, 16, &value_len, 1, &h),
			 CKR_ATTRIBUTE_READ_ONLY);
	assert_int_equal(import(p, rw, des3, value, 24, NULL, 0, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	assert_int_equal(p->fn->C_CreateObject(rw, no_value, 2, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	assert_int_equal(p->fn->C_CreateObject(rw, no_type, 2, &h),
			 CKR_TEMPLATE_INCOMPLETE);
	ro = p11_open_ro(p);
	assert_int_equal(import(p, ro, CKK_AES, value, 16, &token, 1, &h),
			 CKR_SESSION_READ_ONLY);
	assert_nothing_made(p, rw, &before, 0);
	/* What the TPM refuses. */
	fake_tpm_fail_next(FAKE_TPM_SECRET_CREATE, TPM_E_BAD_INPUT);
	assert_int_equal(import(p, rw, CKK_AES, value, 16, NULL, 0, &h),
			 CKR_ATTRIBUTE_VALUE_INVALID);
	fake_tpm_fail_next(FAKE_TPM_SECRET_CREATE, TPM_E_UNSUPPORTED);
	assert_int_equal(import(p, rw, CKK_AES, value, 24, NULL, 0, &h),
			 CKR_KEY_SIZE_RANGE);
	assert_int_equal(h, 0);
	assert_nothing_made(p, rw, &before, 2);
	/* A session key in the R/O session is fine. */
	assert_int_equal(import(p, ro, CKK_AES, value, 16, NULL, 0, &h),
			 CKR_OK);
}

/* ---- AES, one-part ---- */

/* Encrypts len bytes of data one-part and back, each against OpenSSL. */
static void one_part_round_trip(struct p11 *p, CK_SESSION_HANDLE s,
				CK_MECHANISM_TYPE type, const CK_BYTE *key,
				size_t key_len, CK_OBJECT_HANDLE h,
				size_t len)
{
	CK_MECHANISM m = mech(type);
	CK_BYTE want[ROOM], ct[ROOM], back[ROOM];
	size_t want_len = ref_aes(type, key, key_len, cb_of(type), true, data,
				  len, want);
	unsigned int calls = fake_tpm_calls(FAKE_TPM_AES);
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_EncryptInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Encrypt(s, data, len, NULL, &n), CKR_OK);
	assert_int_equal(n, want_len);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	n = sizeof(ct);
	assert_int_equal(p->fn->C_Encrypt(s, data, len, ct, &n), CKR_OK);
	assert_int_equal(n, want_len);
	assert_memory_equal(ct, want, want_len);
	assert_int_equal(p->fn->C_DecryptInit(s, &m, h), CKR_OK);
	/* Padded: the ciphertext length is enough; else exact. */
	n = 0;
	assert_int_equal(p->fn->C_Decrypt(s, ct, want_len, NULL, &n), CKR_OK);
	assert_int_equal(n, want_len);
	n = sizeof(back);
	assert_int_equal(p->fn->C_Decrypt(s, ct, want_len, back, &n), CKR_OK);
	assert_int_equal(n, len);
	assert_memory_equal(back, data, len);
}

static void test_aes_one_part_every_mode(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_MECHANISM_TYPE modes[] = { CKM_AES_ECB, CKM_AES_CBC,
						   CKM_AES_CBC_PAD, CKM_AES_CTR,
						   CKM_AES_CFB128 };
	static const size_t lens[] = { 0, 1, 15, 16, 17, 48, 100, BIG };
	static const CK_ULONG key_lens[] = { 16, 24, 32 };
	CK_BYTE key[32];

	for (size_t k = 0; k < N(key_lens); k++) {
		CK_OBJECT_HANDLE h;

		pattern(key, key_lens[k], (unsigned int)k + 10);
		h = known(p, s, CKK_AES, key, key_lens[k]);
		for (size_t m = 0; m < N(modes); m++) {
			bool whole = modes[m] == CKM_AES_ECB ||
				     modes[m] == CKM_AES_CBC;

			for (size_t l = 0; l < N(lens); l++)
				if (!whole || lens[l] % BLOCK == 0)
					one_part_round_trip(p, s, modes[m], key,
							    key_lens[k], h,
							    lens[l]);
		}
	}
}

/* No input: one padding block for CBC_PAD, else nothing, and no TPM. */
static void test_aes_empty_input(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_MECHANISM_TYPE plain[] = { CKM_AES_ECB, CKM_AES_CBC,
						   CKM_AES_CTR,
						   CKM_AES_CFB128 };
	CK_BYTE key[16], out[ROOM], want[BLOCK];
	CK_OBJECT_HANDLE h;
	CK_MECHANISM m = mech(CKM_AES_CBC_PAD);
	unsigned int calls;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 5);
	h = known(p, s, CKK_AES, key, sizeof(key));
	calls = fake_tpm_calls(FAKE_TPM_AES);
	for (size_t i = 0; i < N(plain); i++) {
		m = mech(plain[i]);
		for (int e = 0; e < 2; e++) {
			n = sizeof(out);
			assert_int_equal(crypt_once(p, s, e, &m, h, NULL, 0,
						    out, &n),
					 CKR_OK);
			assert_int_equal(n, 0);
			assert_ended(p, s, e);
		}
	}
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	/* No data at all: test_aes_padded_encrypt_of_nothing. */
	m = mech(CKM_AES_CBC_PAD);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, true, &m, h, data, 0, out, &n),
			 CKR_OK);
	assert_int_equal(n, BLOCK);
	assert_int_equal(ref_aes(CKM_AES_CBC_PAD, key, 16, iv, true, data, 0,
				 want),
			 BLOCK);
	assert_memory_equal(out, want, BLOCK);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls + 1);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, false, &m, h, want, BLOCK, out, &n),
			 CKR_OK);
	assert_int_equal(n, 0);
}

/*
 * C_Encrypt(session, NULL, 0, out, &len) with CKM_AES_CBC_PAD, which
 * PKCS#11 allows (no data, one padding block).  Found by UBSan: the
 * padding once copied from the NULL pointer.
 */
static void test_aes_padded_encrypt_of_nothing(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM m = mech(CKM_AES_CBC_PAD);
	CK_BYTE key[16], out[ROOM], want[BLOCK];
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 5);
	h = known(p, s, CKK_AES, key, sizeof(key));
	assert_int_equal(ref_aes(CKM_AES_CBC_PAD, key, 16, iv, true, data, 0,
				 want),
			 BLOCK);
	assert_int_equal(crypt_once(p, s, true, &m, h, NULL, 0, out, &n),
			 CKR_OK);
	assert_int_equal(n, BLOCK);
	assert_memory_equal(out, want, BLOCK);
}

/* Length queries and short buffers keep the operation, cost no TPM. */
static void test_aes_length_protocol(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const struct {
		CK_MECHANISM_TYPE type;
		CK_ULONG in, out;
	} cases[] = {
		{ CKM_AES_ECB, 32, 32 },     { CKM_AES_CBC, 48, 48 },
		{ CKM_AES_CBC_PAD, 20, 32 }, { CKM_AES_CBC_PAD, 32, 48 },
		{ CKM_AES_CTR, 20, 20 },     { CKM_AES_CFB128, 1, 1 },
	};
	CK_BYTE key[32], out[ROOM], want[ROOM];
	CK_OBJECT_HANDLE h;

	pattern(key, sizeof(key), 6);
	h = known(p, s, CKK_AES, key, sizeof(key));
	for (size_t i = 0; i < N(cases); i++) {
		CK_MECHANISM m = mech(cases[i].type);
		unsigned int calls = fake_tpm_calls(FAKE_TPM_AES);
		CK_ULONG n = 0;

		assert_int_equal(ref_aes(cases[i].type, key, 32,
					 cb_of(cases[i].type), true, data,
					 cases[i].in, want),
				 cases[i].out);
		assert_int_equal(p->fn->C_EncryptInit(s, &m, h), CKR_OK);
		assert_int_equal(p->fn->C_Encrypt(s, data, cases[i].in, NULL,
						  &n),
				 CKR_OK);
		assert_int_equal(n, cases[i].out);
		n = cases[i].out - 1;
		assert_int_equal(p->fn->C_Encrypt(s, data, cases[i].in, out,
						  &n),
				 CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, cases[i].out);
		n = 0;
		assert_int_equal(p->fn->C_Encrypt(s, data, cases[i].in, out,
						  &n),
				 CKR_BUFFER_TOO_SMALL);
		assert_int_equal(n, cases[i].out);
		assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
		/* A larger buffer: the exact length comes back. */
		n = sizeof(out);
		assert_int_equal(p->fn->C_Encrypt(s, data, cases[i].in, out,
						  &n),
				 CKR_OK);
		assert_int_equal(n, cases[i].out);
		assert_memory_equal(out, want, cases[i].out);
		assert_ended(p, s, true);
	}
}

/* A padded decryption is done once; the retry gets the kept result. */
static void test_aes_padded_decrypt_kept(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM m = mech(CKM_AES_CBC_PAD);
	CK_BYTE key[16], ct[ROOM], out[ROOM];
	CK_OBJECT_HANDLE h;
	unsigned int calls;
	CK_ULONG n = 0;

	pattern(key, sizeof(key), 7);
	h = known(p, s, CKK_AES, key, sizeof(key));
	assert_int_equal(ref_aes(CKM_AES_CBC_PAD, key, 16, iv, true, data, 20,
				 ct),
			 32);
	assert_int_equal(p->fn->C_DecryptInit(s, &m, h), CKR_OK);
	calls = fake_tpm_calls(FAKE_TPM_AES);
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, NULL, &n), CKR_OK);
	assert_int_equal(n, 32);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	n = 5;
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, out, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 20);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls + 1);
	/* Now the exact length is known, and kept. */
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, NULL, &n), CKR_OK);
	assert_int_equal(n, 20);
	n = 19;
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, out, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 20);
	n = sizeof(out);
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, out, &n), CKR_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(out, data, 20);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls + 1);
	assert_ended(p, s, false);
}

/* A last block decrypted by CBC with the given tail bytes. */
static void padded_ct(const CK_BYTE *key, const CK_BYTE *tail,
		      size_t tail_len, CK_BYTE *ct)
{
	CK_BYTE pt[2 * BLOCK];

	memcpy(pt, data, sizeof(pt));
	memcpy(pt + sizeof(pt) - tail_len, tail, tail_len);
	assert_int_equal(ref_aes(CKM_AES_CBC, key, 16, iv, true, pt,
				 sizeof(pt), ct),
			 sizeof(pt));
}

static void test_aes_data_len_and_padding_errors(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const struct {
		CK_MECHANISM_TYPE type;
		bool encrypt;
		CK_ULONG len;
		CK_RV rv;
	} cases[] = {
		{ CKM_AES_ECB, true, 15, CKR_DATA_LEN_RANGE },
		{ CKM_AES_ECB, true, 17, CKR_DATA_LEN_RANGE },
		{ CKM_AES_CBC, true, 1, CKR_DATA_LEN_RANGE },
		{ CKM_AES_ECB, false, 31, CKR_ENCRYPTED_DATA_LEN_RANGE },
		{ CKM_AES_CBC, false, 8, CKR_ENCRYPTED_DATA_LEN_RANGE },
		{ CKM_AES_CBC_PAD, false, 0, CKR_ENCRYPTED_DATA_LEN_RANGE },
		{ CKM_AES_CBC_PAD, false, 20, CKR_ENCRYPTED_DATA_LEN_RANGE },
	};
	static const struct {
		CK_BYTE tail[BLOCK];
		size_t len;
		CK_ULONG plain; /* 0: a bad padding */
	} pads[] = {
		{ { 0x00 }, 1, 0 },
		{ { 0x11 }, 1, 0 },
		{ { 0x07, 0x03, 0x03 }, 3, 0 },
		{ { 0x02, 0x03 }, 2, 0 },
		{ { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x11, 0x10,
		    0x10, 0x10, 0x10, 0x10, 0x10, 0x10 },
		  BLOCK,
		  0 },
		{ { 0x02, 0x02 }, 2, 30 },
		{ { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
		    0x10, 0x10, 0x10, 0x10, 0x10, 0x10 },
		  BLOCK,
		  16 },
	};
	CK_BYTE key[16], ct[2 * BLOCK], out[ROOM];
	CK_MECHANISM m;
	CK_OBJECT_HANDLE h;
	unsigned int calls;
	CK_ULONG n;

	pattern(key, sizeof(key), 8);
	h = known(p, s, CKK_AES, key, sizeof(key));
	calls = fake_tpm_calls(FAKE_TPM_AES);
	for (size_t i = 0; i < N(cases); i++) {
		m = mech(cases[i].type);
		/* A length query is refused as well; both end it. */
		n = 0;
		assert_int_equal(crypt_once(p, s, cases[i].encrypt, &m, h,
					    data, cases[i].len, NULL, &n),
				 cases[i].rv);
		assert_ended(p, s, cases[i].encrypt);
		n = sizeof(out);
		assert_int_equal(crypt_once(p, s, cases[i].encrypt, &m, h,
					    data, cases[i].len, out, &n),
				 cases[i].rv);
		assert_ended(p, s, cases[i].encrypt);
	}
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	m = mech(CKM_AES_CBC_PAD);
	for (size_t i = 0; i < N(pads); i++) {
		padded_ct(key, pads[i].tail, pads[i].len, ct);
		n = sizeof(out);
		assert_int_equal(crypt_once(p, s, false, &m, h, ct, sizeof(ct),
					    out, &n),
				 pads[i].plain ? CKR_OK :
						 CKR_ENCRYPTED_DATA_INVALID);
		if (pads[i].plain) {
			assert_int_equal(n, pads[i].plain);
			assert_memory_equal(out, data, pads[i].plain);
		}
		assert_ended(p, s, false);
	}
	/* Bad arguments end it too. */
	m = mech(CKM_AES_CBC);
	assert_int_equal(p->fn->C_EncryptInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Encrypt(s, data, BLOCK, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_DecryptInit(s, &m, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_Decrypt(s, NULL, BLOCK, out, &n),
			 CKR_ARGUMENTS_BAD);
	assert_ended(p, s, false);
}

static void test_aes_init_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_AES_CTR_PARAMS zero_bits = ctr, too_many = ctr;
	CK_MECHANISM bad[] = {
		{ CKM_AES_CBC, NULL, 0 },
		{ CKM_AES_CBC, NULL, BLOCK },
		{ CKM_AES_CBC, iv, 8 },
		{ CKM_AES_CBC_PAD, iv, BLOCK + 1 },
		{ CKM_AES_CFB128, NULL, 0 },
		{ CKM_AES_ECB, iv, BLOCK },
		{ CKM_AES_CTR, NULL, 0 },
		{ CKM_AES_CTR, iv, BLOCK },
		{ CKM_AES_CTR, &zero_bits, sizeof(zero_bits) },
		{ CKM_AES_CTR, &too_many, sizeof(too_many) },
	};
	CK_MECHANISM_TYPE unknown[] = { CKM_AES_GCM, CKM_AES_MAC,
					CKM_AES_KEY_GEN, CKM_SHA256_HMAC };
	CK_MECHANISM_TYPE only_cbc = CKM_AES_CBC;
	CK_ATTRIBUTE allowed = { CKA_ALLOWED_MECHANISMS, &only_cbc,
				 sizeof(only_cbc) };
	CK_ATTRIBUTE no_encrypt = { CKA_ENCRYPT, &no, sizeof(no) };
	CK_ATTRIBUTE no_decrypt = { CKA_DECRYPT, &no, sizeof(no) };
	CK_MECHANISM cbc = mech(CKM_AES_CBC), ecb = mech(CKM_AES_ECB);
	CK_BYTE key[16], out[ROOM], want[ROOM];
	CK_OBJECT_HANDLE h, hmac, limited, enc_only, dec_only;
	CK_ULONG n = sizeof(out);

	zero_bits.ulCounterBits = 0;
	too_many.ulCounterBits = 129;
	pattern(key, sizeof(key), 9);
	h = known_token(p, s, CKK_AES, key, sizeof(key));
	hmac = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	assert_int_equal(import(p, s, CKK_AES, key, 16, &allowed, 1, &limited),
			 CKR_OK);
	assert_int_equal(import(p, s, CKK_AES, key, 16, &no_decrypt, 1,
				&enc_only),
			 CKR_OK);
	assert_int_equal(import(p, s, CKK_AES, key, 16, &no_encrypt, 1,
				&dec_only),
			 CKR_OK);
	/* A second init leaves the first operation as it was. */
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, h),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_Encrypt(s, data, 32, out, &n), CKR_OK);
	ref_aes(CKM_AES_CBC, key, 16, iv, true, data, 32, want);
	assert_memory_equal(out, want, 32);
	for (size_t i = 0; i < N(bad); i++) {
		assert_int_equal(p->fn->C_EncryptInit(s, &bad[i], h),
				 CKR_MECHANISM_PARAM_INVALID);
		assert_ended(p, s, true);
		assert_int_equal(p->fn->C_DecryptInit(s, &bad[i], h),
				 CKR_MECHANISM_PARAM_INVALID);
		assert_ended(p, s, false);
	}
	for (size_t i = 0; i < N(unknown); i++) {
		CK_MECHANISM m = { unknown[i], NULL, 0 };

		assert_int_equal(p->fn->C_EncryptInit(s, &m, h),
				 CKR_MECHANISM_INVALID);
		assert_int_equal(p->fn->C_DecryptInit(s, &m, h),
				 CKR_MECHANISM_INVALID);
	}
	/* Keys: of another type, without the usage, mechanism not allowed. */
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, hmac),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_DecryptInit(s, &ecb, hmac),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, dec_only),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_int_equal(p->fn->C_DecryptInit(s, &ecb, enc_only),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, limited),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_DecryptInit(s, &ecb, limited),
			 CKR_MECHANISM_INVALID);
	assert_ended(p, s, true);
	assert_ended(p, s, false);
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, limited), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, h),
			 CKR_OPERATION_ACTIVE);
	n = sizeof(out);
	assert_int_equal(p->fn->C_Encrypt(s, data, 32, out, &n), CKR_OK);
	assert_memory_equal(out, want, 32);
	/* Handles and arguments. */
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, CK_INVALID_HANDLE),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, NO_SUCH_OBJECT),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_DecryptInit(s, NULL, h), CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_EncryptInit(NO_SUCH_SESSION, &ecb, h),
			 CKR_SESSION_HANDLE_INVALID);
	/* A private key needs the user. */
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p->fn->C_DecryptInit(s, &ecb, h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_ended(p, s, true);
	assert_ended(p, s, false);
}

/* The TPM failing, a logout or the key destroyed end the operation. */
static void test_aes_operation_lost(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM cbc = mech(CKM_AES_CBC), pad = mech(CKM_AES_CBC_PAD);
	CK_MECHANISM ctr_m = mech(CKM_AES_CTR);
	CK_BYTE key[16], ct[ROOM], out[ROOM];
	CK_OBJECT_HANDLE h, doomed;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 11);
	h = known_token(p, s, CKK_AES, key, sizeof(key));
	ref_aes(CKM_AES_CBC_PAD, key, 16, iv, true, data, 20, ct);
	fake_tpm_fail_next(FAKE_TPM_AES, TPM_E_FAILURE);
	assert_int_equal(crypt_once(p, s, true, &cbc, h, data, 32, out, &n),
			 CKR_DEVICE_ERROR);
	assert_ended(p, s, true);
	fake_tpm_fail_next(FAKE_TPM_AES, TPM_E_FAILURE);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, false, &pad, h, ct, 32, out, &n),
			 CKR_DEVICE_ERROR);
	assert_ended(p, s, false);
	assert_int_equal(p->fn->C_EncryptInit(s, &ctr_m, h), CKR_OK);
	fake_tpm_fail_next(FAKE_TPM_AES, TPM_E_NO_SLOTS);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 40, out, &n),
			 CKR_DEVICE_MEMORY);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* Logged out since the init. */
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_Encrypt(s, data, 32, out, &n),
			 CKR_USER_NOT_LOGGED_IN);
	assert_ended(p, s, true);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &ctr_m, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_USER_NOT_LOGGED_IN);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* The key destroyed since the init. */
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	doomed = known(p, s, CKK_AES, key, sizeof(key));
	assert_int_equal(p->fn->C_DecryptInit(s, &pad, doomed), CKR_OK);
	assert_int_equal(p->fn->C_DestroyObject(s, doomed), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, out, &n),
			 CKR_KEY_HANDLE_INVALID);
	assert_ended(p, s, false);
}

/*
 * PKCS#11 2.40, C_Logout: private session objects are destroyed; their
 * handles stay invalid after a new login.  Public ones stay.
 */
static void test_logout_destroys_private_session_keys(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_ATTRIBUTE public = { CKA_PRIVATE, &no, sizeof(no) };
	CK_MECHANISM ecb = mech(CKM_AES_ECB);
	CK_BYTE key[16], out[BLOCK];
	CK_OBJECT_HANDLE private_key, public_key;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 12);
	private_key = known(p, s, CKK_AES, key, sizeof(key));
	assert_int_equal(import(p, s, CKK_AES, key, 16, &public, 1,
				&public_key),
			 CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, private_key),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, public_key), CKR_OK);
	assert_int_equal(p->fn->C_Encrypt(s, data, BLOCK, out, &n), CKR_OK);
	assert_int_equal(n, BLOCK);
}

/* ---- AES, multi-part ---- */

static void test_aes_multi_part_every_mode(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_MECHANISM_TYPE modes[] = { CKM_AES_ECB, CKM_AES_CBC,
						   CKM_AES_CBC_PAD, CKM_AES_CTR,
						   CKM_AES_CFB128 };
	static const size_t lens[] = { 96, 100, 1, BIG };
	static const CK_ULONG key_lens[] = { 16, 32 };
	CK_BYTE key[32], want[ROOM], ct[ROOM], back[ROOM];

	for (size_t k = 0; k < N(key_lens); k++) {
		CK_OBJECT_HANDLE h;

		pattern(key, key_lens[k], (unsigned int)k + 20);
		h = known(p, s, CKK_AES, key, key_lens[k]);
		for (size_t i = 0; i < N(modes); i++) {
			CK_MECHANISM m = mech(modes[i]);
			bool whole = modes[i] == CKM_AES_ECB ||
				     modes[i] == CKM_AES_CBC;

			for (size_t l = 0; l < N(lens); l++) {
				size_t len = lens[l], want_len;

				if (whole && len % BLOCK != 0)
					continue;
				want_len = ref_aes(modes[i], key, key_lens[k],
						   cb_of(modes[i]), true, data,
						   len, want);
				assert_int_equal(p->fn->C_EncryptInit(s, &m, h),
						 CKR_OK);
				assert_int_equal(run_parts(p, s, true, false,
							   chunks_a,
							   N(chunks_a), data,
							   len, ct),
						 want_len);
				assert_memory_equal(ct, want, want_len);
				assert_int_equal(p->fn->C_DecryptInit(s, &m, h),
						 CKR_OK);
				assert_int_equal(
					run_parts(p, s, false,
						  modes[i] == CKM_AES_CBC_PAD,
						  chunks_b, N(chunks_b), ct,
						  want_len, back),
					len);
				assert_memory_equal(back, data, len);
			}
		}
	}
}

/* Queries and short buffers on update and final consume nothing. */
static void test_aes_multi_part_length_protocol(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM cbc = mech(CKM_AES_CBC), pad = mech(CKM_AES_CBC_PAD);
	CK_BYTE key[16], out[ROOM], want[ROOM];
	CK_OBJECT_HANDLE h;
	unsigned int calls;
	CK_ULONG n = 0;

	pattern(key, sizeof(key), 12);
	h = known(p, s, CKK_AES, key, sizeof(key));
	/* CBC: 20 bytes then 12, each query answered, nothing lost. */
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	calls = fake_tpm_calls(FAKE_TPM_AES);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, NULL, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = 15;
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data + 20, 12, NULL, &n),
			 CKR_OK);
	assert_int_equal(n, 16);
	n = 0;
	assert_int_equal(p->fn->C_EncryptUpdate(s, data + 20, 12, out + 16,
						&n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	n = sizeof(out) - 16;
	assert_int_equal(p->fn->C_EncryptUpdate(s, data + 20, 12, out + 16,
						&n),
			 CKR_OK);
	assert_int_equal(n, 16);
	assert_int_equal(p->fn->C_EncryptFinal(s, NULL, &n), CKR_OK);
	assert_int_equal(n, 0);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out + 32, &n), CKR_OK);
	assert_int_equal(n, 0);
	ref_aes(CKM_AES_CBC, key, 16, iv, true, data, 32, want);
	assert_memory_equal(out, want, 32);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls + 2);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);

	/* CBC_PAD encryption: the final call gives the padding block. */
	assert_int_equal(p->fn->C_EncryptInit(s, &pad, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	calls = fake_tpm_calls(FAKE_TPM_AES);
	assert_int_equal(p->fn->C_EncryptFinal(s, NULL, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = 15;
	assert_int_equal(p->fn->C_EncryptFinal(s, out + 16, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 16);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	n = sizeof(out) - 16;
	assert_int_equal(p->fn->C_EncryptFinal(s, out + 16, &n), CKR_OK);
	assert_int_equal(n, 16);
	assert_int_equal(ref_aes(CKM_AES_CBC_PAD, key, 16, iv, true, data, 20,
				 want),
			 32);
	assert_memory_equal(out, want, 32);

	/* CBC_PAD decryption holds its last block; the final is kept. */
	assert_int_equal(p->fn->C_DecryptInit(s, &pad, h), CKR_OK);
	assert_int_equal(p->fn->C_DecryptUpdate(s, want, 32, NULL, &n),
			 CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptUpdate(s, want, 32, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	calls = fake_tpm_calls(FAKE_TPM_AES);
	assert_int_equal(p->fn->C_DecryptFinal(s, NULL, &n), CKR_OK);
	assert_int_equal(n, BLOCK - 1);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	n = 2;
	assert_int_equal(p->fn->C_DecryptFinal(s, out + 16, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, 4);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls + 1);
	assert_int_equal(p->fn->C_DecryptFinal(s, NULL, &n), CKR_OK);
	assert_int_equal(n, 4);
	n = 4;
	assert_int_equal(p->fn->C_DecryptFinal(s, out + 16, &n), CKR_OK);
	assert_int_equal(n, 4);
	assert_memory_equal(out, data, 20);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls + 1);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptFinal(s, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static void test_aes_multi_part_errors(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM ecb = mech(CKM_AES_ECB), cbc = mech(CKM_AES_CBC);
	CK_MECHANISM pad = mech(CKM_AES_CBC_PAD);
	static const CK_BYTE zero_pad[1] = { 0x00 };
	CK_BYTE key[16], ct[2 * BLOCK], out[ROOM];
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 13);
	h = known(p, s, CKK_AES, key, sizeof(key));
	/* Partial blocks left at the final call. */
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, h), CKR_OK);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 5, out, &n), CKR_OK);
	assert_int_equal(n, 0);
	assert_int_equal(p->fn->C_EncryptFinal(s, NULL, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_DecryptInit(s, &cbc, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptFinal(s, out, &n),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_ended(p, s, false);
	assert_int_equal(p->fn->C_DecryptInit(s, &pad, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	assert_int_equal(p->fn->C_DecryptFinal(s, NULL, &n),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_ended(p, s, false);
	assert_int_equal(p->fn->C_DecryptInit(s, &pad, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptFinal(s, out, &n),
			 CKR_ENCRYPTED_DATA_LEN_RANGE);
	assert_ended(p, s, false);
	/* A bad padding shows at the final call. */
	padded_ct(key, zero_pad, 1, ct);
	assert_int_equal(p->fn->C_DecryptInit(s, &pad, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptUpdate(s, ct, 32, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptFinal(s, out, &n),
			 CKR_ENCRYPTED_DATA_INVALID);
	assert_ended(p, s, false);
	/* Bad arguments end the operation. */
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 16, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, NULL, 16, out, &n),
			 CKR_ARGUMENTS_BAD);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_DecryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(p->fn->C_DecryptFinal(s, out, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_ended(p, s, false);
	/* Nothing running. */
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 16, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DecryptUpdate(s, data, 16, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_DecryptFinal(NO_SUCH_SESSION, out, &n),
			 CKR_SESSION_HANDLE_INVALID);
}

/*
 * PKCS#11 says C_Encrypt (C_Decrypt alike) "cannot be used to terminate
 * a multi-part operation", and that a call to it "always terminates the
 * active encryption operation" but for a length query or a short
 * buffer: after an update it answers CKR_OPERATION_ACTIVE and the
 * operation is over (it once dropped the bytes the update held back and
 * answered CKR_OK).
 */
static void test_aes_one_part_after_update(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM cbc = mech(CKM_AES_CBC);
	CK_BYTE key[16], out[ROOM], want[ROOM];
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 16);
	h = known(p, s, CKK_AES, key, sizeof(key));
	ref_aes(CKM_AES_CBC, key, 16, iv, true, data, 32, want);
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out) - 16;
	assert_int_equal(p->fn->C_Encrypt(s, data + 20, 16, out + 16, &n),
			 CKR_OPERATION_ACTIVE);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	n = sizeof(out) - 16;
	assert_int_equal(p->fn->C_EncryptUpdate(s, data + 20, 12, out + 16,
						&n),
			 CKR_OK);
	assert_int_equal(n, 16);
	n = sizeof(out) - 32;
	assert_int_equal(p->fn->C_EncryptFinal(s, out + 32, &n), CKR_OK);
	assert_int_equal(n, 0);
	assert_memory_equal(out, want, 32);
	assert_int_equal(p->fn->C_DecryptInit(s, &cbc, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_DecryptUpdate(s, want, 20, out, &n), CKR_OK);
	n = sizeof(out) - 16;
	assert_int_equal(p->fn->C_Decrypt(s, want + 16, 16, out + 16, &n),
			 CKR_OPERATION_ACTIVE);
	assert_ended(p, s, false);
}

/* A CTR counter block with its low bytes set. */
static CK_AES_CTR_PARAMS counter(CK_ULONG bits, const CK_BYTE *low,
				 size_t low_len)
{
	CK_AES_CTR_PARAMS c;

	c.ulCounterBits = bits;
	memcpy(c.cb, iv, BLOCK);
	memcpy(c.cb + BLOCK - low_len, low, low_len);
	return c;
}

/* Data that would wrap the counter's bits is refused, none encrypted. */
static void test_aes_ctr_counter_bits(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_BYTE thirteen[] = { 0xfd }, last[] = { 0x12, 0xff };
	CK_AES_CTR_PARAMS four = counter(4, thirteen, 1);
	CK_AES_CTR_PARAMS eight = counter(8, last, 2);
	CK_MECHANISM m = { CKM_AES_CTR, &four, sizeof(four) };
	CK_BYTE key[16], out[ROOM], want[ROOM];
	CK_OBJECT_HANDLE h;
	unsigned int calls;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 14);
	h = known(p, s, CKK_AES, key, sizeof(key));
	/* Counter 13 of 4 bits: three blocks left, the last partial. */
	ref_aes(CKM_AES_CTR, key, 16, four.cb, true, data, 48, want);
	assert_int_equal(crypt_once(p, s, true, &m, h, data, 48, out, &n),
			 CKR_OK);
	assert_int_equal(n, 48);
	assert_memory_equal(out, want, 48);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, true, &m, h, data, 33, out, &n),
			 CKR_OK);
	assert_memory_equal(out, want, 33);
	calls = fake_tpm_calls(FAKE_TPM_AES);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, true, &m, h, data, 49, out, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, true);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, false, &m, h, want, 64, out, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, false);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), calls);
	/* Multi-part: the blocks are counted across the calls. */
	assert_int_equal(p->fn->C_EncryptInit(s, &m, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 32, out, &n), CKR_OK);
	assert_int_equal(n, 32);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data + 32, 20, out + 32,
						&n),
			 CKR_OK);
	assert_int_equal(n, 16);
	assert_memory_equal(out, want, 48);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptFinal(s, out, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_EncryptInit(s, &m, h), CKR_OK);
	n = sizeof(out);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 64, out, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, true);
	assert_int_equal(p->fn->C_DecryptInit(s, &m, h), CKR_OK);
	assert_int_equal(run_parts(p, s, false, false, chunks_a, N(chunks_a),
				   want, 40, out),
			 40);
	assert_memory_equal(out, data, 40);
	/* Eight bits at 0xff, the byte above them not counted: one block. */
	m.pParameter = &eight;
	m.ulParameterLen = sizeof(eight);
	ref_aes(CKM_AES_CTR, key, 16, eight.cb, true, data, 16, want);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, true, &m, h, data, 16, out, &n),
			 CKR_OK);
	assert_memory_equal(out, want, 16);
	n = sizeof(out);
	assert_int_equal(crypt_once(p, s, true, &m, h, data, 17, out, &n),
			 CKR_DATA_LEN_RANGE);
	assert_ended(p, s, true);
}

/*
 * A counter of 64 to 127 bits wraps too: with ulCounterBits 64 and the
 * low 64 bits of cb all ones, PKCS#11's second counter block is the
 * nonce followed by 64 zero bits, while the TPM, counting with all 128
 * bits, would carry into the nonce.  Such data is refused
 * (CKR_DATA_LEN_RANGE), never encrypted with a different counter.
 */
static void test_aes_ctr_wide_counter_never_wraps(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_BYTE ones[8] = { 0xff, 0xff, 0xff, 0xff,
					 0xff, 0xff, 0xff, 0xff };
	static const CK_ULONG bits[] = { 64, 96, 127 };
	CK_BYTE key[16], out[ROOM];
	CK_OBJECT_HANDLE h;

	pattern(key, sizeof(key), 15);
	h = known(p, s, CKK_AES, key, sizeof(key));
	for (size_t i = 0; i < N(bits); i++) {
		CK_AES_CTR_PARAMS c = counter(bits[i], ones, sizeof(ones));
		CK_MECHANISM m = { CKM_AES_CTR, &c, sizeof(c) };
		CK_ULONG n = sizeof(out);

		/* bits - 64 more bits of ones above: still one block. */
		memset(c.cb + 8 - (bits[i] - 64) / 8, 0xff,
		       (bits[i] - 64) / 8);
		if (bits[i] % 8 != 0)
			c.cb[7 - (bits[i] - 64) / 8] |=
				(CK_BYTE)((1u << (bits[i] % 8)) - 1);
		assert_int_equal(crypt_once(p, s, true, &m, h, data, 16, out,
					    &n),
				 CKR_OK);
		n = sizeof(out);
		assert_int_equal(crypt_once(p, s, true, &m, h, data, 32, out,
					    &n),
				 CKR_DATA_LEN_RANGE);
	}
}

/* ---- HMAC ---- */

static const CK_MECHANISM_TYPE hmacs[] = { CKM_SHA_1_HMAC, CKM_SHA256_HMAC,
					   CKM_SHA384_HMAC, CKM_SHA512_HMAC };
static const size_t hmac_lens[] = { 20, 32, 48, 64 };

/* C_Sign under the length-query protocol; the MAC must be want. */
static void sign_once(struct p11 *p, CK_SESSION_HANDLE s,
		      CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE h,
		      const CK_BYTE *msg, size_t len, const CK_BYTE *want,
		      size_t want_len)
{
	CK_MECHANISM m = { type, NULL, 0 };
	unsigned int calls = fake_tpm_calls(FAKE_TPM_HMAC);
	CK_BYTE mac[64];
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR)msg, len, NULL, &n),
			 CKR_OK);
	assert_int_equal(n, want_len);
	n = want_len - 1;
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR)msg, len, mac, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, want_len);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), calls);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR)msg, len, mac, &n),
			 CKR_OK);
	assert_int_equal(n, want_len);
	assert_memory_equal(mac, want, want_len);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), calls + 1);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_Sign(s, (CK_BYTE_PTR)msg, len, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* Updates of the sizes given (cycled), then C_SignFinal likewise. */
static void sign_parts(struct p11 *p, CK_SESSION_HANDLE s,
		       CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE h,
		       const size_t *sizes, size_t n_sizes,
		       const CK_BYTE *msg, size_t len, const CK_BYTE *want,
		       size_t want_len)
{
	CK_MECHANISM m = { type, NULL, 0 };
	unsigned int calls = fake_tpm_calls(FAKE_TPM_HMAC);
	CK_BYTE mac[64];
	CK_ULONG n = 0;

	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	for (size_t i = 0, done = 0; done < len; i++) {
		size_t part = sizes[i % n_sizes];

		if (part > len - done)
			part = len - done;
		assert_int_equal(p->fn->C_SignUpdate(s, (CK_BYTE_PTR)msg + done,
						     part),
				 CKR_OK);
		done += part;
	}
	assert_int_equal(p->fn->C_SignFinal(s, NULL, &n), CKR_OK);
	assert_int_equal(n, want_len);
	n = 1;
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n), CKR_BUFFER_TOO_SMALL);
	assert_int_equal(n, want_len);
	/* Gathered in the module: one TPM command, at the end. */
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), calls);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n), CKR_OK);
	assert_int_equal(n, want_len);
	assert_memory_equal(mac, want, want_len);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), calls + 1);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* C_Verify and the multi-part verification both accept the MAC. */
static void verify_both(struct p11 *p, CK_SESSION_HANDLE s,
			CK_MECHANISM_TYPE type, CK_OBJECT_HANDLE h,
			const CK_BYTE *msg, size_t len, const CK_BYTE *mac,
			size_t mac_len)
{
	CK_MECHANISM m = { type, NULL, 0 };

	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, (CK_BYTE_PTR)msg, len,
					 (CK_BYTE_PTR)mac, mac_len),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, (CK_BYTE_PTR)msg, len / 3),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, (CK_BYTE_PTR)msg + len / 3,
					       len - len / 3),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyFinal(s, (CK_BYTE_PTR)mac, mac_len),
			 CKR_OK);
	assert_int_equal(p->fn->C_VerifyFinal(s, (CK_BYTE_PTR)mac, mac_len),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static void test_hmac_every_hash(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_ULONG key_lens[] = { 1, 20, 64 };
	CK_BYTE key[64], want[64];

	for (size_t k = 0; k < N(key_lens); k++) {
		CK_OBJECT_HANDLE h;

		pattern(key, key_lens[k], (unsigned int)k + 30);
		h = known(p, s, CKK_GENERIC_SECRET, key, key_lens[k]);
		for (size_t i = 0; i < N(hmacs); i++) {
			assert_int_equal(ref_hmac(hmacs[i], key, key_lens[k],
						  data, MSG_LEN, want),
					 hmac_lens[i]);
			sign_once(p, s, hmacs[i], h, data, MSG_LEN, want,
				  hmac_lens[i]);
			sign_parts(p, s, hmacs[i], h, chunks_a, N(chunks_a),
				   data, MSG_LEN, want, hmac_lens[i]);
			verify_both(p, s, hmacs[i], h, data, MSG_LEN, want,
				    hmac_lens[i]);
		}
	}
}

/* Messages longer than a TPM command, and the empty one. */
static void test_hmac_long_and_empty(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const size_t big_parts[] = { 1000, 1, 1023, 24, 952 };
	CK_MECHANISM m = { CKM_SHA384_HMAC, NULL, 0 };
	CK_BYTE key[48], want[48], mac[48];
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof(mac);

	pattern(key, sizeof(key), 31);
	h = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	ref_hmac(CKM_SHA384_HMAC, key, sizeof(key), data, DATA_LEN, want);
	sign_once(p, s, CKM_SHA384_HMAC, h, data, DATA_LEN, want, 48);
	sign_parts(p, s, CKM_SHA384_HMAC, h, big_parts, N(big_parts), data,
		   DATA_LEN, want, 48);
	verify_both(p, s, CKM_SHA384_HMAC, h, data, DATA_LEN, want, 48);
	/* Nothing at all, one-part, final alone, or after empty updates. */
	ref_hmac(CKM_SHA384_HMAC, key, sizeof(key), NULL, 0, want);
	sign_once(p, s, CKM_SHA384_HMAC, h, NULL, 0, want, 48);
	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n), CKR_OK);
	assert_int_equal(n, 48);
	assert_memory_equal(mac, want, 48);
	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, NULL, 0), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, data, 0), CKR_OK);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n), CKR_OK);
	assert_memory_equal(mac, want, 48);
	verify_both(p, s, CKM_SHA384_HMAC, h, data, 0, want, 48);
}

static void test_hmac_verify_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	static const CK_ULONG wrong_lens[] = { 0, 16, 20, 31, 33, 64 };
	CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 };
	CK_BYTE key[32], mac[64], other[64];
	CK_OBJECT_HANDLE h;
	unsigned int calls;

	pattern(key, sizeof(key), 32);
	h = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	ref_hmac(CKM_SHA256_HMAC, key, sizeof(key), data, MSG_LEN, mac);
	memset(mac + 32, 0, 32);
	/* One bit off, or another message: invalid, and over. */
	memcpy(other, mac, sizeof(other));
	other[31] ^= 0x01;
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, other, 32),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, mac, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN - 1, mac, 32),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, data, MSG_LEN), CKR_OK);
	assert_int_equal(p->fn->C_VerifyFinal(s, other, 32),
			 CKR_SIGNATURE_INVALID);
	assert_int_equal(p->fn->C_VerifyFinal(s, mac, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* A MAC of another length, truncated ones too: no TPM needed. */
	calls = fake_tpm_calls(FAKE_TPM_HMAC);
	for (size_t i = 0; i < N(wrong_lens); i++) {
		assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
		assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, mac,
						 wrong_lens[i]),
				 CKR_SIGNATURE_LEN_RANGE);
		assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, mac, 32),
				 CKR_OPERATION_NOT_INITIALIZED);
		assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
		assert_int_equal(p->fn->C_VerifyUpdate(s, data, MSG_LEN),
				 CKR_OK);
		assert_int_equal(p->fn->C_VerifyFinal(s, mac, wrong_lens[i]),
				 CKR_SIGNATURE_LEN_RANGE);
		assert_int_equal(p->fn->C_VerifyFinal(s, mac, 32),
				 CKR_OPERATION_NOT_INITIALIZED);
	}
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), calls);
	/* Bad arguments end it. */
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, NULL, MSG_LEN, mac, 32),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, mac, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_VerifyFinal(s, NULL, 32), CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_VerifyFinal(s, mac, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* One-part calls after an update, a second init, bad arguments. */
static void test_hmac_operation_rules(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM sha1 = { CKM_SHA_1_HMAC, NULL, 0 };
	CK_MECHANISM sha512 = { CKM_SHA512_HMAC, NULL, 0 };
	CK_BYTE key[20], mac[64], want[64];
	CK_OBJECT_HANDLE h;
	CK_ULONG n = sizeof(mac);

	pattern(key, sizeof(key), 33);
	h = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	ref_hmac(CKM_SHA_1_HMAC, key, sizeof(key), data, MSG_LEN, want);
	/* C_Sign cannot finish parts: refused, and the operation ends. */
	assert_int_equal(p->fn->C_SignInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, data, 10), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_SignUpdate(s, data, 10),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_SignInit(s, &sha512, h),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_SignUpdate(s, data, MSG_LEN), CKR_OK);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n), CKR_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(mac, want, 20);
	/* A second init keeps the first mechanism. */
	assert_int_equal(p->fn->C_SignInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_SignInit(s, &sha512, h),
			 CKR_OPERATION_ACTIVE);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n), CKR_OK);
	assert_int_equal(n, 20);
	assert_memory_equal(mac, want, 20);
	/* The same for verification. */
	assert_int_equal(p->fn->C_VerifyInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, data, 10), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, want, 20),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_VerifyUpdate(s, data, 10),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha512, h),
			 CKR_OPERATION_ACTIVE);
	assert_int_equal(p->fn->C_VerifyUpdate(s, data, MSG_LEN), CKR_OK);
	assert_int_equal(p->fn->C_VerifyFinal(s, want, 20), CKR_OK);
	/* Bad arguments end the operation. */
	assert_int_equal(p->fn->C_SignInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, NULL),
			 CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, NULL, 5), CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignInit(s, &sha1, h), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, mac, NULL), CKR_ARGUMENTS_BAD);
	/* Nothing running. */
	assert_int_equal(p->fn->C_Sign(s, data, 1, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignUpdate(s, data, 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyUpdate(s, data, 1),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyFinal(s, want, 20),
			 CKR_OPERATION_NOT_INITIALIZED);
}

static void test_hmac_init_refusals(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM sha256 = { CKM_SHA256_HMAC, NULL, 0 };
	CK_MECHANISM sha512 = { CKM_SHA512_HMAC, NULL, 0 };
	CK_MECHANISM ecb = mech(CKM_AES_ECB);
	CK_MECHANISM with_param[] = { { CKM_SHA256_HMAC, iv, BLOCK },
				      { CKM_SHA_1_HMAC, NULL, 4 } };
	CK_MECHANISM_TYPE unknown[] = { CKM_SHA224_HMAC,
					CKM_SHA256_HMAC_GENERAL,
					CKM_AES_MAC, CKM_SHA256 };
	CK_MECHANISM_TYPE only_sha256 = CKM_SHA256_HMAC;
	CK_ATTRIBUTE allowed = { CKA_ALLOWED_MECHANISMS, &only_sha256,
				 sizeof(only_sha256) };
	CK_ATTRIBUTE no_sign = { CKA_SIGN, &no, sizeof(no) };
	CK_ATTRIBUTE no_verify = { CKA_VERIFY, &no, sizeof(no) };
	CK_ATTRIBUTE aes_signs[] = { { CKA_SIGN, &yes, sizeof(yes) },
				     { CKA_VERIFY, &yes, sizeof(yes) } };
	CK_ATTRIBUTE hmac_encrypts[] = { { CKA_ENCRYPT, &yes, sizeof(yes) },
					 { CKA_DECRYPT, &yes, sizeof(yes) } };
	CK_BYTE key[32], mac[64];
	CK_OBJECT_HANDLE h, aes, limited, sign_only, verify_only, odd;
	CK_ULONG n = sizeof(mac);

	pattern(key, sizeof(key), 34);
	h = known_token(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	assert_int_equal(import(p, s, CKK_AES, key, 32, aes_signs, 2, &aes),
			 CKR_OK);
	assert_int_equal(import(p, s, CKK_GENERIC_SECRET, key, 32,
				hmac_encrypts, 2, &odd),
			 CKR_OK);
	assert_int_equal(import(p, s, CKK_GENERIC_SECRET, key, 32, &allowed,
				1, &limited),
			 CKR_OK);
	assert_int_equal(import(p, s, CKK_GENERIC_SECRET, key, 32, &no_verify,
				1, &sign_only),
			 CKR_OK);
	assert_int_equal(import(p, s, CKK_GENERIC_SECRET, key, 32, &no_sign,
				1, &verify_only),
			 CKR_OK);
	/* AES keys do not MAC nor HMAC keys encrypt, whatever they say. */
	assert_int_equal(p->fn->C_SignInit(s, &sha256, aes),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha256, aes),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, odd),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_DecryptInit(s, &ecb, odd),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_SignInit(s, &sha256, verify_only),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha256, sign_only),
			 CKR_KEY_FUNCTION_NOT_PERMITTED);
	assert_int_equal(p->fn->C_SignInit(s, &sha512, limited),
			 CKR_MECHANISM_INVALID);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha512, limited),
			 CKR_MECHANISM_INVALID);
	for (size_t i = 0; i < N(with_param); i++) {
		assert_int_equal(p->fn->C_SignInit(s, &with_param[i], h),
				 CKR_MECHANISM_PARAM_INVALID);
		assert_int_equal(p->fn->C_VerifyInit(s, &with_param[i], h),
				 CKR_MECHANISM_PARAM_INVALID);
	}
	/* The TPM has no SHA-224; nor are the others HMAC mechanisms. */
	for (size_t i = 0; i < N(unknown); i++) {
		CK_MECHANISM m = { unknown[i], NULL, 0 };

		assert_int_equal(p->fn->C_SignInit(s, &m, h),
				 CKR_MECHANISM_INVALID);
		assert_int_equal(p->fn->C_VerifyInit(s, &m, h),
				 CKR_MECHANISM_INVALID);
	}
	assert_int_equal(p->fn->C_SignInit(s, &sha256, CK_INVALID_HANDLE),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha256, NO_SUCH_OBJECT),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_SignInit(s, NULL, h), CKR_ARGUMENTS_BAD);
	assert_int_equal(p->fn->C_VerifyInit(NO_SUCH_SESSION, &sha256, h),
			 CKR_SESSION_HANDLE_INVALID);
	/* None of these left an operation running. */
	assert_int_equal(p->fn->C_Sign(s, data, 1, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_Verify(s, data, 1, mac, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* What is allowed works. */
	assert_int_equal(p->fn->C_SignInit(s, &sha256, limited), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, data, 1, mac, &n), CKR_OK);
	verify_both(p, s, CKM_SHA256_HMAC, verify_only, data, 1, mac, 32);
	/* A private key needs the user. */
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_SignInit(s, &sha256, h),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p->fn->C_VerifyInit(s, &sha256, h),
			 CKR_USER_NOT_LOGGED_IN);
}

/* The TPM failing, a logout or the key destroyed end the operation. */
static void test_hmac_operation_lost(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM m = { CKM_SHA256_HMAC, NULL, 0 };
	CK_BYTE key[32], mac[32], want[32];
	CK_OBJECT_HANDLE h, doomed;
	CK_ULONG n = 0;

	pattern(key, sizeof(key), 35);
	h = known_token(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	ref_hmac(CKM_SHA256_HMAC, key, sizeof(key), data, MSG_LEN, want);
	/* A length query does not reach the TPM; the signature does. */
	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	fake_tpm_fail_next(FAKE_TPM_HMAC, TPM_E_FAILURE);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, NULL, &n), CKR_OK);
	assert_int_equal(n, 32);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_DEVICE_ERROR);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, data, MSG_LEN), CKR_OK);
	fake_tpm_fail_next(FAKE_TPM_HMAC, TPM_E_NO_SLOTS);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n), CKR_DEVICE_MEMORY);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	fake_tpm_fail_next(FAKE_TPM_HMAC, TPM_E_FAILURE);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, want, 32),
			 CKR_DEVICE_ERROR);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, want, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* Logged out since the init. */
	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_SignInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, data, 5), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, data, 5),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_SignFinal(s, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, h), CKR_OK);
	assert_int_equal(p->fn->C_Logout(s), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, want, 32),
			 CKR_USER_NOT_LOGGED_IN);
	assert_int_equal(p11_login(p, s, CKU_USER, USER_PIN), CKR_OK);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, want, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* The key destroyed since the init. */
	doomed = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	assert_int_equal(p->fn->C_SignInit(s, &m, doomed), CKR_OK);
	assert_int_equal(p->fn->C_VerifyInit(s, &m, doomed), CKR_OK);
	assert_int_equal(p->fn->C_DestroyObject(s, doomed), CKR_OK);
	n = sizeof(mac);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_Verify(s, data, MSG_LEN, want, 32),
			 CKR_KEY_HANDLE_INVALID);
	assert_int_equal(p->fn->C_Sign(s, data, MSG_LEN, mac, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	/* The other key still works. */
	sign_once(p, s, CKM_SHA256_HMAC, h, data, MSG_LEN, want, 32);
}

/* ---- Both ---- */

/* Secret keys and key pairs do not stand in for one another. */
static void test_keys_of_other_types(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM ecb = mech(CKM_AES_ECB);
	CK_MECHANISM hmac = { CKM_SHA256_HMAC, NULL, 0 };
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	CK_MECHANISM rsa_sha = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE key[16] = { 1 }, out[ROOM];
	CK_OBJECT_HANDLE aes, mac;
	CK_ULONG n = sizeof(out);

	aes = known(p, s, CKK_AES, key, sizeof(key));
	mac = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	assert_int_equal(p->fn->C_EncryptInit(s, &ecb, p->keys.rsa_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_DecryptInit(s, &ecb, p->keys.rsa_priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_SignInit(s, &hmac, p->keys.ec_priv),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_VerifyInit(s, &hmac, p->keys.ec_pub),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_EncryptInit(s, &rsa, aes),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_DecryptInit(s, &rsa, aes),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_SignInit(s, &ecdsa, mac),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_int_equal(p->fn->C_VerifyInit(s, &rsa_sha, mac),
			 CKR_KEY_TYPE_INCONSISTENT);
	assert_ended(p, s, true);
	assert_ended(p, s, false);
	assert_int_equal(p->fn->C_Sign(s, data, 1, out, &n),
			 CKR_OPERATION_NOT_INITIALIZED);
	assert_int_equal(p->fn->C_Verify(s, data, 1, out, 32),
			 CKR_OPERATION_NOT_INITIALIZED);
}

/* A session closed mid-operation frees its state (LeakSanitizer). */
static void test_close_with_operations_running(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM cbc = mech(CKM_AES_CBC), pad = mech(CKM_AES_CBC_PAD);
	CK_MECHANISM hmac = { CKM_SHA512_HMAC, NULL, 0 };
	CK_BYTE key[16], ct[ROOM], out[ROOM];
	CK_OBJECT_HANDLE aes, mac;
	CK_ULONG n = sizeof(out);

	pattern(key, sizeof(key), 36);
	aes = known(p, s, CKK_AES, key, sizeof(key));
	mac = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	ref_aes(CKM_AES_CBC_PAD, key, 16, iv, true, data, 20, ct);
	assert_int_equal(p->fn->C_EncryptInit(s, &cbc, aes), CKR_OK);
	assert_int_equal(p->fn->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	assert_int_equal(p->fn->C_DecryptInit(s, &pad, aes), CKR_OK);
	n = 1;
	assert_int_equal(p->fn->C_Decrypt(s, ct, 32, out, &n),
			 CKR_BUFFER_TOO_SMALL);
	assert_int_equal(p->fn->C_VerifyInit(s, &hmac, mac), CKR_OK);
	assert_int_equal(p->fn->C_VerifyUpdate(s, data, DATA_LEN), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
}

/*
 * A session closed, or the library finalized, during a multi-part HMAC
 * signature frees and wipes the input gathered so far (LeakSanitizer and
 * valgrind watch this; it once leaked).
 */
static void test_hmac_close_while_signing(void **state)
{
	struct p11 *p = *state;
	CK_SESSION_HANDLE s = p11_open_user(p);
	CK_MECHANISM hmac = { CKM_SHA512_HMAC, NULL, 0 };
	CK_BYTE key[16];
	CK_OBJECT_HANDLE mac;

	pattern(key, sizeof(key), 37);
	mac = known(p, s, CKK_GENERIC_SECRET, key, sizeof(key));
	assert_int_equal(p->fn->C_SignInit(s, &hmac, mac), CKR_OK);
	assert_int_equal(p->fn->C_SignUpdate(s, data, DATA_LEN), CKR_OK);
	assert_int_equal(p->fn->C_CloseSession(s), CKR_OK);
}

#define T(name) cmocka_unit_test_setup_teardown(name, p11_setup, p11_teardown)
#define T_KEYS(name) \
	cmocka_unit_test_setup_teardown(name, p11_setup_keys, p11_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_generate_aes),
		T(test_generate_generic),
		T(test_generate_token_key_persists),
		T(test_generate_argument_refusals),
		T(test_generate_login_and_session_refusals),
		T(test_generate_template_refusals),
		T(test_generate_mechanism_and_tpm_refusals),
		T(test_import_keys),
		T(test_import_refusals),
		T(test_aes_one_part_every_mode),
		T(test_aes_empty_input),
		T(test_aes_length_protocol),
		T(test_aes_padded_decrypt_kept),
		T(test_aes_data_len_and_padding_errors),
		T(test_aes_init_refusals),
		T(test_aes_operation_lost),
		T(test_logout_destroys_private_session_keys),
		T(test_aes_multi_part_every_mode),
		T(test_aes_multi_part_length_protocol),
		T(test_aes_multi_part_errors),
		T(test_aes_one_part_after_update),
		T(test_aes_ctr_counter_bits),
		T(test_aes_ctr_wide_counter_never_wraps),
		T(test_hmac_every_hash),
		T(test_hmac_long_and_empty),
		T(test_hmac_verify_refusals),
		T(test_hmac_operation_rules),
		T(test_hmac_init_refusals),
		T(test_hmac_operation_lost),
		T_KEYS(test_keys_of_other_types),
		T(test_close_with_operations_running),
		T(test_hmac_close_while_signing),
		T(test_aes_padded_encrypt_of_nothing),
	};

	pattern(data, sizeof(data), 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
