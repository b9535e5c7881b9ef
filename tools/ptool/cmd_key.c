/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char key_usage[] =
	"usage: tpmcard key generate --token T --type TYPE --label L [--id HEX]"
	" [--user-pin-file F]\n"
	"       tpmcard key import --token T --label L [--id HEX]"
	" [--user-pin-file F] FILE\n"
	"       tpmcard key list --token T\n"
	"       tpmcard key remove --token T --label L [--user-pin-file F]\n"
	"\n"
	"generate  makes a key pair in the TPM; TYPE is rsa2048, rsa3072,\n"
	"          rsa4096, ecc-p256, ecc-p384 or ecc-p521 (as far as the TPM\n"
	"          supports it).  The user PIN comes from the file, else\n"
	"          TPMCARD_USER_PIN, else the terminal.\n"
	"import    imports an RSA or EC private key from a PEM or DER file\n"
	"          into the TPM (see 'tpmcard key import --help').\n"
	"list      shows the token's keys (no PIN needed).\n"
	"remove    deletes the key pair with that label.\n";

struct key_opts {
	const char *token, *type, *label, *id_hex, *pin_file;
};

static int parse(int argc, char **argv, struct key_opts *o)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "type", required_argument, NULL, 'y' },
		{ "label", required_argument, NULL, 'l' },
		{ "id", required_argument, NULL, 'i' },
		{ "user-pin-file", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o->token = optarg; break;
		case 'y': o->type = optarg; break;
		case 'l': o->label = optarg; break;
		case 'i': o->id_hex = optarg; break;
		case 'u': o->pin_file = optarg; break;
		case 'h':
			fputs(key_usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("key", argv);
		}
	}
	if (optind != argc)
		return cli_usage_error("key", "unexpected argument '%s'",
				       argv[optind]);
	if (o->token == NULL)
		return cli_usage_error("key", "--token is required");
	if (cli_check_store(false) != EXIT_OK)
		return EXIT_FAIL;
	return -1;
}

/* Logs the user in on an open session; closes everything on failure. */
static int login_user(const struct key_opts *o, struct tc_module *mod,
		      struct tc_session *session)
{
	int rc = cli_login(session, o->pin_file);

	if (rc != EXIT_OK)
		cli_close_token(mod, session);
	return rc;
}

/* Opens the token's R/W session and logs the user in. */
static int open_logged_in(const struct key_opts *o, struct tc_module **mod,
			  struct tc_session **session)
{
	int rc = cli_open_token(o->token, true, mod, session);

	return rc == EXIT_OK ? login_user(o, *mod, *session) : rc;
}

/* Ids of the token's objects labelled label (as far as visible). */
static CK_RV find_labelled(struct tc_session *session, const char *label,
			   int64_t *ids, size_t max, size_t *found)
{
	CK_ATTRIBUTE tmpl = { CKA_LABEL, (void *)label, strlen(label) };
	CK_RV rv = token_find_init(session, &tmpl, 1);

	*found = 0;
	if (rv == CKR_OK)
		rv = token_find_next(session, ids, max, found);
	token_find_final(session);
	return rv;
}

static int key_generate(const struct key_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	enum tc_key_kind kind;
	uint8_t id[64];
	size_t id_len = 0;
	int64_t priv = 0, pub = 0, existing = 0;
	size_t found = 0;
	CK_RV rv;
	int rc;

	if (o->type == NULL || o->label == NULL)
		return cli_usage_error("key", "key generate needs --type and "
					      "--label");
	if (!token_key_kind_parse(o->type, &kind))
		return cli_fail("unknown key type '%s' (rsa2048, rsa3072, "
				"rsa4096, ecc-p256, ecc-p384, ecc-p521)",
				o->type);
	if (o->id_hex && !cli_parse_hex(o->id_hex, id, sizeof(id), &id_len))
		return cli_fail("--id: 1 to 64 bytes in hex");
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc != EXIT_OK)
		return rc;
	/* Public halves are visible before login: labels stay unique. */
	rv = find_labelled(session, o->label, &existing, 1, &found);
	if (rv != CKR_OK || found != 0) {
		cli_close_token(mod, session);
		if (rv != CKR_OK)
			return cli_fail_rv("cannot read the token", rv);
		return cli_fail("a key labelled '%s' already exists",
				o->label);
	}
	rc = login_user(o, mod, session);
	if (rc != EXIT_OK)
		return rc;
	rv = token_key_generate(session, kind, o->label,
				o->id_hex ? id : NULL, id_len, &priv, &pub);
	cli_close_token(mod, session);
	if (rv == CKR_MECHANISM_INVALID || rv == CKR_KEY_SIZE_RANGE ||
	    rv == CKR_CURVE_NOT_SUPPORTED)
		return cli_fail("this TPM does not support %s keys", o->type);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot generate the key", rv);
	printf("key '%s' (%s) generated\n", o->label, o->type);
	return EXIT_OK;
}

static void print_key(struct tc_session *session, int64_t id)
{
	char label[256] = "", hex[2 * 64 + 1] = "";
	uint8_t key_id[64];
	CK_KEY_TYPE type = 0;
	CK_ATTRIBUTE t[] = {
		{ CKA_LABEL, label, sizeof(label) - 1 },
		{ CKA_ID, key_id, sizeof(key_id) },
		{ CKA_KEY_TYPE, &type, sizeof(type) },
	};

	if (token_object_get_attrs(session, id, t, 3) != CKR_OK)
		return;
	label[t[0].ulValueLen] = '\0';
	for (CK_ULONG i = 0; i < t[1].ulValueLen; i++)
		snprintf(hex + 2 * i, 3, "%02x", key_id[i]);
	printf("%s  id %s  %s\n", label, hex, type == CKK_RSA ? "rsa" : "ec");
}

static int key_list(const struct key_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_ATTRIBUTE tmpl = { CKA_CLASS, &cls, sizeof(cls) };
	int64_t ids[64];
	size_t found = 0;
	CK_RV rv;
	int rc = cli_open_token(o->token, false, &mod, &session);

	if (rc != EXIT_OK)
		return rc;
	rv = token_find_init(session, &tmpl, 1);
	while (rv == CKR_OK) {
		rv = token_find_next(session, ids, 64, &found);
		if (rv != CKR_OK || found == 0)
			break;
		for (size_t i = 0; i < found; i++)
			print_key(session, ids[i]);
	}
	token_find_final(session);
	cli_close_token(mod, session);
	return rv == CKR_OK ? EXIT_OK : cli_fail_rv("cannot list keys", rv);
}

static int key_remove(const struct key_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	int64_t ids[16];
	size_t found = 0;
	CK_RV rv;
	int rc;

	if (o->label == NULL)
		return cli_usage_error("key", "key remove needs --label");
	rc = open_logged_in(o, &mod, &session);
	if (rc != EXIT_OK)
		return rc;
	rv = find_labelled(session, o->label, ids, 16, &found);
	for (size_t i = 0; rv == CKR_OK && i < found; i++)
		rv = token_object_destroy(session, ids[i]);
	cli_close_token(mod, session);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot remove the key", rv);
	if (found == 0)
		return cli_fail("no key labelled '%s'", o->label);
	printf("key '%s' removed\n", o->label);
	return EXIT_OK;
}

int cmd_key(int argc, char **argv)
{
	struct key_opts o;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(key_usage, stdout);
		return EXIT_OK;
	}
	if (argc >= 2 && strcmp(argv[1], "import") == 0)
		return cmd_key_import(argc - 1, argv + 1);
	if (argc < 2 || (strcmp(argv[1], "generate") != 0 &&
			 strcmp(argv[1], "list") != 0 &&
			 strcmp(argv[1], "remove") != 0))
		return cli_usage_error("key", "expected 'key generate', "
					      "'key import', 'key list' or "
					      "'key remove'");
	rc = parse(argc - 1, argv + 1, &o);
	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "generate") == 0)
		return key_generate(&o);
	if (strcmp(argv[1], "list") == 0)
		return key_list(&o);
	return key_remove(&o);
}
