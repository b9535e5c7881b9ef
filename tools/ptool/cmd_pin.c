/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char pin_usage[] =
	"usage: tpmcard pin change --token T [--so] [--pin-file F]"
	" [--new-pin-file F]\n"
	"\n"
	"Changes the user PIN (or with --so the SO PIN).  The current PIN\n"
	"comes from --pin-file, else TPMCARD_USER_PIN (TPMCARD_SO_PIN with\n"
	"--so), else the terminal; the new one from --new-pin-file, else\n"
	"TPMCARD_NEW_PIN, else the terminal (asked twice).\n";

static int change(const char *label, bool so, const char *old_file,
		  const char *new_file)
{
	struct tc_module *mod = NULL;
	struct tc_session *session = NULL;
	struct secbuf *old_pin = NULL, *new_pin = NULL;
	CK_RV rv = CKR_OK;
	int rc = cli_open_token(label, true, &mod, &session);

	if (rc != EXIT_OK)
		return rc;
	rc = EXIT_FAIL;
	old_pin = cli_pin_read(so ? "SO PIN" : "user PIN", old_file,
			       so ? "TPMCARD_SO_PIN" : "TPMCARD_USER_PIN",
			       false);
	if (old_pin != NULL)
		new_pin = cli_pin_read(so ? "new SO PIN" : "new user PIN",
				       new_file, "TPMCARD_NEW_PIN", true);
	if (new_pin == NULL)
		goto out;
	/* C_SetPIN changes the logged-in user's PIN: SO logs in first. */
	if (so)
		rv = token_login(session, CKU_SO, old_pin->data, old_pin->len);
	if (rv == CKR_OK)
		rv = token_set_pin(session, old_pin->data, old_pin->len,
				   new_pin->data, new_pin->len);
	if (rv == CKR_OK) {
		printf("%s PIN of '%s' changed\n", so ? "SO" : "user", label);
		rc = EXIT_OK;
	} else {
		cli_fail_rv("cannot change the PIN", rv);
	}
out:
	secbuf_free(old_pin);
	secbuf_free(new_pin);
	cli_close_token(mod, session);
	return rc;
}

int cmd_pin(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "token", required_argument, NULL, 't' },
		{ "so", no_argument, NULL, 's' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "new-pin-file", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *token = NULL, *old_file = NULL, *new_file = NULL;
	bool so = false;
	int c;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(pin_usage, stdout);
		return EXIT_OK;
	}
	if (argc < 2 || strcmp(argv[1], "change") != 0)
		return cli_usage_error("pin", "expected 'pin change'");
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': token = optarg; break;
		case 's': so = true; break;
		case 'p': old_file = optarg; break;
		case 'n': new_file = optarg; break;
		case 'h':
			fputs(pin_usage, stdout);
			return EXIT_OK;
		default:
			return cli_bad_option("pin", argv + 1);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("pin", "unexpected argument '%s'",
				       argv[1 + optind]);
	if (token == NULL)
		return cli_usage_error("pin", "--token is required");
	if (cli_check_store(false) != EXIT_OK)
		return EXIT_FAIL;
	return change(token, so, old_file, new_file);
}
