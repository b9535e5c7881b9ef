/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/lock.h"

#include <string.h>

#define TC_LOG_LAYER TC_LAYER_COMMON
#include "common/log.h"

static struct lock_callbacks app_callbacks;
static const struct lock_callbacks *current;

void lock_set_callbacks(const struct lock_callbacks *cb)
{
	if (cb == NULL) {
		current = NULL;
		return;
	}
	app_callbacks = *cb;
	current = &app_callbacks;
}

bool tc_mutex_init(struct tc_mutex *m)
{
	memset(m, 0, sizeof(*m));
	m->cb = current;
	if (m->cb == NULL)
		return pthread_mutex_init(&m->os, NULL) == 0;
	if (m->cb->create(&m->app) != 0 || m->app == NULL) {
		log_err("the application's CreateMutex failed");
		return false;
	}
	return true;
}

void tc_mutex_destroy(struct tc_mutex *m)
{
	if (m->cb == NULL)
		pthread_mutex_destroy(&m->os);
	else if (m->app != NULL)
		m->cb->destroy(m->app);
	memset(m, 0, sizeof(*m));
}

/*
 * A failing LockMutex leaves nothing sensible to do: the standard gives
 * the callee no way to report it, so it is logged and the call goes on,
 * as unlocked access is what the application's mutex chose.
 */
void tc_mutex_lock(struct tc_mutex *m)
{
	if (m->cb == NULL)
		pthread_mutex_lock(&m->os);
	else if (m->cb->lock(m->app) != 0)
		log_err("the application's LockMutex failed");
}

void tc_mutex_unlock(struct tc_mutex *m)
{
	if (m->cb == NULL)
		pthread_mutex_unlock(&m->os);
	else if (m->cb->unlock(m->app) != 0)
		log_err("the application's UnlockMutex failed");
}

bool tc_mutex_trylock(struct tc_mutex *m)
{
	if (m->cb == NULL)
		return pthread_mutex_trylock(&m->os) == 0;
	return false;
}
