/* null.c - sink plugin "null": consume every batch and keep nothing.
 *
 * It counts what went through (files, bytes, complete tables) and says so
 * at close with -v.  `sluice verify` pairs it with the stream source, so
 * that reading and checking a stream is the whole job; it is also the
 * baseline when measuring a source alone. */
#include <inttypes.h>

#include "base/alloc.h"
#include "engine/batch.h"
#include "engine/pipeline.h"

struct null_config {
	char unused; /* no options */
};

static const struct sl_option null_options[] = {SL_OPTION_END};

struct null_sink {
	uint64_t files, bytes, tables; /* touched by the sink thread only */
};

static int null_init(struct sl_instance *inst)
{
	struct null_sink *n = sl_calloc(1, sizeof(*n));
	if (!n)
		return SL_ENOMEM;
	inst->data = n;
	return 0;
}

static void null_destroy(struct sl_instance *inst)
{
	sl_free(inst->data);
	inst->data = NULL;
}

static int null_open(struct sl_instance *inst)
{
	(void)inst;
	return 0;
}

static int null_consume(struct sl_instance *inst, struct sl_batch *b)
{
	struct null_sink *n = inst->data;
	if (b->kind == SL_BATCH_TABLE_END) {
		n->tables++;
	} else {
		n->files++;
		n->bytes += b->body.len;
	}
	return 0;
}

/* Runs after the sink thread was joined: the counters are settled. */
static int null_close(struct sl_instance *inst, const struct sl_run_summary *sum)
{
	struct null_sink *n = inst->data;
	if (sum->status == 0)
		sl_instance_log(inst, SL_LOG_INFO,
		                "%" PRIu64 " files, %" PRIu64 " bytes, %" PRIu64 " complete tables",
		                n->files, n->bytes, n->tables);
	return 0;
}

const struct sl_plugin sl_sink_null = {
    .name = "null",
    .kind = SL_PLUGIN_SINK,
    .summary = "discard everything (counts files and bytes)",
    .options = null_options,
    .config_size = sizeof(struct null_config),
    .init = null_init,
    .destroy = null_destroy,
    .open = null_open,
    .consume = null_consume,
    .close = null_close,
};
