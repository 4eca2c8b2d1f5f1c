/* cli.c - subcommands, their option groups, help, signals.
 *
 * Each command has a handler and, for those that run one pipeline, the
 * names of its source and sink plugins: their option tables and the run's
 * are the command's option groups, read by app/args.c from option files
 * and the command line, so the tables are the single truth for parsing,
 * validation and --help. */
#include "app/cli.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "app/args.h"
#include "app/job.h"
#include "app/manpage.h"
#include "app/peers.h"
#include "app/progress.h"
#include "app/serve.h"
#include "base/alloc.h"
#include "base/log.h"
#include "base/suggest.h"
#include "engine/pipeline.h"
#include "engine/plugin.h"
#include "registry.h"
#include "script/script.h"

struct command;
typedef int (*command_fn)(const struct command *c, int argc, char **argv);

struct command {
	const char *name;
	const char *summary;
	command_fn run;
	const char *source; /* plugins run_pipeline() runs */
	const char *sink;
	enum args_positional positional;
	const char *positional_option; /* ARGS_POS_ONE */
	const char *positional_usage;  /* in the usage line */
	unsigned peers;                /* which peer tools' options apply */
	bool two_servers;              /* connection options come as --from / --to DSNs */
};

static int run_pipeline(const struct command *c, int argc, char **argv);
static int run_job(const struct command *c, int argc, char **argv);
static int run_serve(const struct command *c, int argc, char **argv);

static const struct command commands[] = {
    {"dump",
     "dump databases from a MariaDB/MySQL server: SQL stream on stdout, archive (-a) or "
     "directory (-o)",
     run_pipeline, "mariadb", "files", ARGS_POS_SELECTION, NULL, "[DB [TABLE...]]", PEER_DUMP,
     false},
    {"verify", "check that a stream, archive or directory is complete and intact, without a server",
     run_pipeline, "files", "null", ARGS_POS_ONE, "input", "[FILE]", 0, false},
    {"load", "load a stream, archive (-a) or directory (-d) into a MariaDB/MySQL server",
     run_pipeline, "files", "loader", ARGS_POS_ONE, "input", "[FILE]", PEER_LOAD, false},
    {"copy", "copy databases from one server to another in one process, with no stream between",
     run_pipeline, "mariadb", "loader", ARGS_POS_SELECTION, NULL, "[DB [TABLE...]]",
     PEER_DUMP | PEER_LOAD, true},
    {"run", "run a job defined in Lua: source, sinks, hooks (scripts/README.md)", run_job, NULL,
     NULL, ARGS_POS_ONE, "script", "JOB.lua", 0, false},
    {"serve", "serve dumps to HTTP clients: GET /dump/PROFILE streams one", run_serve, "mariadb",
     NULL, ARGS_POS_NONE, NULL, "", PEER_DUMP, false},
    {NULL, NULL, NULL, NULL, NULL, ARGS_POS_NONE, NULL, NULL, 0, false}};

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

static void command_help(const struct command *c, const struct args_group *groups, size_t ngroups)
{
	printf("Usage: sluice %s [OPTIONS] %s\n\n%s.\n", c->name, c->positional_usage, c->summary);
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
	for (size_t i = 0; i < ngroups; i++) {
		/* An option both plugins take (copy's --skip-definer) is listed once. */
		size_t n = 0;
		while (groups[i].opts[n].name)
			n++;
		struct sl_option *fresh = sl_calloc(n + 1, sizeof(*fresh));
		if (!fresh)
			return;
		size_t kept = 0;
		for (size_t k = 0; k < n; k++) {
			bool seen = false;
			for (size_t j = 0; j < i && !seen; j++)
				seen = sl_options_find(groups[j].opts, groups[i].opts[k].name, 0) !=
				       NULL;
			if (!seen)
				fresh[kept++] = groups[i].opts[k];
		}
		sl_options_help_filtered(fresh, groups[i].heading,
		                         c->two_servers ? SL_OPTF_CONN : 0, stdout);
		sl_free(fresh);
	}
	printf("\nOption files (read first, the command line over them):\n"
	       "      --no-defaults                read no option file\n"
	       "      --defaults-file=FILE         read this option file only\n"
	       "      --defaults-extra-file=FILE   read this one too, before ~/.my.cnf\n"
	       "      --defaults-group-suffix=SUF  read [clientSUF] and [sluiceSUF] too\n"
	       "      --print-options              print the options as read, in sluice's "
	       "spelling, and exit\n"
	       "  Groups: [client] (connection options), [sluice] and [sluice-%s] (any option).\n"
	       "  mysqldump, mydumper, myloader and MySQL Shell options are taken with their\n"
	       "  meaning or refused with a hint: 'sluice help peers'.\n",
	       c->name);
	printf("\nExit status: 0 success, 1 failure, 2 usage error.\n");
}

/* The heading of a plugin's options in --help. */
static void plugin_heading(char *out, size_t size, const struct sl_plugin *p)
{
	snprintf(out, size, "%s '%s' (%s)", p->kind == SL_PLUGIN_SOURCE ? "Source" : "Sink",
	         p->name, p->summary);
}

/* Is 'name' an option of some command?  ([sluice] in option files may hold
 * any command's options.) */
static bool known_option_anywhere(const char *name)
{
	for (const struct command *c = commands; c->name; c++) {
		const char *plugins[2] = {c->source, c->sink};
		for (int k = 0; k < 2; k++) {
			const struct sl_plugin *p =
			    plugins[k] ? sl_registry_find(k ? SL_PLUGIN_SINK : SL_PLUGIN_SOURCE,
			                                  plugins[k], NULL)
			               : NULL;
			if (p && sl_options_find(p->options, name, 0))
				return true;
		}
		if (peer_find(name, c->peers))
			return true;
	}
	return sl_options_find(sl_pipeline_options, name, 0) ||
	       sl_options_find(sl_serve_options, name, 0);
}

/* Read the option files and the command line into the groups.  0, an
 * error, or 1 when --help, --version or --print-options was answered. */
static int parse_groups(int argc, char **argv, const struct command *c, struct args_group *groups,
                        size_t ngroups, bool over_current, struct args_result *res,
                        struct sl_error *err)
{
	struct args_spec spec = {.command = c->name,
	                         .peers = c->peers,
	                         .positional = c->positional,
	                         .positional_option = c->positional_option,
	                         .two_servers = c->two_servers,
	                         .known_elsewhere = known_option_anywhere,
	                         .over_current = over_current};
	int rc = args_parse(&spec, groups, ngroups, argc, argv, res, err);
	if (rc)
		return rc;
	if (res->help) {
		command_help(c, groups, ngroups);
		return 1;
	}
	if (res->version) {
		printf("sluice %s\n", PACKAGE_VERSION);
		return 1;
	}
	if (res->print_options) {
		for (size_t i = 0; i < res->nwarnings; i++)
			fprintf(stderr, "sluice: warning: %s\n", res->warnings[i]);
		printf("sluice %s", c->name);
		for (size_t i = 0; i < res->nprinted; i++)
			if (res->printed[i][0] != '#')
				printf(" %s", res->printed[i]);
		printf("\n");
		for (size_t i = 0; i < res->nprinted; i++)
			if (res->printed[i][0] == '#')
				printf("%s\n", res->printed[i]);
		return 1;
	}
	return 0;
}

/* What the peer options were taken as (-v), and the --loose-X ignored. */
static void log_notes(struct sl_log *log, const struct args_result *res)
{
	for (size_t i = 0; i < res->nwarnings; i++)
		sl_logf(log, SL_LOG_WARN, NULL, "%s", res->warnings[i]);
	for (size_t i = 0; i < res->nnotes; i++)
		sl_logf(log, SL_LOG_INFO, NULL, "%s", res->notes[i]);
}

/* --- signals ------------------------------------------------------------- */

struct signal_watch {
	pthread_t thread;
	struct sl_pipeline *pipe;
	atomic_bool done;
	sigset_t set;
};

/* How long a cancelled run may take to end before the process exits
 * anyway (every blocking point is interruptible; this is the net, so
 * that a signal always ends the process within 2 s). */
#define SIGNAL_DEADLINE_MS 1500

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
	int first = 0;
	for (;;) {
		int sig = 0;
		if (first) {
			/* The run has been cancelled: wait for it, a second signal,
			 * or the deadline. */
			struct timespec deadline = {SIGNAL_DEADLINE_MS / 1000,
			                            (SIGNAL_DEADLINE_MS % 1000) * 1000000L};
			siginfo_t info;
			sig = sigtimedwait(&w->set, &info, &deadline);
			if (atomic_load(&w->done))
				return NULL;
			if (sig < 0 && errno == EINTR)
				continue;
			say_now(sig < 0 ? "sluice: error: the run did not stop in time after the "
			                  "signal; exiting\n"
			                : "sluice: error: interrupted again; exiting now\n");
			_exit(first == SIGINT ? 130 : 143);
		}
		if (sigwait(&w->set, &sig) != 0)
			continue;
		if (atomic_load(&w->done))
			return NULL;
		first = sig;
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

/* The end of every command: report the error, free the run options, what
 * the command line said and the log, and turn the status into an exit code
 * (1 from parse_groups: --help and the like answered). */
static int finish_command(int rc, const struct sl_error *err, const struct command *c,
                          struct sl_pipeline_config *pcfg, struct args_result *ares,
                          struct sl_log *log, bool log_ready)
{
	if (rc == 1)
		rc = 0;
	report(rc, err, c, log_ready ? log : NULL);
	sl_options_free(sl_pipeline_options, pcfg);
	args_result_free(ares);
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
	struct args_result ares = {0};
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
	struct args_group groups[] = {
	    {src_heading, src->options, job.source.config},
	    {sink_heading, sink->options, job.sinks[0].config},
	    {"Run", sl_pipeline_options, &pcfg},
	};
	rc = parse_groups(argc, argv, c, groups, sizeof(groups) / sizeof(groups[0]), false, &ares,
	                  &err);
	if (rc)
		goto out; /* 1: help printed, exit 0 */
	open_log(&log, &pcfg);
	log_ready = true;
	log_notes(&log, &ares);
	rc = execute(&pcfg, &log, &job, &err);
out:
	sl_job_free(&job);
	return finish_command(rc, &err, c, &pcfg, &ares, &log, log_ready);
}

/* sluice run JOB.lua [run options]: the job's own options first, the
 * command line's over them. */
static int run_job(const struct command *c, int argc, char **argv)
{
	struct sl_error err = {0};
	struct sl_pipeline_config pcfg;
	struct sl_job job;
	struct sl_log log;
	struct args_result ares = {0};
	bool log_ready = false;
	struct args_group groups[] = {{"Run", sl_pipeline_options, &pcfg}};
	int rc;

	memset(&pcfg, 0, sizeof(pcfg));
	memset(&job, 0, sizeof(job));
	if ((rc = parse_groups(argc, argv, c, groups, 1, false, &ares, &err)))
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
		args_result_free(&ares);
		rc = parse_groups(argc, argv, c, groups, 1, true, &ares, &err);
	}
	sl_free(path);
	if (rc)
		goto out;
	open_log(&log, &pcfg);
	log_ready = true;
	log_notes(&log, &ares);
	rc = execute(&pcfg, &log, &job, &err);
out:
	sl_job_free(&job);
	return finish_command(rc, &err, c, &pcfg, &ares, &log, log_ready);
}

/* sluice serve: the source's connection and selection options are the
 * template every dump copies; profiles add to the selection. */
static int run_serve(const struct command *c, int argc, char **argv)
{
	struct sl_error err = {0};
	struct sl_pipeline_config pcfg;
	struct sl_serve_config scfg;
	struct sl_log log;
	struct args_result ares = {0};
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
	struct args_group groups[] = {
	    {src_heading, src->options, src_cfg},
	    {"Serve", sl_serve_options, &scfg},
	    {"Run (each dump)", sl_pipeline_options, &pcfg},
	};
	rc = parse_groups(argc, argv, c, groups, sizeof(groups) / sizeof(groups[0]), false, &ares,
	                  &err);
	if (rc)
		goto out; /* 1: help printed, exit 0 */
	open_log(&log, &pcfg);
	log_ready = true;
	log_notes(&log, &ares);
	rc = sl_serve_run(&scfg, src, src_cfg, &pcfg, &log, &err);
out:
	if (src_cfg) {
		sl_options_free(src->options, src_cfg);
		sl_free(src_cfg);
	}
	sl_options_free(sl_serve_options, &scfg);
	return finish_command(rc, &err, c, &pcfg, &ares, &log, log_ready);
}

static const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

/* The man page or the completion script: every command's option groups,
 * as --help shows them. */
static int print_docs(bool man)
{
	enum { NCMDS = sizeof(commands) / sizeof(commands[0]) - 1 };
	struct doc_command docs[NCMDS];
	struct args_group groups[NCMDS][3];
	char headings[NCMDS][2][160];
	size_t n = 0;
	for (const struct command *c = commands; c->name; c++, n++) {
		size_t k = 0;
		const char *names[2] = {c->source, c->run == run_serve ? NULL : c->sink};
		for (int side = 0; side < 2; side++) {
			const struct sl_plugin *p =
			    names[side] ? sl_registry_find(side ? SL_PLUGIN_SINK : SL_PLUGIN_SOURCE,
			                                   names[side], NULL)
			                : NULL;
			if (!p)
				continue;
			plugin_heading(headings[n][side], sizeof(headings[n][side]), p);
			groups[n][k++] = (struct args_group){headings[n][side], p->options, NULL};
		}
		if (c->run == run_serve)
			groups[n][k++] = (struct args_group){"Serve", sl_serve_options, NULL};
		groups[n][k++] = (struct args_group){"Run", sl_pipeline_options, NULL};
		docs[n] = (struct doc_command){c->name,   c->summary, c->positional_usage,
		                               groups[n], k,          c->two_servers};
	}
	if (man)
		doc_man_page(docs, n, PACKAGE_VERSION, stdout);
	else
		doc_bash_completion(docs, n, stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* sluice help [COMMAND | peers | man | bash-completion] */
static int run_help(int argc, char **argv)
{
	if (argc < 3) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[2], "peers")) {
		printf("Options of mysqldump/mariadb-dump, mydumper, myloader and MySQL Shell, and "
		       "what sluice makes of them:\n\n");
		peer_print_table(stdout);
		return 0;
	}
	if (!strcmp(argv[2], "man") || !strcmp(argv[2], "bash-completion"))
		return print_docs(argv[2][0] == 'm');
	if (!strcmp(argv[2], "peer-list")) { /* for tests: tab-separated */
		peer_print_list(stdout);
		return 0;
	}
	const struct command *c = find_command(argv[2]);
	if (!c) {
		fprintf(stderr,
		        "sluice: no help on '%s' (commands: dump, verify, load, copy, run, "
		        "serve; or 'peers')\n",
		        argv[2]);
		return 2;
	}
	char *help_argv[] = {argv[2], "--help", NULL};
	return c->run(c, 2, help_argv);
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
	if (!strcmp(cmd, "help"))
		return run_help(argc, argv);
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-?")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
		printf("sluice %s\n", PACKAGE_VERSION);
		return 0;
	}
	const struct command *c = find_command(cmd);
	if (c)
		return c->run(c, argc - 1, argv + 1);
	struct sl_suggest near;
	sl_suggest_init(&near, cmd);
	for (c = commands; c->name; c++)
		sl_suggest_offer(&near, c->name);
	if (near.best)
		fprintf(stderr, "sluice: unknown command '%s' (did you mean '%s'?)\n", cmd,
		        near.best);
	else
		fprintf(stderr, "sluice: unknown command '%s' (try 'sluice --help')\n", cmd);
	return 2;
}
