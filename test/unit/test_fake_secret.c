/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "fake_tpm.h"
#include "tpm/tpm.h"

/*
 * The fake TPM's secret keys checked against OpenSSL, so that the token
 * and PKCS#11 tests built on them prove something: every AES size and
 * mode, in chained calls whose iv must continue the stream as the TPM's
 * does, every HMAC hash and key size; then the refusals, the auth and key
 * kind checks, counting and injected failures.  The reference side uses
 * OpenSSL's legacy cipher getters and EVP_Q_mac, not the fake's calls.
 */

#define AUTH "0123456789abcdef0123456789abcdef"
#define AUTH_LEN (sizeof(AUTH) - 1)
#define LONG_LEN (4096 + 5 * TPM_AES_BLOCK)

static const size_t aes_sizes[] = { 16, 24, 32 };
static const enum tpm_aes_mode modes[] = { TPM_AES_ECB, TPM_AES_CBC,
					   TPM_AES_CFB, TPM_AES_CTR };

static int setup(void **state)
{
	struct tpm *tpm = NULL;

	fake_tpm_reset();
	if (tpm_open(&tpm) != TPM_OK)
		return -1;
	*state = tpm;
	return 0;
}

static int teardown(void **state)
{
	tpm_close(*state);
	if (fake_tpm_open_keys() != 0 || fake_tpm_connections() != 0)
		return -1;
	fake_tpm_reset();
	return 0;
}

static void random_bytes(uint8_t *buf, size_t len)
{
	assert_int_equal(RAND_bytes(buf, (int)len), 1);
}

/* A secret key made with AUTH and opened with auth. */
static struct tpm_key *make_key(struct tpm *tpm, enum tpm_key_type type,
				const uint8_t *value, size_t len,
				const char *auth)
{
	struct tpm_blob blob;
	struct tpm_key *key = NULL;

	assert_int_equal(tpm_secret_create(tpm, type, value, len,
					   (const uint8_t *)AUTH, AUTH_LEN,
					   &blob),
			 TPM_OK);
	assert_int_equal(tpm_key_open(tpm, &blob, (const uint8_t *)auth,
				      strlen(auth), &key),
			 TPM_OK);
	tpm_blob_clear(&blob);
	return key;
}

/* ---- the OpenSSL reference ---- */

static const EVP_CIPHER *ref_cipher(size_t key_len, enum tpm_aes_mode mode)
{
	static const EVP_CIPHER *(*const table[3][4])(void) = {
		{ EVP_aes_128_ecb, EVP_aes_128_cbc, EVP_aes_128_cfb128,
		  EVP_aes_128_ctr },
		{ EVP_aes_192_ecb, EVP_aes_192_cbc, EVP_aes_192_cfb128,
		  EVP_aes_192_ctr },
		{ EVP_aes_256_ecb, EVP_aes_256_cbc, EVP_aes_256_cfb128,
		  EVP_aes_256_ctr },
	};

	return table[key_len / 8 - 2][mode - 1]();
}

/* OpenSSL over all of in in one call; iv gets OpenSSL's updated iv. */
static void ref_aes(const uint8_t *key, size_t key_len, bool decrypt,
		    enum tpm_aes_mode mode, uint8_t *iv, const uint8_t *in,
		    size_t len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0;

	assert_non_null(ctx);
	assert_int_equal(EVP_CipherInit_ex(ctx, ref_cipher(key_len, mode),
					   NULL, key, iv, !decrypt),
			 1);
	assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
	assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, (int)len), 1);
	assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &fin), 1);
	assert_int_equal((size_t)(n + fin), len);
	if (mode != TPM_AES_ECB)
		assert_int_equal(EVP_CIPHER_CTX_get_updated_iv(ctx, iv,
							       TPM_AES_BLOCK),
				 1);
	EVP_CIPHER_CTX_free(ctx);
}

static const char *ref_hash(enum crypto_digest hash)
{
	static const char *const names[] = {
		[CRYPTO_SHA1] = "SHA1",	    [CRYPTO_SHA256] = "SHA256",
		[CRYPTO_SHA384] = "SHA384", [CRYPTO_SHA512] = "SHA512",
	};

	return names[hash];
}

static void ref_hmac(const uint8_t *key, size_t key_len,
		     enum crypto_digest hash, const uint8_t *data, size_t len,
		     uint8_t *mac)
{
	size_t mac_len = 0;

	assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, ref_hash(hash), NULL,
				  key, key_len, data, len, mac,
				  CRYPTO_MAX_DIGEST, &mac_len));
	assert_int_equal(mac_len, crypto_digest_len(hash));
}

/* ---- AES ---- */

/* Encrypts plain in two calls, decrypts in three, each against OpenSSL. */
static void check_chained(struct tpm *tpm, size_t key_len,
			  enum tpm_aes_mode mode)
{
	static uint8_t plain[LONG_LEN], ct[LONG_LEN], ref[LONG_LEN],
		back[LONG_LEN];
	uint8_t value[32], iv0[TPM_AES_BLOCK], iv[TPM_AES_BLOCK],
		ref_iv[TPM_AES_BLOCK];
	const size_t first = 2 * TPM_AES_BLOCK, last = LONG_LEN - 16;
	struct tpm_key *key;

	random_bytes(value, key_len);
	random_bytes(iv0, sizeof(iv0));
	random_bytes(plain, sizeof(plain));
	key = make_key(tpm, TPM_KEY_AES, value, key_len, AUTH);

	memcpy(ref_iv, iv0, TPM_AES_BLOCK);
	ref_aes(value, key_len, false, mode, ref_iv, plain, LONG_LEN, ref);
	memcpy(iv, iv0, TPM_AES_BLOCK);
	assert_int_equal(tpm_key_aes(tpm, key, false, mode, iv, plain, first,
				     ct),
			 TPM_OK);
	assert_int_equal(tpm_key_aes(tpm, key, false, mode, iv, plain + first,
				     LONG_LEN - first, ct + first),
			 TPM_OK);
	assert_memory_equal(ct, ref, LONG_LEN);
	assert_memory_equal(iv, mode == TPM_AES_ECB ? iv0 : ref_iv,
			    TPM_AES_BLOCK);

	/* Back again in place, in three calls. */
	memcpy(ref_iv, iv0, TPM_AES_BLOCK);
	ref_aes(value, key_len, true, mode, ref_iv, ct, LONG_LEN, ref);
	assert_memory_equal(ref, plain, LONG_LEN);
	memcpy(back, ct, LONG_LEN);
	memcpy(iv, iv0, TPM_AES_BLOCK);
	assert_int_equal(tpm_key_aes(tpm, key, true, mode, iv, back, 16, back),
			 TPM_OK);
	assert_int_equal(tpm_key_aes(tpm, key, true, mode, iv, back + 16,
				     last - 16, back + 16),
			 TPM_OK);
	assert_int_equal(tpm_key_aes(tpm, key, true, mode, iv, back + last,
				     LONG_LEN - last, back + last),
			 TPM_OK);
	assert_memory_equal(back, plain, LONG_LEN);
	assert_memory_equal(iv, mode == TPM_AES_ECB ? iv0 : ref_iv,
			    TPM_AES_BLOCK);
	tpm_key_close(tpm, key);
}

static void aes_matches_openssl_in_every_size_and_mode(void **state)
{
	for (size_t s = 0; s < 3; s++)
		for (size_t m = 0; m < 4; m++)
			check_chained(*state, aes_sizes[s], modes[m]);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), 3 * 4 * 5);
}

/* CFB and CTR take a partial block; the iv is what the TPM returns. */
static void stream_modes_end_on_a_partial_block(void **state)
{
	uint8_t value[16], iv0[TPM_AES_BLOCK], iv[TPM_AES_BLOCK];
	uint8_t plain[37], ct[37], ref[37], ref_iv[TPM_AES_BLOCK];
	uint8_t want[TPM_AES_BLOCK] = { 0 };
	struct tpm_key *key;

	random_bytes(value, sizeof(value));
	random_bytes(plain, sizeof(plain));
	memset(iv0, 0, sizeof(iv0));
	iv0[15] = 0xfe;
	key = make_key(*state, TPM_KEY_AES, value, sizeof(value), AUTH);

	for (size_t m = 2; m < 4; m++) {
		memcpy(iv, iv0, TPM_AES_BLOCK);
		memcpy(ref_iv, iv0, TPM_AES_BLOCK);
		ref_aes(value, 16, false, modes[m], ref_iv, plain, 37, ref);
		assert_int_equal(tpm_key_aes(*state, key, false, modes[m], iv,
					     plain, 37, ct),
				 TPM_OK);
		assert_memory_equal(ct, ref, 37);
		if (modes[m] == TPM_AES_CFB) {
			/* The partial ciphertext block, zero-padded. */
			memset(want, 0, sizeof(want));
			memcpy(want, ct + 32, 5);
		} else {
			/* Three counter values used: ...fe, ...ff, ..1 00. */
			memset(want, 0, sizeof(want));
			want[14] = 0x01;
			want[15] = 0x01;
		}
		assert_memory_equal(iv, want, TPM_AES_BLOCK);
	}
	tpm_key_close(*state, key);
}

/* The counter is one 128-bit big-endian number, wrapping at the top. */
static void ctr_counter_carries_through_128_bits(void **state)
{
	uint8_t value[32], plain[48], ct[48], ref[48];
	uint8_t iv[TPM_AES_BLOCK], ref_iv[TPM_AES_BLOCK];
	uint8_t want[TPM_AES_BLOCK] = { 0 };
	struct tpm_key *key;

	random_bytes(value, sizeof(value));
	random_bytes(plain, sizeof(plain));
	key = make_key(*state, TPM_KEY_AES, value, sizeof(value), AUTH);

	/* Low 64 bits all ones: the carry must reach byte 7. */
	memset(iv, 0, 8);
	memset(iv + 8, 0xff, 8);
	memcpy(ref_iv, iv, sizeof(iv));
	ref_aes(value, 32, false, TPM_AES_CTR, ref_iv, plain, 48, ref);
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_CTR, iv,
				     plain, 48, ct),
			 TPM_OK);
	assert_memory_equal(ct, ref, 48);
	assert_memory_equal(iv, ref_iv, TPM_AES_BLOCK);
	want[7] = 0x01;
	want[15] = 0x02;
	assert_memory_equal(iv, want, TPM_AES_BLOCK);

	/* All ones: wraps to zero and on. */
	memset(iv, 0xff, sizeof(iv));
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_CTR, iv,
				     plain, 48, ct),
			 TPM_OK);
	memset(want, 0, sizeof(want));
	want[15] = 0x02;
	assert_memory_equal(iv, want, TPM_AES_BLOCK);
	tpm_key_close(*state, key);
}

static void aes_refusals(void **state)
{
	uint8_t value[16] = { 1 }, iv[TPM_AES_BLOCK] = { 0 }, buf[48] = { 0 };
	uint8_t out[48], ref[48], ref_iv[TPM_AES_BLOCK] = { 0 };
	struct tpm_key *key;

	key = make_key(*state, TPM_KEY_AES, value, sizeof(value), AUTH);
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_ECB, iv, buf,
				     15, out),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_aes(*state, key, true, TPM_AES_CBC, iv, buf,
				     33, out),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_aes(*state, key, false, 0, iv, buf, 16, out),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_CTR + 1, iv,
				     buf, 16, out),
			 TPM_E_BAD_INPUT);
	/* Nothing to do is no command: the key does not even load. */
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_CBC, iv, buf,
				     0, out),
			 TPM_OK);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	/* No iv is a zero iv. */
	ref_aes(value, 16, false, TPM_AES_CBC, ref_iv, buf, 48, ref);
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_CBC, NULL,
				     buf, 48, out),
			 TPM_OK);
	assert_memory_equal(out, ref, 48);
	tpm_key_close(*state, key);
}

/* ---- HMAC ---- */

static void check_hmac(struct tpm *tpm, size_t key_len,
		       const uint8_t *data, size_t len)
{
	static const enum crypto_digest hashes[] = {
		CRYPTO_SHA1, CRYPTO_SHA256, CRYPTO_SHA384, CRYPTO_SHA512
	};
	uint8_t value[TPM_HMAC_KEY_MAX], mac[CRYPTO_MAX_DIGEST],
		ref[CRYPTO_MAX_DIGEST];
	struct tpm_key *key;

	random_bytes(value, key_len);
	key = make_key(tpm, TPM_KEY_HMAC, value, key_len, AUTH);
	for (size_t h = 0; h < 4; h++) {
		size_t mac_len = crypto_digest_len(hashes[h]);

		ref_hmac(value, key_len, hashes[h], data, len, ref);
		assert_int_equal(tpm_key_hmac(tpm, key, hashes[h], data, len,
					      mac, mac_len),
				 TPM_OK);
		assert_memory_equal(mac, ref, mac_len);
	}
	tpm_key_close(tpm, key);
}

static void hmac_matches_openssl_for_every_hash(void **state)
{
	static const size_t key_sizes[] = { 1, 20, TPM_HMAC_KEY_NATIVE, 48,
					    TPM_HMAC_KEY_MAX };
	static const size_t data_sizes[] = { 0, 3, 64, 2500 };
	static uint8_t data[2500];

	random_bytes(data, sizeof(data));
	for (size_t k = 0; k < 5; k++)
		for (size_t d = 0; d < 4; d++)
			check_hmac(*state, key_sizes[k], data, data_sizes[d]);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), 5 * 4 * 4);
}

static void hmac_refusals(void **state)
{
	uint8_t value[32] = { 7 }, mac[CRYPTO_MAX_DIGEST];
	struct tpm_key *key;

	key = make_key(*state, TPM_KEY_HMAC, value, sizeof(value), AUTH);
	assert_int_equal(tpm_key_hmac(*state, key, CRYPTO_SHA224,
				      (const uint8_t *)"x", 1, mac, 28),
			 TPM_E_UNSUPPORTED);
	assert_int_equal(tpm_key_hmac(*state, key, CRYPTO_SHA256,
				      (const uint8_t *)"x", 1, mac, 31),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_hmac(*state, key, CRYPTO_SHA256,
				      (const uint8_t *)"x", 1, mac, 64),
			 TPM_E_BAD_INPUT);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	tpm_key_close(*state, key);
}

/* ---- creation ---- */

static void expect_create_refused(struct tpm *tpm, enum tpm_key_type type,
				  size_t len, size_t auth_len)
{
	uint8_t value[128] = { 0 }, auth[80] = { 0 };
	struct tpm_blob blob;

	assert_int_equal(tpm_secret_create(tpm, type, value, len, auth,
					   auth_len, &blob),
			 TPM_E_BAD_INPUT);
	assert_null(blob.pub);
	assert_null(blob.priv);
	assert_int_equal(tpm_secret_create(tpm, type, NULL, len, auth,
					   auth_len, &blob),
			 TPM_E_BAD_INPUT);
	assert_int_equal(fake_tpm_object_count(), 0);
}

static void create_checks_sizes_and_type(void **state)
{
	static const size_t bad_aes[] = { 0, 8, 15, 17, 23, 25, 31, 33, 64 };

	for (size_t i = 0; i < sizeof(bad_aes) / sizeof(bad_aes[0]); i++)
		expect_create_refused(*state, TPM_KEY_AES, bad_aes[i], 4);
	expect_create_refused(*state, TPM_KEY_HMAC, 0, 4);
	expect_create_refused(*state, TPM_KEY_HMAC, TPM_HMAC_KEY_MAX + 1, 4);
	expect_create_refused(*state, TPM_KEY_RSA, 16, 4);
	expect_create_refused(*state, TPM_KEY_EC, 32, 4);
	expect_create_refused(*state, TPM_KEY_AES, 16, 65);
	expect_create_refused(*state, TPM_KEY_HMAC, 32, 65);
}

/* Whether needle occurs in hay. */
static bool contains(const uint8_t *hay, size_t hay_len,
		     const uint8_t *needle, size_t len)
{
	for (size_t i = 0; i + len <= hay_len; i++)
		if (memcmp(hay + i, needle, len) == 0)
			return true;
	return false;
}

/* Creates a key, checks what the fake holds and what the blobs carry. */
static void check_created(struct tpm *tpm, enum tpm_key_type type,
			  const uint8_t *value, size_t len,
			  struct fake_object_view *view)
{
	size_t index = fake_tpm_object_count();
	struct tpm_pubkey pub;
	struct tpm_blob blob;

	assert_int_equal(tpm_secret_create(tpm, type, value, len,
					   (const uint8_t *)AUTH, AUTH_LEN,
					   &blob),
			 TPM_OK);
	assert_true(fake_tpm_object(index, view));
	assert_int_equal(view->kind,
			 type == TPM_KEY_AES ? FAKE_OBJ_AES : FAKE_OBJ_HMAC);
	assert_int_equal(view->auth_len, AUTH_LEN);
	assert_memory_equal(view->auth, AUTH, AUTH_LEN);
	assert_non_null(view->secret);
	assert_int_equal(view->secret_len, len);
	if (value != NULL)
		assert_memory_equal(view->secret, value, len);
	if (len >= 16) { /* shorter ones turn up in random bytes */
		assert_false(contains(blob.pub, blob.pub_len, view->secret,
				      len));
		assert_false(contains(blob.priv, blob.priv_len, view->secret,
				      len));
	}
	assert_int_equal(tpm_blob_pubkey(&blob, &pub), TPM_OK);
	assert_int_equal(pub.type, type);
	assert_int_equal(pub.aes_len, type == TPM_KEY_AES ? len : 0);
	tpm_blob_clear(&blob);
}

static void create_takes_a_value_or_makes_one(void **state)
{
	uint8_t value[TPM_HMAC_KEY_MAX];
	struct fake_object_view a, b;

	random_bytes(value, sizeof(value));
	for (size_t s = 0; s < 3; s++)
		check_created(*state, TPM_KEY_AES, value, aes_sizes[s], &a);
	check_created(*state, TPM_KEY_HMAC, value, 1, &a);
	check_created(*state, TPM_KEY_HMAC, value, TPM_HMAC_KEY_MAX, &a);

	for (size_t s = 0; s < 3; s++) {
		check_created(*state, TPM_KEY_AES, NULL, aes_sizes[s], &a);
		check_created(*state, TPM_KEY_AES, NULL, aes_sizes[s], &b);
		assert_memory_not_equal(a.secret, b.secret, aes_sizes[s]);
	}
	check_created(*state, TPM_KEY_HMAC, NULL, TPM_HMAC_KEY_NATIVE, &a);
	check_created(*state, TPM_KEY_HMAC, NULL, TPM_HMAC_KEY_NATIVE, &b);
	assert_memory_not_equal(a.secret, b.secret, TPM_HMAC_KEY_NATIVE);
	check_created(*state, TPM_KEY_HMAC, NULL, 48, &a);
	check_created(*state, TPM_KEY_HMAC, NULL, 48, &b);
	assert_memory_not_equal(a.secret, b.secret, 48);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE), 15);
}

/* A made key works with the bytes the fake says it holds. */
static void made_key_is_the_one_held(void **state)
{
	uint8_t plain[32] = { 3 }, ct[32], ref[32], iv[TPM_AES_BLOCK] = { 0 };
	struct fake_object_view view;
	struct tpm_key *key;

	key = make_key(*state, TPM_KEY_AES, NULL, 24, AUTH);
	assert_true(fake_tpm_object(0, &view));
	ref_aes(view.secret, 24, false, TPM_AES_ECB, iv, plain, 32, ref);
	assert_int_equal(tpm_key_aes(*state, key, false, TPM_AES_ECB, iv,
				     plain, 32, ct),
			 TPM_OK);
	assert_memory_equal(ct, ref, 32);
	tpm_key_close(*state, key);
}

static void damaged_public_blob_does_not_open(void **state)
{
	struct tpm_pubkey pub;
	struct tpm_blob blob;
	struct tpm_key *key = NULL;

	assert_int_equal(tpm_secret_create(*state, TPM_KEY_AES, NULL, 16,
					   (const uint8_t *)AUTH, AUTH_LEN,
					   &blob),
			 TPM_OK);
	blob.pub[5] = 20; /* the AES size */
	assert_int_equal(tpm_blob_pubkey(&blob, &pub), TPM_E_BAD_BLOB);
	assert_int_equal(tpm_key_open(*state, &blob, (const uint8_t *)AUTH,
				      AUTH_LEN, &key),
			 TPM_E_BAD_BLOB);
	assert_null(key);
	tpm_blob_clear(&blob);
}

/* ---- auth, key kinds, counting, failures ---- */

static void wrong_auth_fails_and_counts_nothing(void **state)
{
	uint8_t buf[16] = { 0 }, iv[TPM_AES_BLOCK] = { 0 };
	uint8_t mac[CRYPTO_MAX_DIGEST];
	struct tpm_key *aes, *hmac;
	struct tpm_da_info da;

	aes = make_key(*state, TPM_KEY_AES, NULL, 32, "wrong");
	hmac = make_key(*state, TPM_KEY_HMAC, NULL, 32, "");
	for (int i = 0; i < 40; i++) {
		assert_int_equal(tpm_key_aes(*state, aes, false, TPM_AES_CBC,
					     iv, buf, 16, buf),
				 TPM_E_AUTH_FAIL);
		assert_int_equal(tpm_key_hmac(*state, hmac, CRYPTO_SHA256, buf,
					      16, mac, 32),
				 TPM_E_AUTH_FAIL);
	}
	fake_tpm_da(&da);
	assert_int_equal(da.failures, 0);
	assert_false(da.in_lockout);
	tpm_key_close(*state, aes);
	tpm_key_close(*state, hmac);
}

/* An asymmetric key made and opened with AUTH. */
static struct tpm_key *make_pair(struct tpm *tpm,
				 const struct tpm_key_spec *spec)
{
	struct tpm_pubkey pub;
	struct tpm_blob blob;
	struct tpm_key *key = NULL;

	assert_int_equal(tpm_key_create(tpm, spec, (const uint8_t *)AUTH,
					AUTH_LEN, &blob, &pub),
			 TPM_OK);
	assert_int_equal(tpm_key_open(tpm, &blob, (const uint8_t *)AUTH,
				      AUTH_LEN, &key),
			 TPM_OK);
	tpm_blob_clear(&blob);
	return key;
}

static void expect_no_secret_ops(struct tpm *tpm, struct tpm_key *key)
{
	uint8_t buf[64] = { 0 }, iv[TPM_AES_BLOCK] = { 0 };

	assert_int_equal(tpm_key_aes(tpm, key, false, TPM_AES_CTR, iv, buf,
				     16, buf),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_hmac(tpm, key, CRYPTO_SHA256, buf, 16, buf,
				      32),
			 TPM_E_BAD_INPUT);
}

static void keys_of_another_kind_are_refused(void **state)
{
	static const struct tpm_key_spec ec = { .type = TPM_KEY_EC,
						.curve = TPM_CURVE_P256 };
	static const struct tpm_key_spec rsa = { .type = TPM_KEY_RSA,
						 .rsa_bits = 2048 };
	uint8_t buf[256] = { 0 }, z[32], iv[TPM_AES_BLOCK] = { 0 };
	struct tpm_key *aes, *hmac, *ec_key, *rsa_key;

	aes = make_key(*state, TPM_KEY_AES, NULL, 16, AUTH);
	hmac = make_key(*state, TPM_KEY_HMAC, NULL, 20, AUTH);
	ec_key = make_pair(*state, &ec);
	rsa_key = make_pair(*state, &rsa);
	assert_int_equal(tpm_key_hmac(*state, aes, CRYPTO_SHA256, buf, 16, buf,
				      32),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_aes(*state, hmac, false, TPM_AES_CBC, iv, buf,
				     16, buf),
			 TPM_E_BAD_INPUT);
	expect_no_secret_ops(*state, ec_key);
	expect_no_secret_ops(*state, rsa_key);
	assert_int_equal(tpm_key_rsa_private(*state, aes, buf, 256, buf, 256),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_ecdsa(*state, hmac, CRYPTO_SHA256, buf, 32,
				       buf, 64),
			 TPM_E_BAD_INPUT);
	assert_int_equal(tpm_key_ecdh(*state, aes, buf, buf + 32, 32, z, 32),
			 TPM_E_BAD_INPUT);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	tpm_key_close(*state, aes);
	tpm_key_close(*state, hmac);
	tpm_key_close(*state, ec_key);
	tpm_key_close(*state, rsa_key);
}

static void sealed_data_does_not_open_as_a_key(void **state)
{
	struct tpm_blob blob;
	struct tpm_key *key = NULL;

	assert_int_equal(tpm_seal(*state, (const uint8_t *)AUTH, AUTH_LEN,
				  (const uint8_t *)"0123456789abcdef", 16,
				  &blob),
			 TPM_OK);
	assert_int_equal(tpm_key_open(*state, &blob, (const uint8_t *)AUTH,
				      AUTH_LEN, &key),
			 TPM_E_BAD_BLOB);
	tpm_blob_clear(&blob);
}

static void create_fails_on_demand(void **state)
{
	struct tpm_blob blob;

	fake_tpm_fail_next(FAKE_TPM_SECRET_CREATE, TPM_E_NO_SLOTS);
	assert_int_equal(tpm_secret_create(*state, TPM_KEY_AES, NULL, 16,
					   (const uint8_t *)AUTH, AUTH_LEN,
					   &blob),
			 TPM_E_NO_SLOTS);
	assert_null(blob.pub);
	assert_int_equal(fake_tpm_object_count(), 0);
	assert_int_equal(tpm_secret_create(*state, TPM_KEY_AES, NULL, 16,
					   (const uint8_t *)AUTH, AUTH_LEN,
					   &blob),
			 TPM_OK);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_SECRET_CREATE), 2);
	tpm_blob_clear(&blob);
}

static void uses_fail_on_demand_and_load_once(void **state)
{
	uint8_t buf[16] = { 0 }, out[16] = { 0 }, iv[TPM_AES_BLOCK] = { 0 };
	uint8_t zero[TPM_AES_BLOCK] = { 0 }, mac[CRYPTO_MAX_DIGEST];
	struct tpm_key *aes, *hmac;

	aes = make_key(*state, TPM_KEY_AES, NULL, 16, AUTH);
	hmac = make_key(*state, TPM_KEY_HMAC, NULL, 32, AUTH);
	fake_tpm_fail_next(FAKE_TPM_AES, TPM_E_IO);
	assert_int_equal(tpm_key_aes(*state, aes, false, TPM_AES_CBC, iv, buf,
				     16, out),
			 TPM_E_IO);
	assert_memory_equal(iv, zero, TPM_AES_BLOCK);
	fake_tpm_fail_next(FAKE_TPM_KEY_LOAD, TPM_E_NO_SLOTS);
	assert_int_equal(tpm_key_aes(*state, aes, false, TPM_AES_CBC, iv, buf,
				     16, out),
			 TPM_E_NO_SLOTS);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	assert_int_equal(tpm_key_aes(*state, aes, false, TPM_AES_CBC, iv, buf,
				     16, out),
			 TPM_OK);
	assert_memory_equal(iv, out, TPM_AES_BLOCK);
	assert_int_equal(fake_tpm_loaded_keys(), 1);

	fake_tpm_fail_next(FAKE_TPM_HMAC, TPM_E_RETRY);
	assert_int_equal(tpm_key_hmac(*state, hmac, CRYPTO_SHA1, buf, 16, mac,
				      20),
			 TPM_E_RETRY);
	assert_int_equal(tpm_key_hmac(*state, hmac, CRYPTO_SHA1, buf, 16, mac,
				      20),
			 TPM_OK);
	assert_int_equal(fake_tpm_loaded_keys(), 2);
	tpm_release(*state);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
	assert_int_equal(tpm_key_hmac(*state, hmac, CRYPTO_SHA1, buf, 16, mac,
				      20),
			 TPM_OK);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_KEY_LOAD), 4);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_AES), 3);
	assert_int_equal(fake_tpm_calls(FAKE_TPM_HMAC), 3);
	tpm_key_close(*state, aes);
	tpm_key_close(*state, hmac);
}

static void change_auth_keeps_the_key(void **state)
{
	uint8_t value[32], data[5] = "hello", mac[32], ref[32];
	struct tpm_blob blob, moved;
	struct fake_object_view view;
	struct tpm_key *key = NULL, *old = NULL;

	random_bytes(value, sizeof(value));
	assert_int_equal(tpm_secret_create(*state, TPM_KEY_HMAC, value, 32,
					   (const uint8_t *)AUTH, AUTH_LEN,
					   &blob),
			 TPM_OK);
	assert_int_equal(tpm_change_auth(*state, &blob, (const uint8_t *)AUTH,
					 AUTH_LEN, (const uint8_t *)"new", 3,
					 &moved),
			 TPM_OK);
	assert_true(fake_tpm_object(1, &view));
	assert_true(view.by_change_auth);
	assert_memory_equal(view.secret, value, 32);
	assert_int_equal(tpm_key_open(*state, &moved, (const uint8_t *)"new",
				      3, &key),
			 TPM_OK);
	assert_int_equal(tpm_key_open(*state, &moved, (const uint8_t *)AUTH,
				      AUTH_LEN, &old),
			 TPM_OK);
	ref_hmac(value, 32, CRYPTO_SHA256, data, 5, ref);
	assert_int_equal(tpm_key_hmac(*state, key, CRYPTO_SHA256, data, 5, mac,
				      32),
			 TPM_OK);
	assert_memory_equal(mac, ref, 32);
	assert_int_equal(tpm_key_hmac(*state, old, CRYPTO_SHA256, data, 5, mac,
				      32),
			 TPM_E_AUTH_FAIL);

	/* TPM2_Clear: a new SRK, the key no longer loads. */
	fake_tpm_clear();
	tpm_release(*state);
	assert_int_equal(tpm_key_hmac(*state, key, CRYPTO_SHA256, data, 5, mac,
				      32),
			 TPM_E_BAD_BLOB);
	tpm_key_close(*state, key);
	tpm_key_close(*state, old);
	tpm_blob_clear(&blob);
	tpm_blob_clear(&moved);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(aes_matches_openssl_in_every_size_and_mode),
		T(stream_modes_end_on_a_partial_block),
		T(ctr_counter_carries_through_128_bits),
		T(aes_refusals),
		T(hmac_matches_openssl_for_every_hash),
		T(hmac_refusals),
		T(create_checks_sizes_and_type),
		T(create_takes_a_value_or_makes_one),
		T(made_key_is_the_one_held),
		T(damaged_public_blob_does_not_open),
		T(wrong_auth_fails_and_counts_nothing),
		T(keys_of_another_kind_are_refused),
		T(sealed_data_does_not_open_as_a_key),
		T(create_fails_on_demand),
		T(uses_fail_on_demand_and_load_once),
		T(change_auth_keeps_the_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
