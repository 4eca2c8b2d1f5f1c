/* output_s3.c - the files sink's object storage (files.h): the client of
 * an s3:// output, and the one object a stream or an archive becomes.
 *
 * A stream (--result-file) or an archive (-a) is written as one multipart
 * upload (plugins/objstore/upload.c) that completes only at the end of a
 * successful run: a failed or cancelled run aborts it, so no object, and
 * nothing that looks complete, appears under the key.  An archive's
 * existing object is refused unless --overwrite, as an existing file is; a
 * stream's is replaced, as --result-file replaces a file (only once the
 * new one is complete). */
#include <string.h>

#include "files.h"

int files_s3_fail(struct files_sink *s, int rc, const struct sl_error *err)
{
	if (rc == SL_ECANCEL || sl_pipeline_cancelled(s->inst->pipe))
		return SL_ECANCEL;
	return sl_pipeline_fail(s->inst->pipe, rc, "%s: %s", s->name, err->msg);
}

int files_s3_open(struct files_sink *s)
{
	struct sl_error err = {0};
	int rc = sl_s3_open(&s->cfg->s3, files_output_path(s), &s->s3, &err);
	return rc ? sl_pipeline_fail(s->inst->pipe, rc, "%s", err.msg) : 0;
}

int files_upload_open(struct files_sink *s, bool replace, struct sl_s3_upload **out)
{
	struct sl_error err = {0};
	const char *key = sl_s3_key(s->s3);
	bool found = false;
	*out = NULL;
	if (!key[0] || key[strlen(key) - 1] == '/')
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE,
		                        "%s: %s names no object (s3://BUCKET/KEY)", s->name,
		                        sl_s3_url(s->s3));
	int rc = sl_s3_head(s->s3, key, &found, NULL, &err);
	if (rc)
		return files_s3_fail(s, rc, &err);
	if (found && !replace)
		return sl_pipeline_fail(s->inst->pipe, SL_EUSAGE,
		                        "%s: %s exists (use --overwrite to replace it)", s->name,
		                        sl_s3_url(s->s3));
	rc = sl_s3_upload_open(s->s3, key, out, &err);
	if (rc)
		return files_s3_fail(s, rc, &err);
	/* The parts are a write-behind buffer like the sink's ring: they come
	 * out of its share of --buffer (the ring keeps a quarter). */
	sl_pipeline_sink_reserve(s->inst,
	                         (size_t)(sl_s3_parallel(s->s3) + 1) * sl_s3_part_size(s->s3));
	return 0;
}

int files_upload_write(struct files_sink *s, struct sl_s3_upload *up, const void *p, size_t n)
{
	struct sl_error err = {0};
	int rc = sl_s3_upload_write(up, p, n, &err);
	return rc ? files_s3_fail(s, rc, &err) : 0;
}

int files_upload_finish(struct files_sink *s, struct sl_s3_upload *up)
{
	struct sl_error err = {0};
	int rc = sl_s3_upload_finish(up, &err);
	return rc ? files_s3_fail(s, rc, &err) : 0;
}

void files_upload_free(struct files_sink *s, struct sl_s3_upload *up)
{
	struct sl_error err = {0};
	if (!up)
		return;
	sl_s3_upload_free(up, &err);
	if (err.code)
		sl_instance_log(s->inst, SL_LOG_WARN, "%s", err.msg);
}
