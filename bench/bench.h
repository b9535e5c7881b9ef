/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_BENCH_H
#define TPMCARD_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <p11-kit/pkcs11.h>

/* What one measurement is about. */
enum bench_op { OP_SIGN, OP_DECRYPT, OP_ENCRYPT, OP_DERIVE };

struct bench_mech {
	const char *name;	/* as given on the command line */
	CK_MECHANISM_TYPE type;
	CK_KEY_TYPE key_type;
	enum bench_op op;
	size_t input_len;	/* what is signed or encrypted, bytes */
};

const struct bench_mech *bench_mech_by_name(const char *name);

/* Secret keys (AES, HMAC) are imported with a value the bench knows. */
bool bench_is_secret(const struct bench_mech *m);
void bench_secret_value(const struct bench_mech *m, uint8_t value[32]);

/* ECDH: the peer's key pair, whose public point is the input. */
bool ecdh_peer_point(uint8_t *point, size_t *len);

/* Latencies in seconds, and what they add up to. */
struct bench_stats {
	double *samples;
	size_t count, cap;
};

void stats_add(struct bench_stats *s, double seconds);
double stats_quantile(struct bench_stats *s, double q); /* sorts */
void stats_free(struct bench_stats *s);

double now_seconds(void);

/* Checks one result against OpenSSL: a signature, or a decryption. */
bool verify_result(const struct bench_mech *m, const uint8_t *spki,
		   size_t spki_len, const uint8_t *input, size_t input_len,
		   const uint8_t *out, size_t out_len);

/* RSA-OAEP (SHA-256) encryption with OpenSSL, for decryption runs. */
bool oaep_encrypt(const uint8_t *spki, size_t spki_len, const uint8_t *in,
		  size_t in_len, uint8_t *out, size_t *out_len);

/* A loaded PKCS#11 module with a logged-in session on one token. */
struct p11 {
	void *lib;
	CK_FUNCTION_LIST_PTR fn;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	uint8_t spki[2048];
	size_t spki_len;
};

/* The key's SubjectPublicKeyInfo from its public key object, into p. */
bool spki_from_public_object(struct p11 *p, const char *label,
			     CK_KEY_TYPE type);

/* Phase times of one cold process (seconds). */
struct cold_phases {
	double load, init, find, login, op, finalize;
};

bool p11_open(struct p11 *p, const char *module, const char *token,
	      const char *pin, const char *key_label,
	      const struct bench_mech *m, struct cold_phases *phases);
void p11_close(struct p11 *p, struct cold_phases *phases);

/* One operation: a signature, or a decryption of a prepared input. */
bool p11_run_once(struct p11 *p, const struct bench_mech *m,
		  const uint8_t *input, size_t input_len, uint8_t *out,
		  size_t *out_len);

/* The raw ESAPI limit: password-auth keys of the bench's own. */
struct raw;
struct raw *raw_open(const char *tcti, const struct bench_mech *m);
bool raw_run_once(struct raw *r, const uint8_t *input, size_t input_len,
		  uint8_t *out, size_t *out_len);
const uint8_t *raw_spki(struct raw *r, size_t *len);
void raw_close(struct raw *r);
/* A cold raw process: connect, load the saved key, sign, exit. */
bool raw_cold_prepare(const char *tcti, const struct bench_mech *m,
		      const char *blob_path);
bool raw_cold_once(const char *tcti, const struct bench_mech *m,
		   const char *blob_path, const uint8_t *input,
		   size_t input_len, uint8_t *out, size_t *out_len);
/* The public key info saved with the key, for checking. */
bool raw_cold_spki(const char *blob_path, uint8_t *spki, size_t *len);

/* Many keys on a token: stores find-0 .. find-(count-1) once. */
bool find_setup(struct p11 *p, int count);
/* Finds find-<which> by label and reads its point; *seconds gets the time. */
bool find_once(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, int which,
	       double *seconds);

/* TPM commands by command code, from a pcap TCTI capture. */
#define CMD_KINDS_MAX 32
struct cmd_counts {
	uint32_t code[CMD_KINDS_MAX];
	unsigned int n[CMD_KINDS_MAX];
	size_t kinds;
	unsigned int total;
};

bool pcap_count(const char *path, struct cmd_counts *c);
const char *tpm_command_name(uint32_t code);
/* As a JSON object: {"Sign": 3, ...}. */
void print_counts(const struct cmd_counts *c);

#endif /* TPMCARD_BENCH_H */
