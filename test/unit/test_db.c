/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "db/db.h"

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/tpmcard-test-db-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/sub/store.sqlite3", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void fill_blob(struct db_blob *blob, const char *text)
{
	assert_true(db_blob_set(blob, text, strlen(text)));
}

/* A token row with recognisable blobs; free with db_token_clear(). */
static void make_token(struct db_token *t, const char *label,
		       const char *serial)
{
	memset(t, 0, sizeof(*t));
	t->label = strdup(label);
	t->serial = strdup(serial);
	t->min_pin_len = 6;
	fill_blob(&t->srk_name, "srk-name");
	fill_blob(&t->user.salt, "usalt");
	fill_blob(&t->user.pub, "upub");
	fill_blob(&t->user.priv, "upriv");
	fill_blob(&t->so.salt, "ssalt");
	fill_blob(&t->so.pub, "spub");
	fill_blob(&t->so.priv, "spriv");
}

static int64_t add_token(struct db *db, const char *label,
			 const char *serial)
{
	struct db_token t;
	int64_t id = 0;

	make_token(&t, label, serial);
	assert_int_equal(db_token_insert(db, &t, &id), DB_OK);
	db_token_clear(&t);
	return id;
}

static void create_sets_mode_and_version(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct stat st;
	int version = 0;

	assert_int_equal(db_open(f->path, false, &db), DB_NOT_FOUND);
	assert_null(db);
	assert_int_equal(db_open(f->path, true, &db), DB_OK);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(db_schema_version(db, &version), DB_OK);
	assert_int_equal(version, DB_SCHEMA_VERSION);
	assert_false(db_read_only(db));
	db_close(db);
	db_close(NULL);
}

static void tokens_crud(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct db_token *list = NULL, got, dup;
	struct db_seal seal = { 0 };
	size_t count = 0;
	int64_t a, b, other = 0;

	assert_int_equal(db_open(f->path, true, &db), DB_OK);
	a = add_token(db, "alpha", "0001");
	b = add_token(db, "beta", "0002");
	assert_true(b > a);
	make_token(&dup, "alpha", "0003");
	assert_int_equal(db_token_insert(db, &dup, &other), DB_EXISTS);
	db_token_clear(&dup);

	assert_int_equal(db_token_list(db, &list, &count), DB_OK);
	assert_int_equal(count, 2);
	assert_string_equal(list[0].label, "alpha");
	assert_string_equal(list[1].serial, "0002");
	assert_int_equal(list[0].min_pin_len, 6);
	assert_memory_equal(list[0].so.priv.data, "spriv", 5);
	db_tokens_free(list, count);

	fill_blob(&seal.salt, "new-salt");
	fill_blob(&seal.pub, "new-pub");
	fill_blob(&seal.priv, "new-priv");
	assert_int_equal(db_token_update_seal(db, a, false, &seal), DB_OK);
	assert_int_equal(db_token_update_seal(db, 999, false, &seal),
			 DB_NOT_FOUND);
	assert_int_equal(db_token_get_by_label(db, "alpha", &got), DB_OK);
	assert_int_equal(got.user.priv.len, 8);
	assert_memory_equal(got.user.priv.data, "new-priv", 8);
	assert_memory_equal(got.so.priv.data, "spriv", 5);
	db_token_clear(&got);
	assert_int_equal(db_token_get_by_label(db, "gamma", &got),
			 DB_NOT_FOUND);

	assert_int_equal(db_token_delete(db, a), DB_OK);
	assert_int_equal(db_token_delete(db, a), DB_NOT_FOUND);
	db_blob_clear(&seal.salt);
	db_blob_clear(&seal.pub);
	db_blob_clear(&seal.priv);
	db_close(db);
}

static void objects_crud_and_cascade(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct db_object obj = { 0 }, *list = NULL;
	struct db_blob attrs = { 0 };
	size_t count = 0;
	int64_t token, id1, id2;

	assert_int_equal(db_open(f->path, true, &db), DB_OK);
	token = add_token(db, "t", "01");
	obj.token_id = token;
	fill_blob(&obj.tpm_pub, "pub");
	fill_blob(&obj.attrs, "attrs-1");
	assert_int_equal(db_object_insert(db, &obj, &id1), DB_OK);
	db_blob_clear(&obj.tpm_pub);
	assert_int_equal(db_object_insert(db, &obj, &id2), DB_OK);
	db_object_clear(&obj);
	obj.token_id = 4242; /* no such token: foreign key refuses it */
	fill_blob(&obj.attrs, "x");
	assert_int_not_equal(db_object_insert(db, &obj, &id2), DB_OK);
	db_object_clear(&obj);

	assert_int_equal(db_object_list(db, token, &list, &count), DB_OK);
	assert_int_equal(count, 2);
	assert_int_equal(list[0].id, id1);
	assert_int_equal(list[0].tpm_pub.len, 3);
	assert_int_equal(list[1].tpm_pub.len, 0);
	db_objects_free(list, count);

	fill_blob(&attrs, "attrs-2");
	assert_int_equal(db_object_update_attrs(db, id1, &attrs), DB_OK);
	assert_int_equal(db_object_update_attrs(db, 999, &attrs),
			 DB_NOT_FOUND);
	db_blob_clear(&attrs);
	assert_int_equal(db_object_delete(db, id2), DB_OK);
	assert_int_equal(db_object_delete(db, id2), DB_NOT_FOUND);

	assert_int_equal(db_token_delete(db, token), DB_OK);
	assert_int_equal(db_object_list(db, token, &list, &count), DB_OK);
	assert_int_equal(count, 0);
	db_close(db);
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *conn = NULL;

	assert_int_equal(sqlite3_open(path, &conn), SQLITE_OK);
	assert_int_equal(sqlite3_exec(conn, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(conn);
}

/* A store written by the first release (schema 1) opens and keeps data. */
static void migrates_from_version_1(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct db_token *list = NULL;
	size_t count = 0;
	int version = 0;

	snprintf(f->path, sizeof(f->path), "%s/v1.sqlite3", f->dir);
	exec_sql(f->path,
		 "CREATE TABLE tokens (id INTEGER PRIMARY KEY AUTOINCREMENT,"
		 " label TEXT NOT NULL UNIQUE, serial TEXT NOT NULL UNIQUE,"
		 " srk_name BLOB NOT NULL, user_salt BLOB NOT NULL,"
		 " user_pub BLOB NOT NULL, user_priv BLOB NOT NULL,"
		 " so_salt BLOB NOT NULL, so_pub BLOB NOT NULL,"
		 " so_priv BLOB NOT NULL);"
		 "CREATE TABLE objects (id INTEGER PRIMARY KEY AUTOINCREMENT,"
		 " token_id INTEGER NOT NULL REFERENCES tokens(id)"
		 " ON DELETE CASCADE, tpm_pub BLOB, tpm_priv BLOB, auth BLOB,"
		 " attrs BLOB NOT NULL);"
		 "CREATE INDEX objects_by_token ON objects(token_id);"
		 "INSERT INTO tokens VALUES (1, 'old', 'S1', x'01', x'02',"
		 " x'03', x'04', x'05', x'06', x'07');"
		 "INSERT INTO objects VALUES (1, 1, x'aa', x'bb', x'cc',"
		 " x'dd');"
		 "PRAGMA user_version = 1;");
	assert_int_equal(db_open(f->path, false, &db), DB_OK);
	assert_int_equal(db_schema_version(db, &version), DB_OK);
	assert_int_equal(version, DB_SCHEMA_VERSION);
	assert_int_equal(db_token_list(db, &list, &count), DB_OK);
	assert_int_equal(count, 1);
	assert_string_equal(list[0].label, "old");
	assert_int_equal(list[0].min_pin_len, 4);
	/* Made before the TPM was recorded: nothing known of it. */
	assert_string_equal(list[0].tpm_vendor, "");
	assert_int_equal(list[0].tpm_revision, 0);
	assert_int_equal(list[0].so.priv.data[0], 0x07);
	db_tokens_free(list, count);
	db_close(db);
}

static void refuses_newer_and_foreign_files(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	FILE *fp;

	snprintf(f->path, sizeof(f->path), "%s/new.sqlite3", f->dir);
	exec_sql(f->path, "PRAGMA user_version = 99;");
	assert_int_equal(db_open(f->path, false, &db), DB_TOO_NEW);
	assert_null(db);

	snprintf(f->path, sizeof(f->path), "%s/junk.sqlite3", f->dir);
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (int i = 0; i < 200; i++)
		fputs("this is not a database at all ", fp);
	fclose(fp);
	assert_int_equal(db_open(f->path, false, &db), DB_CORRUPT);
	assert_null(db);
	assert_string_equal(db_rc_text(DB_CORRUPT),
			    "the store is damaged or not a tpmcard store");
}

static void sees_commits_of_other_connections(void **state)
{
	struct fixture *f = *state;
	struct db *reader = NULL, *writer = NULL;
	struct db_token *list = NULL;
	size_t count = 0;
	bool changed = false;

	assert_int_equal(db_open(f->path, true, &reader), DB_OK);
	assert_int_equal(db_open(f->path, false, &writer), DB_OK);
	assert_int_equal(db_poll_change(reader, &changed), DB_OK);
	assert_true(changed); /* first poll */
	assert_int_equal(db_poll_change(reader, &changed), DB_OK);
	assert_false(changed);
	add_token(writer, "late", "99");
	assert_int_equal(db_poll_change(reader, &changed), DB_OK);
	assert_true(changed);
	assert_int_equal(db_poll_change(reader, &changed), DB_OK);
	assert_false(changed);
	assert_int_equal(db_token_list(reader, &list, &count), DB_OK);
	assert_int_equal(count, 1);
	db_tokens_free(list, count);
	db_close(writer);
	db_close(reader);
}

static void writer_child(const char *path, int which)
{
	struct db *db = NULL;
	char label[32], serial[32];

	if (db_open(path, false, &db) != DB_OK)
		_exit(10);
	for (int i = 0; i < 40; i++) {
		struct db_token t;
		int64_t id;

		snprintf(label, sizeof(label), "p%d-%d", which, i);
		snprintf(serial, sizeof(serial), "s%d-%d", which, i);
		make_token(&t, label, serial);
		if (db_begin(db) != DB_OK || db_token_insert(db, &t, &id) ||
		    db_commit(db) != DB_OK)
			_exit(11);
		db_token_clear(&t);
	}
	db_close(db);
	_exit(0);
}

static void two_writers_both_succeed(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	struct db_token *list = NULL;
	size_t count = 0;
	pid_t pids[2];
	int status;

	assert_int_equal(db_open(f->path, true, &db), DB_OK);
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0)
			writer_child(f->path, i);
	}
	for (int i = 0; i < 2; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(db_token_list(db, &list, &count), DB_OK);
	assert_int_equal(count, 80);
	db_tokens_free(list, count);
	db_close(db);
}

/* Runs as an unprivileged user when we are root, so permissions bite. */
static int read_only_child(const char *path, const char *dir)
{
	struct db *db = NULL;
	struct db_token *list = NULL;
	size_t count = 0;
	int64_t id;
	struct db_token t;
	struct stat st;
	char wal[160];
	int result = 0;

	if (getuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
		return 20;
	if (db_open(path, false, &db) != DB_OK)
		return 21;
	if (!db_read_only(db))
		return 22;
	if (db_token_list(db, &list, &count) != DB_OK || count != 1)
		return 23;
	db_tokens_free(list, count);
	make_token(&t, "nope", "nope");
	if (db_token_insert(db, &t, &id) != DB_READ_ONLY)
		result = 24;
	db_token_clear(&t);
	snprintf(wal, sizeof(wal), "%s-shm", path);
	if (stat(wal, &st) == 0)
		result = 25;
	db_close(db);
	(void)dir;
	return result;
}

static void read_only_store_still_lists(void **state)
{
	struct fixture *f = *state;
	struct db *db = NULL;
	char sub[96];
	pid_t pid;
	int status;

	assert_int_equal(db_open(f->path, true, &db), DB_OK);
	add_token(db, "ro", "r1");
	db_close(db);
	snprintf(sub, sizeof(sub), "%s/sub", f->dir);
	assert_int_equal(chmod(f->dir, 0755), 0);
	assert_int_equal(chmod(f->path, 0444), 0);
	assert_int_equal(chmod(sub, 0555), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(read_only_child(f->path, sub));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chmod(sub, 0700), 0);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(create_sets_mode_and_version,
						setup, teardown),
		cmocka_unit_test_setup_teardown(tokens_crud, setup, teardown),
		cmocka_unit_test_setup_teardown(objects_crud_and_cascade, setup,
						teardown),
		cmocka_unit_test_setup_teardown(migrates_from_version_1, setup,
						teardown),
		cmocka_unit_test_setup_teardown(refuses_newer_and_foreign_files,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			sees_commits_of_other_connections, setup, teardown),
		cmocka_unit_test_setup_teardown(two_writers_both_succeed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(read_only_store_still_lists,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
