/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keyfile.h"

/*
 * cert add: a certificate becomes a public token object.  Clients (NSS,
 * OpenSSH, OpenSC's tools) pair a certificate with its key by CKA_ID, so
 * by default it takes the id of the token's key that holds its public
 * key.  No PIN is asked: a public object needs only a R/W session, and
 * the public halves of keys show without login.
 */

static const char cert_usage[] =
	"usage: tpmcard cert add --token T --label L [--id HEX] FILE\n"
	"\n"
	"Stores an X.509 certificate on the token as a public object, byte\n"
	"for byte: FILE is DER or PEM (its first CERTIFICATE block).  Without\n"
	"--id it takes the id of the token's key with the same public key (so\n"
	"that clients pair them) and refuses when there is none.  No PIN is\n"
	"needed.  No other certificate of the token may have the label.\n";

#define MAX_CERT_FILE (64 * 1024)
#define MAX_KEYS 64

static const CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* The certificate and its public key, or a one-line refusal. */
static int load_cert(const char *path, uint8_t **der, size_t *der_len,
		     uint8_t **spki, size_t *spki_len)
{
	struct secbuf *data = cli_file_read(path, MAX_CERT_FILE);
	enum keyfile_rc rc;

	*der = *spki = NULL;
	if (data == NULL)
		return EXIT_FAIL;
	rc = keyfile_cert_load(data->data, data->len, der, der_len, spki,
			       spki_len);
	secbuf_free(data);
	if (rc == KEYFILE_MALFORMED)
		return cli_fail("%s: not an X.509 certificate (PEM or DER)",
				path);
	if (rc != KEYFILE_OK)
		return cli_fail("%s: %s", path, keyfile_rc_text(rc));
	return EXIT_OK;
}

/* The CKA_ID of a key; false when it has none or it does not fit. */
static bool id_of(struct tc_session *session, int64_t key, uint8_t *id,
		  size_t *len)
{
	CK_ATTRIBUTE t = { CKA_ID, id, CLI_MAX_ID };

	if (token_object_get_attrs(session, key, &t, 1) != CKR_OK ||
	    t.ulValueLen == 0 || t.ulValueLen > CLI_MAX_ID)
		return false;
	*len = t.ulValueLen;
	return true;
}

/*
 * The id of the keys holding the certificate's public key (both halves
 * of a pair have it, and a private one shows only after login; they must
 * agree).  A one-line refusal when none or several ids match.
 */
static int matching_id(struct tc_session *session, const uint8_t *spki,
		       size_t spki_len, uint8_t *id, size_t *id_len)
{
	CK_ATTRIBUTE t = { CKA_PUBLIC_KEY_INFO, (void *)spki, spki_len };
	uint8_t other[CLI_MAX_ID];
	size_t found = 0, other_len = 0;
	int64_t keys[MAX_KEYS];
	CK_RV rv = cli_find(session, &t, 1, keys, MAX_KEYS, &found);

	if (rv != CKR_OK)
		return cli_fail_rv("cannot read the token", rv);
	if (found == 0)
		return cli_fail("no key of the token has the certificate's "
				"public key: give --id");
	if (!id_of(session, keys[0], id, id_len))
		return cli_fail("the matching key has no usable id: give --id");
	for (size_t i = 1; i < found; i++)
		if (!id_of(session, keys[i], other, &other_len) ||
		    other_len != *id_len || memcmp(other, id, *id_len) != 0)
			return cli_fail("keys with different ids hold the "
					"certificate's public key: give --id");
	return EXIT_OK;
}

/* Refuses a label another certificate of the token has. */
static int check_label(struct tc_session *session, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_LABEL, (void *)label, strlen(label) } };
	int64_t handle;
	size_t found = 0;
	CK_RV rv = cli_find(session, t, 2, &handle, 1, &found);

	if (rv != CKR_OK)
		return cli_fail_rv("cannot read the token", rv);
	if (found > 0)
		return cli_fail("a certificate labelled '%s' already exists",
				label);
	return EXIT_OK;
}

static CK_RV create_cert(struct tc_session *session, const char *label,
			 const uint8_t *id, size_t id_len, const uint8_t *der,
			 size_t der_len)
{
	CK_OBJECT_CLASS cls = CKO_CERTIFICATE;
	CK_CERTIFICATE_TYPE type = CKC_X_509;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_CERTIFICATE_TYPE, &type, sizeof(type) },
		{ CKA_TOKEN, (void *)&yes, sizeof(yes) },
		{ CKA_PRIVATE, (void *)&no, sizeof(no) },
		{ CKA_LABEL, (void *)label, strlen(label) },
		{ CKA_ID, (void *)id, id_len },
		{ CKA_VALUE, (void *)der, der_len },
	};
	int64_t handle = 0;

	return token_object_create(session, t, sizeof(t) / sizeof(t[0]),
				   &handle);
}

static int add_cert(const struct object_opts *o, const uint8_t *der,
		    size_t der_len, const uint8_t *spki, size_t spki_len)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	uint8_t id[CLI_MAX_ID];
	size_t id_len = o->id_len;
	CK_RV rv;
	int rc = cli_open_token(o->token, true, &mod, &session);

	if (rc == EXIT_OK)
		rc = check_label(session, o->label);
	if (rc == EXIT_OK && o->has_id)
		memcpy(id, o->id, o->id_len);
	else if (rc == EXIT_OK)
		rc = matching_id(session, spki, spki_len, id, &id_len);
	if (rc == EXIT_OK) {
		rv = create_cert(session, o->label, id, id_len, der, der_len);
		if (rv != CKR_OK)
			rc = cli_fail_rv("cannot add the certificate", rv);
	}
	cli_close_token(mod, session);
	if (rc == EXIT_OK)
		printf("certificate '%s' added\n", o->label);
	return rc;
}

int cmd_cert(int argc, char **argv)
{
	struct object_opts o;
	uint8_t *der = NULL, *spki = NULL;
	size_t der_len = 0, spki_len = 0;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(cert_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "add") != 0)
		return cli_usage_error("cert", "expected 'cert add'");
	rc = cli_object_opts("cert", cert_usage, OPT_LABEL | OPT_ID | OPT_FILE,
			     argc - 1, argv + 1, &o);
	if (rc >= 0)
		return rc;
	if (o.label == NULL || o.file == NULL)
		return cli_usage_error("cert", "cert add needs --label and a "
					       "certificate FILE");
	rc = load_cert(o.file, &der, &der_len, &spki, &spki_len);
	if (rc == EXIT_OK)
		rc = add_cert(&o, der, der_len, spki, spki_len);
	free(der);
	free(spki);
	return rc;
}
