/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_LOCK_H
#define TPMCARD_COMMON_LOCK_H

#include <pthread.h>
#include <stdbool.h>

/*
 * The module's mutexes.  By default they are pthread mutexes; when the
 * application's C_Initialize hands over its own mutex functions without
 * CKF_OS_LOCKING_OK, PKCS#11 asks the library to use those, and every
 * mutex created afterwards does.
 */

struct lock_callbacks {
	/* The PKCS#11 CK_CREATEMUTEX etc., as plain function types. */
	unsigned long (*create)(void **mutex);
	unsigned long (*destroy)(void *mutex);
	unsigned long (*lock)(void *mutex);
	unsigned long (*unlock)(void *mutex);
};

struct tc_mutex {
	pthread_mutex_t os;
	void *app;		/* the application's mutex, when it gave us its functions */
	const struct lock_callbacks *cb;
};

/*
 * Mutexes created from now on use cb (NULL: pthread mutexes).  Called by
 * C_Initialize before anything else exists.
 */
void lock_set_callbacks(const struct lock_callbacks *cb);

/* False when the application's CreateMutex failed. */
bool tc_mutex_init(struct tc_mutex *m);
void tc_mutex_destroy(struct tc_mutex *m);
void tc_mutex_lock(struct tc_mutex *m);
void tc_mutex_unlock(struct tc_mutex *m);
/*
 * Takes the mutex only if free; application mutexes cannot be tried, so
 * with those it reports busy.
 */
bool tc_mutex_trylock(struct tc_mutex *m);

#endif /* TPMCARD_COMMON_LOCK_H */
