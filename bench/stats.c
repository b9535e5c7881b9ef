/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>
#include <time.h>

#include "bench.h"

double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void stats_add(struct bench_stats *s, double seconds)
{
	if (s->count == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		double *more = realloc(s->samples, cap * sizeof(*more));

		if (more == NULL)
			return;
		s->samples = more;
		s->cap = cap;
	}
	s->samples[s->count++] = seconds;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double stats_quantile(struct bench_stats *s, double q)
{
	size_t i;

	if (s->count == 0)
		return 0;
	qsort(s->samples, s->count, sizeof(double), by_value);
	i = (size_t)(q * (double)(s->count - 1) + 0.5);
	return s->samples[i];
}

void stats_free(struct bench_stats *s)
{
	free(s->samples);
	s->samples = NULL;
	s->count = s->cap = 0;
}
