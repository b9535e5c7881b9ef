/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * Any object of a token: listing, removal, relabelling; and the options
 * the object commands (key import and cert add too) share.
 */

const char object_usage[] =
	"usage: tpmcard object list --token T [--all] [--user-pin-file F]\n"
	"       tpmcard object remove --token T (--label L | --id HEX)"
	" [--user-pin-file F]\n"
	"       tpmcard object set-label --token T --label OLD --new-label NEW"
	" [--user-pin-file F]\n"
	"       tpmcard key import --token T --label L [--id HEX]"
	" [--user-pin-file F] FILE\n"
	"       tpmcard cert add --token T --label L [--id HEX] FILE\n"
	"\n"
	"object list       one line per object: handle, class, label, id;\n"
	"                  with --all the user logs in and private objects\n"
	"                  are listed too.\n"
	"object remove     removes every object with that label or id (the\n"
	"                  user logs in, so that private ones go too).\n"
	"object set-label  relabels every object labelled OLD.\n"
	"key import        imports an RSA or EC (P-256/384/521) private key\n"
	"                  from a PEM or DER file (PKCS#8 or traditional; an\n"
	"                  encrypted one opens with TPMCARD_KEY_PASSPHRASE)\n"
	"                  into the TPM, with its public key object.  The\n"
	"                  id defaults to the SHA-1 of the public value.\n"
	"cert add          stores an X.509 certificate (PEM or DER); the id\n"
	"                  defaults to that of the token's key with the same\n"
	"                  public key, so that clients pair them.  No PIN.\n";

int cli_object_opts(const char *command, int argc, char **argv,
		    struct object_opts *o)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "label", required_argument, NULL, 'l' },
		{ "new-label", required_argument, NULL, 'n' },
		{ "id", required_argument, NULL, 'i' },
		{ "user-pin-file", required_argument, NULL, 'u' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o->token = optarg; break;
		case 'l': o->label = optarg; break;
		case 'n': o->new_label = optarg; break;
		case 'i': o->id_hex = optarg; break;
		case 'u': o->pin_file = optarg; break;
		case 'a': o->all = true; break;
		case 'h':
			fputs(object_usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option(command, argv);
		}
	}
	if (optind < argc)
		o->file = argv[optind++];
	if (optind != argc)
		return cli_usage_error(command, "unexpected argument '%s'",
				       argv[optind]);
	if (o->token == NULL)
		return cli_usage_error(command, "--token is required");
	if (cli_check_store(false) != EXIT_OK)
		return EXIT_FAIL;
	return -1;
}

bool cli_parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", hex[i]))
			return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte;

		sscanf(hex + 2 * i, "%2x", &byte);
		out[i] = (uint8_t)byte;
	}
	*len = n / 2;
	return true;
}

int cli_login_user(const struct object_opts *o, struct tc_module *mod,
		   struct tc_session *session)
{
	struct secbuf *pin = cli_pin_read("user PIN", o->pin_file,
					  "TPMCARD_USER_PIN", false);
	CK_RV rv;

	if (pin == NULL) {
		cli_close_token(mod, session);
		return EXIT_FAIL;
	}
	rv = token_login(session, CKU_USER, pin->data, pin->len);
	secbuf_free(pin);
	if (rv == CKR_OK)
		return EXIT_OK;
	cli_close_token(mod, session);
	return cli_fail_rv("login", rv);
}

/* Ids of the objects matching one attribute. */
static CK_RV find(struct tc_session *session, CK_ATTRIBUTE *tmpl,
		  CK_ULONG count, int64_t *ids, size_t max, size_t *found)
{
	CK_RV rv = token_find_init(session, tmpl, count);

	*found = 0;
	if (rv == CKR_OK)
		rv = token_find_next(session, ids, max, found);
	token_find_final(session);
	return rv;
}

static const char *class_name(CK_OBJECT_CLASS cls)
{
	switch (cls) {
	case CKO_PRIVATE_KEY:
		return "private-key";
	case CKO_PUBLIC_KEY:
		return "public-key";
	case CKO_CERTIFICATE:
		return "certificate";
	case CKO_SECRET_KEY:
		return "secret-key";
	default:
		return "data";
	}
}

static void print_object(struct tc_session *session, int64_t id)
{
	char label[256] = "", hex[2 * 64 + 1] = "-";
	uint8_t key_id[64];
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE t[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_LABEL, label, sizeof(label) - 1 },
		{ CKA_ID, key_id, sizeof(key_id) },
	};

	/* Data objects have no CKA_ID: that entry alone may fail. */
	token_object_get_attrs(session, id, t, 3);
	if (t[1].ulValueLen == CK_UNAVAILABLE_INFORMATION)
		t[1].ulValueLen = 0;
	label[t[1].ulValueLen] = '\0';
	for (CK_ULONG i = 0; t[2].ulValueLen != CK_UNAVAILABLE_INFORMATION &&
			     i < t[2].ulValueLen;
	     i++)
		snprintf(hex + 2 * i, 3, "%02x", key_id[i]);
	printf("%lld  %-11s  %s  id %s\n", (long long)id, class_name(cls),
	       label, hex);
}

static int object_list(const struct object_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	int64_t ids[256];
	size_t found = 0;
	CK_RV rv;
	int rc = cli_open_token(o->token, false, &mod, &session);

	if (rc == EXIT_OK && o->all)
		rc = cli_login_user(o, mod, session);
	if (rc != EXIT_OK)
		return rc;
	rv = find(session, NULL, 0, ids, 256, &found);
	for (size_t i = 0; rv == CKR_OK && i < found; i++)
		print_object(session, ids[i]);
	cli_close_token(mod, session);
	return rv == CKR_OK ? EXIT_OK : cli_fail_rv("cannot list", rv);
}

/* The label or id selection of remove and set-label. */
static int selector(const struct object_opts *o, CK_ATTRIBUTE *tmpl,
		    uint8_t *id, size_t *id_len)
{
	if ((o->label == NULL) == (o->id_hex == NULL))
		return cli_usage_error("object", "give --label or --id");
	if (o->label != NULL) {
		*tmpl = (CK_ATTRIBUTE){ CKA_LABEL, (void *)o->label,
					strlen(o->label) };
		return -1;
	}
	if (!cli_parse_hex(o->id_hex, id, 64, id_len))
		return cli_fail("--id: 1 to 64 bytes in hex");
	*tmpl = (CK_ATTRIBUTE){ CKA_ID, id, *id_len };
	return -1;
}

static int object_remove(const struct object_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	CK_ATTRIBUTE tmpl;
	uint8_t id[64];
	size_t id_len = 0, found = 0;
	int64_t ids[64];
	CK_RV rv;
	int rc = selector(o, &tmpl, id, &id_len);

	if (rc >= 0)
		return rc;
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc == EXIT_OK)
		rc = cli_login_user(o, mod, session);
	if (rc != EXIT_OK)
		return rc;
	rv = find(session, &tmpl, 1, ids, 64, &found);
	for (size_t i = 0; rv == CKR_OK && i < found; i++)
		rv = token_object_destroy(session, ids[i]);
	cli_close_token(mod, session);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot remove", rv);
	if (found == 0)
		return cli_fail("no object matches");
	printf("%zu object(s) removed\n", found);
	return EXIT_OK;
}

static int object_set_label(const struct object_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	CK_ATTRIBUTE old, next;
	int64_t ids[64];
	size_t found = 0;
	CK_RV rv;
	int rc;

	if (o->label == NULL || o->new_label == NULL)
		return cli_usage_error("object", "set-label needs --label and "
						 "--new-label");
	old = (CK_ATTRIBUTE){ CKA_LABEL, (void *)o->label, strlen(o->label) };
	next = (CK_ATTRIBUTE){ CKA_LABEL, (void *)o->new_label,
			       strlen(o->new_label) };
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc == EXIT_OK)
		rc = cli_login_user(o, mod, session);
	if (rc != EXIT_OK)
		return rc;
	rv = find(session, &old, 1, ids, 64, &found);
	for (size_t i = 0; rv == CKR_OK && i < found; i++)
		rv = token_object_set_attrs(session, ids[i], &next, 1);
	cli_close_token(mod, session);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot relabel", rv);
	if (found == 0)
		return cli_fail("no object labelled '%s'", o->label);
	printf("%zu object(s) relabelled\n", found);
	return EXIT_OK;
}

int cmd_object(int argc, char **argv)
{
	struct object_opts o;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(object_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || (strcmp(argv[1], "list") != 0 &&
			 strcmp(argv[1], "remove") != 0 &&
			 strcmp(argv[1], "set-label") != 0))
		return cli_usage_error("object", "expected 'object list', "
						 "'object remove' or 'object "
						 "set-label'");
	rc = cli_object_opts("object", argc - 1, argv + 1, &o);
	if (rc >= 0)
		return rc;
	if (o.file != NULL)
		return cli_usage_error("object", "unexpected argument '%s'",
				       o.file);
	if (strcmp(argv[1], "list") == 0)
		return object_list(&o);
	if (strcmp(argv[1], "remove") == 0)
		return object_remove(&o);
	return object_set_label(&o);
}
