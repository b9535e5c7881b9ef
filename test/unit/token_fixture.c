/* SPDX-License-Identifier: BSD-3-Clause */
#include "token_fixture.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/attrs.h"
#include "db/db.h"
#include "fake_tpm.h"

int fixture_setup_empty(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	fake_tpm_reset();
	strcpy(f->dir, "/tmp/tpmcard-test-token-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->store, sizeof(f->store), "%s/store.sqlite3", f->dir);
	assert_int_equal(setenv("TPMCARD_STORE", f->store, 1), 0);
	*state = f;
	return 0;
}

void fixture_open_module(struct fixture *f)
{
	assert_int_equal(token_module_open(&f->mod), CKR_OK);
	assert_int_equal(token_session_open(f->mod, f->token_id, true, &f->rw),
			 CKR_OK);
}

int fixture_setup(void **state)
{
	struct fixture *f;

	fixture_setup_empty(state);
	f = *state;
	assert_int_equal(fixture_create_token(TOKEN_LABEL, USER_PIN, SO_PIN,
					      &f->token_id),
			 CKR_OK);
	fixture_open_module(f);
	return 0;
}

static void close_module(struct fixture *f)
{
	token_session_close(f->rw);
	f->rw = NULL;
	token_module_close(f->mod);
	f->mod = NULL;
}

static void assert_tpm_left_clean(void)
{
	assert_int_equal(fake_tpm_connections(), 0);
	assert_int_equal(fake_tpm_open_keys(), 0);
	assert_int_equal(fake_tpm_loaded_keys(), 0);
}

void fixture_close_module(struct fixture *f)
{
	close_module(f);
	assert_tpm_left_clean();
}

/* The store directory is flat: the file and SQLite's companions. */
static void remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *path;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		assert_int_equal(unlink(path), 0);
		free(path);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	close_module(f);
	remove_dir(f->dir);
	unsetenv("TPMCARD_STORE");
	free(f);
	assert_tpm_left_clean();
	fake_tpm_reset();
	return 0;
}

CK_RV fixture_create_token(const char *label, const char *user_pin,
			   const char *so_pin, int64_t *token_id)
{
	struct tc_token_params params = {
		.label = label,
		.user_pin = (const uint8_t *)user_pin,
		.user_pin_len = strlen(user_pin),
		.so_pin = (const uint8_t *)so_pin,
		.so_pin_len = strlen(so_pin),
	};

	return token_admin_create(&params, token_id);
}

CK_RV fixture_login(struct tc_session *session, CK_USER_TYPE user,
		    const char *pin)
{
	return token_login(session, user, (const uint8_t *)pin, strlen(pin));
}

void fixture_login_user(struct fixture *f)
{
	assert_int_equal(fixture_login(f->rw, CKU_USER, USER_PIN), CKR_OK);
}

void fixture_generate(struct fixture *f, enum tc_key_kind kind,
		      const char *label, int64_t *priv_id, int64_t *pub_id)
{
	assert_int_equal(token_key_generate(f->rw, kind, label, NULL, 0,
					    priv_id, pub_id),
			 CKR_OK);
}

size_t fixture_find(struct tc_session *session, const CK_ATTRIBUTE *tmpl,
		    CK_ULONG count, int64_t *ids, size_t max)
{
	size_t found = 0;

	assert_int_equal(token_find_init(session, tmpl, count), CKR_OK);
	assert_int_equal(token_find_next(session, ids, max, &found), CKR_OK);
	assert_int_equal(token_find_final(session), CKR_OK);
	return found;
}

void fixture_get_attr(struct tc_session *session, int64_t object_id,
		      CK_ATTRIBUTE_TYPE type, uint8_t **value, size_t *len)
{
	CK_ATTRIBUTE attr = { type, NULL, 0 };

	assert_int_equal(token_object_get_attrs(session, object_id, &attr, 1),
			 CKR_OK);
	*value = malloc(attr.ulValueLen ? attr.ulValueLen : 1);
	assert_non_null(*value);
	attr.pValue = *value;
	assert_int_equal(token_object_get_attrs(session, object_id, &attr, 1),
			 CKR_OK);
	*len = attr.ulValueLen;
}

CK_ULONG fixture_get_ulong(struct tc_session *session, int64_t object_id,
			   CK_ATTRIBUTE_TYPE type)
{
	CK_ULONG value = 0;
	CK_ATTRIBUTE attr = { type, &value, sizeof(value) };

	assert_int_equal(token_object_get_attrs(session, object_id, &attr, 1),
			 CKR_OK);
	assert_int_equal(attr.ulValueLen, sizeof(value));
	return value;
}

/* Rewrites the serialized attributes of one row with type set. */
static void update_row(struct db *db, const struct db_object *row,
		       CK_ATTRIBUTE_TYPE type, bool value)
{
	struct attr_list attrs = { 0 };
	struct db_blob blob = { 0 };

	assert_true(attrs_parse(row->attrs.data, row->attrs.len, &attrs));
	assert_true(attrs_set_bool(&attrs, type, value));
	assert_true(attrs_serialize(&attrs, &blob.data, &blob.len));
	assert_int_equal(db_object_update_attrs(db, row->id, &blob), DB_OK);
	db_blob_clear(&blob);
	attrs_clear(&attrs);
}

void fixture_store_set_bool(struct fixture *f, int64_t object_id,
			    CK_ATTRIBUTE_TYPE type, bool value)
{
	struct db_object *rows = NULL;
	struct db *db = NULL;
	size_t count = 0;
	bool updated = false;

	assert_int_equal(db_open(f->store, false, &db), DB_OK);
	assert_int_equal(db_object_list(db, f->token_id, &rows, &count),
			 DB_OK);
	for (size_t i = 0; i < count; i++) {
		if (rows[i].id == object_id) {
			update_row(db, &rows[i], type, value);
			updated = true;
		}
	}
	db_objects_free(rows, count);
	db_close(db);
	assert_true(updated);
}

bool fixture_file_contains(const char *path, const void *needle, size_t len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;
	bool found;

	if (fp == NULL)
		return false;
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	data = malloc(size ? (size_t)size : 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, fp), (size_t)size);
	fclose(fp);
	found = memmem(data, (size_t)size, needle, len) != NULL;
	free(data);
	return found;
}
