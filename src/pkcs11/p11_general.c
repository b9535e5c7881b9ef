/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/lock.h"

#define TC_LOG_LAYER TC_LAYER_PKCS11
#include "common/log.h"

/*
 * Lock order: p11_lock, then the token module's lock.  p11_lock is held
 * to read or change the state below, and across opening the module in
 * C_Initialize (a new module, whose lock nobody else can hold yet).
 */
static pthread_mutex_t p11_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tc_module *module;
static pid_t module_pid;

CK_RV p11_module(struct tc_module **mod)
{
	CK_RV rv = CKR_OK;

	pthread_mutex_lock(&p11_lock);
	if (module == NULL || module_pid != getpid())
		rv = CKR_CRYPTOKI_NOT_INITIALIZED;
	else
		*mod = module;
	pthread_mutex_unlock(&p11_lock);
	return rv;
}

static CK_RV check_init_args(const CK_C_INITIALIZE_ARGS *args)
{
	bool all, none;

	if (args == NULL)
		return CKR_OK;
	if (args->pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	all = args->CreateMutex && args->DestroyMutex && args->LockMutex &&
	      args->UnlockMutex;
	none = !args->CreateMutex && !args->DestroyMutex &&
	       !args->LockMutex && !args->UnlockMutex;
	if (!all && !none)
		return CKR_ARGUMENTS_BAD;
	return CKR_OK;
}

/*
 * With mutex functions and without CKF_OS_LOCKING_OK, the application
 * wants its own mutexes used: the module's and the TPM connection's
 * locks (the ones held across TPM commands) are then made with them.
 * The two small locks guarding the library's global state exist before
 * any C_Initialize and stay pthread mutexes, which every thread of a
 * process on this platform can use.
 */
static void choose_locking(const CK_C_INITIALIZE_ARGS *args)
{
	struct lock_callbacks cb;

	if (args == NULL || args->CreateMutex == NULL ||
	    (args->flags & CKF_OS_LOCKING_OK)) {
		lock_set_callbacks(NULL);
		return;
	}
	cb.create = args->CreateMutex;
	cb.destroy = args->DestroyMutex;
	cb.lock = args->LockMutex;
	cb.unlock = args->UnlockMutex;
	lock_set_callbacks(&cb);
}

EXPORT CK_RV C_Initialize(CK_VOID_PTR init_args)
{
	struct tc_module *mod = NULL;
	CK_RV rv;

	log_debug("in");
	rv = check_init_args(init_args);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&p11_lock);
	if (module != NULL && module_pid == getpid()) {
		pthread_mutex_unlock(&p11_lock);
		return CKR_CRYPTOKI_ALREADY_INITIALIZED;
	}
	if (module != NULL) {
		/* A forked child: the parent's state is not ours to use. */
		token_module_abandon(module);
		p11_sessions_abandon();
		module = NULL;
		log_reset();
	}
	choose_locking(init_args);
	rv = token_module_open(&mod);
	/*
	 * C_Initialize may only say the few things the standard lists for
	 * it: a damaged or unreadable store (already logged) is a failure.
	 */
	if (rv != CKR_OK && rv != CKR_HOST_MEMORY && rv != CKR_CANT_LOCK)
		rv = CKR_FUNCTION_FAILED;
	if (rv == CKR_OK) {
		module = mod;
		module_pid = getpid();
	}
	pthread_mutex_unlock(&p11_lock);
	log_debug("out: 0x%lx", rv);
	return rv;
}

EXPORT CK_RV C_Finalize(CK_VOID_PTR reserved)
{
	struct tc_module *mod = NULL;
	CK_RV rv;

	log_debug("in");
	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	rv = p11_module(&mod);
	if (rv != CKR_OK)
		return rv;
	token_module_closing(mod);
	p11_sessions_close_all(true, 0);
	pthread_mutex_lock(&p11_lock);
	module = NULL;
	pthread_mutex_unlock(&p11_lock);
	token_module_close(mod);
	crypto_shutdown();
	log_debug("out");
	return CKR_OK;
}

static void pad(CK_UTF8CHAR *field, size_t width, const char *text)
{
	size_t len = strlen(text);

	memset(field, ' ', width);
	memcpy(field, text, len < width ? len : width);
}

EXPORT CK_RV C_GetInfo(CK_INFO_PTR info)
{
	struct tc_module *mod;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = 2;
	info->cryptokiVersion.minor = 40;
	pad(info->manufacturerID, sizeof(info->manufacturerID), "tpmcard");
	pad(info->libraryDescription, sizeof(info->libraryDescription),
	    "tpmcard TPM 2.0 smartcard");
	info->libraryVersion.major = 0;
	info->libraryVersion.minor = 1;
	return CKR_OK;
}


EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &p11_function_list;
	return CKR_OK;
}

/*
 * Many programs exit without C_Finalize (ssh after a refused login, say).
 * Through a resource manager that costs nothing, but on a direct TPM
 * connection every object and session left loaded would stay in the TPM
 * until it is reset.  So when the library is unloaded at exit, whatever
 * the module still holds in the TPM is flushed; a forked child, which
 * shares the parent's handles, leaves them alone.
 */
__attribute__((destructor)) static void p11_release_at_exit(void)
{
	struct tc_module *mod = NULL;

	if (pthread_mutex_trylock(&p11_lock) != 0)
		return;
	if (module != NULL && module_pid == getpid())
		mod = module;
	pthread_mutex_unlock(&p11_lock);
	token_module_release_at_exit(mod);
}
