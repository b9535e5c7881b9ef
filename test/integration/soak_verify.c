/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * soak verify MODULE PIN TOKEN FILE...
 *
 * After the soak: every token object the workers left (their lines in
 * FILE... for TOKEN) is on the token exactly once and works, and the
 * token holds no "soak-" object besides them (nothing destroyed came
 * back, nothing kept was lost).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "p11check.h"
#include "soak.h"

#define MAX_EXPECTED 16384

struct expected {
	char label[64];
	bool key;
	unsigned char bytes[256];
	size_t len;
	bool private;
};

static struct expected expected[MAX_EXPECTED];
static int n_expected;

static int unhex(const char *hex, unsigned char *out, size_t max)
{
	size_t n = strlen(hex) / 2;

	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (unsigned char)v;
	}
	return (int)n;
}

static int read_expected(const char *token, const char *path)
{
	char line[1024], tok[64], label[64], kind[8], hex[600];
	int private;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return fprintf(stderr, "soak: cannot read %s\n", path), -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		struct expected *e = &expected[n_expected];
		int len;

		if (sscanf(line, "%63s %63s %7s %599s %d", tok, label, kind, hex,
			   &private) != 5 || n_expected == MAX_EXPECTED) {
			fclose(f);
			return fprintf(stderr, "soak: bad line %s", line), -1;
		}
		if (strcmp(tok, token) != 0)
			continue;
		len = unhex(hex, e->bytes, sizeof(e->bytes));
		if (len < 0) {
			fclose(f);
			return -1;
		}
		snprintf(e->label, sizeof(e->label), "%s", label);
		e->key = strcmp(kind, "key") == 0;
		e->len = (size_t)len;
		e->private = private != 0;
		n_expected++;
	}
	fclose(f);
	return 0;
}

static void check_key(CK_SESSION_HANDLE s, const struct expected *e)
{
	CK_OBJECT_HANDLE priv, pub;
	const unsigned char *p = e->bytes;
	EVP_PKEY *recorded = d2i_PUBKEY(NULL, &p, (long)e->len);
	unsigned char der[256];
	CK_ULONG der_len = sizeof(der);
	EVP_PKEY *now;

	if (soak_find(s, e->label, CKO_PRIVATE_KEY, &priv, 1) != 1 ||
	    soak_find(s, e->label, CKO_PUBLIC_KEY, &pub, 1) != 1) {
		soak_fail(e->label, CKR_OBJECT_HANDLE_INVALID, CKR_OK);
		EVP_PKEY_free(recorded);
		return;
	}
	now = p11check_public_key(fn, s, pub, der, &der_len);
	if (recorded == NULL || now == NULL || der_len != e->len ||
	    memcmp(der, e->bytes, e->len) != 0)
		soak_fail("kept key's public key changed", CKR_GENERAL_ERROR,
			  CKR_OK);
	else
		soak_expect(e->label, soak_sign(s, priv, recorded, e->label),
			    CKR_OK);
	EVP_PKEY_free(recorded);
	EVP_PKEY_free(now);
}

static void check_data(CK_SESSION_HANDLE s, const struct expected *e)
{
	CK_OBJECT_HANDLE h;
	unsigned char value[256];
	CK_ATTRIBUTE a = { CKA_VALUE, value, sizeof(value) };
	CK_BBOOL private = CK_FALSE;
	CK_ATTRIBUTE b = { CKA_PRIVATE, &private, sizeof(private) };

	if (soak_find(s, e->label, CKO_DATA, &h, 1) != 1) {
		soak_fail(e->label, CKR_OBJECT_HANDLE_INVALID, CKR_OK);
		return;
	}
	if (!soak_expect(e->label, fn->C_GetAttributeValue(s, h, &a, 1),
			 CKR_OK) ||
	    !soak_expect(e->label, fn->C_GetAttributeValue(s, h, &b, 1),
			 CKR_OK))
		return;
	if (a.ulValueLen != e->len || memcmp(value, e->bytes, e->len) != 0 ||
	    (private != CK_FALSE) != e->private)
		soak_fail("kept data object changed", CKR_GENERAL_ERROR, CKR_OK);
}

/* Objects labelled "soak-...", all classes. */
static long count_soak_objects(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n;
	long count = 0;

	if (fn->C_FindObjectsInit(s, NULL, 0) != CKR_OK)
		return -1;
	while (fn->C_FindObjects(s, h, 64, &n) == CKR_OK && n > 0) {
		for (CK_ULONG i = 0; i < n; i++) {
			char label[64] = "";
			CK_ATTRIBUTE a = { CKA_LABEL, label,
					   sizeof(label) - 1 };

			if (fn->C_GetAttributeValue(s, h[i], &a, 1) == CKR_OK &&
			    strncmp(label, "soak-", 5) == 0)
				count++;
		}
	}
	fn->C_FindObjectsFinal(s);
	return count;
}

int soak_verify(int argc, char **argv)
{
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	long want = 0, have;

	if (argc < 5)
		return 2;
	for (int i = 5; i < argc; i++)
		if (read_expected(argv[4], argv[i]) != 0)
			return 2;
	if (soak_load_module(argv[2]) != 0 ||
	    soak_find_slot(argv[4], &slot) != 0 ||
	    soak_open_session(slot, &s) != CKR_OK ||
	    soak_login(s, argv[3]) != CKR_OK)
		return fprintf(stderr, "soak: verify cannot log in\n"), 2;
	for (int i = 0; i < n_expected; i++) {
		if (expected[i].key)
			check_key(s, &expected[i]);
		else
			check_data(s, &expected[i]);
		want += expected[i].key ? 2 : 1;
	}
	have = count_soak_objects(s);
	if (have != want) {
		fprintf(stderr, "soak: %s holds %ld soak objects, want %ld\n",
			argv[4], have, want);
		atomic_fetch_add(&soak_unexpected, 1);
	}
	fn->C_CloseSession(s);
	fn->C_Finalize(NULL);
	printf("token=%s objects=%ld unexpected=%ld\n", argv[4], have,
	       atomic_load(&soak_unexpected));
	return atomic_load(&soak_unexpected) == 0 ? 0 : 1;
}
