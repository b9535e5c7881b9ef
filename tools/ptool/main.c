/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "tpm/tpm.h"

static const char usage[] =
	"usage: tpmcard [--store PATH] COMMAND ...\n"
	"\n"
	"Administers tpmcard tokens: PKCS#11 smartcards kept in the TPM.\n"
	"\n"
	"commands:\n"
	"  init                             check the TPM, create the store\n"
	"  token add|list|remove            manage tokens\n"
	"  key generate|import|list|remove  manage keys of a token\n"
	"  cert add                         store a certificate on a token\n"
	"  object list|remove|set-label     any object of a token\n"
	"  pin change                       change the user or SO PIN\n"
	"\n"
	"Each command takes --help.  PINs are read from a file option, an\n"
	"environment variable or the terminal, never from the command line.\n"
	"The store is TPMCARD_STORE, else ~/.local/share/tpmcard/.\n"
	"The TPM is TPMCARD_TCTI, else the tpm2-tss default.\n"
	"Errors are one line; TPMCARD_LOG=debug shows the details.\n";

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("tpmcard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
	va_list ap;

	fputs("tpmcard: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'tpmcard %s --help')\n", command);
	return EXIT_USAGE;
}

int cli_bad_option(const char *command, char **argv)
{
	return cli_usage_error(command, "unknown or incomplete option '%s'",
			       argv[optind - 1]);
}

int cli_check_store(bool may_be_missing)
{
	char *path = db_path_resolve(may_be_missing);
	struct db *db = NULL;
	enum db_rc rc;

	if (path == NULL)
		return cli_fail("no store path: set HOME or TPMCARD_STORE");
	rc = db_open(path, false, &db);
	db_close(db);
	if (rc == DB_NOT_FOUND && may_be_missing)
		rc = DB_OK;
	if (rc == DB_NOT_FOUND)
		cli_fail("no store at %s (create one with 'tpmcard init')",
			 path);
	else if (rc != DB_OK)
		cli_fail("%s: %s", path, db_rc_text(rc));
	free(path);
	return rc == DB_OK ? EXIT_OK : EXIT_FAIL;
}

int cli_fail_rv(const char *what, CK_RV rv)
{
	const char *store = token_last_store_failure();

	/* These codes cover the TPM and the store: say which, and why. */
	if (store != NULL && (rv == CKR_DEVICE_ERROR ||
			      rv == CKR_DEVICE_MEMORY))
		return cli_fail("%s: %s", what, store);
	return cli_fail("%s: %s", what, token_rv_text(rv));
}

int cli_open_token(const char *label, bool rw, struct tc_module **mod,
		   struct tc_session **session)
{
	int64_t token_id = 0;
	CK_RV rv;

	*session = NULL;
	rv = token_module_open(mod);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot open the store", rv);
	rv = token_find_by_label(*mod, label, &token_id);
	if (rv == CKR_OK)
		rv = token_session_open(*mod, token_id, rw, session);
	if (rv == CKR_OK)
		return EXIT_OK;
	token_module_close(*mod);
	*mod = NULL;
	if (rv == CKR_TOKEN_NOT_PRESENT)
		return cli_fail("no token labelled '%s'", label);
	return cli_fail_rv(label, rv);
}

void cli_close_token(struct tc_module *mod, struct tc_session *session)
{
	token_session_close(session);
	token_module_close(mod);
}

/* Reads fd to its end or until buf is full; 0 or an errno value. */
static int read_all(int fd, struct secbuf *buf)
{
	while (buf->len < buf->cap) {
		ssize_t n = read(fd, buf->data + buf->len, buf->cap - buf->len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		buf->len += (size_t)n;
	}
	return 0;
}

struct secbuf *cli_file_read(const char *path, size_t max)
{
	struct secbuf *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		cli_fail("cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	/* One byte more than allowed tells a file that is too large. */
	buf = secbuf_new(max + 1);
	err = buf != NULL ? read_all(fd, buf) : ENOMEM;
	close(fd);
	if (err != 0)
		cli_fail("cannot read %s: %s", path, strerror(err));
	else if (buf->len == 0 || buf->len > max)
		cli_fail("%s: %s", path, buf->len ? "too large" : "empty");
	if (err != 0 || buf->len == 0 || buf->len > max) {
		secbuf_free(buf);
		return NULL;
	}
	return buf;
}

int cli_login(struct tc_session *session, const char *file_opt)
{
	struct secbuf *pin;
	CK_RV rv;

	pin = cli_pin_read("user PIN", file_opt, "TPMCARD_USER_PIN", false);
	if (pin == NULL)
		return EXIT_FAIL;
	rv = token_login(session, CKU_USER, pin->data, pin->len);
	secbuf_free(pin);
	return rv == CKR_OK ? EXIT_OK : cli_fail_rv("login", rv);
}

/*
 * Connects to the TPM and reads the SRK's name, which proves the TPM
 * works; with persist, makes the SRK persistent.  Says what it found.
 */
static int check_tpm(bool persist)
{
	uint8_t name[128];
	size_t name_len = sizeof(name);
	bool persistent = false, created = false;
	struct tpm *tpm = NULL;
	enum tpm_rc rc = tpm_open(&tpm);

	if (rc == TPM_OK)
		rc = tpm_srk_name(tpm, name, &name_len);
	if (rc == TPM_OK && persist)
		rc = tpm_srk_persist(tpm, &created);
	if (rc == TPM_OK)
		rc = tpm_srk_is_persistent(tpm, &persistent);
	tpm_close(tpm);
	if (rc != TPM_OK)
		return cli_fail("TPM: %s", tpm_rc_text(rc));
	if (created)
		printf("SRK: made persistent at 0x81000001\n");
	else if (persistent)
		printf("SRK: persistent at 0x81000001\n");
	else
		printf("SRK: created in each process (--persist-srk saves "
		       "that time)\n");
	return EXIT_OK;
}

static const char init_usage[] =
	"usage: tpmcard init [--persist-srk]\n"
	"\n"
	"Checks that the TPM answers, then creates the store (mode 0600) if\n"
	"it does not exist.  With --persist-srk the standard ECC storage key\n"
	"is made persistent at 0x81000001 (if that handle is free), so that\n"
	"no process has to create it again; existing tokens keep working.\n";

int cmd_init(int argc, char **argv)
{
	struct db *db = NULL;
	bool persist = false;
	enum db_rc rc;
	char *path;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(init_usage, stdout);
			return EXIT_OK;
		}
		if (strcmp(argv[i], "--persist-srk") != 0)
			return cli_usage_error("init", "unknown argument '%s'",
					       argv[i]);
		persist = true;
	}
	if (cli_check_store(true) != EXIT_OK)
		return EXIT_FAIL;
	path = db_path_resolve(true);
	if (path == NULL)
		return cli_fail("no store path: set HOME or TPMCARD_STORE");
	if (check_tpm(persist) != EXIT_OK) {
		free(path);
		return EXIT_FAIL;
	}
	rc = db_open(path, true, &db);
	if (rc != DB_OK) {
		cli_fail("%s: %s", path, db_rc_text(rc));
		free(path);
		return EXIT_FAIL;
	}
	printf("store: %s\n", path);
	db_close(db);
	free(path);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	int i = 1;

	/* The CLI says what went wrong in one line; details on request. */
	setenv("TPMCARD_LOG", "none", 0);
	opterr = 0;
	if (i + 1 < argc && strcmp(argv[i], "--store") == 0) {
		setenv("TPMCARD_STORE", argv[i + 1], 1);
		i += 2;
	}
	if (i >= argc || strcmp(argv[i], "--help") == 0 ||
	    strcmp(argv[i], "-h") == 0) {
		if (i >= argc)
			return cli_usage_error("", "no command given");
		fputs(usage, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[i], "init") == 0)
		return cmd_init(argc - i, argv + i);
	if (strcmp(argv[i], "token") == 0)
		return cmd_token(argc - i, argv + i);
	if (strcmp(argv[i], "key") == 0)
		return cmd_key(argc - i, argv + i);
	if (strcmp(argv[i], "pin") == 0)
		return cmd_pin(argc - i, argv + i);
	if (strcmp(argv[i], "object") == 0)
		return cmd_object(argc - i, argv + i);
	if (strcmp(argv[i], "cert") == 0)
		return cmd_cert(argc - i, argv + i);
	fprintf(stderr, "tpmcard: unknown command '%s' (see 'tpmcard --help')\n",
		argv[i]);
	return EXIT_USAGE;
}
