/* SPDX-License-Identifier: BSD-3-Clause */
#include "pkcs11/p11_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/*
 * The session handle table.  A handle maps to a token session; calls hold
 * the entry (refs) while they use it, so a C_CloseSession from another
 * thread frees the session only after the last user let go.  Handles are
 * never reused within a process.
 */

struct entry {
	CK_SESSION_HANDLE handle;
	CK_SLOT_ID slot;
	struct tc_session *session;
	unsigned int refs;
	bool closing;
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *entries;
static size_t entry_count;
static CK_SESSION_HANDLE next_handle = 1;

static struct entry *find_locked(CK_SESSION_HANDLE handle)
{
	for (size_t i = 0; i < entry_count; i++)
		if (entries[i].handle == handle && !entries[i].closing)
			return &entries[i];
	return NULL;
}

/* Removes an entry (table lock held); returns its session to close. */
static struct tc_session *remove_locked(struct entry *e)
{
	struct tc_session *session = e->session;
	size_t index = (size_t)(e - entries);

	memmove(e, e + 1, (entry_count - index - 1) * sizeof(*e));
	entry_count--;
	return session;
}

CK_RV p11_session_add(CK_SLOT_ID slot, struct tc_session *session,
		      CK_SESSION_HANDLE *handle)
{
	struct entry *grown;

	pthread_mutex_lock(&table_lock);
	grown = realloc(entries, (entry_count + 1) * sizeof(*entries));
	if (grown == NULL) {
		pthread_mutex_unlock(&table_lock);
		return CKR_HOST_MEMORY;
	}
	entries = grown;
	entries[entry_count] = (struct entry){ .handle = next_handle++,
					       .slot = slot,
					       .session = session };
	*handle = entries[entry_count++].handle;
	pthread_mutex_unlock(&table_lock);
	return CKR_OK;
}

CK_RV p11_session_get(CK_SESSION_HANDLE handle, struct tc_session **session)
{
	struct tc_module *mod;
	struct entry *e;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&table_lock);
	e = find_locked(handle);
	if (e == NULL) {
		rv = CKR_SESSION_HANDLE_INVALID;
	} else {
		e->refs++;
		*session = e->session;
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

void p11_session_release(CK_SESSION_HANDLE handle)
{
	struct tc_session *done = NULL;

	pthread_mutex_lock(&table_lock);
	for (size_t i = 0; i < entry_count; i++) {
		struct entry *e = &entries[i];

		if (e->handle != handle)
			continue;
		if (--e->refs == 0 && e->closing)
			done = remove_locked(e);
		break;
	}
	pthread_mutex_unlock(&table_lock);
	token_session_close(done);
}

bool p11_session_slot(CK_SESSION_HANDLE handle, CK_SLOT_ID *slot)
{
	struct entry *e;

	pthread_mutex_lock(&table_lock);
	e = find_locked(handle);
	if (e != NULL)
		*slot = e->slot;
	pthread_mutex_unlock(&table_lock);
	return e != NULL;
}

/* Marks an entry closing; returns the session when it can go now. */
static struct tc_session *close_locked(struct entry *e)
{
	e->closing = true;
	return e->refs == 0 ? remove_locked(e) : NULL;
}

CK_RV p11_session_close(CK_SESSION_HANDLE handle)
{
	struct tc_session *done = NULL;
	struct tc_module *mod;
	struct entry *e;
	CK_RV rv = p11_module(&mod);

	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&table_lock);
	e = find_locked(handle);
	if (e == NULL)
		rv = CKR_SESSION_HANDLE_INVALID;
	else
		done = close_locked(e);
	pthread_mutex_unlock(&table_lock);
	token_session_close(done);
	return rv;
}

void p11_sessions_close_all(bool all_slots, CK_SLOT_ID slot)
{
	for (;;) {
		struct tc_session *done = NULL;
		bool more = false;

		pthread_mutex_lock(&table_lock);
		for (size_t i = 0; i < entry_count && !more; i++) {
			struct entry *e = &entries[i];

			if (e->closing || (!all_slots && e->slot != slot))
				continue;
			done = close_locked(e);
			more = true;
		}
		pthread_mutex_unlock(&table_lock);
		if (!more)
			return;
		token_session_close(done);
	}
}

void p11_sessions_abandon(void)
{
	pthread_mutex_lock(&table_lock);
	free(entries);
	entries = NULL;
	entry_count = 0;
	pthread_mutex_unlock(&table_lock);
}
