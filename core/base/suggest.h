/* suggest.h - "did you mean": the candidate closest to a mistyped word.
 *
 * Offer every candidate; the closest one by edit distance (insertions,
 * deletions, substitutions and swaps of neighbours, case ignored) is kept
 * when it is close enough to be what was meant: at most 1 edit for words
 * up to 4 characters, 2 up to 8, 3 beyond.  A word that starts a candidate
 * (an abbreviation, "--tab" for "--tables") counts as 1 edit. */
#ifndef SL_SUGGEST_H
#define SL_SUGGEST_H

#include <stddef.h>

struct sl_suggest {
	const char *word;
	const char *best; /* borrowed from the candidates offered; NULL: none close */
	size_t best_distance;
};

void sl_suggest_init(struct sl_suggest *s, const char *word);
void sl_suggest_offer(struct sl_suggest *s, const char *candidate);

#endif
