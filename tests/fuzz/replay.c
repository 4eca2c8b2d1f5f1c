/* replay.c - main() of the fuzz targets when they run as regression tests.
 *
 * Built with libFuzzer (-DSL_LIBFUZZER) a target is driven by the fuzzer;
 * otherwise this main() replays every file given as an argument (or every
 * file of a directory), or by default the target's stored corpus under
 * $srcdir/tests/fuzz/, through LLVMFuzzerTestOneInput(), which aborts on a
 * finding.  It prints "ok - FILE" per input and "# N passed, N failed".
 * Each target names itself and its corpus in sl_fuzz_name and
 * sl_fuzz_corpus. */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "base/alloc.h"
#include "replay.h"

#ifndef SL_LIBFUZZER

/* Read a whole file into memory (*out, caller frees with sl_free).  0 or
 * -1 with a message on stderr. */
static int fz_slurp(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (cap - n < 4096) {
			cap = cap ? cap * 2 : 8192;
			uint8_t *nb = sl_realloc(buf, cap);
			if (!nb)
				goto fail;
			buf = nb;
		}
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	*out = buf;
	*len = n;
	return 0;
fail:
	fprintf(stderr, "%s: read failed\n", path);
	fclose(f);
	sl_free(buf);
	return -1;
}

/* Replay one file; counts it in *npassed or *nfailed. */
static void fz_replay_file(const char *path, int *npassed, int *nfailed)
{
	uint8_t *data;
	size_t len;

	if (fz_slurp(path, &data, &len)) {
		(*nfailed)++;
		printf("not ok - %s\n", path);
		return;
	}
	LLVMFuzzerTestOneInput(data, len); /* aborts on a finding */
	sl_free(data);
	(*npassed)++;
	printf("ok - %s\n", path);
	fflush(stdout);
}

/* Replay a file, or every regular file of a directory. */
static void fz_replay(const char *path, int *npassed, int *nfailed)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		perror(path);
		(*nfailed)++;
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		fz_replay_file(path, npassed, nfailed);
		return;
	}
	DIR *d = opendir(path);
	if (!d) {
		perror(path);
		(*nfailed)++;
		return;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char sub[4096];
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
			fz_replay_file(sub, npassed, nfailed);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	int npassed = 0, nfailed = 0;

	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			fz_replay(argv[i], &npassed, &nfailed);
	} else {
		const char *srcdir = getenv("srcdir");
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s", srcdir ? srcdir : ".",
		         sl_fuzz_corpus);
		fz_replay(dir, &npassed, &nfailed);
	}
	if (npassed + nfailed == 0) {
		fprintf(stderr, "%s: no inputs found\n", sl_fuzz_name);
		nfailed++;
	}
	printf("# %d passed, %d failed\n", npassed, nfailed);
	return nfailed ? 1 : 0;
}

#endif
