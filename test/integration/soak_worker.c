/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * soak worker MODULE PIN SECONDS SEED OUT TOKEN...
 *
 * One process of the soak: 4 threads on every token listed, each
 * operation checked against the exact code its case calls for (see
 * soak.c).  Which case applies depends only on whether this process is
 * logged in to the token, and on how many logouts an object has seen:
 * logins and logouts hold the token's lock for writing, every other
 * operation holds it for reading, so the state a thread reads stays true
 * for the whole operation.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "p11check.h"
#include "soak.h"

#define THREADS 4
#define MAX_TOKENS 4
#define MAX_OWN 8
#define WRONG_PIN "000000000"

struct soak_token {
	const char *label;
	CK_SLOT_ID slot;
	/* Open for the whole run: closing a token's last session would
	 * log the process out (PKCS#11 2.40, C_CloseSession). */
	CK_SESSION_HANDLE held;
	pthread_rwlock_t lock;
	bool logged_in;
	unsigned logouts;
	/* The token's own keys, "ec" and "rsa", found once. */
	CK_OBJECT_HANDLE ec, rsa;
	EVP_PKEY *ec_pub, *rsa_pub;
};

enum own_kind { OWN_KEY, OWN_DATA };

/* An object a thread made and still tracks. */
struct own {
	int token;
	enum own_kind kind;
	bool on_token, private;
	/* For a private session object: the token's logouts at creation;
	 * a logout destroys it (PKCS#11 2.40, C_Logout). */
	unsigned logouts;
	char label[48];
	CK_OBJECT_HANDLE handle, pub_handle;
	unsigned char value[32];
	unsigned char der[160];
	CK_ULONG der_len;
	EVP_PKEY *pub;
};

struct worker {
	int id;
	unsigned seed;
	CK_SESSION_HANDLE session[MAX_TOKENS];
	struct own own[MAX_OWN];
	int n_own;
	long made;
};

static struct soak_token tokens[MAX_TOKENS];
static int n_tokens;
static const char *user_pin;
static double deadline;
static FILE *out;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static unsigned char p256_oid[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
				    0x3d, 0x03, 0x01, 0x07 };

static int pick(struct worker *w, int n)
{
	return (int)((unsigned)rand_r(&w->seed) % (unsigned)n);
}

/* ---- cases ---- */

/* Whether the object is there for this process now. */
static bool own_visible(const struct own *o)
{
	return !o->private || tokens[o->token].logged_in;
}

/* A private session object made before the last logout is gone. */
static bool own_destroyed_by_logout(const struct own *o)
{
	return !o->on_token && o->private &&
	       o->logouts != tokens[o->token].logouts;
}

static void own_forget(struct worker *w, int i)
{
	EVP_PKEY_free(w->own[i].pub);
	w->own[i] = w->own[--w->n_own];
}

/* ---- operations, each under the token's lock for reading ---- */

static void op_sign_shared(struct worker *w, struct soak_token *t)
{
	bool rsa = pick(w, 2) == 0;
	CK_RV rv = soak_sign(w->session[t - tokens], rsa ? t->rsa : t->ec,
			     rsa ? t->rsa_pub : t->ec_pub, "shared key");

	soak_expect(rsa ? "sign rsa" : "sign ec", rv,
		    t->logged_in ? CKR_OK : CKR_USER_NOT_LOGGED_IN);
}

static void op_decrypt_shared(struct worker *w, struct soak_token *t)
{
	CK_RV rv = soak_decrypt(w->session[t - tokens], t->rsa, t->rsa_pub);

	soak_expect("decrypt", rv,
		    t->logged_in ? CKR_OK : CKR_USER_NOT_LOGGED_IN);
}

static void own_label(struct worker *w, struct own *o)
{
	snprintf(o->label, sizeof(o->label), "soak-%d-%d-%ld", (int)getpid(),
		 w->id, w->made++);
}

static void op_keygen(struct worker *w, struct soak_token *t)
{
	CK_MECHANISM mech = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE;
	struct own o = { .token = (int)(t - tokens), .kind = OWN_KEY,
			 .on_token = true, .private = true };
	CK_ATTRIBUTE pub[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_EC_PARAMS, p256_oid, sizeof(p256_oid) },
		{ CKA_VERIFY, &yes, sizeof(yes) },
		{ CKA_LABEL, o.label, 0 },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_TOKEN, &yes, sizeof(yes) },
		{ CKA_PRIVATE, &yes, sizeof(yes) },
		{ CKA_SENSITIVE, &yes, sizeof(yes) },
		{ CKA_SIGN, &yes, sizeof(yes) },
		{ CKA_LABEL, o.label, 0 },
	};
	CK_SESSION_HANDLE s = w->session[o.token];
	CK_RV rv;

	if (w->n_own == MAX_OWN)
		return;
	own_label(w, &o);
	pub[3].ulValueLen = priv[4].ulValueLen = strlen(o.label);
	rv = fn->C_GenerateKeyPair(s, &mech, pub, 4, priv, 5, &o.pub_handle,
				   &o.handle);
	if (!soak_expect("generate", rv,
			 t->logged_in ? CKR_OK : CKR_USER_NOT_LOGGED_IN) ||
	    rv != CKR_OK)
		return;
	o.der_len = sizeof(o.der);
	o.pub = p11check_public_key(fn, s, o.pub_handle, o.der, &o.der_len);
	if (o.pub == NULL) {
		soak_fail("generated key's public key", CKR_GENERAL_ERROR,
			  CKR_OK);
		return;
	}
	soak_expect("sign with generated", soak_sign(s, o.handle, o.pub,
						     "generated"), CKR_OK);
	w->own[w->n_own++] = o;
}

static void op_create_data(struct worker *w, struct soak_token *t)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	struct own o = { .token = (int)(t - tokens), .kind = OWN_DATA,
			 .on_token = pick(w, 3) != 0,
			 .private = pick(w, 2) == 0,
			 .logouts = t->logouts };
	CK_BBOOL on_token = o.on_token, private = o.private;
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof(cls) },
		{ CKA_TOKEN, &on_token, sizeof(on_token) },
		{ CKA_PRIVATE, &private, sizeof(private) },
		{ CKA_VALUE, o.value, sizeof(o.value) },
		{ CKA_LABEL, o.label, 0 },
	};
	CK_RV rv;

	if (w->n_own == MAX_OWN)
		return;
	own_label(w, &o);
	tmpl[4].ulValueLen = strlen(o.label);
	RAND_bytes(o.value, sizeof(o.value));
	rv = fn->C_CreateObject(w->session[o.token], tmpl, 5, &o.handle);
	if (soak_expect("create data", rv,
			own_visible(&o) ? CKR_OK : CKR_USER_NOT_LOGGED_IN) &&
	    rv == CKR_OK)
		w->own[w->n_own++] = o;
}

static void use_key(struct worker *w, struct own *o)
{
	CK_SESSION_HANDLE s = w->session[o->token];
	unsigned char der[sizeof(o->der)];
	CK_ATTRIBUTE a = { CKA_PUBLIC_KEY_INFO, der, sizeof(der) };
	CK_RV rv;

	soak_expect("sign with own", soak_sign(s, o->handle, o->pub, "own key"),
		    own_visible(o) ? CKR_OK : CKR_USER_NOT_LOGGED_IN);
	rv = fn->C_GetAttributeValue(s, o->pub_handle, &a, 1);
	if (soak_expect("own public key", rv, CKR_OK) &&
	    (a.ulValueLen != o->der_len || memcmp(der, o->der, o->der_len)))
		soak_fail("own public key is another", CKR_OK, CKR_OK);
}

static void use_data(struct worker *w, struct own *o)
{
	unsigned char value[64];
	CK_ATTRIBUTE a = { CKA_VALUE, value, sizeof(value) };
	CK_RV rv = fn->C_GetAttributeValue(w->session[o->token], o->handle,
					   &a, 1);

	if (soak_expect("read own data", rv,
			own_visible(o) ? CKR_OK : CKR_OBJECT_HANDLE_INVALID) &&
	    rv == CKR_OK &&
	    (a.ulValueLen != sizeof(o->value) ||
	     memcmp(value, o->value, sizeof(o->value)) != 0))
		soak_fail("own data changed", CKR_OK, CKR_OK);
}

/* An own object of this token, its index, or -1. */
static int pick_own(struct worker *w, struct soak_token *t)
{
	int first = w->n_own ? pick(w, w->n_own) : 0;

	for (int k = 0; k < w->n_own; k++) {
		int i = (first + k) % w->n_own;

		if (w->own[i].token == (int)(t - tokens))
			return i;
	}
	return -1;
}

/* A private session object a logout took: its handle is no more. */
static bool settle_logged_out(struct worker *w, int i)
{
	unsigned char value[64];
	CK_ATTRIBUTE a = { CKA_VALUE, value, sizeof(value) };

	if (!own_destroyed_by_logout(&w->own[i]))
		return false;
	soak_expect("session object after logout",
		    fn->C_GetAttributeValue(w->session[w->own[i].token],
					    w->own[i].handle, &a, 1),
		    CKR_OBJECT_HANDLE_INVALID);
	own_forget(w, i);
	return true;
}

static void op_use_own(struct worker *w, struct soak_token *t)
{
	int i = pick_own(w, t);

	if (i < 0 || settle_logged_out(w, i))
		return;
	if (w->own[i].kind == OWN_KEY)
		use_key(w, &w->own[i]);
	else
		use_data(w, &w->own[i]);
}

static void op_find_own(struct worker *w, struct soak_token *t)
{
	CK_OBJECT_HANDLE found[4];
	CK_ULONG want, n;
	struct own *o;
	int i = pick_own(w, t);

	if (i < 0 || settle_logged_out(w, i))
		return;
	o = &w->own[i];
	if (o->kind == OWN_KEY)
		want = own_visible(o) ? 2 : 1;
	else
		want = own_visible(o) ? 1 : 0;
	atomic_fetch_add(&soak_calls, 1);
	n = soak_find(w->session[o->token], o->label, -1, found, 4);
	if (n != want) {
		fprintf(stderr, "soak[%d]: find %s: %lu objects, want %lu\n",
			(int)getpid(), o->label, n, want);
		atomic_fetch_add(&soak_unexpected, 1);
	}
}

static void op_destroy_own(struct worker *w, struct soak_token *t)
{
	CK_SESSION_HANDLE s = w->session[t - tokens];
	CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
	struct own *o;
	bool visible;
	int i = pick_own(w, t);

	if (i < 0 || settle_logged_out(w, i))
		return;
	o = &w->own[i];
	visible = own_visible(o);
	if (!soak_expect("destroy own", fn->C_DestroyObject(s, o->handle),
			 visible ? CKR_OK : CKR_OBJECT_HANDLE_INVALID) ||
	    !visible)
		return;
	if (o->kind == OWN_KEY)
		soak_expect("destroy own public",
			    fn->C_DestroyObject(s, o->pub_handle), CKR_OK);
	soak_expect("destroyed object", fn->C_GetAttributeValue(s, o->handle,
								&a, 1),
		    CKR_OBJECT_HANDLE_INVALID);
	own_forget(w, i);
}

static void op_token_info(struct worker *w, struct soak_token *t)
{
	CK_TOKEN_INFO info;
	CK_RV rv = fn->C_GetTokenInfo(t->slot, &info);

	(void)w;
	if (soak_expect("token info", rv, CKR_OK) &&
	    (info.flags & (CKF_USER_PIN_LOCKED | CKF_USER_PIN_FINAL_TRY)))
		soak_fail("token reports the PIN near locked", info.flags, 0);
}

static void op_extra_session(struct worker *w, struct soak_token *t)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO info;
	CK_STATE want = t->logged_in ? CKS_RW_USER_FUNCTIONS :
				       CKS_RW_PUBLIC_SESSION;

	(void)w;
	if (!soak_expect("open session", soak_open_session(t->slot, &s),
			 CKR_OK))
		return;
	if (soak_expect("session info", fn->C_GetSessionInfo(s, &info), CKR_OK)
	    && info.state != want)
		soak_fail("session state", info.state, want);
	soak_expect("close session", fn->C_CloseSession(s), CKR_OK);
}

/* ---- login state, under the token's lock for writing ---- */

static void op_login_logout(struct worker *w, struct soak_token *t)
{
	CK_SESSION_HANDLE s = w->session[t - tokens];

	switch (pick(w, 4)) {
	case 0: /* the other state's call, refused */
		if (t->logged_in)
			soak_expect("login again", soak_login(s, user_pin),
				    CKR_USER_ALREADY_LOGGED_IN);
		else
			soak_expect("logout again", fn->C_Logout(s),
				    CKR_USER_NOT_LOGGED_IN);
		break;
	case 1: /* a wrong PIN, when there is a login to try */
		if (!t->logged_in)
			soak_expect("wrong PIN", soak_login(s, WRONG_PIN),
				    CKR_PIN_INCORRECT);
		break;
	default:
		if (t->logged_in) {
			if (soak_expect("logout", fn->C_Logout(s), CKR_OK)) {
				t->logged_in = false;
				t->logouts++;
			}
		} else if (soak_expect("login", soak_login(s, user_pin),
				       CKR_OK)) {
			t->logged_in = true;
		}
	}
}

typedef void (*op_fn)(struct worker *, struct soak_token *);

static const struct {
	op_fn run;
	int weight;
	bool writes_login;
} ops[] = {
	{ op_sign_shared, 30, false },	 { op_decrypt_shared, 10, false },
	{ op_keygen, 4, false },	 { op_create_data, 12, false },
	{ op_use_own, 15, false },	 { op_find_own, 6, false },
	{ op_destroy_own, 10, false },	 { op_token_info, 3, false },
	{ op_extra_session, 3, false },	 { op_login_logout, 3, true },
};

static int pick_op(struct worker *w)
{
	int total = 0, r;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	r = pick(w, total);
	for (size_t i = 0;; i++) {
		if (r < ops[i].weight)
			return (int)i;
		r -= ops[i].weight;
	}
}

static void run_one(struct worker *w)
{
	int k = pick_op(w);
	struct soak_token *t = &tokens[pick(w, n_tokens)];

	if (ops[k].writes_login)
		pthread_rwlock_wrlock(&t->lock);
	else
		pthread_rwlock_rdlock(&t->lock);
	ops[k].run(w, t);
	pthread_rwlock_unlock(&t->lock);
}

/* The token objects still there, for "soak verify". */
static void write_survivors(struct worker *w)
{
	pthread_mutex_lock(&out_lock);
	for (int i = 0; i < w->n_own; i++) {
		struct own *o = &w->own[i];

		if (!o->on_token)
			continue;
		fprintf(out, "%s %s %s ", tokens[o->token].label, o->label,
			o->kind == OWN_KEY ? "key" : "data");
		for (CK_ULONG b = 0; o->kind == OWN_KEY && b < o->der_len; b++)
			fprintf(out, "%02x", o->der[b]);
		for (size_t b = 0; o->kind == OWN_DATA && b < sizeof(o->value);
		     b++)
			fprintf(out, "%02x", o->value[b]);
		fprintf(out, " %d\n", o->private ? 1 : 0);
	}
	pthread_mutex_unlock(&out_lock);
}

static void *worker_thread(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < n_tokens; i++)
		if (!soak_expect("open session",
				 soak_open_session(tokens[i].slot,
						   &w->session[i]),
				 CKR_OK))
			return NULL;
	while (soak_now() < deadline)
		run_one(w);
	write_survivors(w);
	for (int i = 0; i < n_tokens; i++)
		soak_expect("close session", fn->C_CloseSession(w->session[i]),
			    CKR_OK);
	for (int i = w->n_own; i > 0; i--)
		own_forget(w, i - 1);
	return NULL;
}

/* Logs in, through a session held to the end, and finds the token's
 * shared keys. */
static int token_setup(struct soak_token *t)
{
	unsigned char der[1024];
	CK_ULONG der_len;
	CK_SESSION_HANDLE s;
	int ok;

	if (soak_find_slot(t->label, &t->slot) != 0 ||
	    soak_open_session(t->slot, &t->held) != CKR_OK)
		return -1;
	s = t->held;
	if (!soak_expect("first login", soak_login(s, user_pin), CKR_OK))
		return -1;
	t->logged_in = true;
	ok = soak_find(s, "ec", CKO_PRIVATE_KEY, &t->ec, 1) == 1 &&
	     soak_find(s, "rsa", CKO_PRIVATE_KEY, &t->rsa, 1) == 1;
	der_len = sizeof(der);
	t->ec_pub = ok ? p11check_public_key(fn, s, t->ec, der, &der_len) : NULL;
	der_len = sizeof(der);
	t->rsa_pub = ok ? p11check_public_key(fn, s, t->rsa, der, &der_len) : NULL;
	if (t->ec_pub == NULL || t->rsa_pub == NULL) {
		fprintf(stderr, "soak: token %s lacks keys ec and rsa\n",
			t->label);
		return -1;
	}
	pthread_rwlock_init(&t->lock, NULL);
	return 0;
}

int soak_worker(int argc, char **argv)
{
	static struct worker workers[THREADS];
	pthread_t tids[THREADS];
	double start = soak_now();

	if (argc < 8 || argc - 7 > MAX_TOKENS)
		return 2;
	user_pin = argv[3];
	deadline = start + atof(argv[4]);
	out = fopen(argv[6], "w");
	if (out == NULL || soak_load_module(argv[2]) != 0)
		return 2;
	n_tokens = argc - 7;
	for (int i = 0; i < n_tokens; i++) {
		tokens[i].label = argv[7 + i];
		if (token_setup(&tokens[i]) != 0)
			return 1;
	}
	for (int i = 0; i < THREADS; i++) {
		workers[i].id = i;
		workers[i].seed = (unsigned)atoi(argv[5]) * 31u + (unsigned)i;
		if (pthread_create(&tids[i], NULL, worker_thread,
				   &workers[i]) != 0)
			return 2;
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(tids[i], NULL);
	for (int i = 0; i < n_tokens; i++)
		soak_expect("close held session",
			    fn->C_CloseSession(tokens[i].held), CKR_OK);
	soak_expect("finalize", fn->C_Finalize(NULL), CKR_OK);
	if (fclose(out) != 0)
		soak_fail("writing the survivors", CKR_GENERAL_ERROR, CKR_OK);
	printf("calls=%ld seconds=%.1f unexpected=%ld\n",
	       atomic_load(&soak_calls), soak_now() - start,
	       atomic_load(&soak_unexpected));
	return atomic_load(&soak_unexpected) == 0 ? 0 : 1;
}
