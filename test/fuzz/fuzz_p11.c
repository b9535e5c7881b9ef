/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PKCS#11 targets' shared setup and checks (fuzz_p11.h): a scratch
 * store and token on a real (software) TPM, the module through its
 * function list, and what every result must satisfy.
 */
#include "fuzz_p11.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_tmpl.h"
#include "token/token.h"

struct fuzz_env fuzz_env;

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

void fuzz_remove_tree(const char *path)
{
	nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void remove_scratch(void)
{
	if (fuzz_env.dir[0] != '\0')
		fuzz_remove_tree(fuzz_env.dir);
}

static void path_in_scratch(char *out, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", fuzz_env.dir, name) >= PATH_MAX)
		fuzz_fail("scratch path too long");
}

void fuzz_env_setup(const char *target)
{
	const char *tmp = getenv("TMPDIR");
	char run[PATH_MAX];

	if (getenv("TPMCARD_TCTI") == NULL) {
		fprintf(stderr, "fuzz_%s needs a TPM: set TPMCARD_TCTI (as "
			"scripts/fuzz.sh does, to the swtpm it starts)\n",
			target);
		exit(1);
	}
	snprintf(fuzz_env.dir, sizeof(fuzz_env.dir),
		 "%s/tpmcard-fuzz-%s-XXXXXX", tmp ? tmp : "/tmp", target);
	if (mkdtemp(fuzz_env.dir) == NULL)
		fuzz_fail("mkdtemp %s: %s", fuzz_env.dir, strerror(errno));
	atexit(remove_scratch);
	path_in_scratch(fuzz_env.store, "store.sqlite3");
	path_in_scratch(fuzz_env.pristine, "pristine.sqlite3");
	/*
	 * One runtime directory for every run on this TPM: a run that
	 * crashed left keys loaded in it, and the next one's module reclaims
	 * them from what that one recorded there (swtpm has 3 slots).
	 */
	snprintf(run, sizeof(run), "%s/tpmcard-fuzz-run", tmp ? tmp : "/tmp");
	setenv("TPMCARD_STORE", fuzz_env.store, 1);
	setenv("TPMCARD_RUNTIME_DIR", run, 0);
	/* The module's log would drown libFuzzer's; TPMCARD_LOG=debug
	 * when reproducing. */
	setenv("TPMCARD_LOG", "none", 0);
}

void fuzz_env_create_token(void)
{
	struct tc_token_params params = {
		.label = FUZZ_TOKEN_LABEL,
		.user_pin = (const uint8_t *)FUZZ_USER_PIN,
		.user_pin_len = strlen(FUZZ_USER_PIN),
		.so_pin = (const uint8_t *)FUZZ_SO_PIN,
		.so_pin_len = strlen(FUZZ_SO_PIN),
	};
	int64_t id = 0;
	CK_RV rv = token_admin_create(&params, &id);

	if (rv != CKR_OK)
		fuzz_fail("cannot create the token: %s (is the TPM at "
			  "TPMCARD_TCTI up?)", token_rv_text(rv));
}

/* The slot whose token has our label. */
static CK_SLOT_ID find_slot(void)
{
	CK_SLOT_ID slots[16];
	CK_ULONG count = 16;
	CK_TOKEN_INFO info;
	char label[sizeof(info.label)];

	memset(label, ' ', sizeof(label));
	memcpy(label, FUZZ_TOKEN_LABEL, strlen(FUZZ_TOKEN_LABEL));
	if (fuzz_env.p11->C_GetSlotList(CK_TRUE, slots, &count) != CKR_OK)
		fuzz_fail("C_GetSlotList failed");
	for (CK_ULONG i = 0; i < count; i++)
		if (fuzz_env.p11->C_GetTokenInfo(slots[i], &info) == CKR_OK &&
		    memcmp(info.label, label, sizeof(label)) == 0)
			return slots[i];
	fuzz_fail("no slot holds the token '%s'", FUZZ_TOKEN_LABEL);
}

void fuzz_env_open(void)
{
	CK_RV rv;

	if (C_GetFunctionList(&fuzz_env.p11) != CKR_OK)
		fuzz_fail("C_GetFunctionList failed");
	rv = fuzz_env.p11->C_Initialize(NULL);
	if (rv != CKR_OK)
		fuzz_fail("C_Initialize: 0x%lx", rv);
	fuzz_env.slot = find_slot();
	rv = fuzz_env.p11->C_OpenSession(fuzz_env.slot,
					 CKF_SERIAL_SESSION | CKF_RW_SESSION,
					 NULL, NULL, &fuzz_env.login);
	if (rv == CKR_OK)
		rv = fuzz_env.p11->C_Login(fuzz_env.login, CKU_USER,
					   (CK_UTF8CHAR *)FUZZ_USER_PIN,
					   strlen(FUZZ_USER_PIN));
	if (rv != CKR_OK)
		fuzz_fail("session and login: 0x%lx", rv);
}

void fuzz_env_close(void)
{
	CK_RV rv = fuzz_env.p11->C_Finalize(NULL);

	if (rv != CKR_OK)
		fuzz_fail("C_Finalize: 0x%lx", rv);
	fuzz_env.login = CK_INVALID_HANDLE;
}

static void copy_file(const char *from, const char *to)
{
	char buf[65536];
	int in = open(from, O_RDONLY | O_CLOEXEC), out;
	ssize_t n;

	if (in < 0)
		fuzz_fail("open %s: %s", from, strerror(errno));
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		fuzz_fail("open %s: %s", to, strerror(errno));
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fuzz_fail("write %s: %s", to, strerror(errno));
	if (n < 0)
		fuzz_fail("read %s: %s", from, strerror(errno));
	close(in);
	close(out);
}

/* The store's WAL and shared-memory files (gone once it is closed). */
static void remove_store_companions(const char *store)
{
	char path[PATH_MAX + 8];

	snprintf(path, sizeof(path), "%s-wal", store);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", store);
	unlink(path);
}

void fuzz_env_save_store(void)
{
	copy_file(fuzz_env.store, fuzz_env.pristine);
}

void fuzz_env_restore_store(void)
{
	remove_store_companions(fuzz_env.store);
	copy_file(fuzz_env.pristine, fuzz_env.store);
}

CK_SESSION_HANDLE fuzz_session_open(void)
{
	CK_SESSION_HANDLE session = CK_INVALID_HANDLE;
	CK_RV rv = fuzz_env.p11->C_OpenSession(
		fuzz_env.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
		NULL, &session);

	if (rv != CKR_OK)
		fuzz_fail("C_OpenSession: 0x%lx", rv);
	return session;
}

void fuzz_session_close(CK_SESSION_HANDLE session)
{
	CK_RV rv = fuzz_env.p11->C_CloseSession(session);

	if (rv != CKR_OK)
		fuzz_fail("C_CloseSession: 0x%lx", rv);
}

/* PKCS#11 3.0's return values (p11-kit's header has 2.40's and a few). */
static const CK_RV standard_rvs[] = {
	CKR_OK, CKR_CANCEL, CKR_HOST_MEMORY, CKR_SLOT_ID_INVALID,
	CKR_GENERAL_ERROR, CKR_FUNCTION_FAILED, CKR_ARGUMENTS_BAD,
	CKR_NO_EVENT, CKR_NEED_TO_CREATE_THREADS, CKR_CANT_LOCK,
	CKR_ATTRIBUTE_READ_ONLY, CKR_ATTRIBUTE_SENSITIVE,
	CKR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID,
	CKR_ACTION_PROHIBITED, CKR_DATA_INVALID, CKR_DATA_LEN_RANGE,
	CKR_DEVICE_ERROR, CKR_DEVICE_MEMORY, CKR_DEVICE_REMOVED,
	CKR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_LEN_RANGE,
	0x0000006AUL /* CKR_AEAD_DECRYPT_FAILED */, CKR_FUNCTION_CANCELED,
	CKR_FUNCTION_NOT_PARALLEL, CKR_FUNCTION_NOT_SUPPORTED,
	CKR_KEY_HANDLE_INVALID, CKR_KEY_SIZE_RANGE, CKR_KEY_TYPE_INCONSISTENT,
	CKR_KEY_NOT_NEEDED, CKR_KEY_CHANGED, CKR_KEY_NEEDED,
	CKR_KEY_INDIGESTIBLE, CKR_KEY_FUNCTION_NOT_PERMITTED,
	CKR_KEY_NOT_WRAPPABLE, CKR_KEY_UNEXTRACTABLE, CKR_MECHANISM_INVALID,
	CKR_MECHANISM_PARAM_INVALID, CKR_OBJECT_HANDLE_INVALID,
	CKR_OPERATION_ACTIVE, CKR_OPERATION_NOT_INITIALIZED,
	CKR_PIN_INCORRECT, CKR_PIN_INVALID, CKR_PIN_LEN_RANGE,
	CKR_PIN_EXPIRED, CKR_PIN_LOCKED, CKR_SESSION_CLOSED,
	CKR_SESSION_COUNT, CKR_SESSION_HANDLE_INVALID,
	CKR_SESSION_PARALLEL_NOT_SUPPORTED, CKR_SESSION_READ_ONLY,
	CKR_SESSION_EXISTS, CKR_SESSION_READ_ONLY_EXISTS,
	CKR_SESSION_READ_WRITE_SO_EXISTS, CKR_SIGNATURE_INVALID,
	CKR_SIGNATURE_LEN_RANGE, CKR_TEMPLATE_INCOMPLETE,
	CKR_TEMPLATE_INCONSISTENT, CKR_TOKEN_NOT_PRESENT,
	CKR_TOKEN_NOT_RECOGNIZED, CKR_TOKEN_WRITE_PROTECTED,
	CKR_UNWRAPPING_KEY_HANDLE_INVALID, CKR_UNWRAPPING_KEY_SIZE_RANGE,
	CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT, CKR_USER_ALREADY_LOGGED_IN,
	CKR_USER_NOT_LOGGED_IN, CKR_USER_PIN_NOT_INITIALIZED,
	CKR_USER_TYPE_INVALID, CKR_USER_ANOTHER_ALREADY_LOGGED_IN,
	CKR_USER_TOO_MANY_TYPES, CKR_WRAPPED_KEY_INVALID,
	CKR_WRAPPED_KEY_LEN_RANGE, CKR_WRAPPING_KEY_HANDLE_INVALID,
	CKR_WRAPPING_KEY_SIZE_RANGE, CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
	CKR_RANDOM_SEED_NOT_SUPPORTED, CKR_RANDOM_NO_RNG,
	CKR_DOMAIN_PARAMS_INVALID, CKR_CURVE_NOT_SUPPORTED,
	CKR_BUFFER_TOO_SMALL, CKR_SAVED_STATE_INVALID,
	CKR_INFORMATION_SENSITIVE, CKR_STATE_UNSAVEABLE,
	CKR_CRYPTOKI_NOT_INITIALIZED, CKR_CRYPTOKI_ALREADY_INITIALIZED,
	CKR_MUTEX_BAD, CKR_MUTEX_NOT_LOCKED, CKR_NEW_PIN_MODE, CKR_NEXT_OTP,
	CKR_EXCEEDED_MAX_ITERATIONS, CKR_FIPS_SELF_TEST_FAILED,
	CKR_LIBRARY_LOAD_FAILED, CKR_PIN_TOO_WEAK, CKR_PUBLIC_KEY_INVALID,
	CKR_FUNCTION_REJECTED, 0x00000201UL /* CKR_TOKEN_RESOURCE_EXCEEDED */,
	0x00000202UL /* CKR_OPERATION_CANCEL_FAILED */,
};

bool fuzz_rv_standard(CK_RV rv)
{
	for (size_t i = 0; i < sizeof(standard_rvs) / sizeof(*standard_rvs);
	     i++)
		if (standard_rvs[i] == rv)
			return true;
	return false;
}

CK_RV fuzz_rv(const char *call, CK_RV rv)
{
	if (!fuzz_rv_standard(rv))
		fuzz_fail("%s returned 0x%lx, not a PKCS#11 return value",
			  call, rv);
	return rv;
}

/* The errors C_GetAttributeValue may give for single attributes. */
static bool attr_error_ok(CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE ||
	       rv == CKR_ATTRIBUTE_TYPE_INVALID;
}

/* Asks the object for one attribute: its length, then its value. */
static void check_one_attribute(CK_SESSION_HANDLE session,
				CK_OBJECT_HANDLE object,
				CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	CK_RV rv = fuzz_rv("C_GetAttributeValue",
			   fuzz_env.p11->C_GetAttributeValue(session, object,
							     &a, 1));
	CK_ULONG len = a.ulValueLen;

	if (!attr_error_ok(rv))
		fuzz_fail("C_GetAttributeValue(0x%lx) of a new object: 0x%lx",
			  type, rv);
	if (rv != CKR_OK) {
		if (len != CK_UNAVAILABLE_INFORMATION)
			fuzz_fail("attribute 0x%lx refused (0x%lx) but its "
				  "length is %lu", type, rv, len);
		return;
	}
	if (len > 1u << 24)
		fuzz_fail("attribute 0x%lx has length %lu", type, len);
	/* Exactly the length asked for: ASan sees a byte too many. */
	a.pValue = malloc(len ? len : 1);
	if (a.pValue == NULL)
		fuzz_fail("out of memory");
	rv = fuzz_env.p11->C_GetAttributeValue(session, object, &a, 1);
	if (rv != CKR_OK || a.ulValueLen != len)
		fuzz_fail("attribute 0x%lx: length %lu, then 0x%lx with %lu",
			  type, len, rv, a.ulValueLen);
	if (len > 0) {
		/* One byte short must say so, not write past the end. */
		a.ulValueLen = len - 1;
		rv = fuzz_env.p11->C_GetAttributeValue(session, object, &a, 1);
		if (rv != CKR_BUFFER_TOO_SMALL ||
		    a.ulValueLen != CK_UNAVAILABLE_INFORMATION)
			fuzz_fail("attribute 0x%lx, a short buffer: 0x%lx, "
				  "length %lu", type, rv, a.ulValueLen);
	}
	free(a.pValue);
}

/* Every attribute type in one template: lengths only. */
static void check_all_lengths(CK_SESSION_HANDLE session,
			      CK_OBJECT_HANDLE object)
{
	CK_ATTRIBUTE t[FUZZ_ATTR_TYPES_MAX];
	size_t n = fuzz_attr_type_count;
	CK_RV rv;

	for (size_t i = 0; i < n; i++)
		t[i] = (CK_ATTRIBUTE){ fuzz_attr_types[i], NULL, 0 };
	rv = fuzz_rv("C_GetAttributeValue",
		     fuzz_env.p11->C_GetAttributeValue(session, object, t,
						       n));
	if (!attr_error_ok(rv))
		fuzz_fail("C_GetAttributeValue(all) of a new object: 0x%lx",
			  rv);
}

void fuzz_check_object(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object)
{
	CK_OBJECT_CLASS cls = (CK_OBJECT_CLASS)-1;
	CK_ATTRIBUTE a = { CKA_CLASS, &cls, sizeof(cls) };
	CK_ULONG size = 0;
	CK_RV rv = fuzz_env.p11->C_GetAttributeValue(session, object, &a, 1);

	if (rv != CKR_OK || a.ulValueLen != sizeof(cls))
		fuzz_fail("a new object has no CKA_CLASS (0x%lx)", rv);
	for (size_t i = 0; i < fuzz_attr_type_count; i++)
		check_one_attribute(session, object, fuzz_attr_types[i]);
	check_all_lengths(session, object);
	rv = fuzz_rv("C_GetObjectSize",
		     fuzz_env.p11->C_GetObjectSize(session, object, &size));
	if (rv != CKR_OK)
		fuzz_fail("C_GetObjectSize of a new object: 0x%lx", rv);
}

bool fuzz_destroy(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object)
{
	CK_BBOOL destroyable = CK_TRUE;
	CK_ATTRIBUTE a = { CKA_DESTROYABLE, &destroyable, 1 };
	CK_RV rv = fuzz_rv("C_DestroyObject",
			   fuzz_env.p11->C_DestroyObject(session, object));

	if (rv == CKR_OK)
		return true;
	fuzz_env.p11->C_GetAttributeValue(session, object, &a, 1);
	if (rv == CKR_ACTION_PROHIBITED && destroyable == CK_FALSE)
		return false;
	fuzz_fail("C_DestroyObject of a new object: 0x%lx", rv);
}
