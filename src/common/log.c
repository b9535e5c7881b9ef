/* SPDX-License-Identifier: BSD-3-Clause */
#include "common/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const layer_names[TC_LAYER_COUNT] = {
	[TC_LAYER_PKCS11] = "pkcs11", [TC_LAYER_TOKEN] = "token",
	[TC_LAYER_TPM] = "tpm",       [TC_LAYER_DB] = "db",
	[TC_LAYER_COMMON] = "common", [TC_LAYER_TOOL] = "tool",
};

static const char *const level_names[] = {
	[TC_LOG_NONE] = "none",   [TC_LOG_ERROR] = "error",
	[TC_LOG_WARN] = "warn",   [TC_LOG_INFO] = "info",
	[TC_LOG_DEBUG] = "debug", [TC_LOG_TRACE] = "trace",
};

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static bool levels_read;
static enum tc_log_level levels[TC_LAYER_COUNT];

static bool parse_level(const char *text, size_t len, enum tc_log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (strlen(level_names[i]) == len &&
		    strncasecmp(level_names[i], text, len) == 0) {
			*out = (enum tc_log_level)i;
			return true;
		}
	}
	return false;
}

static bool parse_layer(const char *text, size_t len, enum tc_log_layer *out)
{
	for (size_t i = 0; i < TC_LAYER_COUNT; i++) {
		if (strlen(layer_names[i]) == len &&
		    strncasecmp(layer_names[i], text, len) == 0) {
			*out = (enum tc_log_layer)i;
			return true;
		}
	}
	return false;
}

/* One "level" or "layer=level" item of the comma-separated spec. */
static bool parse_item(const char *item, size_t len,
		       enum tc_log_level parsed[TC_LAYER_COUNT])
{
	const char *eq = memchr(item, '=', len);
	enum tc_log_level level;
	enum tc_log_layer layer;

	if (eq == NULL) {
		if (!parse_level(item, len, &level))
			return false;
		for (size_t i = 0; i < TC_LAYER_COUNT; i++)
			parsed[i] = level;
		return true;
	}
	if (!parse_layer(item, (size_t)(eq - item), &layer) ||
	    !parse_level(eq + 1, len - (size_t)(eq - item) - 1, &level))
		return false;
	parsed[layer] = level;
	return true;
}

bool log_parse_spec(const char *spec, enum tc_log_level out[TC_LAYER_COUNT])
{
	enum tc_log_level parsed[TC_LAYER_COUNT];
	const char *p = spec;

	for (size_t i = 0; i < TC_LAYER_COUNT; i++)
		parsed[i] = TC_LOG_ERROR;
	while (p != NULL && *p != '\0') {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (len > 0 && !parse_item(p, len, parsed))
			return false;
		p = comma ? comma + 1 : NULL;
	}
	memcpy(out, parsed, sizeof(parsed));
	return true;
}

static void read_levels_locked(void)
{
	const char *spec;

	if (levels_read)
		return;
	for (size_t i = 0; i < TC_LAYER_COUNT; i++)
		levels[i] = TC_LOG_ERROR;
	spec = secure_getenv("TPMCARD_LOG");
	if (spec != NULL && !log_parse_spec(spec, levels))
		fprintf(stderr, "tpmcard[%d]: TPMCARD_LOG=\"%s\" not understood;"
			" using \"error\"\n", (int)getpid(), spec);
	levels_read = true;
}

bool log_enabled(enum tc_log_layer layer, enum tc_log_level level)
{
	bool enabled;

	if (layer >= TC_LAYER_COUNT || level == TC_LOG_NONE)
		return false;
	pthread_mutex_lock(&log_lock);
	read_levels_locked();
	enabled = level <= levels[layer];
	pthread_mutex_unlock(&log_lock);
	return enabled;
}

void log_emit(enum tc_log_layer layer, enum tc_log_level level,
	      const char *func, const char *fmt, ...)
{
	char message[1024];
	va_list ap;

	if (!log_enabled(layer, level))
		return;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	fprintf(stderr, "tpmcard[%d]: %s: %s: %s: %s\n", (int)getpid(),
		level_names[level], layer_names[layer], func, message);
}

void log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	levels_read = false;
	pthread_mutex_unlock(&log_lock);
}
