/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * crypto_thread_enter/leave: code that takes its algorithms from the
 * thread's default library context (tpm2-tss) gets the module's context
 * in between, whatever the host did to its own default, and only on the
 * calling thread.  The host here has emptied its default context: only
 * the null provider is loaded in it.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/provider.h>

#include "common/crypto.h"

static OSSL_PROVIDER *host_null;

static int empty_host_default(void **state)
{
	(void)state;
	host_null = OSSL_PROVIDER_load(NULL, "null");
	return host_null == NULL ? -1 : 0;
}

static int restore_host_default(void **state)
{
	(void)state;
	OSSL_PROVIDER_unload(host_null);
	crypto_shutdown();
	return 0;
}

static bool default_has_sha256(void)
{
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);

	EVP_MD_free(md);
	return md != NULL;
}

/* An HMAC the way tpm2-tss 3.2.1 computes a session's. */
static bool legacy_hmac_works(void)
{
	static const uint8_t key[32] = { 1, 2, 3 };
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, NULL, key,
						      sizeof(key));
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t mac[EVP_MAX_MD_SIZE];
	size_t len = sizeof(mac);
	bool ok = pkey != NULL && ctx != NULL &&
		  EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
		  EVP_DigestSignUpdate(ctx, "x", 1) == 1 &&
		  EVP_DigestSignFinal(ctx, mac, &len) == 1 && len == 32;

	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return ok;
}

static void module_context_between_enter_and_leave(void **state)
{
	void *previous;

	(void)state;
	assert_false(default_has_sha256());
	assert_false(legacy_hmac_works());
	previous = crypto_thread_enter();
	assert_true(default_has_sha256());
	assert_true(legacy_hmac_works());
	crypto_thread_leave(previous);
	assert_false(default_has_sha256());
	assert_false(legacy_hmac_works());
}

static void nested_enter_restores_in_order(void **state)
{
	void *outer, *inner;

	(void)state;
	outer = crypto_thread_enter();
	inner = crypto_thread_enter();
	crypto_thread_leave(inner);
	assert_true(default_has_sha256());
	crypto_thread_leave(outer);
	assert_false(default_has_sha256());
}

static void *other_thread_checks(void *arg)
{
	*(bool *)arg = default_has_sha256();
	return NULL;
}

static void other_threads_keep_the_host_default(void **state)
{
	bool other_has_sha256 = true;
	void *previous;
	pthread_t thread;

	(void)state;
	previous = crypto_thread_enter();
	assert_int_equal(pthread_create(&thread, NULL, other_thread_checks,
					&other_has_sha256),
			 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	crypto_thread_leave(previous);
	assert_false(other_has_sha256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(module_context_between_enter_and_leave),
		cmocka_unit_test(nested_enter_restores_in_order),
		cmocka_unit_test(other_threads_keep_the_host_default),
	};

	return cmocka_run_group_tests(tests, empty_host_default,
				      restore_host_default);
}
