/* cli.c - subcommands, getopt tables built from option tables, signals.
 *
 * Each command has a handler and, for those that run one pipeline, the
 * names of its source and sink plugins: their option tables and the run's
 * are merged into one getopt_long table, so a command's options are known
 * before anything is read and the tables are the single truth for
 * parsing, validation and --help. */
#include "app/cli.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "app/job.h"
#include "app/progress.h"
#include "app/serve.h"
#include "base/alloc.h"
#include "base/log.h"
#include "engine/pipeline.h"
#include "engine/plugin.h"
#include "registry.h"
#include "script/script.h"

/* One group of options: a table and the struct it fills. */
struct opt_group {
	const char *heading;
	const struct sl_option *opts;
	void *config;
};

struct command;
typedef int (*command_fn)(const struct command *c, int argc, char **argv);

struct command {
	const char *name;
	const char *summary;
	command_fn run;
	const char *source; /* plugins run_pipeline() runs */
	const char *sink;
	const char *positional; /* option one bare argument sets, or NULL */
	bool two_servers;       /* connection options come as --from / --to DSNs */
};

static int run_pipeline(const struct command *c, int argc, char **argv);
static int run_job(const struct command *c, int argc, char **argv);
static int run_serve(const struct command *c, int argc, char **argv);

static const struct command commands[] = {
    {"dump",
     "dump databases from a MariaDB/MySQL server: SQL stream on stdout, archive (-a) or "
     "directory (-o)",
     run_pipeline, "mariadb", "files", NULL, false},
    {"verify", "check that a stream, archive or directory is complete and intact, without a server",
     run_pipeline, "files", "null", "input", false},
    {"load", "load a stream, archive (-a) or directory (-d) into a MariaDB/MySQL server",
     run_pipeline, "files", "loader", "input", false},
    {"copy", "copy databases from one server to another in one process, with no stream between",
     run_pipeline, "mariadb", "loader", NULL, true},
    {"run", "run a job defined in Lua: source, sinks, hooks (scripts/README.md)", run_job, NULL,
     NULL, "script", false},
    {"serve", "serve dumps to HTTP clients: GET /dump/PROFILE streams one", run_serve, "mariadb",
     NULL, NULL, false},
    {NULL, NULL, NULL, NULL, NULL, NULL, false}};

static void usage(FILE *out)
{
	fprintf(out, "Usage: sluice COMMAND [OPTIONS]\n\n"
	             "Move data out of MariaDB/MySQL servers into streams and other places.\n\n"
	             "Commands:\n");
	for (const struct command *c = commands; c->name; c++)
		fprintf(out, "  %-10s %s\n", c->name, c->summary);
	fprintf(out, "\nRun 'sluice COMMAND --help' for the options of a command.\n"
	             "Options: --help, --version\n");
}

static void command_help(const struct command *c, const struct opt_group *groups, size_t ngroups)
{
	const struct sl_option *pos =
	    c->positional ? sl_options_find(groups[0].opts, c->positional, 0) : NULL;
	printf("Usage: sluice %s [OPTIONS]%s%s%s\n\n%s.\n", c->name, pos ? " [" : "",
	       pos ? (pos->arg ? pos->arg : pos->name) : "", pos ? "]" : "", c->summary);
	if (c->two_servers)
		printf("\nServers:\n"
		       "  --from=DSN                       the source server, e.g. "
		       "h=db1,P=3306,u=backup\n"
		       "  --to=DSN                         the target server, e.g. "
		       "S=/run/mysqld/mysqld.sock,u=root\n"
		       "      DSN keys: h host, P port, u user, p password, S socket, F "
		       "defaults-file,\n"
		       "      or a connection option's long name (ssl-mode=required, ssl-ca=FILE, "
		       "...)\n");
	for (size_t i = 0; i < ngroups; i++)
		sl_options_help_filtered(groups[i].opts, groups[i].heading,
		                         c->two_servers ? SL_OPTF_CONN : 0, stdout);
	printf("\nExit status: 0 success, 1 failure, 2 usage error.\n");
}

/* Locate the group and option a getopt 'val' refers to. */
struct opt_ref {
	size_t group;
	const struct sl_option *opt;
};

/* Overwrite a secret in argv so `ps` does not show it (as the mysql client). */
static void scrub_argv_secret(char *value)
{
	if (value)
		memset(value, 'x', strlen(value));
}

/* Parse argv[optind..] into the groups.  0, SL_EUSAGE (message in err), or
 * 1 when --help was printed. */
static int parse_args(int argc, char **argv, const struct command *c, struct opt_group *groups,
                      size_t ngroups, struct sl_error *err)
{
	size_t nopts = 0;
	for (size_t g = 0; g < ngroups; g++)
		for (const struct sl_option *o = groups[g].opts; o->name; o++)
			nopts++;
	struct option *longopts = sl_calloc(nopts + 4, sizeof(*longopts));
	struct opt_ref *refs = sl_calloc(nopts + 1, sizeof(*refs));
	/* ':' reports a missing argument as ':'; '+' stops at the first bare
	 * argument, except for commands that take one (options may follow it). */
	char shortopts[256];
	snprintf(shortopts, sizeof(shortopts), "%s", c->positional ? ":" : "+:");
	size_t sl = strlen(shortopts);
	int rc = 0;
	if (!longopts || !refs) {
		rc = SL_ENOMEM;
		goto out;
	}
	size_t k = 0;
	for (size_t g = 0; g < ngroups; g++) {
		for (const struct sl_option *o = groups[g].opts; o->name; o++, k++) {
			if (c->two_servers && (o->flags & SL_OPTF_CONN)) {
				/* Set through --from / --to only: an entry getopt never matches. */
				longopts[k] = (struct option){"", no_argument, NULL, 0};
				refs[k] = (struct opt_ref){g, o};
				continue;
			}
			int has_arg = required_argument;
			if (o->type == SL_OPT_BOOL || (o->flags & SL_OPTF_COUNT))
				has_arg = no_argument;
			else if (o->flags & SL_OPTF_OPTIONAL_ARG)
				has_arg = optional_argument;
			longopts[k] = (struct option){o->name, has_arg, NULL, (int)(1000 + k)};
			refs[k] = (struct opt_ref){g, o};
			if (o->short_name && sl + 4 < sizeof(shortopts)) {
				shortopts[sl++] = (char)o->short_name;
				if (has_arg == required_argument)
					shortopts[sl++] = ':';
				else if (has_arg == optional_argument) {
					shortopts[sl++] = ':';
					shortopts[sl++] = ':';
				}
			}
		}
	}
	longopts[k++] = (struct option){"help", no_argument, NULL, '?' + 2000};
	if (c->two_servers) {
		longopts[k++] = (struct option){"from", required_argument, NULL, 3000};
		longopts[k++] = (struct option){"to", required_argument, NULL, 3001};
	}
	shortopts[sl++] = '?';
	shortopts[sl] = '\0';

	opterr = 0;
	for (;;) {
		int longidx = -1;
		int ch = getopt_long(argc, argv, shortopts, longopts, &longidx);
		if (ch == -1)
			break;
		if (ch == '?' + 2000 || (ch == '?' && optopt == '?')) {
			command_help(c, groups, ngroups);
			rc = 1;
			goto out;
		}
		if (ch == '?' || ch == ':') {
			const char *arg = argv[optind - 1];
			if (ch == ':')
				rc = sl_error_set(err, SL_EUSAGE, "option '%s' needs a value", arg);
			else if (optopt && optopt < 1000)
				rc = sl_error_set(err, SL_EUSAGE, "unknown option '-%c'", optopt);
			else
				rc = sl_error_set(err, SL_EUSAGE, "unknown option '%s'", arg);
			goto out;
		}
		if (ch == 3000 || ch == 3001) {
			/* --from sets the source's connection, --to the sink's. */
			size_t g = ch == 3000 ? 0 : 1;
			rc = sl_options_set_dsn(groups[g].opts, groups[g].config,
			                        ch == 3000 ? "--from" : "--to", optarg, err);
			scrub_argv_secret(optarg);
			if (rc)
				goto out;
			continue;
		}
		const struct opt_ref *ref = NULL;
		if (ch >= 1000 && ch < 1000 + (int)nopts) {
			ref = &refs[ch - 1000];
		} else {
			/* A letter two groups use (-B in copy) belongs to the first,
			 * the source; the other stays reachable by its long name. */
			for (size_t i = 0; i < nopts && !ref; i++)
				if (refs[i].opt->short_name == ch &&
				    !(c->two_servers && (refs[i].opt->flags & SL_OPTF_CONN)))
					ref = &refs[i];
		}
		if (!ref) {
			rc = sl_error_set(err, SL_EUSAGE, "unknown option '-%c'", ch);
			goto out;
		}
		rc = sl_option_set(ref->opt, groups[ref->group].config, optarg, err);
		if (ref->opt->flags & SL_OPTF_SECRET)
			scrub_argv_secret(optarg);
		if (rc)
			goto out;
	}
	/* A command's one bare argument sets an option of its source (groups[0]). */
	if (c->positional && optind < argc &&
	    (rc = sl_options_set(groups[0].opts, groups[0].config, c->positional, argv[optind++],
	                         err)) != 0)
		goto out;
	if (optind < argc)
		rc = sl_error_set(err, SL_EUSAGE, "unexpected argument '%s'", argv[optind]);
out:
	sl_free(longopts);
	sl_free(refs);
	return rc;
}

/* Fill every group with its defaults, then parse argv over them.  Returns
 * as parse_args(). */
static int parse_groups(int argc, char **argv, const struct command *c, struct opt_group *groups,
                        size_t ngroups, struct sl_error *err)
{
	for (size_t g = 0; g < ngroups; g++) {
		int rc = sl_options_defaults(groups[g].opts, groups[g].config, err);
		if (rc)
			return rc;
	}
	return parse_args(argc, argv, c, groups, ngroups, err);
}

/* "Source 'mariadb' (summary)": the --help heading of a plugin's options. */
static void plugin_heading(char *out, size_t size, const struct sl_plugin *p)
{
	snprintf(out, size, "%s '%s' (%s)", p->kind == SL_PLUGIN_SOURCE ? "Source" : "Sink",
	         p->name, p->summary);
}

/* --- signals ------------------------------------------------------------- */

struct signal_watch {
	pthread_t thread;
	struct sl_pipeline *pipe;
	atomic_bool done;
	sigset_t set;
};

/* How long a cancelled run may take to end before the process exits
 * anyway (every blocking point is interruptible; this is the net). */
#define SIGNAL_DEADLINE_S 5

/* Write a line to stderr from a thread that may be racing everything else
 * (no stdio locks). */
static void say_now(const char *msg)
{
	ssize_t w = write(STDERR_FILENO, msg, strlen(msg));
	(void)w;
}

static void *signal_main(void *arg)
{
	struct signal_watch *w = arg;
	bool signalled = false;
	for (;;) {
		int sig = 0;
		if (signalled) {
			/* The run has been cancelled: wait for it, a second signal,
			 * or the deadline. */
			struct timespec deadline = {SIGNAL_DEADLINE_S, 0};
			siginfo_t info;
			sig = sigtimedwait(&w->set, &info, &deadline);
			if (atomic_load(&w->done))
				return NULL;
			if (sig < 0 && errno == EINTR)
				continue;
			say_now(sig < 0 ? "sluice: error: the run did not stop within 5 s of the "
			                  "signal; exiting\n"
			                : "sluice: error: interrupted again; exiting now\n");
			_exit(sig == SIGINT ? 130 : 143);
		}
		if (sigwait(&w->set, &sig) != 0)
			continue;
		if (atomic_load(&w->done))
			return NULL;
		signalled = true;
		sl_pipeline_fail(w->pipe, SL_ECANCEL, "interrupted by %s",
		                 sig == SIGINT ? "SIGINT" : "SIGTERM");
	}
}

/* --- commands ------------------------------------------------------------ */

/* The log as -q / -v / --log-format ask.  Quiet on success by default, as
 * mysqldump: -v says what happened, -vv how (snapshot, ranges, workers). */
static void open_log(struct sl_log *log, const struct sl_pipeline_config *pcfg)
{
	enum sl_log_level level = SL_LOG_WARN;
	if (pcfg->quiet)
		level = SL_LOG_ERROR;
	else if (pcfg->verbose == 1)
		level = SL_LOG_INFO;
	else if (pcfg->verbose > 1)
		level = SL_LOG_DEBUG;
	sl_log_init(log, level, pcfg->log_format == 1, stderr);
}

/* Build the pipeline from 'job' (its configs move into the pipeline) and
 * run it with SIGINT/SIGTERM cancelling.  0 or an error in 'err'. */
static int execute(const struct sl_pipeline_config *pcfg, struct sl_log *log, struct sl_job *job,
                   struct sl_error *err)
{
	struct sl_pipeline *pipe = sl_pipeline_new(pcfg, log);
	if (!pipe)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	int rc = sl_pipeline_add(pipe, job->source.plugin, job->source.config, NULL);
	job->source.config = NULL; /* owned by the pipeline now */
	for (size_t i = 0; !rc && i < job->nsinks; i++) {
		rc = sl_pipeline_add_named(pipe, job->sinks[i].plugin, job->sinks[i].config,
		                           job->sinks[i].name, NULL);
		job->sinks[i].config = NULL;
	}
	if (!rc) {
		/* SIGINT/SIGTERM go to one thread that cancels the run; every other
		 * thread inherits the blocked mask. */
		struct signal_watch watch = {.pipe = pipe};
		sigemptyset(&watch.set);
		sigaddset(&watch.set, SIGINT);
		sigaddset(&watch.set, SIGTERM);
		pthread_sigmask(SIG_BLOCK, &watch.set, NULL);
		bool watching = pthread_create(&watch.thread, NULL, signal_main, &watch) == 0;

		struct sl_progress *progress = sl_progress_start(pipe);
		rc = sl_pipeline_run(pipe);
		sl_progress_stop(progress);

		if (watching) {
			atomic_store(&watch.done, true);
			pthread_kill(watch.thread, SIGTERM);
			pthread_join(watch.thread, NULL);
		}
	}
	if (rc)
		sl_error_copy(err, sl_pipeline_error(pipe));
	sl_pipeline_free(pipe);
	return rc;
}

static void report(int rc, const struct sl_error *err, const struct command *c, struct sl_log *log)
{
	if (!rc || rc == 1)
		return;
	const char *msg = err->code ? err->msg : sl_strerror(rc);
	if (log)
		sl_logf(log, SL_LOG_ERROR, NULL, "%s", msg);
	else if (rc == SL_EUSAGE)
		fprintf(stderr, "sluice: %s (see 'sluice %s --help')\n", msg, c->name);
	else
		fprintf(stderr, "sluice: error: %s\n", msg);
}

/* The end of every command: report the error, free the run options and the
 * log, and turn the status into an exit code (1 from parse_args: --help). */
static int finish_command(int rc, const struct sl_error *err, const struct command *c,
                          struct sl_pipeline_config *pcfg, struct sl_log *log, bool log_ready)
{
	if (rc == 1)
		rc = 0;
	report(rc, err, c, log_ready ? log : NULL);
	sl_options_free(sl_pipeline_options, pcfg);
	if (log_ready)
		sl_log_destroy(log);
	return sl_exit_code(rc);
}

/* A new config for 'plugin', its defaults to be filled by the caller.  NULL
 * on ENOMEM. */
static void *new_config(const struct sl_plugin *plugin)
{
	return sl_calloc(1, plugin->config_size);
}

/* dump, verify, load, copy: one source, one sink, one run. */
static int run_pipeline(const struct command *c, int argc, char **argv)
{
	struct sl_error err = {0};
	struct sl_pipeline_config pcfg;
	struct sl_job job;
	struct sl_log log;
	bool log_ready = false;
	int rc;

	memset(&pcfg, 0, sizeof(pcfg));
	memset(&job, 0, sizeof(job));
	const struct sl_plugin *src = sl_registry_find(SL_PLUGIN_SOURCE, c->source, NULL);
	const struct sl_plugin *sink = sl_registry_find(SL_PLUGIN_SINK, c->sink, NULL);
	job.source.plugin = src;
	job.sinks[0].plugin = sink;
	job.nsinks = 1;
	if (!src || !sink) {
		rc = sl_error_set(&err, SL_EINTERNAL, "command %s: plugin missing", c->name);
		goto out;
	}
	job.source.config = new_config(src);
	job.sinks[0].config = new_config(sink);
	if (!job.source.config || !job.sinks[0].config) {
		rc = sl_error_set(&err, SL_ENOMEM, "out of memory");
		goto out;
	}
	char src_heading[160], sink_heading[160];
	plugin_heading(src_heading, sizeof(src_heading), src);
	plugin_heading(sink_heading, sizeof(sink_heading), sink);
	struct opt_group groups[] = {
	    {src_heading, src->options, job.source.config},
	    {sink_heading, sink->options, job.sinks[0].config},
	    {"Run", sl_pipeline_options, &pcfg},
	};
	if ((rc = parse_groups(argc, argv, c, groups, sizeof(groups) / sizeof(groups[0]), &err)))
		goto out; /* 1: help printed, exit 0 */
	open_log(&log, &pcfg);
	log_ready = true;
	rc = execute(&pcfg, &log, &job, &err);
out:
	sl_job_free(&job);
	return finish_command(rc, &err, c, &pcfg, &log, log_ready);
}

/* sluice run JOB.lua [run options]: the job's own options first, the
 * command line's over them. */
static int run_job(const struct command *c, int argc, char **argv)
{
	struct sl_error err = {0};
	struct sl_pipeline_config pcfg;
	struct sl_job job;
	struct sl_log log;
	bool log_ready = false;
	struct opt_group groups[] = {{"Run", sl_pipeline_options, &pcfg}};
	int rc;

	memset(&pcfg, 0, sizeof(pcfg));
	memset(&job, 0, sizeof(job));
	if ((rc = parse_groups(argc, argv, c, groups, 1, &err)))
		goto out;
	if (!pcfg.script) {
		rc = sl_error_set(&err, SL_EUSAGE, "no job script given");
		goto out;
	}
	char *path = sl_strdup(pcfg.script);
	if (!path) {
		rc = sl_error_set(&err, SL_ENOMEM, "out of memory");
		goto out;
	}
	/* The job is read with the command line's limits and parameters; then
	 * the run options start over: the job's, then the command line's. */
	struct sl_pipeline_config first = pcfg;
	struct sl_script_opts lim = {.memory = first.script_memory,
	                             .budget = (uint64_t)first.script_budget,
	                             .params = &first.params,
	                             .timeout_ms = (uint64_t)first.script_timeout * 1000};
	memset(&pcfg, 0, sizeof(pcfg));
	rc = sl_options_defaults(sl_pipeline_options, &pcfg, &err);
	if (!rc)
		rc = sl_job_load(path, &lim, sl_pipeline_options, &pcfg, &job, &err);
	sl_options_free(sl_pipeline_options, &first);
	if (!rc) {
		optind = 1;
		rc = parse_args(argc, argv, c, groups, 1, &err);
	}
	sl_free(path);
	if (rc)
		goto out;
	open_log(&log, &pcfg);
	log_ready = true;
	rc = execute(&pcfg, &log, &job, &err);
out:
	sl_job_free(&job);
	return finish_command(rc, &err, c, &pcfg, &log, log_ready);
}

/* sluice serve: the source's connection and selection options are the
 * template every dump copies; profiles add to the selection. */
static int run_serve(const struct command *c, int argc, char **argv)
{
	struct sl_error err = {0};
	struct sl_pipeline_config pcfg;
	struct sl_serve_config scfg;
	struct sl_log log;
	bool log_ready = false;
	const struct sl_plugin *src = sl_registry_find(SL_PLUGIN_SOURCE, c->source, NULL);
	void *src_cfg = src ? new_config(src) : NULL;
	int rc;

	memset(&pcfg, 0, sizeof(pcfg));
	memset(&scfg, 0, sizeof(scfg));
	if (!src_cfg) {
		rc = sl_error_set(&err, SL_ENOMEM, "out of memory");
		goto out;
	}
	char src_heading[160];
	plugin_heading(src_heading, sizeof(src_heading), src);
	struct opt_group groups[] = {
	    {src_heading, src->options, src_cfg},
	    {"Serve", sl_serve_options, &scfg},
	    {"Run (each dump)", sl_pipeline_options, &pcfg},
	};
	if ((rc = parse_groups(argc, argv, c, groups, sizeof(groups) / sizeof(groups[0]), &err)))
		goto out; /* 1: help printed, exit 0 */
	open_log(&log, &pcfg);
	log_ready = true;
	rc = sl_serve_run(&scfg, src, src_cfg, &pcfg, &log, &err);
out:
	if (src_cfg) {
		sl_options_free(src->options, src_cfg);
		sl_free(src_cfg);
	}
	sl_options_free(sl_serve_options, &scfg);
	return finish_command(rc, &err, c, &pcfg, &log, log_ready);
}

int sl_cli_main(int argc, char **argv)
{
	/* A closed stdout must surface as EPIPE from write(), not kill us. */
	signal(SIGPIPE, SIG_IGN);

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-?") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("sluice %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (const struct command *c = commands; c->name; c++) {
		if (!strcmp(c->name, cmd)) {
			optind = 1;
			return c->run(c, argc - 1, argv + 1);
		}
	}
	fprintf(stderr, "sluice: unknown command '%s' (try 'sluice --help')\n", cmd);
	return 2;
}
