/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/keyfile.h"
#include "common/pubkey.h"
#include "common/x509.h"

/*
 * Bringing keys and certificates made elsewhere onto a token: key import
 * (through C_CreateObject's import into the TPM) and cert add.
 */

#define MAX_CERT (64 * 1024)

static CK_BBOOL yes = CK_TRUE;

/* The default CKA_ID: SHA-1 of the modulus or of the EC point. */
static bool default_id(const struct keyfile *key, uint8_t *id, size_t *len)
{
	const struct secbuf *pub = key->rsa ? key->part[KEYFILE_N] :
					      key->part[KEYFILE_EC_POINT];

	return crypto_digest_once(CRYPTO_SHA1, pub->data, pub->len, id, len);
}

/* CKA_EC_PARAMS as a DER PrintableString of the curve's name. */
static size_t curve_params(const char *curve, uint8_t *out)
{
	size_t len = strlen(curve);

	out[0] = 0x13;
	out[1] = (uint8_t)len;
	memcpy(out + 2, curve, len);
	return 2 + len;
}

static CK_RV import_key(struct tc_session *session, const struct keyfile *key,
			const char *label, const uint8_t *id, size_t id_len)
{
	CK_OBJECT_CLASS priv_cls = CKO_PRIVATE_KEY, pub_cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE type = key->rsa ? CKK_RSA : CKK_EC;
	uint8_t params[16];
	size_t params_len = key->rsa ? 0 : curve_params(key->curve, params);
	CK_ATTRIBUTE t[16];
	CK_ULONG n = 0, common;
	int64_t priv_id = 0, pub_id = 0;
	CK_RV rv;

	t[n++] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &type, sizeof(type) };
	t[n++] = (CK_ATTRIBUTE){ CKA_TOKEN, &yes, sizeof(yes) };
	t[n++] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)label, strlen(label) };
	t[n++] = (CK_ATTRIBUTE){ CKA_ID, (void *)id, id_len };
	common = n;
	t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &priv_cls, sizeof(priv_cls) };
	if (key->rsa) {
		static const CK_ATTRIBUTE_TYPE parts[] = {
			CKA_MODULUS,	  CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT,
			CKA_PRIME_1,	  CKA_PRIME_2,	       CKA_EXPONENT_1,
			CKA_EXPONENT_2, CKA_COEFFICIENT,
		};

		for (size_t i = 0; i < 8; i++)
			t[n++] = (CK_ATTRIBUTE){ parts[i], key->part[i]->data,
						 key->part[i]->len };
	} else {
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params, params_len };
		t[n++] = (CK_ATTRIBUTE){ CKA_VALUE,
					 key->part[KEYFILE_EC_D]->data,
					 key->part[KEYFILE_EC_D]->len };
	}
	rv = token_object_create(session, t, n, &priv_id);
	if (rv != CKR_OK)
		return rv;
	/* The public half: the same first attributes, public parts. */
	n = common;
	t[n++] = (CK_ATTRIBUTE){ CKA_CLASS, &pub_cls, sizeof(pub_cls) };
	if (key->rsa) {
		t[n++] = (CK_ATTRIBUTE){ CKA_MODULUS, key->part[KEYFILE_N]->data,
					 key->part[KEYFILE_N]->len };
		t[n++] = (CK_ATTRIBUTE){ CKA_PUBLIC_EXPONENT,
					 key->part[KEYFILE_E]->data,
					 key->part[KEYFILE_E]->len };
	} else {
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, params, params_len };
		t[n++] = (CK_ATTRIBUTE){ CKA_EC_POINT,
					 key->part[KEYFILE_EC_POINT]->data,
					 key->part[KEYFILE_EC_POINT]->len };
	}
	rv = token_object_create(session, t, n, &pub_id);
	if (rv != CKR_OK)
		token_object_destroy(session, priv_id); /* whole or nothing */
	return rv;
}

/* Whether any object of the token has this label. */
static CK_RV label_taken(struct tc_session *session, const char *label,
			 bool *taken)
{
	CK_ATTRIBUTE t = { CKA_LABEL, (void *)label, strlen(label) };
	int64_t id;
	size_t found = 0;
	CK_RV rv = token_find_init(session, &t, 1);

	if (rv == CKR_OK)
		rv = token_find_next(session, &id, 1, &found);
	token_find_final(session);
	*taken = found > 0;
	return rv;
}

static int import_with(const struct object_opts *o, struct keyfile *key)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	uint8_t id[64];
	size_t id_len = 0;
	bool taken = false;
	CK_RV rv;
	int rc;

	if (o->id_hex != NULL ? !cli_parse_hex(o->id_hex, id, sizeof(id),
					       &id_len) :
				!default_id(key, id, &id_len))
		return cli_fail("--id: 1 to 64 bytes in hex");
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc != EXIT_OK)
		return rc;
	rv = label_taken(session, o->label, &taken);
	if (rv != CKR_OK || taken) {
		cli_close_token(mod, session);
		return rv != CKR_OK ? cli_fail_rv("cannot read the token", rv) :
				      cli_fail("an object labelled '%s' "
					       "already exists", o->label);
	}
	rc = cli_login_user(o, mod, session);
	if (rc != EXIT_OK)
		return rc;
	rv = import_key(session, key, o->label, id, id_len);
	cli_close_token(mod, session);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot import the key", rv);
	printf("key '%s' imported into the TPM\n", o->label);
	return EXIT_OK;
}

int cmd_key_import(int argc, char **argv)
{
	struct object_opts o;
	struct keyfile key;
	const char *why = NULL;
	int rc = cli_object_opts("key", argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (o.label == NULL || o.file == NULL)
		return cli_usage_error("key", "key import needs --label and a "
					      "key file");
	if (!keyfile_load(o.file, getenv("TPMCARD_KEY_PASSPHRASE"), &key,
			  &why))
		return cli_fail("%s: %s", o.file, why);
	rc = import_with(&o, &key);
	keyfile_clear(&key);
	return rc;
}

/* A certificate file (PEM or DER) as DER bytes; NULL when not one. */
static uint8_t *cert_der(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = malloc(MAX_CERT), *der = NULL;
	size_t n = 0;

	if (f != NULL && buf != NULL)
		n = fread(buf, 1, MAX_CERT, f);
	if (f != NULL)
		fclose(f);
	if (n > 0 && n < MAX_CERT)
		der = x509_to_der(buf, n, len);
	free(buf);
	return der;
}

/* The CKA_ID of the token's key whose public key is the certificate's. */
static CK_RV matching_key_id(struct tc_session *session, const uint8_t *spki,
			     size_t spki_len, uint8_t *id, size_t *id_len)
{
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE t[2] = { { CKA_CLASS, &cls, sizeof(cls) },
			      { CKA_PUBLIC_KEY_INFO, (void *)spki, spki_len } };
	CK_ATTRIBUTE get = { CKA_ID, id, 64 };
	int64_t key = 0;
	size_t found = 0;
	CK_RV rv = token_find_init(session, t, 2);

	if (rv == CKR_OK)
		rv = token_find_next(session, &key, 1, &found);
	token_find_final(session);
	if (rv == CKR_OK && found == 0)
		return CKR_OBJECT_HANDLE_INVALID;
	if (rv == CKR_OK)
		rv = token_object_get_attrs(session, key, &get, 1);
	*id_len = get.ulValueLen;
	return rv;
}

static int add_cert(const struct object_opts *o, const uint8_t *der,
		    size_t der_len, const uint8_t *spki, size_t spki_len)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	uint8_t id[64];
	size_t id_len = 0;
	int64_t handle = 0;
	CK_RV rv = CKR_OK;
	int rc;

	if (o->id_hex != NULL &&
	    !cli_parse_hex(o->id_hex, id, sizeof(id), &id_len))
		return cli_fail("--id: 1 to 64 bytes in hex");
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc != EXIT_OK)
		return rc;
	if (o->id_hex == NULL)
		rv = matching_key_id(session, spki, spki_len, id, &id_len);
	if (rv == CKR_OBJECT_HANDLE_INVALID) {
		cli_close_token(mod, session);
		return cli_fail("no key of the token matches the certificate: "
				"give --id");
	}
	if (rv == CKR_OK) {
		CK_ATTRIBUTE t[] = {
			{ CKA_CLASS, &cls, sizeof(cls) },
			{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) },
			{ CKA_TOKEN, &yes, sizeof(yes) },
			{ CKA_LABEL, (void *)o->label, strlen(o->label) },
			{ CKA_ID, id, id_len },
			{ CKA_VALUE, (void *)der, der_len },
		};

		rv = token_object_create(session, t, 6, &handle);
	}
	cli_close_token(mod, session);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot add the certificate", rv);
	printf("certificate '%s' added\n", o->label);
	return EXIT_OK;
}

int cmd_cert(int argc, char **argv)
{
	struct object_opts o;
	uint8_t *der, *spki = NULL;
	size_t der_len = 0, spki_len = 0;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(object_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "add") != 0)
		return cli_usage_error("cert", "expected 'cert add'");
	rc = cli_object_opts("cert", argc - 1, argv + 1, &o);
	if (rc >= 0)
		return rc;
	if (o.label == NULL || o.file == NULL)
		return cli_usage_error("cert", "cert add needs --label and a "
					       "certificate file");
	der = cert_der(o.file, &der_len);
	if (der == NULL || !x509_spki(der, der_len, &spki, &spki_len)) {
		free(der);
		return cli_fail("%s: not an X.509 certificate", o.file);
	}
	rc = add_cert(&o, der, der_len, spki, spki_len);
	free(der);
	free(spki);
	return rc;
}
