/* SPDX-License-Identifier: BSD-3-Clause */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char token_usage[] =
	"usage: tpmcard token add LABEL [--min-pin N] [--pin-tries N]"
	" [--no-pin-counter]\n"
	"                         [--user-pin-file F] [--so-pin-file F]\n"
	"       tpmcard token list\n"
	"       tpmcard token remove LABEL\n"
	"\n"
	"add     creates a token; its user and SO PINs come from the files,\n"
	"        else TPMCARD_USER_PIN / TPMCARD_SO_PIN, else the terminal.\n"
	"        --min-pin sets the shortest PIN it accepts (default 4).\n"
	"        --pin-tries sets how many wrong user PINs in a row lock it\n"
	"        (default 5), counted by the TPM for this token alone;\n"
	"        --no-pin-counter leaves the user PIN to the TPM's\n"
	"        machine-wide dictionary-attack lockout instead.\n"
	"list    shows every token: label, serial number, minimum PIN length.\n"
	"remove  deletes a token and all its keys.\n";

static int token_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min-pin", required_argument, NULL, 'm' },
		{ "pin-tries", required_argument, NULL, 't' },
		{ "no-pin-counter", no_argument, NULL, 'n' },
		{ "user-pin-file", required_argument, NULL, 'u' },
		{ "so-pin-file", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct tc_token_params params = { 0 };
	const char *user_file = NULL, *so_file = NULL;
	struct secbuf *user = NULL, *so = NULL;
	int64_t id = 0;
	char *end;
	int c, rc = EXIT_FAIL;
	CK_RV rv;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'm') {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end != '\0' || v < 1 || v > TC_MAX_PIN_LEN)
				return cli_fail("--min-pin: 1 to %d",
						TC_MAX_PIN_LEN);
			params.min_pin_len = (unsigned int)v;
		} else if (c == 't') {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end != '\0' || v < 1 || v > TC_MAX_PIN_TRIES)
				return cli_fail("--pin-tries: 1 to %d",
						TC_MAX_PIN_TRIES);
			params.pin_tries = (unsigned int)v;
		} else if (c == 'n') {
			params.no_pin_counter = true;
		} else if (c == 'u') {
			user_file = optarg;
		} else if (c == 's') {
			so_file = optarg;
		} else if (c == 'h') {
			fputs(token_usage, stdout);
			return EXIT_OK;
		} else {
			return cli_bad_option("token", argv);
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("token", "token add takes one LABEL");
	if (cli_check_store(true) != EXIT_OK)
		return EXIT_FAIL;
	params.label = argv[optind];
	user = cli_pin_read("user PIN", user_file, "TPMCARD_USER_PIN", true);
	if (user != NULL)
		so = cli_pin_read("SO PIN", so_file, "TPMCARD_SO_PIN", true);
	if (user == NULL || so == NULL)
		goto out;
	params.user_pin = user->data;
	params.user_pin_len = user->len;
	params.so_pin = so->data;
	params.so_pin_len = so->len;
	rv = token_admin_create(&params, &id);
	if (rv == CKR_TEMPLATE_INCONSISTENT)
		cli_fail("a token labelled '%s' already exists", params.label);
	else if (rv == CKR_PIN_LEN_RANGE)
		cli_fail("PINs must be %u to %d characters",
			 params.min_pin_len ? params.min_pin_len :
					      TC_DEFAULT_MIN_PIN_LEN,
			 TC_MAX_PIN_LEN);
	else if (rv == CKR_ARGUMENTS_BAD)
		cli_fail("a token label has 1 to 32 bytes");
	else if (rv != CKR_OK)
		cli_fail_rv("cannot create the token", rv);
	else
		rc = EXIT_OK;
	if (rc == EXIT_OK)
		printf("token '%s' created\n", params.label);
out:
	secbuf_free(user);
	secbuf_free(so);
	return rc;
}

static int token_list_cmd(void)
{
	struct tc_module *mod = NULL;
	int64_t *ids = NULL;
	size_t count = 0;
	CK_RV rv;

	if (cli_check_store(false) != EXIT_OK)
		return EXIT_FAIL;
	rv = token_module_open(&mod);
	if (rv == CKR_OK)
		rv = token_list(mod, NULL, &count);
	if (rv == CKR_OK && count > 0) {
		ids = calloc(count, sizeof(*ids));
		rv = ids ? token_list(mod, ids, &count) : CKR_HOST_MEMORY;
	}
	for (size_t i = 0; rv == CKR_OK && i < count; i++) {
		CK_TOKEN_INFO info;

		if (token_get_info(mod, ids[i], &info) != CKR_OK)
			continue;
		printf("%.32s  serial %.16s  min-pin %lu\n", info.label,
		       info.serialNumber, info.ulMinPinLen);
	}
	free(ids);
	token_module_close(mod);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot list tokens", rv);
	return EXIT_OK;
}

static int token_remove(int argc, char **argv)
{
	struct tc_module *mod = NULL;
	int64_t id = 0;
	CK_RV rv;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(token_usage, stdout);
		return EXIT_OK;
	}
	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("token", "token remove takes one LABEL");
	if (cli_check_store(false) != EXIT_OK)
		return EXIT_FAIL;
	rv = token_module_open(&mod);
	if (rv == CKR_OK)
		rv = token_find_by_label(mod, argv[1], &id);
	if (rv == CKR_OK)
		rv = token_admin_remove(mod, id);
	token_module_close(mod);
	if (rv == CKR_TOKEN_NOT_PRESENT)
		return cli_fail("no token labelled '%s'", argv[1]);
	if (rv != CKR_OK)
		return cli_fail_rv("cannot remove the token", rv);
	printf("token '%s' removed\n", argv[1]);
	return EXIT_OK;
}

int cmd_token(int argc, char **argv)
{
	optind = 1;
	if (argc >= 2 && strcmp(argv[1], "add") == 0)
		return token_add(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "list") == 0)
		return token_list_cmd();
	if (argc >= 2 && strcmp(argv[1], "remove") == 0)
		return token_remove(argc - 1, argv + 1);
	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		fputs(token_usage, stdout);
		return EXIT_OK;
	}
	return cli_usage_error("token", "expected 'token add', 'token list' "
					"or 'token remove'");
}
