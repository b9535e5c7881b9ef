/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/keyfile.h"

/*
 * Any object of a token: listing, removal, relabelling; and the option
 * parsing the object commands (key import and cert add too) share.
 */

static const char object_usage[] =
	"usage: tpmcard object list --token T [--all] [--user-pin-file F]\n"
	"       tpmcard object remove --token T (--label L | --id HEX)"
	" [--class C] [--user-pin-file F]\n"
	"       tpmcard object set-label --token T --label OLD --new-label NEW"
	" [--user-pin-file F]\n"
	"\n"
	"list       one line per object: HANDLE CLASS TYPE ID LABEL, the\n"
	"           label last (absent when empty), '-' for no type or id.\n"
	"           Without a PIN: the objects anyone sees; --all logs the\n"
	"           user in and lists the private ones too.\n"
	"remove     removes the one object with that label or id; C is\n"
	"           private, public, cert, data or secret.  Refuses when\n"
	"           none or several match (naming them).  Logs the user in\n"
	"           unless C is public or cert.\n"
	"set-label  relabels every object labelled OLD (a key pair and its\n"
	"           certificate together); NEW must be unused.  Logs in, so\n"
	"           that private halves follow.\n"
	"The user PIN comes from the file, else TPMCARD_USER_PIN, else the\n"
	"terminal.\n";

#define MAX_MATCH 64

static const struct {
	const char *name;
	CK_OBJECT_CLASS cls;
} classes[] = {
	{ "private", CKO_PRIVATE_KEY }, { "public", CKO_PUBLIC_KEY },
	{ "cert", CKO_CERTIFICATE },	{ "data", CKO_DATA },
	{ "secret", CKO_SECRET_KEY },
};

#define CLASS_COUNT (sizeof(classes) / sizeof(classes[0]))

bool cli_parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 != 0 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", hex[i]) == NULL)
			return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte = 0;

		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return false;
		out[i] = (uint8_t)byte;
	}
	*len = n / 2;
	return true;
}

static const struct option long_opts[] = {
	{ "token", required_argument, NULL, 't' },
	{ "label", required_argument, NULL, 'l' },
	{ "new-label", required_argument, NULL, 'n' },
	{ "id", required_argument, NULL, 'i' },
	{ "class", required_argument, NULL, 'c' },
	{ "user-pin-file", required_argument, NULL, 'u' },
	{ "all", no_argument, NULL, 'a' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* The OPT_* bit of an option letter; 0 for those every command takes. */
static unsigned int opt_bit(int c)
{
	switch (c) {
	case 'l': return OPT_LABEL;
	case 'n': return OPT_NEW_LABEL;
	case 'i': return OPT_ID;
	case 'c': return OPT_CLASS;
	case 'u': return OPT_PIN_FILE;
	case 'a': return OPT_ALL;
	default: return 0;
	}
}

/* Stores one option; -1 to go on, else an exit code. */
static int take_opt(int c, struct object_opts *o)
{
	switch (c) {
	case 't': o->token = optarg; break;
	case 'l': o->label = optarg; break;
	case 'n': o->new_label = optarg; break;
	case 'c': o->class_name = optarg; break;
	case 'u': o->pin_file = optarg; break;
	case 'a': o->all = true; break;
	case 'i':
		if (!cli_parse_hex(optarg, o->id, sizeof(o->id), &o->id_len))
			return cli_fail("--id: 1 to %d bytes in hex",
					CLI_MAX_ID);
		o->has_id = true;
		break;
	}
	return -1;
}

int cli_object_opts(const char *command, const char *usage,
		    unsigned int allowed, int argc, char **argv,
		    struct object_opts *o)
{
	int c, index, rc;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", long_opts, &index)) != -1) {
		if (c == 'h') {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (c == '?' || c == ':')
			return cli_bad_option(command, argv);
		if ((opt_bit(c) & ~allowed) != 0)
			return cli_usage_error(command, "'%s %s' takes no --%s",
					       command, argv[0],
					       long_opts[index].name);
		rc = take_opt(c, o);
		if (rc >= 0)
			return rc;
	}
	if ((allowed & OPT_FILE) && optind < argc)
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

CK_RV cli_find(struct tc_session *session, const CK_ATTRIBUTE *tmpl,
	       CK_ULONG count, int64_t *ids, size_t max, size_t *found)
{
	CK_RV rv = token_find_init(session, tmpl, count);

	*found = 0;
	if (rv == CKR_OK)
		rv = token_find_next(session, ids, max, found);
	token_find_final(session);
	return rv;
}

CK_RV cli_label_taken(struct tc_session *session, const char *label,
		      bool *taken)
{
	CK_ATTRIBUTE t = { CKA_LABEL, (void *)label, strlen(label) };
	int64_t id;
	size_t found = 0;
	CK_RV rv = cli_find(session, &t, 1, &id, 1, &found);

	*taken = found > 0;
	return rv;
}

static const char *class_text(CK_OBJECT_CLASS cls)
{
	for (size_t i = 0; i < CLASS_COUNT; i++)
		if (classes[i].cls == cls)
			return classes[i].name;
	return "other";
}

/* Bit length of a big-endian number. */
static unsigned long bit_length(const uint8_t *v, CK_ULONG len)
{
	unsigned long bits;

	while (len > 0 && *v == 0) {
		v++;
		len--;
	}
	if (len == 0)
		return 0;
	bits = (unsigned long)len * 8;
	for (uint8_t top = v[0]; !(top & 0x80); top <<= 1)
		bits--;
	return bits;
}

/* What one object holds, as its attributes say. */
struct described {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type;
	CK_CERTIFICATE_TYPE cert_type;
	CK_ULONG value_len;
	char label[1024];
	uint8_t id[128], modulus[1024], params[64];
	CK_ATTRIBUTE t[8];
};

static void describe_read(struct tc_session *session, int64_t handle,
			  struct described *d)
{
	CK_ATTRIBUTE *t = d->t;

	memset(d, 0, sizeof(*d));
	d->cls = (CK_OBJECT_CLASS)-1;
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &d->cls, sizeof(d->cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_LABEL, d->label, sizeof(d->label) - 1 };
	t[2] = (CK_ATTRIBUTE){ CKA_ID, d->id, sizeof(d->id) };
	t[3] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &d->key_type, sizeof(d->key_type) };
	t[4] = (CK_ATTRIBUTE){ CKA_MODULUS, d->modulus, sizeof(d->modulus) };
	t[5] = (CK_ATTRIBUTE){ CKA_EC_PARAMS, d->params, sizeof(d->params) };
	t[6] = (CK_ATTRIBUTE){ CKA_CERTIFICATE_TYPE, &d->cert_type,
			       sizeof(d->cert_type) };
	t[7] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &d->value_len,
			       sizeof(d->value_len) };
	/* Entries a class lacks come back unavailable; the rest is filled. */
	token_object_get_attrs(session, handle, t, 8);
	for (size_t i = 0; i < 8; i++)
		if (t[i].ulValueLen == CK_UNAVAILABLE_INFORMATION)
			t[i].ulValueLen = 0;
	d->label[t[1].ulValueLen] = '\0';
}

/* The TYPE column: rsa2048, ecc-p256, x509, aes128, ... or "-". */
static void type_text(const struct described *d, char *out, size_t size)
{
	const char *curve;

	snprintf(out, size, "-");
	if ((d->cls == CKO_PRIVATE_KEY || d->cls == CKO_PUBLIC_KEY) &&
	    d->t[3].ulValueLen > 0) {
		curve = keyfile_curve_name(d->params, d->t[5].ulValueLen);
		if (d->key_type == CKK_RSA)
			snprintf(out, size, "rsa%lu",
				 bit_length(d->modulus, d->t[4].ulValueLen));
		else if (d->key_type == CKK_EC && curve != NULL)
			snprintf(out, size, "ecc-p%s", curve + 2);
		else
			snprintf(out, size, d->key_type == CKK_EC ? "ec" :
								    "key");
	} else if (d->cls == CKO_SECRET_KEY && d->t[3].ulValueLen > 0) {
		snprintf(out, size, "%s%lu",
			 d->key_type == CKK_AES ? "aes" :
			 d->key_type == CKK_GENERIC_SECRET ? "generic" :
							      "secret",
			 d->value_len * 8);
	} else if (d->cls == CKO_CERTIFICATE && d->t[6].ulValueLen > 0) {
		snprintf(out, size, d->cert_type == CKC_X_509 ? "x509" :
								"other");
	}
}

/* "HANDLE CLASS TYPE ID", the start of an object's line. */
static void describe(struct tc_session *session, int64_t handle,
		     struct described *d, char *out, size_t size)
{
	char type[32], hex[2 * sizeof(d->id) + 1] = "-";

	describe_read(session, handle, d);
	type_text(d, type, sizeof(type));
	for (CK_ULONG i = 0; i < d->t[2].ulValueLen; i++)
		snprintf(hex + 2 * i, 3, "%02x", d->id[i]);
	snprintf(out, size, "%lld %s %s %s", (long long)handle,
		 class_text(d->cls), type, hex);
}

static int object_list(const struct object_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	struct described *d = malloc(sizeof(*d));
	int64_t ids[MAX_MATCH];
	size_t found = 0;
	char line[512];
	CK_RV rv = CKR_HOST_MEMORY;
	int rc = d ? cli_open_token(o->token, false, &mod, &session) :
		     cli_fail("out of memory");

	if (rc == EXIT_OK && o->all)
		rc = cli_login(session, o->pin_file);
	if (rc == EXIT_OK)
		rv = token_find_init(session, NULL, 0);
	while (rc == EXIT_OK && rv == CKR_OK) {
		rv = token_find_next(session, ids, MAX_MATCH, &found);
		for (size_t i = 0; rv == CKR_OK && i < found; i++) {
			describe(session, ids[i], d, line, sizeof(line));
			printf("%s%s%s\n", line, d->label[0] ? " " : "",
			       d->label);
		}
		if (found == 0)
			break;
	}
	if (session != NULL)
		token_find_final(session);
	cli_close_token(mod, session);
	free(d);
	if (rc == EXIT_OK && rv != CKR_OK)
		rc = cli_fail_rv("cannot list the objects", rv);
	return rc;
}

/* The template of remove: label or id, and maybe a class. */
static int remove_template(const struct object_opts *o, CK_OBJECT_CLASS *cls,
			   CK_ATTRIBUTE *t, CK_ULONG *count)
{
	size_t i;

	if ((o->label != NULL) == o->has_id)
		return cli_usage_error("object", "object remove takes --label "
						 "or --id");
	if (o->label != NULL)
		t[0] = (CK_ATTRIBUTE){ CKA_LABEL, (void *)o->label,
				       strlen(o->label) };
	else
		t[0] = (CK_ATTRIBUTE){ CKA_ID, (void *)o->id, o->id_len };
	*count = 1;
	if (o->class_name == NULL)
		return -1;
	for (i = 0; i < CLASS_COUNT; i++)
		if (strcmp(classes[i].name, o->class_name) == 0)
			break;
	if (i == CLASS_COUNT)
		return cli_fail("--class: private, public, cert, data or "
				"secret");
	*cls = classes[i].cls;
	t[(*count)++] = (CK_ATTRIBUTE){ CKA_CLASS, cls, sizeof(*cls) };
	return -1;
}

/* Objects of these classes anyone sees: removing them needs no PIN. */
static bool needs_login(const struct object_opts *o, CK_OBJECT_CLASS cls)
{
	return o->class_name == NULL ||
	       (cls != CKO_PUBLIC_KEY && cls != CKO_CERTIFICATE);
}

/* The one-line refusal naming every match. */
static int refuse_many(struct tc_session *session, const int64_t *ids,
		       size_t found, const struct object_opts *o)
{
	char list[1024] = "", item[256];
	struct described *d = malloc(sizeof(*d));
	size_t used = 0;

	for (size_t i = 0; d != NULL && i < found; i++) {
		describe(session, ids[i], d, item, sizeof(item));
		used += (size_t)snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "", item);
		if (used >= sizeof(list))
			break;
	}
	free(d);
	return cli_fail("%zu objects match%s: %s (choose one with --class "
			"or --%s)", found, found == MAX_MATCH ? " (or more)" : "",
			list, o->label ? "id" : "label");
}

static int object_remove(const struct object_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	CK_OBJECT_CLASS cls = 0;
	CK_ATTRIBUTE t[2];
	CK_ULONG count = 0;
	int64_t ids[MAX_MATCH];
	size_t found = 0;
	CK_RV rv = CKR_OK;
	int rc = remove_template(o, &cls, t, &count);

	if (rc >= 0)
		return rc;
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc == EXIT_OK && needs_login(o, cls))
		rc = cli_login(session, o->pin_file);
	if (rc == EXIT_OK)
		rv = cli_find(session, t, count, ids, MAX_MATCH, &found);
	if (rc == EXIT_OK && rv == CKR_OK && found == 0)
		rc = cli_fail("no object matches");
	else if (rc == EXIT_OK && rv == CKR_OK && found > 1)
		rc = refuse_many(session, ids, found, o);
	else if (rc == EXIT_OK && rv == CKR_OK)
		rv = token_object_destroy(session, ids[0]);
	cli_close_token(mod, session);
	if (rc == EXIT_OK && rv != CKR_OK)
		return cli_fail_rv("cannot remove the object", rv);
	if (rc == EXIT_OK)
		printf("object %lld removed\n", (long long)ids[0]);
	return rc;
}

/* Sets label on objects; on failure puts the old label back on those done. */
static CK_RV relabel(struct tc_session *session, const int64_t *ids,
		     size_t count, const char *label, const char *old)
{
	CK_ATTRIBUTE next = { CKA_LABEL, (void *)label, strlen(label) };
	CK_ATTRIBUTE back = { CKA_LABEL, (void *)old, strlen(old) };
	CK_RV rv = CKR_OK;
	size_t done;

	for (done = 0; done < count && rv == CKR_OK; done++)
		rv = token_object_set_attrs(session, ids[done], &next, 1);
	if (rv != CKR_OK)
		for (size_t i = 0; i + 1 < done; i++)
			token_object_set_attrs(session, ids[i], &back, 1);
	return rv;
}

static int set_label_in(struct tc_session *session,
			const struct object_opts *o)
{
	CK_ATTRIBUTE old = { CKA_LABEL, (void *)o->label, strlen(o->label) };
	int64_t ids[MAX_MATCH];
	size_t found = 0;
	bool taken = false;
	CK_RV rv = cli_find(session, &old, 1, ids, MAX_MATCH, &found);

	if (rv == CKR_OK)
		rv = cli_label_taken(session, o->new_label, &taken);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot read the token", rv);
	if (found == 0)
		return cli_fail("no object labelled '%s'", o->label);
	if (taken)
		return cli_fail("an object labelled '%s' already exists",
				o->new_label);
	rv = relabel(session, ids, found, o->new_label, o->label);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot relabel", rv);
	printf("%zu object%s relabelled '%s'\n", found, found > 1 ? "s" : "",
	       o->new_label);
	return EXIT_OK;
}

static int object_set_label(const struct object_opts *o)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	int rc;

	if (o->label == NULL || o->new_label == NULL)
		return cli_usage_error("object", "object set-label needs "
						 "--label and --new-label");
	if (o->new_label[0] == '\0')
		return cli_fail("--new-label: a label cannot be empty");
	rc = cli_open_token(o->token, true, &mod, &session);
	if (rc == EXIT_OK)
		rc = cli_login(session, o->pin_file);
	if (rc == EXIT_OK)
		rc = set_label_in(session, o);
	cli_close_token(mod, session);
	return rc;
}

int cmd_object(int argc, char **argv)
{
	static const unsigned int allowed[] = {
		OPT_ALL | OPT_PIN_FILE,
		OPT_LABEL | OPT_ID | OPT_CLASS | OPT_PIN_FILE,
		OPT_LABEL | OPT_NEW_LABEL | OPT_PIN_FILE,
	};
	static const char *const verbs[] = { "list", "remove", "set-label" };
	struct object_opts o;
	size_t v;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(object_usage, stdout);
		return EXIT_OK;
	}
	for (v = 0; argc >= 2 && v < 3; v++)
		if (strcmp(argv[1], verbs[v]) == 0)
			break;
	if (argc < 2 || v == 3)
		return cli_usage_error("object", "expected 'object list', "
						 "'object remove' or 'object "
						 "set-label'");
	rc = cli_object_opts("object", object_usage, allowed[v], argc - 1,
			     argv + 1, &o);
	if (rc >= 0)
		return rc;
	if (v == 0)
		return object_list(&o);
	if (v == 1)
		return object_remove(&o);
	return object_set_label(&o);
}
