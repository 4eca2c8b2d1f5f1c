/* unit.h - a minimal harness for sluice's C unit tests.
 *
 * Each test program defines test functions and runs them from main() with
 * UNIT_RUN(fn).  A failed CHECK prints file:line and the expression and
 * marks the test failed; the program exits 1 if any test failed, so
 * automake's test driver and tests/run count it.  Output is TAP-like:
 * "ok - name" / "not ok - name". */
#ifndef SL_UNIT_H
#define SL_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_failed_checks;
static int unit_failed_tests;
static int unit_passed_tests;

#define CHECK(expr)                                                                              \
	do {                                                                                     \
		if (!(expr)) {                                                                   \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #expr); \
			unit_failed_checks++;                                                    \
		}                                                                                \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                                \
	do {                                                                              \
		long long unit_a_ = (long long)(a), unit_b_ = (long long)(b);             \
		if (unit_a_ != unit_b_) {                                                 \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n", \
			        __FILE__, __LINE__, #a, #b, unit_a_, unit_b_);            \
			unit_failed_checks++;                                             \
		}                                                                         \
	} while (0)

#define CHECK_EQ_STR(a, b)                                                                    \
	do {                                                                                  \
		const char *unit_a_ = (a), *unit_b_ = (b);                                    \
		if (!unit_a_ || !unit_b_ || strcmp(unit_a_, unit_b_) != 0) {                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (\"%s\" != \"%s\")\n", \
			        __FILE__, __LINE__, #a, #b, unit_a_ ? unit_a_ : "(null)",     \
			        unit_b_ ? unit_b_ : "(null)");                                \
			unit_failed_checks++;                                                 \
		}                                                                             \
	} while (0)

/* Compare 'n' bytes of a buffer with a string literal's bytes. */
#define CHECK_EQ_MEM(p, n, lit)                                                                 \
	do {                                                                                    \
		size_t unit_n_ = (n), unit_ln_ = sizeof(lit) - 1;                               \
		if (unit_n_ != unit_ln_ || memcmp((p), (lit), unit_n_) != 0) {                  \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (got \"%.*s\")\n",       \
			        __FILE__, __LINE__, #p, #lit, (int)unit_n_, (const char *)(p)); \
			unit_failed_checks++;                                                   \
		}                                                                               \
	} while (0)

#define UNIT_RUN(fn)                                      \
	do {                                              \
		int unit_before_ = unit_failed_checks;    \
		fn();                                     \
		if (unit_failed_checks == unit_before_) { \
			unit_passed_tests++;              \
			printf("ok - %s\n", #fn);         \
		} else {                                  \
			unit_failed_tests++;              \
			printf("not ok - %s\n", #fn);     \
		}                                         \
		fflush(stdout);                           \
	} while (0)

#define UNIT_DONE()                                                                \
	(printf("# %d passed, %d failed\n", unit_passed_tests, unit_failed_tests), \
	 unit_failed_tests ? 1 : 0)

#endif
