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

/* The options of the object commands (object, key import, cert add). */
struct object_opts {
	const char *token, *label, *new_label, *id_hex, *pin_file, *file;
	bool all;
};
extern const char object_usage[];
/*
 * Parses them (one positional FILE allowed); returns -1 to go on, else
 * the exit code (--help, a usage error, no store).
 */
int cli_object_opts(const char *command, int argc, char **argv,
		    struct object_opts *o);
/* Hex to bytes; false for odd length, bad digits or over max bytes. */
bool cli_parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len);
/* Logs the user in (PIN from file/env/terminal); closes all on failure. */
int cli_login_user(const struct object_opts *o, struct tc_module *mod,
		   struct tc_session *session);

int cmd_init(int argc, char **argv);
int cmd_object(int argc, char **argv);
int cmd_cert(int argc, char **argv);
/* key import (called by cmd_key). */
int cmd_key_import(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_pin(int argc, char **argv);

#endif /* TPMCARD_TOOLS_PTOOL_CLI_H */
