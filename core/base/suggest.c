/* suggest.c - the closest candidate to a mistyped word (suggest.h). */
#include "base/suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* Longer words are not worth a suggestion (and bound the table below). */
#define SUGGEST_MAX_LEN 64

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Optimal string alignment distance, case ignored. */
static size_t distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t d[SUGGEST_MAX_LEN + 1][SUGGEST_MAX_LEN + 1];
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			bool same =
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]);
			d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + !same);
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < d[i][j])
				d[i][j] = d[i - 2][j - 2] + 1;
		}
	}
	return d[n][m];
}

void sl_suggest_init(struct sl_suggest *s, const char *word)
{
	s->word = word;
	s->best = NULL;
	s->best_distance = (size_t)-1;
}

void sl_suggest_offer(struct sl_suggest *s, const char *candidate)
{
	if (!candidate)
		return;
	size_t n = strlen(s->word), m = strlen(candidate);
	if (n == 0 || n > SUGGEST_MAX_LEN || m > SUGGEST_MAX_LEN)
		return;
	size_t limit = n <= 4 ? 1 : n <= 8 ? 2 : 3;
	/* A different case only is as close as it gets (0). */
	size_t dist = m > n && strncasecmp(s->word, candidate, n) == 0
	                  ? 1
	                  : distance(s->word, n, candidate, m);
	if (dist > limit || dist >= s->best_distance)
		return;
	s->best = candidate;
	s->best_distance = dist;
}
