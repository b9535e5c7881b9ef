/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TPMCARD_COMMON_LOG_H
#define TPMCARD_COMMON_LOG_H

#include <stdbool.h>

/*
 * Logging to stderr, "tpmcard[pid]: layer: function: message".
 * TPMCARD_LOG sets the level once per process: "error" (default), "warn",
 * "info", "debug", "trace" or "none", optionally per layer after a comma:
 * "warn,tpm=debug,db=trace".  Never pass a secret to these functions:
 * log lengths, ids and return-code names instead.
 */

enum tc_log_level {
	TC_LOG_NONE = 0,
	TC_LOG_ERROR,
	TC_LOG_WARN,
	TC_LOG_INFO,
	TC_LOG_DEBUG,
	TC_LOG_TRACE,
};

enum tc_log_layer {
	TC_LAYER_PKCS11 = 0,
	TC_LAYER_TOKEN,
	TC_LAYER_TPM,
	TC_LAYER_DB,
	TC_LAYER_COMMON,
	TC_LAYER_TOOL,
	TC_LAYER_COUNT,
};

/* True when a message of this level and layer would be written. */
bool log_enabled(enum tc_log_layer layer, enum tc_log_level level);

/* Writes one line when enabled; safe from any thread. */
void log_emit(enum tc_log_layer layer, enum tc_log_level level,
	      const char *func, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Parses a TPMCARD_LOG value into per-layer levels; returns false (and
 * leaves levels untouched) when the text is not understood.  Exposed for
 * the unit tests.
 */
bool log_parse_spec(const char *spec, enum tc_log_level levels[TC_LAYER_COUNT]);

/* Forgets the levels read from the environment (tests, after fork). */
void log_reset(void);

/* Each .c file defines TC_LOG_LAYER before using these. */
#define log_err(...) \
	log_emit(TC_LOG_LAYER, TC_LOG_ERROR, __func__, __VA_ARGS__)
#define log_warn(...) \
	log_emit(TC_LOG_LAYER, TC_LOG_WARN, __func__, __VA_ARGS__)
#define log_info(...) \
	log_emit(TC_LOG_LAYER, TC_LOG_INFO, __func__, __VA_ARGS__)
#define log_debug(...) \
	log_emit(TC_LOG_LAYER, TC_LOG_DEBUG, __func__, __VA_ARGS__)
#define log_trace(...) \
	log_emit(TC_LOG_LAYER, TC_LOG_TRACE, __func__, __VA_ARGS__)

#endif /* TPMCARD_COMMON_LOG_H */
