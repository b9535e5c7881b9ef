/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "db/db.h"
#include "fake_tpm.h"
#include "token/token.h"
#include "token_fixture.h"

/*
 * The store holds no secret in clear: not the PINs, not the wrap secret,
 * not a PIN-derived auth value, not a key's auth value.  The fake TPM
 * tells what it was given; every file of the store directory (the
 * database, its WAL and shared memory) is searched for each of them.
 */

#define NEW_PIN "pin-after-change"

struct search {
	const void *needle;
	size_t len;
	size_t files;	/* files searched */
	size_t hits;	/* files holding the needle */
	char where[128];
};

/* Searches every file of the store directory for the needle. */
static void search_store(const struct fixture *f, struct search *s)
{
	DIR *d = opendir(f->dir);
	struct dirent *e;
	char *path;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		assert_true(asprintf(&path, "%s/%s", f->dir, e->d_name) > 0);
		if (fixture_file_contains(path, s->needle, s->len) &&
		    s->hits++ == 0)
			snprintf(s->where, sizeof(s->where), "%s", path);
		free(path);
		s->files++;
	}
	closedir(d);
}

static void assert_nowhere(const struct fixture *f, const void *data,
			   size_t len, const char *what)
{
	struct search s = { .needle = data, .len = len };

	assert_true(len >= 4);
	search_store(f, &s);
	assert_true(s.files >= 1);
	if (s.hits > 0)
		fail_msg("%s found in clear in %s", what, s.where);
}

/* The search itself works: public data is found where it is. */
static void assert_somewhere(const struct fixture *f, const void *data,
			     size_t len)
{
	struct search s = { .needle = data, .len = len };

	search_store(f, &s);
	assert_true(s.hits > 0);
}

static void assert_no_secret_of_the_fake(const struct fixture *f)
{
	struct fake_object_view v;
	size_t sealed = 0, keys = 0;

	for (size_t i = 0; fake_tpm_object(i, &v); i++) {
		if (v.kind == FAKE_OBJ_SEALED) {
			assert_nowhere(f, v.secret, v.secret_len,
				       "the wrap secret");
			sealed++;
		} else {
			keys++;
		}
		assert_nowhere(f, v.auth, v.auth_len, "an auth value");
	}
	/* Both PIN seals, the resealed user PIN, and two keys. */
	assert_int_equal(sealed, 3);
	assert_int_equal(keys, 2);
}

static void assert_no_pin(const struct fixture *f)
{
	assert_nowhere(f, USER_PIN, strlen(USER_PIN), "the user PIN");
	assert_nowhere(f, SO_PIN, strlen(SO_PIN), "the SO PIN");
	assert_nowhere(f, NEW_PIN, strlen(NEW_PIN), "the new user PIN");
}

/* A token used as users do: login, keys, signatures, a PIN change. */
static void use_the_token(struct fixture *f)
{
	CK_MECHANISM mech = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	uint8_t sig[256];
	CK_ULONG sig_len = sizeof(sig);
	int64_t rsa_priv, rsa_pub, ec_priv, ec_pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_RSA2048, "rsa", &rsa_priv, &rsa_pub);
	fixture_generate(f, TC_KEY_EC_P256, "ec", &ec_priv, &ec_pub);
	assert_int_equal(token_sign_init(f->rw, &mech, rsa_priv), CKR_OK);
	assert_int_equal(token_sign(f->rw, (const uint8_t *)"m", 1, sig,
				    &sig_len),
			 CKR_OK);
	assert_int_equal(token_set_pin(f->rw, (const uint8_t *)USER_PIN,
				       strlen(USER_PIN),
				       (const uint8_t *)NEW_PIN,
				       strlen(NEW_PIN)),
			 CKR_OK);
}

static void store_holds_no_secret_in_clear(void **state)
{
	struct fixture *f = *state;
	uint8_t *modulus = NULL;
	size_t modulus_len = 0;
	int64_t ids[4];
	CK_ATTRIBUTE rsa = { CKA_LABEL, "rsa", 3 };

	use_the_token(f);
	assert_int_equal(fixture_find(f->rw, &rsa, 1, ids, 4), 2);
	fixture_get_attr(f->rw, ids[0], CKA_MODULUS, &modulus, &modulus_len);
	/* While the module is open (WAL in use) and after it closed. */
	assert_somewhere(f, modulus, modulus_len);
	assert_somewhere(f, TOKEN_LABEL, strlen(TOKEN_LABEL));
	assert_no_pin(f);
	assert_no_secret_of_the_fake(f);
	fixture_close_module(f);
	assert_somewhere(f, modulus, modulus_len);
	assert_no_pin(f);
	assert_no_secret_of_the_fake(f);
	free(modulus);
}

/* The private key's row: its public blob and wrapped auth. */
static void private_key_row(const struct fixture *f, struct db_object *out)
{
	struct db_object *rows = NULL;
	struct db *db = NULL;
	size_t count = 0, found = 0;

	assert_int_equal(db_open(f->store, false, &db), DB_OK);
	assert_int_equal(db_object_list(db, f->token_id, &rows, &count),
			 DB_OK);
	for (size_t i = 0; i < count; i++) {
		if (rows[i].auth.len == 0)
			continue;
		*out = rows[i];
		memset(&rows[i], 0, sizeof(rows[i]));
		found++;
	}
	db_objects_free(rows, count);
	db_close(db);
	assert_int_equal(found, 1);
}

static void key_auth_is_stored_wrapped_under_the_wrap_secret(void **state)
{
	struct fixture *f = *state;
	struct fake_object_view wrap, key;
	struct db_object row = { 0 };
	uint8_t auth[64], other[CRYPTO_AEAD_KEY_LEN] = { 0 };
	int64_t priv, pub;

	fixture_login_user(f);
	fixture_generate(f, TC_KEY_EC_P256, "k", &priv, &pub);
	assert_true(fake_tpm_object(0, &wrap));
	assert_true(fake_tpm_object(2, &key));
	assert_int_equal(key.kind, FAKE_OBJ_EC);
	private_key_row(f, &row);
	assert_int_equal(row.id, priv);
	assert_int_equal(row.auth.len, key.auth_len + CRYPTO_AEAD_OVERHEAD);
	assert_true(crypto_aead_open(wrap.secret, row.tpm_pub.data,
				     row.tpm_pub.len, row.auth.data,
				     row.auth.len, auth));
	assert_memory_equal(auth, key.auth, key.auth_len);
	/* Nothing else opens it. */
	assert_false(crypto_aead_open(other, row.tpm_pub.data,
				      row.tpm_pub.len, row.auth.data,
				      row.auth.len, auth));
	db_object_clear(&row);
}

static void store_file_is_private_to_the_user(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	assert_int_equal(stat(f->store, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

#define T(name) cmocka_unit_test_setup_teardown(name, fixture_setup, \
						fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(store_holds_no_secret_in_clear),
		T(key_auth_is_stored_wrapped_under_the_wrap_secret),
		T(store_file_is_private_to_the_user),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
