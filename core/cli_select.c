/* cli_select.c - pick a command's source and sink from argv (cli_select.h).
 *
 * A small table maps options to plugins; prescan() finds an option's value
 * without getopt (the option tables are not built yet); for `verify PATH`,
 * sniff_input() looks at the first bytes: a sluice stream starts with its
 * version line, anything else that is not a directory is taken for an
 * archive.  On a pipe, tee(2) copies the first bytes into a pipe of our own
 * without consuming them, so the chosen source still reads the whole input. */
#define _GNU_SOURCE 1 /* tee(2) */
#include "cli_select.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Options that put another plugin in place of a command's default source or
 * sink (the option itself belongs to that plugin and names its file). */
struct alternative {
	const char *command;
	int short_name;
	const char *long_name;
	bool source; /* replaces the source, else the sink */
	const char *plugin;
};

static const struct alternative alternatives[] = {
    {"dump", 'a', "archive", false, "tar"}, /* "zip" for FILE.zip, --archive-format zip */
    {"dump", 'o', "outputdir", false, "dir"},  {"load", 'a', "archive", true, "archive"},
    {"load", 'd', "directory", true, "dir"},   {"verify", 'a', "archive", true, "archive"},
    {"verify", 'd', "directory", true, "dir"}, {NULL, 0, NULL, false, NULL}};

/* The value of option 'alt' in argv (before a "--"), or NULL when absent:
 * -a FILE, -aFILE, --archive FILE, --archive=FILE.  A pre-scan: it runs
 * before the option groups exist, since they depend on its answer. */
static const char *prescan(int argc, char **argv, int short_name, const char *long_name)
{
	size_t n = strlen(long_name);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--"))
			break;
		if (a[0] == '-' && a[1] == short_name)
			return a[2] ? a + 2 : (i + 1 < argc ? argv[i + 1] : "");
		if (!strncmp(a, "--", 2) && !strncmp(a + 2, long_name, n)) {
			if (a[2 + n] == '=')
				return a + 3 + n;
			if (!a[2 + n])
				return i + 1 < argc ? argv[i + 1] : "";
		}
	}
	return NULL;
}

/* What `sluice verify PATH` reads: a directory, an archive, or (when the
 * input starts with the stream's version line, or cannot be looked at
 * without consuming it) a stream.  Returns the alternative's plugin or
 * NULL for the stream. */
static const char *sniff_input(const char *path)
{
	static const char magic[] = "-- sluice stream";
	char head[sizeof(magic) - 1];
	struct stat st;
	ssize_t n = 0;
	int fd = -1;
	if (!strcmp(path, "-")) {
		/* Regular files can be rewound; pipes are peeked at with tee(2). */
		if (fstat(STDIN_FILENO, &st) != 0)
			return NULL;
		if (S_ISREG(st.st_mode)) {
			n = pread(STDIN_FILENO, head, sizeof(head),
			          lseek(STDIN_FILENO, 0, SEEK_CUR));
		} else if (S_ISFIFO(st.st_mode)) {
			int pp[2];
			if (pipe(pp) != 0)
				return NULL;
			for (int tries = 0; tries < 200 && n < (ssize_t)sizeof(head); tries++) {
				struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
				if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
					break;
				ssize_t t =
				    tee(STDIN_FILENO, pp[1], sizeof(head), SPLICE_F_NONBLOCK);
				if (t <= 0) {
					if (t == 0 || errno != EAGAIN)
						break; /* end of input */
					continue;
				}
				/* tee copies from the start of the pipe, without consuming. */
				n = read(pp[0], head, (size_t)t);
				if (n < (ssize_t)sizeof(head) && tries)
					poll(NULL, 0, 10); /* a writer sending tiny pieces */
			}
			close(pp[0]);
			close(pp[1]);
		} else {
			return NULL;
		}
	} else {
		if (stat(path, &st) != 0)
			return NULL; /* the stream source reports it */
		if (S_ISDIR(st.st_mode))
			return "dir";
		if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) < 0)
			return NULL;
		if (S_ISREG(st.st_mode))
			n = read(fd, head, sizeof(head));
		else
			n = -1; /* a FIFO: its first bytes cannot be looked at */
		close(fd);
	}
	if (n <= 0)
		return NULL;
	return memcmp(head, magic, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head)) ? "archive"
	                                                                                : NULL;
}

void sl_cli_choose(const char *command, int argc, char **argv, const char **source,
                   const char **sink, const char **positional)
{
	for (const struct alternative *a = alternatives; a->command; a++) {
		if (strcmp(a->command, command))
			continue;
		const char *v = prescan(argc, argv, a->short_name, a->long_name);
		if (!v)
			continue;
		const char *plugin = a->plugin;
		if (!strcmp(plugin, "tar")) {
			const char *f = prescan(argc, argv, 0x100, "archive-format");
			size_t n = strlen(v);
			if ((f && !strcmp(f, "zip")) || (n >= 4 && !strcmp(v + n - 4, ".zip")))
				plugin = "zip";
		}
		if (a->source) {
			*source = plugin;
			*positional = a->long_name;
		} else {
			*sink = plugin;
		}
		return;
	}
	if (!strcmp(command, "verify")) {
		/* The last bare argument, when it is not an option's value. */
		const char *path = "-";
		if (argc > 1 && (argv[argc - 1][0] != '-' || !strcmp(argv[argc - 1], "-")) &&
		    (argc < 3 || argv[argc - 2][0] != '-' || argv[argc - 2][1] == '-' ||
		     strchr("qv", argv[argc - 2][1])))
			path = argv[argc - 1];
		/* Nothing to look at with -i, or for --help (stdin may be idle). */
		if (!prescan(argc, argv, 'i', "input") && !prescan(argc, argv, '?', "help")) {
			const char *plugin = sniff_input(path);
			if (plugin) {
				*source = plugin;
				*positional = !strcmp(plugin, "dir") ? "directory" : "archive";
			}
		}
	}
}

void sl_cli_alternatives_help(const char *command, const char *def_source, const char *def_sink,
                              FILE *out)
{
	bool any = false;
	for (const struct alternative *a = alternatives; a->command; a++) {
		if (strcmp(a->command, command))
			continue;
		if (!any)
			fprintf(out,
			        "\nAlternatives (give the option to see its plugin's options):\n");
		any = true;
		fprintf(out, "  -%c, --%-11s %s '%s'%s instead of '%s'\n", a->short_name,
		        a->long_name, a->source ? "source" : "sink", a->plugin,
		        !strcmp(a->plugin, "tar") ? " (or 'zip')" : "",
		        a->source ? def_source : def_sink);
	}
}
