/* SPDX-License-Identifier: BSD-3-Clause */
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TC_LOG_LAYER TC_LAYER_DB
#include "common/log.h"

#define STORE_NAME "tpmcard/tpmcard.sqlite3"
#define SYSTEM_STORE "/var/lib/" STORE_NAME

static char *join(const char *dir, const char *rest)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, rest) < 0)
		return NULL;
	return path;
}

static char *user_store_path(void)
{
	const char *xdg = secure_getenv("XDG_DATA_HOME");
	const char *home = secure_getenv("HOME");

	if (xdg != NULL && xdg[0] == '/')
		return join(xdg, STORE_NAME);
	if (home == NULL || home[0] == '\0')
		return NULL;
	return join(home, ".local/share/" STORE_NAME);
}

char *db_path_resolve(bool for_create)
{
	const char *explicit_path = secure_getenv("TPMCARD_STORE");
	char *user;

	if (explicit_path != NULL && explicit_path[0] != '\0')
		return strdup(explicit_path);
	user = user_store_path();
	if (for_create || (user != NULL && access(user, F_OK) == 0))
		return user;
	if (access(SYSTEM_STORE, F_OK) == 0) {
		free(user);
		return strdup(SYSTEM_STORE);
	}
	return user;
}
