/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `tpmcard` admin command's arguments: the input, split at NUL
 * bytes, is argv after "tpmcard", run in-process (tools/ptool built into
 * this target with its main renamed ptool_main, see CMakeLists.txt)
 * against a scratch store with one token holding keys and a certificate,
 * on a software TPM.  ptool_main must return 0, 1 or 2 and never crash
 * or leak; the store is put back as it was after every input, so that
 * token remove, key remove or pin change do not wear it away.
 *
 * The scratch directory is the CLI's working directory, holding files the
 * arguments can name: pin (the user PIN), so-pin, new-pin, ec.der and
 * rsa.der (PKCS#8 keys), cert.der, junk.  PINs, the new PIN and a key
 * passphrase are in the environment, so the CLI never prompts.
 *
 * Not run, so that the fuzzer stays in its scratch directory and on
 * time: arguments that start with '/' or contain "..", and RSA-3072 and
 * -4096 generation; rsa2048 generation runs once in RSA_BUDGET tries
 * (else the type becomes the unknown "rsa1024").
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/common_interface_defs.h>

#include "fuzz_p11.h"
#include "fuzz_vectors.h"

#define MAX_ARGS 32
#define RSA_BUDGET 32

int ptool_main(int argc, char **argv);

static int saved_stderr = -1, saved_cwd = -1, scratch_fd = -1;
static unsigned long rsa_requests;
static unsigned long runs[3];

/* What the scratch directory holds; anything else an input made goes. */
static const char *const kept[] = {
	"store.sqlite3", "pristine.sqlite3", "run", "pin", "so-pin",
	"new-pin", "ec.der", "rsa.der", "cert.der", "junk",
};

static void write_file(const char *name, const void *data, size_t len)
{
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		fuzz_fail("writing %s: %s", name, strerror(errno));
	close(fd);
}

static void write_files(void)
{
	write_file("pin", FUZZ_USER_PIN "\n", strlen(FUZZ_USER_PIN) + 1);
	write_file("so-pin", FUZZ_SO_PIN "\n", strlen(FUZZ_SO_PIN) + 1);
	write_file("new-pin", "7654321\n", 8);
	write_file("ec.der", vec_p256_pkcs8, sizeof(vec_p256_pkcs8));
	write_file("rsa.der", vec_rsa_pkcs8, sizeof(vec_rsa_pkcs8));
	write_file("cert.der", vec_cert, sizeof(vec_cert));
	write_file("junk", "-----BEGIN junk", 15);
}

/* The CLI's messages go nowhere; sanitizer reports still show. */
static void quiet_stderr(bool quiet)
{
	static int null_fd = -1;

	if (getenv("FUZZ_CLI_STDERR") != NULL)
		return;
	if (null_fd < 0)
		null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fflush(stderr);
	dup2(quiet ? null_fd : saved_stderr, STDERR_FILENO);
}

/* In the scratch directory (libFuzzer's own paths may be relative). */
static void enter_scratch(bool enter)
{
	if (fchdir(enter ? scratch_fd : saved_cwd) != 0)
		fuzz_fail("fchdir: %s", strerror(errno));
}

static int run_cli(int argc, char **argv)
{
	int rc;

	enter_scratch(true);
	quiet_stderr(true);
	rc = ptool_main(argc, argv);
	fflush(stdout);
	quiet_stderr(false);
	enter_scratch(false);
	return rc;
}

/* Runs one command of the setup; it must succeed. */
static void setup_command(char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	optind = 0;
	if (run_cli(argc, argv) != 0)
		fuzz_fail("setup: tpmcard %s %s failed", argv[1], argv[2]);
}

static void provision(void)
{
	static char *cmds[][12] = {
		{ "tpmcard", "key", "generate", "--token", FUZZ_TOKEN_LABEL,
		  "--type", "ecc-p256", "--label", "ec", NULL },
		{ "tpmcard", "key", "generate", "--token", FUZZ_TOKEN_LABEL,
		  "--type", "rsa2048", "--label", "rsa", "--id", "0102",
		  NULL },
		{ "tpmcard", "key", "import", "--token", FUZZ_TOKEN_LABEL,
		  "--label", "imported", "ec.der", NULL },
		{ "tpmcard", "cert", "add", "--token", FUZZ_TOKEN_LABEL,
		  "--label", "cert", "--id", "0102", "cert.der", NULL },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(*cmds); i++)
		setup_command(cmds[i]);
}

static void print_stats(void)
{
	fprintf(stderr, "fuzz_cli: exit 0: %lu, 1: %lu, 2: %lu\n", runs[0],
		runs[1], runs[2]);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_env_setup("cli");
	saved_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	scratch_fd = open(fuzz_env.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (saved_cwd < 0 || scratch_fd < 0)
		fuzz_fail("cannot open the directories: %s", strerror(errno));
	saved_stderr = dup(STDERR_FILENO);
	__sanitizer_set_report_fd((void *)(intptr_t)saved_stderr);
	if (freopen("/dev/null", "w", stdout) == NULL)
		fuzz_fail("no /dev/null");
	setenv("TPMCARD_USER_PIN", FUZZ_USER_PIN, 1);
	setenv("TPMCARD_SO_PIN", FUZZ_SO_PIN, 1);
	setenv("TPMCARD_NEW_PIN", "7654321", 1);
	setenv("TPMCARD_KEY_PASSPHRASE", "fuzz", 1);
	enter_scratch(true);
	write_files();
	enter_scratch(false);
	fuzz_env_create_token();
	provision();
	fuzz_env_save_store();
	if (getenv("FUZZ_STATS") != NULL)
		atexit(print_stats);
	return 0;
}

/* Whether an argument may run (see the top). */
static bool argument_allowed(const char *arg)
{
	return arg[0] != '/' && strstr(arg, "..") == NULL &&
	       strcmp(arg, "rsa3072") != 0 && strcmp(arg, "rsa4096") != 0;
}

/* rsa2048 as a key type runs for real once in RSA_BUDGET. */
static void cap_rsa(char **arg)
{
	if (strcmp(*arg, "rsa2048") == 0 && rsa_requests++ % RSA_BUDGET != 0)
		memcpy(*arg, "rsa1024", 7);
}

/* argv from the input: "tpmcard", then each NUL-separated piece, each
 * in a buffer of its own (exactly its length and the NUL). */
static int split_arguments(const uint8_t *data, size_t size, char **argv)
{
	int argc = 0;
	size_t start = 0;

	argv[argc++] = strdup("tpmcard");
	while (start <= size && argc < MAX_ARGS) {
		const uint8_t *end = memchr(data + start, 0, size - start);
		size_t len = end ? (size_t)(end - data) - start : size - start;

		if (end == NULL && len == 0)
			break;
		argv[argc] = strndup((const char *)data + start, len);
		if (!argument_allowed(argv[argc])) {
			free(argv[argc]);
			argv[argc] = NULL;
			return -argc;
		}
		cap_rsa(&argv[argc]);
		argc++;
		start += len + 1;
	}
	argv[argc] = NULL;
	return argc;
}

static void free_arguments(char **argv)
{
	for (int i = 0; argv[i] != NULL; i++)
		free(argv[i]);
}

static bool is_kept(const char *name)
{
	for (size_t i = 0; i < sizeof(kept) / sizeof(*kept); i++)
		if (strcmp(name, kept[i]) == 0)
			return true;
	return false;
}

/* Removes what a command made (a store elsewhere, its directories). */
static void clean_scratch(void)
{
	DIR *dir;
	struct dirent *e;

	enter_scratch(true);
	dir = opendir(".");
	if (dir == NULL)
		fuzz_fail("opendir: %s", strerror(errno));
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    is_kept(e->d_name))
			continue;
		fuzz_remove_tree(e->d_name);
	}
	closedir(dir);
	enter_scratch(false);
}

/* getopt keeps a pointer into the last argv between calls: forget it. */
static void reset_getopt(void)
{
	char *dummy[] = { "tpmcard", NULL };

	optind = 0;
	getopt(1, dummy, "");
	optind = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 1] = { NULL };
	int argc = split_arguments(data, size, argv), rc;

	if (argc <= 0) {
		free_arguments(argv);
		return 0;
	}
	setenv("TPMCARD_STORE", fuzz_env.store, 1);
	rc = run_cli(argc, argv);
	if (rc < 0 || rc > 2)
		fuzz_fail("tpmcard returned %d", rc);
	runs[rc]++;
	free_arguments(argv);
	reset_getopt();
	fuzz_env_restore_store();
	clean_scratch();
	return 0;
}
