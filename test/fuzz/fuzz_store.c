/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A malicious or damaged store file, through the module.  fuzz_attrs
 * covers the attribute parser alone; this target covers everything the
 * module reads from the store's rows: token labels, serials, PIN
 * lengths, the SRK name, KDF salts and sealed wrap secrets (TPM public
 * and private blobs), the TPM vendor and versions; objects' TPM blobs,
 * wrapped key auth values and attributes (as values the code then
 * uses: key parameters, SPKIs, EC points, mechanism lists...); the
 * schema version.
 *
 * At startup: a token with token objects of every kind (RSA and EC key
 * pairs, AES and HMAC keys, a certificate, a data object), the store
 * copied aside, its NOT NULL and CHECK constraints dropped (a malicious
 * file need not have them).  Per input: the copy back, up to MAX_EDITS
 * edits decoded from the input applied with SQLite, then C_Initialize,
 * slot and token info, a session per token, public objects, C_Login,
 * every object's attributes, an operation with every object as the key
 * (the input's first byte chooses which), C_Finalize.  Every result must
 * be a PKCS#11 return value; nothing may crash, overflow or leak.
 *
 * Input: CONFIG, then edits: KIND ... (see apply_edit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "common/attrs.h"
#include "fuzz_input.h"
#include "fuzz_p11.h"
#include "fuzz_tmpl.h"
#include "fuzz_vectors.h"

#define MAX_EDITS 8
#define MAX_OBJECTS 64
#define MAX_ROWS 32

static const char *const token_columns[] = {
	"label", "serial", "min_pin_len", "srk_name", "user_salt",
	"user_pub", "user_priv", "so_salt", "so_pub", "so_priv",
	"tpm_vendor", "tpm_firmware", "tpm_revision", "id",
};
static const char *const object_columns[] = {
	"tpm_pub", "tpm_priv", "auth", "attrs", "token_id", "id",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static int64_t rows[MAX_ROWS];
static size_t row_count;
static unsigned long inits, logins, runs, key_ops;

/* CONFIG bits: which operations run with every object as the key. */
enum {
	RUN_SIGN = 1 << 0,
	RUN_VERIFY = 1 << 1,
	RUN_ENCRYPT = 1 << 2,
	RUN_DECRYPT = 1 << 3,
	RUN_DERIVE = 1 << 4,
	RUN_COPY = 1 << 5,
	RUN_SET = 1 << 6,
	NO_LOGIN = 1 << 7,
};

static void print_stats(void)
{
	fprintf(stderr, "fuzz_store: %lu inputs, %lu initialized, %lu "
		"logged in, %lu key operations done\n", runs, inits, logins,
		key_ops);
}

static void generate(CK_MECHANISM_TYPE type, CK_ATTRIBUTE *pub, CK_ULONG n)
{
	static const CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE priv = { CKA_TOKEN, (void *)&yes, sizeof(yes) };
	CK_MECHANISM mech = { type, NULL, 0 };
	CK_OBJECT_HANDLE a, b;
	CK_RV rv;

	if (type == CKM_AES_KEY_GEN || type == CKM_GENERIC_SECRET_KEY_GEN)
		rv = fuzz_env.p11->C_GenerateKey(fuzz_env.login, &mech, pub, n,
						 &a);
	else
		rv = fuzz_env.p11->C_GenerateKeyPair(fuzz_env.login, &mech, pub,
						     n, &priv, 1, &a, &b);
	if (rv != CKR_OK)
		fuzz_fail("generating a token key: 0x%lx", rv);
}

static void create(CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE h;

	if (fuzz_env.p11->C_CreateObject(fuzz_env.login, t, n, &h) != CKR_OK)
		fuzz_fail("creating a token object");
}

#define A(type, value) { type, (void *)(value), sizeof(*(value)) }
#define B(type, array) { type, (void *)(array), sizeof(array) }

/* Token objects of every kind, as the store then holds them. */
static void populate(void)
{
	static const CK_BBOOL yes = CK_TRUE;
	static const CK_OBJECT_CLASS data = CKO_DATA, cert = CKO_CERTIFICATE;
	static const CK_CERTIFICATE_TYPE x509 = CKC_X_509;
	static const CK_ULONG bits = 2048, len32 = 32;
	CK_ATTRIBUTE rsa[] = { A(CKA_TOKEN, &yes), A(CKA_MODULUS_BITS, &bits) };
	CK_ATTRIBUTE ec[] = { A(CKA_TOKEN, &yes),
			      B(CKA_EC_PARAMS, vec_p256_oid) };
	CK_ATTRIBUTE secret[] = { A(CKA_TOKEN, &yes),
				  A(CKA_VALUE_LEN, &len32) };
	CK_ATTRIBUTE t_cert[] = { A(CKA_TOKEN, &yes), A(CKA_CLASS, &cert),
				  A(CKA_CERTIFICATE_TYPE, &x509),
				  B(CKA_VALUE, vec_cert) };
	CK_ATTRIBUTE t_data[] = { A(CKA_TOKEN, &yes), A(CKA_CLASS, &data),
				  B(CKA_VALUE, vec_date) };

	generate(CKM_RSA_PKCS_KEY_PAIR_GEN, rsa, 2);
	generate(CKM_EC_KEY_PAIR_GEN, ec, 2);
	generate(CKM_AES_KEY_GEN, secret, 2);
	generate(CKM_GENERIC_SECRET_KEY_GEN, secret, 2);
	create(t_cert, 4);
	create(t_data, 3);
}

/* FUZZ_TRACE=1: what each edit does, when reproducing a finding. */
static void trace(const char *what, const char *table, const char *column,
		  int64_t row, size_t len)
{
	static int on = -1;

	if (on < 0)
		on = getenv("FUZZ_TRACE") != NULL;
	if (on)
		fprintf(stderr, "fuzz_store: %s %s.%s row %lld (%zu bytes)\n",
			what, table, column, (long long)row, len);
}

static sqlite3 *store_open(void)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(fuzz_env.store, &db, SQLITE_OPEN_READWRITE,
			    NULL) != SQLITE_OK)
		fuzz_fail("sqlite3_open %s: %s", fuzz_env.store,
			  db ? sqlite3_errmsg(db) : "?");
	return db;
}

static void store_exec(sqlite3 *db, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
		fuzz_fail("%s: %s", sql, err ? err : "?");
}

/*
 * The store's tables without their NOT NULL and CHECK constraints: the
 * module must not rely on what a file from elsewhere need not have.
 */
static void drop_constraints(sqlite3 *db)
{
	store_exec(db, "PRAGMA writable_schema = ON;"
		       "UPDATE sqlite_master SET sql = replace(replace(sql,"
		       " ' NOT NULL', ''), 'CHECK (min_pin_len BETWEEN 1 AND"
		       " 128)', '') WHERE name IN ('tokens', 'objects');"
		       "PRAGMA writable_schema = OFF;");
}

static void list_rows(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT id FROM objects ORDER BY id;", -1,
			       &st, NULL) != SQLITE_OK)
		fuzz_fail("listing objects: %s", sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW && row_count < MAX_ROWS)
		rows[row_count++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (row_count == 0)
		fuzz_fail("the store has no objects");
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	sqlite3 *db;

	(void)argc;
	(void)argv;
	fuzz_env_setup("store");
	fuzz_env_create_token();
	fuzz_env_open();
	populate();
	fuzz_env_close();
	db = store_open();
	drop_constraints(db);
	list_rows(db);
	sqlite3_close(db);
	fuzz_env_save_store();
	if (getenv("FUZZ_STATS") != NULL)
		atexit(print_stats);
	return 0;
}

/*
 * A value of any SQLite type: TYPE (mod 5: blob, text, integer, NULL,
 * real) then its bytes (1-byte length for blob and text; text may hold
 * NUL bytes).
 */
static void bind_value(sqlite3_stmt *st, int index, struct fuzz_in *in)
{
	const uint8_t *p;
	uint64_t v;
	double d;
	size_t n;

	switch (fuzz_u8(in) % 5) {
	case 0:
		n = fuzz_take(in, fuzz_u8(in), &p);
		sqlite3_bind_blob(st, index, p, (int)n, SQLITE_TRANSIENT);
		break;
	case 1:
		n = fuzz_take(in, fuzz_u8(in), &p);
		sqlite3_bind_text(st, index, (const char *)p, (int)n,
				  SQLITE_TRANSIENT);
		break;
	case 2:
		sqlite3_bind_int64(st, index, (int64_t)fuzz_uint(in, 8));
		break;
	case 3:
		sqlite3_bind_null(st, index);
		break;
	default:
		v = fuzz_uint(in, 8);
		memcpy(&d, &v, sizeof(d));
		sqlite3_bind_double(st, index, d);
		break;
	}
}

/* Runs one statement with ?1 bound from the input and ?2 the row id;
 * a statement SQLite refuses (a UNIQUE label, say) is no finding. */
static void run_statement(sqlite3 *db, const char *sql, struct fuzz_in *in,
			  int64_t row)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fuzz_fail("%s: %s", sql, sqlite3_errmsg(db));
	if (in != NULL)
		bind_value(st, 1, in);
	sqlite3_bind_int64(st, 2, row);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

static int64_t pick_row(struct fuzz_in *in)
{
	return rows[fuzz_u8(in) % row_count];
}

static void set_column(sqlite3 *db, const char *table, const char *column,
		       struct fuzz_in *in, int64_t row)
{
	char sql[128];

	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE id = ?2;",
		 table, column);
	trace("set", table, column, row, in->left);
	run_statement(db, sql, in, row);
}

/* A column's current blob (or text) value; NULL when there is none. */
static uint8_t *get_blob(sqlite3 *db, const char *table, const char *column,
			 int64_t row, size_t *len)
{
	char sql[128];
	sqlite3_stmt *st = NULL;
	uint8_t *copy = NULL;

	*len = 0;
	snprintf(sql, sizeof(sql), "SELECT %s FROM %s WHERE id = ?2;", column,
		 table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fuzz_fail("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 2, row);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(st, 0);

		*len = (size_t)sqlite3_column_bytes(st, 0);
		copy = malloc(*len + 1);
		if (copy != NULL && *len > 0)
			memcpy(copy, p, *len);
	}
	sqlite3_finalize(st);
	return copy;
}

static void put_blob(sqlite3 *db, const char *table, const char *column,
		     int64_t row, const uint8_t *data, size_t len)
{
	char sql[128];
	sqlite3_stmt *st = NULL;

	snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ?1 WHERE id = ?2;",
		 table, column);
	trace("rewrite", table, column, row, len);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fuzz_fail("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_bind_blob(st, 1, data, (int)len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, row);
	sqlite3_step(st);
	sqlite3_finalize(st);
}

/* TARGET: a token column or an object column, with its row. */
static void pick_column(struct fuzz_in *in, const char **table,
			const char **column, int64_t *row)
{
	uint8_t b = fuzz_u8(in);

	if (b & 0x80) {
		*table = "tokens";
		*column = token_columns[(b & 0x7f) % (COUNT(token_columns) - 1)];
		*row = 1 + fuzz_u8(in) % 2;
	} else {
		*table = "objects";
		*column = object_columns[b % (COUNT(object_columns) - 1)];
		*row = pick_row(in);
	}
}

/* A few bytes of a blob changed in place (OFFSET u16, COUNT, bytes). */
static void patch_blob(sqlite3 *db, struct fuzz_in *in)
{
	const char *table, *column;
	int64_t row;
	size_t len, off, n;
	uint8_t *blob;
	const uint8_t *p;

	pick_column(in, &table, &column, &row);
	blob = get_blob(db, table, column, row, &len);
	off = (size_t)fuzz_uint(in, 2);
	n = fuzz_take(in, fuzz_u8(in) % 9, &p);
	if (blob != NULL && len > 0) {
		for (size_t i = 0; i < n; i++)
			blob[(off + i) % len] = p[i];
		put_blob(db, table, column, row, blob, len);
	}
	free(blob);
}

/* A blob cut to a shorter length (u16, modulo its length). */
static void truncate_blob(sqlite3 *db, struct fuzz_in *in)
{
	const char *table, *column;
	int64_t row;
	size_t len, keep;
	uint8_t *blob;

	pick_column(in, &table, &column, &row);
	blob = get_blob(db, table, column, row, &len);
	keep = (size_t)fuzz_uint(in, 2);
	if (blob != NULL && len > 0)
		put_blob(db, table, column, row, blob, keep % len);
	free(blob);
}

/*
 * One attribute of an object set (TYPE SHAPE VALUE, as in a template)
 * or, with the high bit of OP, removed: attributes that parse, with
 * values the module then has to live with.
 */
static void edit_attribute(sqlite3 *db, struct fuzz_in *in)
{
	int64_t row = pick_row(in);
	bool remove = fuzz_u8(in) & 0x80;
	struct attr_list list = { 0 };
	struct fuzz_tmpl one;
	uint8_t *blob, *out = NULL;
	size_t len, out_len = 0;
	CK_ATTRIBUTE *a;

	fuzz_tmpl_decode(in, 1, &one);
	blob = get_blob(db, "objects", "attrs", row, &len);
	if (one.count == 1 && blob != NULL && attrs_parse(blob, len, &list)) {
		a = &one.a[0];
		if (remove)
			attrs_remove(&list, a->type);
		else
			attrs_set(&list, a->type, a->pValue,
				  a->pValue ? a->ulValueLen : 0);
		if (attrs_serialize(&list, &out, &out_len))
			put_blob(db, "objects", "attrs", row, out, out_len);
	}
	free(out);
	attrs_clear(&list);
	free(blob);
	fuzz_tmpl_free(&one);
}

/*
 * KIND (mod 9): 0 a token column, 1 an object column (a value of any
 * type), 2 bytes of a blob patched, 3 a blob truncated, 4 an attribute
 * set or removed, 5 an object row copied, 6 an object row deleted,
 * 7 the schema version, 8 a second token with the first one's seals.
 */
static void apply_edit(sqlite3 *db, struct fuzz_in *in)
{
	const char *table, *column;
	int64_t row;
	uint8_t kind = fuzz_u8(in) % 9;

	if (kind >= 5)
		trace("statement", "kind", kind == 5 ? "copy" : kind == 6 ?
			      "delete" : kind == 7 ? "version" : "token",
		      0, 0);
	switch (kind) {
	case 0:
	case 1:
		pick_column(in, &table, &column, &row);
		set_column(db, table, column, in, row);
		break;
	case 2:
		patch_blob(db, in);
		break;
	case 3:
		truncate_blob(db, in);
		break;
	case 4:
		edit_attribute(db, in);
		break;
	case 5:
		run_statement(db, "INSERT INTO objects (token_id, tpm_pub,"
			      " tpm_priv, auth, attrs) SELECT token_id, tpm_pub,"
			      " tpm_priv, auth, attrs FROM objects WHERE id = ?2;",
			      NULL, pick_row(in));
		break;
	case 6:
		run_statement(db, "DELETE FROM objects WHERE id = ?2;", NULL,
			      pick_row(in));
		break;
	case 7:
		run_statement(db, "PRAGMA user_version = 0;", NULL, 0);
		if (fuzz_u8(in) & 1)
			store_exec(db, "PRAGMA user_version = 2;");
		break;
	default:
		run_statement(db, "INSERT INTO tokens (label, serial, min_pin_len,"
			      " srk_name, user_salt, user_pub, user_priv,"
			      " so_salt, so_pub, so_priv, tpm_vendor,"
			      " tpm_firmware, tpm_revision) SELECT label || 'x',"
			      " serial || 'x', min_pin_len, srk_name, user_salt,"
			      " user_pub, user_priv, so_salt, so_pub, so_priv,"
			      " tpm_vendor, tpm_firmware, tpm_revision FROM"
			      " tokens WHERE id = ?2;", NULL, 1);
		break;
	}
}

static void damage_store(struct fuzz_in *in)
{
	sqlite3 *db = store_open();

	for (int i = 0; i < MAX_EDITS && in->left > 0; i++)
		apply_edit(db, in);
	sqlite3_close(db);
}

static CK_FUNCTION_LIST *p11(void)
{
	return fuzz_env.p11;
}

/* An attribute's length, then its value in a buffer of that length. */
static void read_attribute(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
			   CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv = fuzz_rv("C_GetAttributeValue",
			   p11()->C_GetAttributeValue(s, h, &a, 1));
	CK_ULONG len = a.ulValueLen;

	if (rv != CKR_OK || len > 1u << 24)
		return;
	a.pValue = malloc(len ? len : 1);
	rv = fuzz_rv("C_GetAttributeValue",
		     p11()->C_GetAttributeValue(s, h, &a, 1));
	if (rv == CKR_BUFFER_TOO_SMALL)
		fuzz_fail("attribute 0x%lx: %lu bytes asked for, then too "
			  "small", type, len);
	free(a.pValue);
}

static size_t find_all(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *found)
{
	CK_ULONG n = 0;

	if (fuzz_rv("C_FindObjectsInit",
		    p11()->C_FindObjectsInit(s, NULL, 0)) != CKR_OK)
		return 0;
	fuzz_rv("C_FindObjects", p11()->C_FindObjects(s, found, MAX_OBJECTS,
						      &n));
	fuzz_rv("C_FindObjectsFinal", p11()->C_FindObjectsFinal(s));
	return n;
}

/* Signs and verifies with h, whatever it is, with a mechanism of each
 * family; the data fits every one of them. */
static void sign_with(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, bool verify)
{
	static const CK_MECHANISM_TYPE types[] = { CKM_SHA256_RSA_PKCS,
						   CKM_ECDSA, CKM_SHA256_HMAC };
	CK_BYTE data[32] = { 1 }, sig[512];

	for (size_t i = 0; i < COUNT(types); i++) {
		CK_MECHANISM m = { types[i], NULL, 0 };
		CK_ULONG len = sizeof(sig);
		CK_RV rv;

		if (verify) {
			rv = fuzz_rv("C_VerifyInit",
				     p11()->C_VerifyInit(s, &m, h));
			if (rv == CKR_OK)
				fuzz_rv("C_Verify",
					p11()->C_Verify(s, data, sizeof(data),
							sig, 64));
			continue;
		}
		rv = fuzz_rv("C_SignInit", p11()->C_SignInit(s, &m, h));
		if (rv == CKR_OK)
			rv = fuzz_rv("C_Sign", p11()->C_Sign(s, data,
							     sizeof(data), sig,
							     &len));
		key_ops += rv == CKR_OK;
	}
}

static void crypt_with(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, bool decrypt)
{
	static const uint8_t iv[16];
	CK_MECHANISM mechs[] = { { CKM_RSA_PKCS, NULL, 0 },
				 { CKM_AES_CBC_PAD, (void *)iv, sizeof(iv) } };
	CK_BYTE in[256] = { 0 }, out[512];

	for (size_t i = 0; i < COUNT(mechs); i++) {
		CK_ULONG len = sizeof(out);
		CK_RV rv;

		if (decrypt) {
			rv = fuzz_rv("C_DecryptInit",
				     p11()->C_DecryptInit(s, &mechs[i], h));
			if (rv == CKR_OK)
				rv = fuzz_rv("C_Decrypt",
					     p11()->C_Decrypt(s, in,
							      i ? 32 : 256, out,
							      &len));
			key_ops += rv == CKR_OK;
			continue;
		}
		rv = fuzz_rv("C_EncryptInit",
			     p11()->C_EncryptInit(s, &mechs[i], h));
		if (rv == CKR_OK)
			rv = fuzz_rv("C_Encrypt", p11()->C_Encrypt(s, in, 16,
								   out, &len));
		key_ops += rv == CKR_OK;
	}
}

static void derive_with(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h)
{
	CK_ECDH1_DERIVE_PARAMS p = { CKD_NULL, 0, NULL,
				     sizeof(vec_p256_point_der),
				     (CK_BYTE *)vec_p256_point_der };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &p, sizeof(p) };
	CK_OBJECT_HANDLE key;

	if (fuzz_rv("C_DeriveKey", p11()->C_DeriveKey(s, &m, h, NULL, 0,
						      &key)) != CKR_OK)
		return;
	key_ops++;
	fuzz_rv("C_DestroyObject", p11()->C_DestroyObject(s, key));
}

static void copy_and_set(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
			 uint8_t config)
{
	static const CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE session = { CKA_TOKEN, (void *)&no, sizeof(no) };
	CK_ATTRIBUTE label = { CKA_LABEL, "relabelled", 10 };
	CK_OBJECT_HANDLE copy;

	if ((config & RUN_COPY) &&
	    fuzz_rv("C_CopyObject", p11()->C_CopyObject(s, h, &session, 1,
							&copy)) == CKR_OK)
		fuzz_rv("C_DestroyObject", p11()->C_DestroyObject(s, copy));
	if (config & RUN_SET)
		fuzz_rv("C_SetAttributeValue",
			p11()->C_SetAttributeValue(s, h, &label, 1));
}

/* Everything the config asks for with one object. */
static void use_object(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h,
		       uint8_t config)
{
	CK_ULONG size;

	for (size_t i = 0; i < fuzz_attr_type_count; i++)
		read_attribute(s, h, fuzz_attr_types[i]);
	fuzz_rv("C_GetObjectSize", p11()->C_GetObjectSize(s, h, &size));
	if (config & RUN_SIGN)
		sign_with(s, h, false);
	if (config & RUN_VERIFY)
		sign_with(s, h, true);
	if (config & RUN_ENCRYPT)
		crypt_with(s, h, false);
	if (config & RUN_DECRYPT)
		crypt_with(s, h, true);
	if (config & RUN_DERIVE)
		derive_with(s, h);
	copy_and_set(s, h, config);
}

static void use_token(CK_SLOT_ID slot, uint8_t config)
{
	CK_OBJECT_HANDLE found[MAX_OBJECTS];
	CK_SESSION_HANDLE s;
	size_t n;
	CK_RV rv = fuzz_rv("C_OpenSession",
			   p11()->C_OpenSession(slot, CKF_SERIAL_SESSION |
							      CKF_RW_SESSION,
						NULL, NULL, &s));

	if (rv != CKR_OK)
		return;
	find_all(s, found);
	if (!(config & NO_LOGIN)) {
		rv = fuzz_rv("C_Login",
			     p11()->C_Login(s, CKU_USER,
					    (CK_UTF8CHAR *)FUZZ_USER_PIN,
					    strlen(FUZZ_USER_PIN)));
		logins += rv == CKR_OK;
	}
	n = find_all(s, found);
	for (size_t i = 0; i < n; i++)
		use_object(s, found[i], config);
	fuzz_rv("C_Logout", p11()->C_Logout(s));
	fuzz_rv("C_CloseSession", p11()->C_CloseSession(s));
}

static void use_module(uint8_t config)
{
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	CK_SLOT_INFO slot;
	CK_TOKEN_INFO token;

	if (fuzz_rv("C_Initialize", p11()->C_Initialize(NULL)) != CKR_OK)
		return;
	inits++;
	if (fuzz_rv("C_GetSlotList", p11()->C_GetSlotList(CK_FALSE, slots,
							  &n)) != CKR_OK)
		n = 0;
	for (CK_ULONG i = 0; i < n; i++) {
		fuzz_rv("C_GetSlotInfo", p11()->C_GetSlotInfo(slots[i], &slot));
		if (fuzz_rv("C_GetTokenInfo",
			    p11()->C_GetTokenInfo(slots[i], &token)) == CKR_OK &&
		    (token.flags & CKF_TOKEN_INITIALIZED))
			use_token(slots[i], config);
	}
	if (p11()->C_Finalize(NULL) != CKR_OK)
		fuzz_fail("C_Finalize failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	uint8_t config = fuzz_u8(&in);

	runs++;
	fuzz_env_restore_store();
	damage_store(&in);
	use_module(config);
	return 0;
}
