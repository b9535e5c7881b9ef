/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tpmcard-bench: how fast a PKCS#11 module signs and decrypts, next to
 * what the TPM allows (raw ESAPI with password authorization), every
 * result checked with OpenSSL.  See bench/README.md.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "bench.h"

struct args {
	const char *mode, *module, *token, *pin, *key, *tcti, *blob, *label;
	const struct bench_mech *mech;
	double seconds;
	int count, procs;
};

static const uint8_t sha256_prefix[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
					   0x09, 0x60, 0x86, 0x48, 0x01,
					   0x65, 0x03, 0x04, 0x02, 0x01,
					   0x05, 0x00, 0x04, 0x20 };

/* A fresh input: a message, a DigestInfo, or a plaintext to encrypt. */
static bool make_input(const struct bench_mech *m, uint8_t *in, size_t *len)
{
	*len = m->input_len;
	if (m->op == OP_DERIVE)
		return ecdh_peer_point(in, len);
	if (m->type == CKM_RSA_PKCS) {
		memcpy(in, sha256_prefix, sizeof(sha256_prefix));
		return RAND_bytes(in + 19, 32) == 1;
	}
	return RAND_bytes(in, (int)*len) == 1;
}

/* For decryption: the ciphertext of plain, made with the public key. */
static bool op_input(const struct bench_mech *m, const uint8_t *spki,
		     size_t spki_len, const uint8_t *plain, size_t plain_len,
		     uint8_t *in, size_t *in_len)
{
	if (m->op != OP_DECRYPT) {
		memcpy(in, plain, plain_len);
		*in_len = plain_len;
		return true;
	}
	*in_len = 1024;
	return oaep_encrypt(spki, spki_len, plain, plain_len, in, in_len);
}

static void print_steady(const struct args *a, const char *target,
			 struct bench_stats *s, double busy, size_t checked)
{
	printf("{\"kind\": \"steady\", \"target\": \"%s\", \"label\": \"%s\", "
	       "\"mech\": \"%s\", \"ops\": %zu, \"seconds\": %.3f, "
	       "\"ops_per_s\": %.1f, \"median_ms\": %.3f, \"p95_ms\": %.3f, "
	       "\"verified\": %zu}\n",
	       target, a->label, a->mech->name, s->count, busy,
	       busy > 0 ? (double)s->count / busy : 0,
	       1e3 * stats_quantile(s, 0.5), 1e3 * stats_quantile(s, 0.95),
	       checked);
}

/* The loop both steady modes share; run is one operation. */
typedef bool (*run_fn)(void *ctx, const uint8_t *in, size_t in_len,
		       uint8_t *out, size_t *out_len);

static int steady_loop(const struct args *a, const char *target, run_fn run,
		       void *ctx, const uint8_t *spki, size_t spki_len)
{
	struct bench_stats s = { 0 };
	uint8_t plain[4096], in[8192], out[8192];
	size_t plain_len, in_len, out_len, checked = 0;
	double start = now_seconds(), busy = 0;

	if (!make_input(a->mech, plain, &plain_len) ||
	    !op_input(a->mech, spki, spki_len, plain, plain_len, in, &in_len))
		return 1;
	while (now_seconds() - start < a->seconds) {
		double t = now_seconds();

		out_len = sizeof(out);
		if (!run(ctx, in, in_len, out, &out_len))
			return 1;
		t = now_seconds() - t;
		busy += t;
		stats_add(&s, t);
		/* The first result and one in a hundred after it. */
		if (s.count % 100 == 1) {
			if (!verify_result(a->mech, spki, spki_len, plain,
					   plain_len, out, out_len)) {
				fprintf(stderr, "%s: result %zu is wrong\n",
					target, s.count);
				return 1;
			}
			checked++;
		}
	}
	print_steady(a, target, &s, busy, checked);
	stats_free(&s);
	return 0;
}

struct module_ctx {
	struct p11 p;
	const struct bench_mech *m;
};

static bool module_ctx_run(void *ctx, const uint8_t *in, size_t in_len,
			   uint8_t *out, size_t *out_len)
{
	struct module_ctx *c = ctx;

	return p11_run_once(&c->p, c->m, in, in_len, out, out_len);
}

static int steady_module(const struct args *a)
{
	struct module_ctx c = { .m = a->mech };
	struct cold_phases ph;
	int rc;

	if (!p11_open(&c.p, a->module, a->token, a->pin, a->key, a->mech, &ph))
		return 1;
	rc = steady_loop(a, "module", module_ctx_run, &c, c.p.spki,
			 c.p.spki_len);
	p11_close(&c.p, NULL);
	return rc;
}

static bool raw_ctx_run(void *ctx, const uint8_t *in, size_t in_len,
			uint8_t *out, size_t *out_len)
{
	return raw_run_once(ctx, in, in_len, out, out_len);
}

static int steady_raw(const struct args *a)
{
	struct raw *r = raw_open(a->tcti, a->mech);
	const uint8_t *spki;
	size_t spki_len;
	int rc;

	if (r == NULL) {
		fprintf(stderr, "raw ESAPI: cannot make a key on %s\n",
			a->tcti);
		return 1;
	}
	spki = raw_spki(r, &spki_len);
	rc = steady_loop(a, "raw", raw_ctx_run, r, spki, spki_len);
	raw_close(r);
	return rc;
}

static void print_hex(const uint8_t *data, size_t len)
{
	putchar(' ');
	for (size_t i = 0; i < len; i++)
		printf("%02x", data[i]);
	if (len == 0)
		putchar('-');
}

/*
 * What a cold child reports, on one line: its phases but the last, the
 * input, the result and the key's public part in hex, then the finalize
 * phase on a line of its own.  The parent checks the result, after the
 * child has exited, so that checking is not timed as the child's.
 */
static void print_result(const struct cold_phases *ph, const uint8_t *plain,
			 size_t plain_len, const uint8_t *out, size_t out_len,
			 const uint8_t *spki, size_t spki_len)
{
	printf("%.6f %.6f %.6f %.6f %.6f", ph->load, ph->init, ph->find,
	       ph->login, ph->op);
	print_hex(plain, plain_len);
	print_hex(out, out_len);
	print_hex(spki, spki_len);
	putchar('\n');
}

/* One cold process of the module: every phase timed; the parent checks. */
static int cold_child_module(const struct args *a)
{
	struct p11 p;
	struct cold_phases ph = { 0 };
	uint8_t plain[4096], in[8192], out[8192];
	size_t plain_len, in_len, out_len = sizeof(out);
	double t;
	bool ok;

	if (!make_input(a->mech, plain, &plain_len))
		return 1;
	ok = p11_open(&p, a->module, a->token, a->pin, a->key, a->mech, &ph);
	ok = ok && op_input(a->mech, p.spki, p.spki_len, plain, plain_len, in,
			    &in_len);
	t = now_seconds();
	ok = ok && p11_run_once(&p, a->mech, in, in_len, out, &out_len);
	ph.op = now_seconds() - t;
	if (ok) /* p11_close clears p: the key's public part goes first */
		print_result(&ph, plain, plain_len, out, out_len, p.spki,
			     p.spki_len);
	p11_close(&p, &ph);
	if (!ok)
		return 1;
	printf("%.6f\n", ph.finalize);
	return 0;
}

/* Logs in, performs --count operations, finalizes: for counting. */
static int ops_child(const struct args *a)
{
	struct p11 p;
	struct cold_phases ph = { 0 };
	uint8_t plain[4096], in[8192], out[8192];
	size_t plain_len, in_len, out_len;
	bool ok = make_input(a->mech, plain, &plain_len) &&
		  p11_open(&p, a->module, a->token, a->pin, a->key, a->mech,
			   &ph) &&
		  op_input(a->mech, p.spki, p.spki_len, plain, plain_len, in,
			   &in_len);

	for (int i = 0; ok && i < a->count; i++) {
		out_len = sizeof(out);
		ok = p11_run_once(&p, a->mech, in, in_len, out, &out_len);
	}
	p11_close(&p, &ph);
	if (!ok)
		return 1;
	printf("0 0 0 0 0 - - -\n0\n");
	return 0;
}

static int cold_child_raw(const struct args *a)
{
	uint8_t plain[4096], in[8192], out[8192], spki[1024];
	size_t plain_len, in_len, out_len = sizeof(out), spki_len = sizeof(spki);
	struct cold_phases ph = { 0 };
	double t;
	bool ok = make_input(a->mech, plain, &plain_len) &&
		  raw_cold_spki(a->blob, spki, &spki_len) &&
		  op_input(a->mech, spki, spki_len, plain, plain_len, in,
			   &in_len);

	t = now_seconds();
	ok = ok && raw_cold_once(a->tcti, a->mech, a->blob, in, in_len, out,
				 &out_len);
	ph.op = now_seconds() - t;
	if (!ok)
		return 1;
	print_result(&ph, plain, plain_len, out, out_len, spki, spki_len);
	printf("0\n");
	return 0;
}

/* Records the child's TPM traffic here when set (the pcap TCTI). */
static const char *capture_path;

/* Puts the pcap TCTI in front of the TCTI a variable names, if set. */
static void capture_tcti(const char *variable)
{
	const char *inner = getenv(variable);
	char *tcti = NULL;

	if (inner == NULL && strcmp(variable, "TPMCARD_TCTI") != 0)
		return;
	if (asprintf(&tcti, "pcap:%s", inner ? inner : "") < 0)
		_exit(127);
	setenv(variable, tcti, 1);
	free(tcti);
}

/* The child's stderr goes here when set. */
static const char *stderr_path;

/* Runs this program as a child; its phase line into ph, wall time in *s. */
/* What one cold child did and reported (see print_result). */
struct cold_result {
	struct cold_phases ph;
	uint8_t plain[4096], out[8192], spki[2048];
	size_t plain_len, out_len, spki_len;
};

/* One hex token ("-": empty) into buf; false when malformed. */
static bool parse_hex(char **cursor, uint8_t *buf, size_t max, size_t *len)
{
	char *tok = strtok_r(NULL, " \n", cursor);
	size_t n;

	if (tok == NULL)
		return false;
	*len = 0;
	if (strcmp(tok, "-") == 0)
		return true;
	n = strlen(tok);
	if (n % 2 != 0 || n / 2 > max)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int byte;

		if (sscanf(tok + 2 * i, "%2x", &byte) != 1)
			return false;
		buf[i] = (uint8_t)byte;
	}
	*len = n / 2;
	return true;
}

static bool parse_result(char *text, struct cold_result *r)
{
	struct cold_phases *ph = &r->ph;
	char *cursor = NULL, *tok;
	int used = 0;

	if (sscanf(text, "%lf %lf %lf %lf %lf%n", &ph->load, &ph->init,
		   &ph->find, &ph->login, &ph->op, &used) != 5)
		return false;
	cursor = text + used; /* strtok_r(NULL, ...) goes on from here */
	return parse_hex(&cursor, r->plain, sizeof(r->plain),
			 &r->plain_len) &&
	       parse_hex(&cursor, r->out, sizeof(r->out), &r->out_len) &&
	       parse_hex(&cursor, r->spki, sizeof(r->spki), &r->spki_len) &&
	       (tok = strtok_r(NULL, " \n", &cursor)) != NULL &&
	       sscanf(tok, "%lf", &ph->finalize) == 1;
}

static bool spawn_child(char **argv, struct cold_result *r, double *s)
{
	static char text[64 * 1024];
	size_t len;
	int fds[2], status = 0;
	double t = now_seconds();
	pid_t pid;
	FILE *f;
	bool ok;

	if (pipe(fds) != 0)
		return false;
	pid = fork();
	if (pid == 0) {
		if (capture_path != NULL) {
			capture_tcti("TPMCARD_TCTI");
			capture_tcti("TPM2_PKCS11_TCTI"); /* tpm2-pkcs11's */
			setenv("TCTI_PCAP_FILE", capture_path, 1);
			unlink(capture_path);
		}
		if (stderr_path != NULL) {
			int fd = open(stderr_path,
				      O_WRONLY | O_CREAT | O_TRUNC, 0600);

			if (fd >= 0)
				dup2(fd, 2);
		}
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	len = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;
	text[len] = '\0';
	if (f != NULL)
		fclose(f);
	ok = pid > 0 && waitpid(pid, &status, 0) == pid;
	*s = now_seconds() - t;
	return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
	       parse_result(text, r);
}

static int cold_parent(const struct args *a, char **child_argv,
		       const char *target)
{
	struct bench_stats total = { 0 }, phase[6] = { 0 };
	static const char *names[6] = { "load",	 "init", "find",
					"login", "op",	 "finalize" };

	for (int i = 0; i < a->count; i++) {
		static struct cold_result r;
		double s;
		double *v = &r.ph.load;

		if (!spawn_child(child_argv, &r, &s)) {
			fprintf(stderr, "cold process %d failed\n", i);
			return 1;
		}
		if (!verify_result(a->mech, r.spki, r.spki_len, r.plain,
				   r.plain_len, r.out, r.out_len)) {
			fprintf(stderr, "cold process %d: wrong result\n", i);
			return 1;
		}
		stats_add(&total, s);
		for (int k = 0; k < 6; k++)
			stats_add(&phase[k], v[k]);
	}
	printf("{\"kind\": \"cold\", \"target\": \"%s\", \"label\": \"%s\", "
	       "\"mech\": \"%s\", \"processes\": %d, \"verified\": %d, "
	       "\"median_ms\": %.3f, \"p95_ms\": %.3f, \"phases_median_ms\": {",
	       target, a->label, a->mech->name, a->count, a->count,
	       1e3 * stats_quantile(&total, 0.5),
	       1e3 * stats_quantile(&total, 0.95));
	for (int k = 0; k < 6; k++) {
		printf("%s\"%s\": %.3f", k ? ", " : "", names[k],
		       1e3 * stats_quantile(&phase[k], 0.5));
		stats_free(&phase[k]);
	}
	printf("}}\n");
	stats_free(&total);
	return 0;
}

static int cold(const struct args *a, int argc, char **argv, bool raw)
{
	char **child = calloc((size_t)argc + 1, sizeof(char *));
	int rc;

	if (child == NULL)
		return 1;
	for (int i = 0; i < argc; i++)
		child[i] = argv[i];
	child[1] = raw ? "raw-cold-child" : "cold-child";
	if (raw && !raw_cold_prepare(a->tcti, a->mech, a->blob)) {
		fprintf(stderr, "raw ESAPI: cannot save a key\n");
		free(child);
		return 1;
	}
	rc = cold_parent(a, child, raw ? "raw" : "module");
	free(child);
	return rc;
}

/* Spawns one child under capture and counts what it sent the TPM. */
static bool count_child(char **argv, const char *mode, const char *count,
			const char *path, struct cmd_counts *c)
{
	static struct cold_result r;
	double s;

	argv[1] = (char *)mode;
	for (int i = 2; argv[i] != NULL; i++)
		if (strcmp(argv[i], "--count") == 0 && argv[i + 1] != NULL)
			argv[i + 1] = (char *)count;
	capture_path = path;
	return spawn_child(argv, &r, &s) && pcap_count(path, c);
}

/*
 * TPM commands of one cold process (module or raw), and for the module
 * the commands of one steady operation: (N operations - 1) / (N - 1).
 */
static int commands(const struct args *a, int argc, char **argv, bool raw)
{
	char **child = calloc((size_t)argc + 3, sizeof(char *));
	char path[64];
	struct cmd_counts cold_c, none, many;
	char n[16];
	bool ok;

	if (child == NULL || a->count < 2)
		return 1;
	for (int i = 0; i < argc; i++)
		child[i] = argv[i];
	child[argc] = "--count";
	child[argc + 1] = "0";
	snprintf(path, sizeof(path), "/tmp/tpmcard-bench-%d.pcap", getpid());
	snprintf(n, sizeof(n), "%d", a->count);
	if (raw && !raw_cold_prepare(a->tcti, a->mech, a->blob))
		return 1;
	ok = count_child(child, raw ? "raw-cold-child" : "cold-child", "1",
			 path, &cold_c);
	ok = ok && (raw || (count_child(child, "ops-child", "1", path, &none) &&
			    count_child(child, "ops-child", n, path, &many)));
	unlink(path);
	free(child);
	if (!ok) {
		fprintf(stderr, "counting commands failed\n");
		return 1;
	}
	printf("{\"kind\": \"commands\", \"target\": \"%s\", "
	       "\"label\": \"%s\", \"mech\": \"%s\", \"cold\": %u, "
	       "\"cold_commands\": ",
	       raw ? "raw" : "module", a->label, a->mech->name, cold_c.total);
	print_counts(&cold_c);
	if (!raw) {
		printf(", \"per_op\": %.2f",
		       (double)(many.total - none.total) / (a->count - 1));
	}
	printf("}\n");
	return 0;
}

/*
 * C_Initialize where no TPM answers and no store exists, in fresh
 * processes: how long, and whether anything is printed.
 */
static int init_child(const struct args *a)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR fn = NULL;
	CK_ULONG n = 0;
	double t;
	void *lib = dlopen(a->module, RTLD_NOW | RTLD_LOCAL);

	if (lib == NULL)
		return 1;
	*(void **)&get = dlsym(lib, "C_GetFunctionList");
	if (get == NULL || get(&fn) != CKR_OK)
		return 1;
	t = now_seconds();
	if (fn->C_Initialize(NULL) != CKR_OK)
		return 1;
	t = now_seconds() - t;
	/* A slot list, as every application asks next. */
	if (fn->C_GetSlotList(CK_FALSE, NULL, &n) != CKR_OK)
		return 1;
	fn->C_Finalize(NULL);
	printf("0 %.6f 0 0 0 - - -\n0\n", t);
	return 0;
}

static int init_parent(const struct args *a, int argc, char **argv)
{
	struct bench_stats init = { 0 };
	char **child = calloc((size_t)argc + 1, sizeof(char *));
	char err_path[64];
	bool silent = true;

	if (child == NULL)
		return 1;
	for (int i = 0; i < argc; i++)
		child[i] = argv[i];
	child[1] = "init-child";
	snprintf(err_path, sizeof(err_path), "/tmp/tpmcard-bench-%d.err",
		 getpid());
	setenv("TPMCARD_TCTI", "swtpm:host=127.0.0.1,port=1", 1);
	setenv("TPMCARD_STORE", "/nonexistent/tpmcard/store.sqlite3", 1);
	unsetenv("TPMCARD_LOG");
	stderr_path = err_path;
	for (int i = 0; i < a->count; i++) {
		static struct cold_result r;
		struct stat st;
		double s;

		if (!spawn_child(child, &r, &s)) {
			fprintf(stderr, "init process %d failed\n", i);
			return 1;
		}
		stats_add(&init, r.ph.init);
		if (stat(err_path, &st) == 0 && st.st_size > 0)
			silent = false;
	}
	unlink(err_path);
	printf("{\"kind\": \"init\", \"target\": \"module\", "
	       "\"label\": \"%s\", \"mech\": \"none\", "
	       "\"processes\": %d, \"median_ms\": %.3f, \"p95_ms\": %.3f, "
	       "\"silent\": %s}\n",
	       a->label, a->count, 1e3 * stats_quantile(&init, 0.5),
	       1e3 * stats_quantile(&init, 0.95), silent ? "true" : "false");
	stats_free(&init);
	free(child);
	return 0;
}

/*
 * Keys found among --count of them: a setup pass stores them (once), then
 * fresh processes each open a session, find one key by label and read an
 * attribute, with no login (public keys).
 */
static int find_child(const struct args *a)
{
	CK_RV (*get)(CK_FUNCTION_LIST_PTR_PTR);
	CK_FUNCTION_LIST_PTR fn = NULL;
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	double t_init, t_find;
	void *lib = dlopen(a->module, RTLD_NOW | RTLD_LOCAL);
	bool ok;

	if (lib == NULL)
		return 1;
	*(void **)&get = dlsym(lib, "C_GetFunctionList");
	if (get == NULL || get(&fn) != CKR_OK)
		return 1;
	t_init = now_seconds();
	ok = fn->C_Initialize(NULL) == CKR_OK;
	t_init = now_seconds() - t_init;
	ok = ok && fn->C_GetSlotList(CK_TRUE, slots, &n) == CKR_OK && n > 0 &&
	     fn->C_OpenSession(slots[0], CKF_SERIAL_SESSION, NULL, NULL, &s) ==
		     CKR_OK &&
	     find_once(fn, s, (int)(getpid() % (unsigned)a->count), &t_find);
	fn->C_Finalize(NULL);
	if (!ok)
		return 1;
	printf("0 %.6f %.6f 0 0 - - -\n0\n", t_init, t_find);
	return 0;
}

static int find_parent(const struct args *a, int argc, char **argv)
{
	struct bench_stats init = { 0 }, find = { 0 };
	char **child = calloc((size_t)argc + 1, sizeof(char *));
	const struct bench_mech *ec = bench_mech_by_name("ecdsa");
	struct cold_phases ph;
	struct p11 p;
	int processes = 50;

	if (child == NULL || !p11_open(&p, a->module, a->token, a->pin, a->key,
				       ec, &ph))
		return 1;
	if (!find_setup(&p, a->count))
		return 1;
	p11_close(&p, NULL);
	for (int i = 0; i < argc; i++)
		child[i] = argv[i];
	child[1] = "find-child";
	for (int i = 0; i < processes; i++) {
		static struct cold_result r;
		double s;

		if (!spawn_child(child, &r, &s)) {
			fprintf(stderr, "find process %d failed\n", i);
			return 1;
		}
		stats_add(&init, r.ph.init);
		stats_add(&find, r.ph.find);
	}
	printf("{\"kind\": \"find\", \"target\": \"module\", "
	       "\"label\": \"%s\", \"mech\": \"none\", \"keys\": %d, "
	       "\"processes\": %d, \"find_median_ms\": %.3f, "
	       "\"find_p95_ms\": %.3f, \"init_median_ms\": %.3f}\n",
	       a->label, a->count, processes, 1e3 * stats_quantile(&find, 0.5),
	       1e3 * stats_quantile(&find, 0.95),
	       1e3 * stats_quantile(&init, 0.5));
	stats_free(&init);
	stats_free(&find);
	free(child);
	return 0;
}

/*
 * --procs processes of steady signing at once on one TPM: the total rate,
 * and whether every one of them succeeded.
 */
/* P processes of steady (or raw-steady) at once: how many succeed. */
static int parallel(const struct args *a, int argc, char **argv, bool raw)
{
	char **child = calloc((size_t)argc + 1, sizeof(char *));
	int procs = a->procs, ok_count = 0;
	pid_t *pids = calloc((size_t)procs, sizeof(pid_t));
	FILE **outs = calloc((size_t)procs, sizeof(FILE *));
	double total = 0;

	if (child == NULL || pids == NULL || outs == NULL)
		return 1;
	for (int i = 0; i < argc; i++)
		child[i] = argv[i];
	child[1] = raw ? "raw-steady" : "steady";
	for (int i = 0; i < procs; i++) {
		int fds[2];

		if (pipe(fds) != 0)
			return 1;
		pids[i] = fork();
		if (pids[i] == 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			close(fds[1]);
			execv("/proc/self/exe", child);
			_exit(127);
		}
		close(fds[1]);
		outs[i] = fdopen(fds[0], "r");
	}
	for (int i = 0; i < procs; i++) {
		char line[1024] = "";
		const char *rate;
		int status = 0;
		bool got = outs[i] != NULL &&
			   fgets(line, sizeof(line), outs[i]) != NULL;

		if (outs[i] != NULL)
			fclose(outs[i]);
		waitpid(pids[i], &status, 0);
		rate = got ? strstr(line, "\"ops_per_s\": ") : NULL;
		if (rate != NULL && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0) {
			total += atof(rate + 13);
			ok_count++;
		}
	}
	printf("{\"kind\": \"parallel\", \"target\": \"%s\", "
	       "\"label\": \"%s\", \"mech\": \"%s\", \"processes\": %d, "
	       "\"succeeded\": %d, \"total_ops_per_s\": %.1f}\n",
	       raw ? "raw" : "module", a->label, a->mech->name, procs,
	       ok_count, total);
	free(child);
	free(pids);
	free(outs);
	return ok_count == procs ? 0 : 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: tpmcard-bench MODE [options]\n"
		"  steady|cold|commands|parallel --module PATH --token LABEL --pin PIN --key LABEL\n"
		"                   (parallel: --procs N processes of steady at once)\n"
		"  raw-steady|raw-cold|raw-commands|raw-parallel --tcti TCTI [--blob FILE]\n"
		"  init --module PATH   (no TPM, no store: C_Initialize)\n"
		"  find --module PATH --token LABEL --pin PIN --key EC-LABEL --count KEYS\n"
		"  all modes: --mech rsa-pkcs|rsa-sha256|rsa-pss|rsa-oaep|ecdsa\n"
		"             [--seconds S] [--count N] [--label TEXT]\n");
}

static bool parse(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "module", 1, NULL, 'm' }, { "token", 1, NULL, 't' },
		{ "pin", 1, NULL, 'p' },    { "key", 1, NULL, 'k' },
		{ "tcti", 1, NULL, 'T' },   { "blob", 1, NULL, 'b' },
		{ "mech", 1, NULL, 'M' },   { "seconds", 1, NULL, 's' },
		{ "count", 1, NULL, 'n' },  { "label", 1, NULL, 'l' },
		{ "procs", 1, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	if (argc < 2)
		return false;
	*a = (struct args){ .mode = argv[1], .seconds = 5, .count = 50,
			    .procs = 4,
			    .label = "", .blob = "/tmp/tpmcard-bench.key" };
	a->tcti = getenv("TPMCARD_TCTI");
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': a->module = optarg; break;
		case 't': a->token = optarg; break;
		case 'p': a->pin = optarg; break;
		case 'k': a->key = optarg; break;
		case 'T': a->tcti = optarg; break;
		case 'b': a->blob = optarg; break;
		case 'M': a->mech = bench_mech_by_name(optarg); break;
		case 's': a->seconds = atof(optarg); break;
		case 'n': a->count = atoi(optarg); break;
		case 'l': a->label = optarg; break;
		case 'P': a->procs = atoi(optarg); break;
		default: return false;
		}
	}
	if (strncmp(a->mode, "init", 4) == 0 ||
	    strcmp(a->mode, "find-child") == 0)
		return a->module != NULL;
	if (strcmp(a->mode, "find") == 0)
		return a->module && a->token && a->pin && a->key;
	if (a->mech == NULL)
		return false;
	if (strncmp(a->mode, "raw", 3) == 0)
		return a->tcti != NULL;
	return a->module && a->token && a->pin && a->key;
}

int main(int argc, char **argv)
{
	struct args a;

	if (!parse(argc, argv, &a)) {
		usage();
		return 2;
	}
	if (strcmp(a.mode, "steady") == 0)
		return steady_module(&a);
	if (strcmp(a.mode, "raw-steady") == 0)
		return steady_raw(&a);
	if (strcmp(a.mode, "cold") == 0)
		return cold(&a, argc, argv, false);
	if (strcmp(a.mode, "raw-cold") == 0)
		return cold(&a, argc, argv, true);
	if (strcmp(a.mode, "commands") == 0)
		return commands(&a, argc, argv, false);
	if (strcmp(a.mode, "raw-commands") == 0)
		return commands(&a, argc, argv, true);
	if (strcmp(a.mode, "parallel") == 0)
		return parallel(&a, argc, argv, false);
	if (strcmp(a.mode, "raw-parallel") == 0)
		return parallel(&a, argc, argv, true);
	if (strcmp(a.mode, "find") == 0)
		return find_parent(&a, argc, argv);
	if (strcmp(a.mode, "find-child") == 0)
		return find_child(&a);
	if (strcmp(a.mode, "init") == 0)
		return init_parent(&a, argc, argv);
	if (strcmp(a.mode, "init-child") == 0)
		return init_child(&a);
	if (strcmp(a.mode, "ops-child") == 0)
		return ops_child(&a);
	if (strcmp(a.mode, "cold-child") == 0)
		return cold_child_module(&a);
	if (strcmp(a.mode, "raw-cold-child") == 0)
		return cold_child_raw(&a);
	usage();
	return 2;
}
