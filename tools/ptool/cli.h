/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_TOOLS_PTOOL_CLI_H
#define TPMCARD_TOOLS_PTOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/secmem.h"
#include "token/token.h"

/* Exit codes. */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

/* Prints "tpmcard: <message>" on stderr; returns EXIT_FAIL. */
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * A usage mistake: "tpmcard: <message> (see 'tpmcard COMMAND --help')";
 * returns EXIT_USAGE.  cli_bad_option() names the option getopt refused.
 */
int cli_usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_bad_option(const char *command, char **argv);

/*
 * Checks that the store exists (unless may_be_missing) and is a readable
 * tpmcard store, before a command relies on it; prints why not.
 */
int cli_check_store(bool may_be_missing);

/* The same for a PKCS#11 result: "tpmcard: what: reason". */
int cli_fail_rv(const char *what, CK_RV rv);

/*
 * Reads a PIN: from the file named by file_opt (when given), else from
 * the environment variable env, else from the terminal (twice when
 * confirm).  Never from the command line.  NULL (with a message printed)
 * when none can be had.  Free with secbuf_free().
 */
struct secbuf *cli_pin_read(const char *what, const char *file_opt,
			    const char *env, bool confirm);

/* Opens the module and a session on a token found by label. */
int cli_open_token(const char *label, bool rw, struct tc_module **mod,
		   struct tc_session **session);
void cli_close_token(struct tc_module *mod, struct tc_session *session);

/*
 * Reads a secret (a key file's passphrase) from the environment variable
 * env, else the terminal; NULL, saying nothing, when neither has it.
 * Free with secbuf_free().
 */
struct secbuf *cli_secret_read(const char *what, const char *env);

/*
 * Reads a whole file of at most max bytes into a secbuf (it may hold a
 * private key); NULL with a message printed when it cannot.
 */
struct secbuf *cli_file_read(const char *path, size_t max);

/* Logs the user in (PIN from file_opt, TPMCARD_USER_PIN or terminal). */
int cli_login(struct tc_session *session, const char *file_opt);

#define CLI_MAX_ID 64

/* Hex to bytes; false for odd length, bad digits or over max bytes. */
bool cli_parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len);

/* Options of the object commands: key import, cert add, object ... */
enum {
	OPT_LABEL = 1 << 0,
	OPT_NEW_LABEL = 1 << 1,
	OPT_ID = 1 << 2,
	OPT_CLASS = 1 << 3,
	OPT_PIN_FILE = 1 << 4,
	OPT_ALL = 1 << 5,
	OPT_FILE = 1 << 6, /* one positional FILE */
};

struct object_opts {
	const char *token, *label, *new_label, *class_name, *pin_file, *file;
	bool all;
	bool has_id;
	uint8_t id[CLI_MAX_ID];
	size_t id_len;
};

/*
 * Parses the options allowed (OPT_* bits) plus --token (required) and
 * --help (prints usage); checks the store.  Returns -1 to go on, else the
 * exit code to leave with.
 */
int cli_object_opts(const char *command, const char *usage, unsigned int
		    allowed, int argc, char **argv, struct object_opts *o);

/* Up to max ids of the objects the session sees that match tmpl. */
CK_RV cli_find(struct tc_session *session, const CK_ATTRIBUTE *tmpl,
	       CK_ULONG count, int64_t *ids, size_t max, size_t *found);

/* Whether any object the session sees has this label. */
CK_RV cli_label_taken(struct tc_session *session, const char *label,
		      bool *taken);

int cmd_key_import(int argc, char **argv);
int cmd_cert(int argc, char **argv);
int cmd_object(int argc, char **argv);

int cmd_init(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_pin(int argc, char **argv);

#endif /* TPMCARD_TOOLS_PTOOL_CLI_H */
