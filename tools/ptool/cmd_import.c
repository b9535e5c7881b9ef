/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/keyfile.h"

/*
 * key import: a private key made elsewhere goes into the TPM through
 * C_CreateObject's import, with its public key object beside it, as a
 * generated pair would be.  The key's secret numbers exist in this
 * process only in secbufs, each wiped once the token has taken it.
 */

static const char import_usage[] =
	"usage: tpmcard key import --token T --label L [--id HEX]"
	" [--user-pin-file F] FILE\n"
	"\n"
	"Imports an RSA (2048, 3072, 4096 bits) or EC (P-256, P-384, P-521)\n"
	"private key into the TPM, with its public key object under the same\n"
	"label and id.  FILE is PEM or DER, PKCS#8 or traditional (PKCS#1,\n"
	"SEC1).  An encrypted file's passphrase comes from\n"
	"TPMCARD_KEY_PASSPHRASE, else the terminal.  The id defaults to the\n"
	"SHA-1 of the modulus (RSA) or of the uncompressed point (EC), as for\n"
	"keys the token generates.  The label must be new on the token.  The\n"
	"user PIN comes from the file, else TPMCARD_USER_PIN, else the\n"
	"terminal.\n";

#define MAX_KEY_FILE (64 * 1024)

static const CK_BBOOL yes = CK_TRUE;

struct passphrase_ctx {
	const char *path;
};

static struct secbuf *ask_passphrase(void *arg)
{
	const struct passphrase_ctx *ctx = arg;
	char what[256];

	snprintf(what, sizeof(what), "passphrase of %s", ctx->path);
	return cli_secret_read(what, "TPMCARD_KEY_PASSPHRASE");
}

/* The key from the file, or a one-line refusal. */
static int load_key(const char *path, struct keyfile_key *key)
{
	struct passphrase_ctx ctx = { path };
	struct secbuf *data;
	enum keyfile_rc rc;

	memset(key, 0, sizeof(*key));
	data = cli_file_read(path, MAX_KEY_FILE);
	if (data == NULL)
		return EXIT_FAIL;
	rc = keyfile_key_load(data->data, data->len, ask_passphrase, &ctx,
			      key);
	secbuf_free(data);
	switch (rc) {
	case KEYFILE_OK:
		return EXIT_OK;
	case KEYFILE_MALFORMED:
		return cli_fail("%s: not a private key (PEM or DER)", path);
	case KEYFILE_UNSUPPORTED:
		return cli_fail("%s: cannot import a key of type %s (RSA, or "
				"EC on P-256, P-384, P-521)", path,
				key->type_name);
	case KEYFILE_NO_PASSPHRASE:
		return cli_fail("%s is encrypted: give its passphrase in "
				"TPMCARD_KEY_PASSPHRASE or on the terminal",
				path);
	default:
		return cli_fail("%s: %s", path, keyfile_rc_text(rc));
	}
}

/* Sizes the token takes: refused here, before a PIN is spent. */
static int check_size(const char *path, const struct keyfile_key *key)
{
	if (key->kind != KEYFILE_RSA || key->bits == 2048 ||
	    key->bits == 3072 || key->bits == 4096)
		return EXIT_OK;
	return cli_fail("%s: cannot import an RSA-%u key (2048, 3072 or "
			"4096 bits)", path, key->bits);
}

/* SHA-1 of the public value, as the token names generated keys. */
static bool default_id(const struct keyfile_key *key, uint8_t *id,
		       size_t *len)
{
	uint8_t digest[CRYPTO_MAX_DIGEST];
	bool ok = key->kind == KEYFILE_RSA ?
			  crypto_digest_once(CRYPTO_SHA1, key->modulus,
					     key->modulus_len, digest, len) :
			  crypto_digest_once(CRYPTO_SHA1, key->point,
					     key->point_len, digest, len);

	if (ok)
		memcpy(id, digest, *len);
	return ok;
}

/* CKA_EC_POINT: the point as a DER OCTET STRING. */
static size_t ec_point_der(const struct keyfile_key *key, uint8_t *out)
{
	size_t pos = 0;

	out[pos++] = 0x04;
	if (key->point_len >= 0x80)
		out[pos++] = 0x81;
	out[pos++] = (uint8_t)key->point_len;
	memcpy(out + pos, key->point, key->point_len);
	return pos + key->point_len;
}

/* The attributes both halves share: key type, token, label, id. */
static CK_ULONG common_attrs(CK_ATTRIBUTE *t, const CK_KEY_TYPE *type,
			     const char *label, const uint8_t *id,
			     size_t id_len)
{
	t[0] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, (void *)type, sizeof(*type) };
	t[1] = (CK_ATTRIBUTE){ CKA_TOKEN, (void *)&yes, sizeof(yes) };
	t[2] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	t[3] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	return 4;
}

static CK_RV create_private(struct tc_session *session,
			    struct keyfile_key *key, const char *label,
			    const uint8_t *id, size_t id_len, int64_t *handle)
{
	static const CK_ATTRIBUTE_TYPE rsa_types[KEYFILE_SECRET_COUNT] = {
		[KEYFILE_D] = CKA_PRIVATE_EXPONENT,
		[KEYFILE_P] = CKA_PRIME_1,
		[KEYFILE_Q] = CKA_PRIME_2,
		[KEYFILE_DP] = CKA_EXPONENT_1,
		[KEYFILE_DQ] = CKA_EXPONENT_2,
		[KEYFILE_QINV] = CKA_COEFFICIENT,
	};
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE type = key->kind == KEYFILE_RSA ? CKK_RSA : CKK_EC;
	CK_ATTRIBUTE t[16];
	CK_ULONG n = common_attrs(t, &type, label, id, id_len);
	CK_RV rv;

	t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (key->kind == KEYFILE_RSA) {
		t[n++] = (CK_ATTRIBUTE){ CKA_MODULUS, key->modulus,
					 key->modulus_len };
		t[n++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, key->exponent,
					 key->exponent_len };
		for (size_t i = 0; i < KEYFILE_SECRET_COUNT; i++)
			t[n++] = (CK_ATTRIBUTE){ rsa_types[i],
						 key->secret[i]->data,
						 key->secret[i]->len };
	} else {
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)key->ec_params,
					 key->ec_params_len };
		t[n++] = (CK_ATTRIBUTE){ CKA_VALUE,
					 key->secret[KEYFILE_D]->data,
					 key->secret[KEYFILE_D]->len };
	}
	rv = token_object_create(session, t, n, handle);
	/* In the TPM now, or refused: either way no longer needed here. */
	for (size_t i = 0; i < KEYFILE_SECRET_COUNT; i++)
		keyfile_key_drop_secret(key, (enum keyfile_secret)i);
	return rv;
}

static CK_RV create_public(struct tc_session *session,
			   const struct keyfile_key *key, const char *label,
			   const uint8_t *id, size_t id_len)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = key->kind == KEYFILE_RSA ? CKK_RSA : CKK_EC;
	uint8_t point[3 + KEYFILE_EC_POINT_MAX];
	CK_ATTRIBUTE t[8];
	CK_ULONG n = common_attrs(t, &type, label, id, id_len);
	int64_t handle = 0;

	t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	if (key->kind == KEYFILE_RSA) {
		t[n++] = (CK_ATTRIBUTE){ CKA_MODULUS, key->modulus,
					 key->modulus_len };
		t[n++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT, key->exponent,
					 key->exponent_len };
	} else {
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, (void *)key->ec_params,
					 key->ec_params_len };
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_POINT, point,
					 ec_point_der(key, point) };
	}
	return token_object_create(session, t, n, &handle);
}

/* Both halves, or neither: a failed public half takes the private back. */
static CK_RV import_pair(struct tc_session *session, struct keyfile_key *key,
			 const char *label, const uint8_t *id, size_t id_len)
{
	int64_t priv = 0;
	CK_RV rv = create_private(session, key, label, id, id_len, &priv);

	if (rv != CKR_OK)
		return rv;
	rv = create_public(session, key, label, id, id_len);
	if (rv != CKR_OK)
		token_object_destroy(session, priv);
	return rv;
}

/* Refuses a label in use among the objects the session sees. */
static int check_label(struct tc_session *session, const char *label)
{
	bool taken = false;
	CK_RV rv = cli_label_taken(session, label, &taken);

	if (rv != CKR_OK)
		return cli_fail_rv("cannot read the token", rv);
	if (taken)
		return cli_fail("an object labelled '%s' already exists",
				label);
	return EXIT_OK;
}

static int import_failed(const struct keyfile_key *key, CK_RV rv)
{
	if (rv == CKR_CURVE_NOT_SUPPORTED)
		return cli_fail("this TPM does not support %s keys",
				key->curve);
	if (rv == CKR_KEY_SIZE_RANGE)
		return cli_fail("this TPM does not support RSA-%u keys",
				key->bits);
	if (rv == CKR_ATTRIBUTE_VALUE_INVALID)
		return cli_fail("the TPM refused the key: its parts do not "
				"make one valid key");
	return cli_fail_rv("cannot import the key", rv);
}

static int import_into(const struct object_opts *o, struct keyfile_key *key,
		       const uint8_t *id, size_t id_len)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	CK_RV rv;
	/* Public halves show before login: a taken label costs no PIN. */
	int rc = cli_open_token(o->token, true, &mod, &session);

	if (rc == EXIT_OK)
		rc = check_label(session, o->label);
	if (rc == EXIT_OK)
		rc = cli_login(session, o->pin_file);
	if (rc == EXIT_OK)
		rc = check_label(session, o->label);
	if (rc == EXIT_OK) {
		rv = import_pair(session, key, o->label, id, id_len);
		if (rv != CKR_OK)
			rc = import_failed(key, rv);
	}
	cli_close_token(mod, session);
	if (rc == EXIT_OK)
		printf("key '%s' imported into the TPM\n", o->label);
	return rc;
}

int cmd_key_import(int argc, char **argv)
{
	struct object_opts o;
	struct keyfile_key key;
	uint8_t id[CLI_MAX_ID];
	size_t id_len = 0;
	int rc = cli_object_opts("key", import_usage,
				 OPT_LABEL | OPT_ID | OPT_PIN_FILE | OPT_FILE,
				 argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (o.label == NULL || o.file == NULL)
		return cli_usage_error("key", "key import needs --label and "
					      "a key FILE");
	rc = load_key(o.file, &key);
	if (rc == EXIT_OK)
		rc = check_size(o.file, &key);
	if (rc == EXIT_OK && o.has_id) {
		memcpy(id, o.id, o.id_len);
		id_len = o.id_len;
	} else if (rc == EXIT_OK && !default_id(&key, id, &id_len)) {
		rc = cli_fail("cannot hash the public key");
	}
	if (rc == EXIT_OK)
		rc = import_into(&o, &key, id, id_len);
	keyfile_key_clear(&key);
	return rc;
}
