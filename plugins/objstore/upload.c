/* upload.c - one object written in parts (s3.h): S3's multipart upload.
 *
 * Bytes are copied into part buffers of --part-size; a full one is
 * uploaded by a worker thread (PUT ?partNumber=N&uploadId=...) while the
 * next one fills, with --s3-parallel parts in flight at most: (N + 1)
 * buffers in all, allocated as they are first needed.  A part is retried
 * by request.c; one that fails for good fails the upload, and the next
 * write or finish returns its error.  The upload is started lazily, when
 * the first part is full, so an object smaller than a part is one PUT.
 * Only finish() completes it (POST ?uploadId=... with every part's ETag):
 * before that no object exists under the key, and an upload freed without
 * finishing is aborted (DELETE ?uploadId=...), its parts deleted, also
 * after a cancel (one try, a short deadline).  An abort that cannot reach
 * the store leaves the parts until a lifecycle rule removes them; the
 * message then names the upload. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "s3_internal.h"

struct part {
	struct s3_job job;
	struct sl_s3_upload *u;
	char *data;
	size_t len;
	unsigned number; /* 1.. */
	bool busy;       /* being uploaded */
};

struct sl_s3_upload {
	struct sl_s3 *c;
	char *key;
	char *upload_id; /* NULL until the first part goes */
	struct part *slots;
	unsigned nslots;
	struct part *cur; /* being filled, or NULL */
	unsigned nparts;  /* numbered so far */
	char (*etags)[SL_S3_ETAG_MAX];
	unsigned etag_cap;
	unsigned running;
	struct sl_error err; /* the first part that failed (c->lock) */
	atomic_bool stop;
	bool finished;
};

int sl_s3_upload_open(struct sl_s3 *c, const char *key, struct sl_s3_upload **out,
                      struct sl_error *err)
{
	struct sl_s3_upload *u = sl_calloc(1, sizeof(*u));
	*out = NULL;
	if (!u)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	u->c = c;
	u->nslots = c->cfg.parallel + 1;
	u->key = sl_strdup(key);
	u->slots = sl_calloc(u->nslots, sizeof(*u->slots));
	atomic_init(&u->stop, false);
	if (!u->key || !u->slots) {
		sl_s3_upload_free(u, NULL);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	*out = u;
	return 0;
}

/* POST ?uploads=: the upload's id. */
static int initiate(struct sl_s3_upload *u, struct sl_error *err)
{
	struct sl_s3 *c = u->c;
	struct sl_buf body = SL_BUF_INIT;
	struct s3_req rq = {.method = "POST",
	                    .what = "start a multipart upload",
	                    .key = u->key,
	                    .query = "uploads=",
	                    .body = "",
	                    .out = &body,
	                    .out_max = 1u << 20,
	                    .stop = &u->stop};
	struct s3_resp rs;
	pthread_mutex_lock(&c->conn_lock);
	int rc = s3_request(c, &c->conn, &rq, &rs, err);
	pthread_mutex_unlock(&c->conn_lock);
	if (!rc) {
		xmlDoc *doc = s3_xml_parse(body.data, body.len);
		xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		u->upload_id = root ? s3_xml_strdup(root, "UploadId") : NULL;
		if (doc)
			xmlFreeDoc(doc);
		if (!u->upload_id || !*u->upload_id)
			rc = sl_error_set(err, SL_EIO, "%s: %s: no UploadId in the answer",
			                  c->cfg.url, rq.what);
	}
	sl_buf_free(&body);
	return rc;
}

static void part_run(struct sl_s3 *c, struct s3_job *j, struct s3_conn *h)
{
	struct part *p = (struct part *)j;
	struct sl_s3_upload *u = p->u;
	struct sl_error err = {0};
	struct sl_buf q = SL_BUF_INIT;
	char what[64];
	snprintf(what, sizeof(what), "PUT part %u", p->number);
	int rc = sl_buf_printf(&q, "partNumber=%u&uploadId=", p->number) ||
	                 s3_encode(&q, u->upload_id, false)
	             ? sl_error_set(&err, SL_ENOMEM, "out of memory")
	             : 0;
	struct s3_req rq = {.method = "PUT",
	                    .what = what,
	                    .key = u->key,
	                    .query = q.data,
	                    .body = p->data,
	                    .body_len = p->len,
	                    .stop = &u->stop};
	struct s3_resp rs;
	if (!rc)
		rc = h ? s3_request(c, h, &rq, &rs, &err)
		       : sl_error_set(&err, SL_ENOMEM, "out of memory");
	if (!rc && !rs.etag[0])
		rc = sl_error_set(&err, SL_EIO, "%s: %s: no ETag in the answer", c->cfg.url, what);
	sl_buf_free(&q);
	pthread_mutex_lock(&c->lock);
	if (rc)
		sl_error_copy(&u->err, &err);
	else
		snprintf(u->etags[p->number - 1], SL_S3_ETAG_MAX, "%s", rs.etag);
	p->busy = false;
	p->len = 0;
	u->running--;
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
}

/* Hand the current part to a worker.  Called with c->lock held. */
static int submit_locked(struct sl_s3_upload *u, struct sl_error *err)
{
	struct part *p = u->cur;
	if (u->nparts == SL_S3_MAX_PARTS)
		return sl_error_set(err, SL_EIO,
		                    "%s: more than %d parts of %zu bytes: raise --part-size",
		                    u->c->cfg.url, SL_S3_MAX_PARTS, u->c->cfg.part_size);
	if (u->nparts == u->etag_cap) {
		unsigned cap = u->etag_cap ? u->etag_cap * 2 : 64;
		void *v = sl_realloc(u->etags, (size_t)cap * sizeof(*u->etags));
		if (!v)
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		u->etags = v;
		u->etag_cap = cap;
	}
	p->number = ++u->nparts;
	u->etags[p->number - 1][0] = '\0';
	p->busy = true;
	p->u = u;
	p->job.run = part_run;
	if (s3_submit_locked(u->c, &p->job)) {
		p->busy = false;
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	u->running++;
	u->cur = NULL;
	return 0;
}

/* The part's error, or a cancel (c->lock held). */
static int failed_locked(struct sl_s3_upload *u, struct sl_error *err)
{
	if (u->err.code) {
		sl_error_copy(err, &u->err);
		return u->err.code;
	}
	if (atomic_load(&u->c->cancelled))
		return sl_error_set(err, SL_ECANCEL, "cancelled");
	return 0;
}

/* Make u->cur a free buffer, waiting for one (c->lock held). */
static int take_slot_locked(struct sl_s3_upload *u, struct sl_error *err)
{
	struct sl_s3 *c = u->c;
	for (;;) {
		int rc = failed_locked(u, err);
		if (rc)
			return rc;
		for (unsigned i = 0; i < u->nslots; i++) {
			struct part *p = &u->slots[i];
			if (p->busy)
				continue;
			if (!p->data && !(p->data = sl_malloc(c->cfg.part_size)))
				return sl_error_set(err, SL_ENOMEM, "out of memory");
			p->len = 0;
			u->cur = p;
			return 0;
		}
		s3_wait_locked(c);
	}
}

int sl_s3_upload_write(struct sl_s3_upload *u, const void *p, size_t n, struct sl_error *err)
{
	struct sl_s3 *c = u->c;
	const char *src = p;
	size_t part = c->cfg.part_size;
	int rc = 0;
	while (n > 0 && !rc) {
		if (!u->cur) {
			pthread_mutex_lock(&c->lock);
			rc = take_slot_locked(u, err);
			pthread_mutex_unlock(&c->lock);
			if (rc)
				break;
		}
		size_t k = part - u->cur->len < n ? part - u->cur->len : n;
		memcpy(u->cur->data + u->cur->len, src, k);
		u->cur->len += k;
		src += k;
		n -= k;
		if (u->cur->len == part) {
			if (!u->upload_id && (rc = initiate(u, err)) != 0)
				break;
			pthread_mutex_lock(&c->lock);
			rc = failed_locked(u, err);
			if (!rc)
				rc = submit_locked(u, err);
			pthread_mutex_unlock(&c->lock);
		}
	}
	return rc;
}

/* Append s to b with XML's three special characters escaped. */
static int xml_escaped(struct sl_buf *b, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++)
		rc = *s == '&'   ? sl_buf_puts(b, "&amp;")
		     : *s == '<' ? sl_buf_puts(b, "&lt;")
		     : *s == '>' ? sl_buf_puts(b, "&gt;")
		                 : sl_buf_putc(b, *s);
	return rc;
}

/* POST ?uploadId=...: the parts become the object. */
static int complete(struct sl_s3_upload *u, struct sl_error *err)
{
	struct sl_s3 *c = u->c;
	struct sl_buf xml = SL_BUF_INIT, q = SL_BUF_INIT, answer = SL_BUF_INIT;
	int rc = sl_buf_puts(&xml, "<CompleteMultipartUpload>");
	for (unsigned i = 0; i < u->nparts && !rc; i++) {
		rc = sl_buf_printf(&xml, "<Part><PartNumber>%u</PartNumber><ETag>", i + 1);
		if (!rc)
			rc = xml_escaped(&xml, u->etags[i]);
		if (!rc)
			rc = sl_buf_puts(&xml, "</ETag></Part>");
	}
	if (!rc)
		rc = sl_buf_puts(&xml, "</CompleteMultipartUpload>");
	if (!rc)
		rc = sl_buf_puts(&q, "uploadId=");
	if (!rc)
		rc = s3_encode(&q, u->upload_id, false);
	if (rc) {
		rc = sl_error_set(err, SL_ENOMEM, "out of memory");
		goto out;
	}
	struct s3_req rq = {.method = "POST",
	                    .what = "complete the multipart upload",
	                    .key = u->key,
	                    .query = q.data,
	                    .body = xml.data,
	                    .body_len = xml.len,
	                    .out = &answer,
	                    .out_max = 1u << 20,
	                    .stop = &u->stop};
	struct s3_resp rs;
	pthread_mutex_lock(&c->conn_lock);
	rc = s3_request(c, &c->conn, &rq, &rs, err);
	pthread_mutex_unlock(&c->conn_lock);
	if (!rc) {
		/* S3 may answer 200 and still fail, in the body. */
		xmlDoc *doc = s3_xml_parse(answer.data, answer.len);
		xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		char code[128] = "", msg[512] = "";
		if (!root ||
		    strcmp((const char *)root->name, "CompleteMultipartUploadResult") != 0) {
			if (root && !strcmp((const char *)root->name, "Error")) {
				s3_xml_text(root, "Code", code, sizeof(code));
				s3_xml_text(root, "Message", msg, sizeof(msg));
			}
			rc = sl_error_set(err, SL_EIO, "%s: %s: %s%s%s", c->cfg.url, rq.what,
			                  code[0] ? code : "an unexpected answer",
			                  msg[0] ? ": " : "", msg);
		}
		if (doc)
			xmlFreeDoc(doc);
	}
out:
	sl_buf_free(&xml);
	sl_buf_free(&q);
	sl_buf_free(&answer);
	return rc;
}

int sl_s3_upload_finish(struct sl_s3_upload *u, struct sl_error *err)
{
	struct sl_s3 *c = u->c;
	int rc = 0;
	if (!u->upload_id) {
		/* Smaller than a part: one PUT. */
		const char *data = u->cur ? u->cur->data : "";
		size_t len = u->cur ? u->cur->len : 0;
		rc = sl_s3_put(c, u->key, data, len, false, err);
		if (!rc)
			u->finished = true;
		return rc;
	}
	pthread_mutex_lock(&c->lock);
	rc = failed_locked(u, err);
	if (!rc && u->cur && u->cur->len > 0)
		rc = submit_locked(u, err);
	while (!rc && u->running > 0) {
		s3_wait_locked(c);
		rc = failed_locked(u, err);
	}
	pthread_mutex_unlock(&c->lock);
	if (!rc)
		rc = complete(u, err);
	if (!rc)
		u->finished = true;
	return rc;
}

void sl_s3_upload_free(struct sl_s3_upload *u, struct sl_error *err)
{
	if (!u)
		return;
	struct sl_s3 *c = u->c;
	/* Parts in flight stop (their transfers see 'stop') and are waited
	 * for: they hold our buffers. */
	atomic_store(&u->stop, true);
	pthread_mutex_lock(&c->lock);
	pthread_cond_broadcast(&c->done);
	while (u->running > 0)
		pthread_cond_wait(&c->done, &c->lock);
	pthread_mutex_unlock(&c->lock);
	if (!u->finished && u->upload_id) {
		struct sl_buf q = SL_BUF_INIT;
		struct sl_error e = {0};
		int rc = sl_buf_puts(&q, "uploadId=") || s3_encode(&q, u->upload_id, false);
		if (!rc) {
			struct s3_req rq = {.method = "DELETE",
			                    .what = "abort the multipart upload",
			                    .key = u->key,
			                    .query = q.data,
			                    .cleanup = true,
			                    .missing_ok = true};
			struct s3_resp rs;
			pthread_mutex_lock(&c->conn_lock);
			rc = s3_request(c, &c->conn, &rq, &rs, &e);
			pthread_mutex_unlock(&c->conn_lock);
		}
		if (rc && err)
			sl_error_set(err, SL_EIO,
			             "%s: the unfinished multipart upload %s could not be aborted "
			             "(%s); its parts stay until it is aborted or a lifecycle rule "
			             "(AbortIncompleteMultipartUpload) removes them",
			             c->cfg.url, u->upload_id, e.msg[0] ? e.msg : "out of memory");
		sl_buf_free(&q);
	}
	for (unsigned i = 0; u->slots && i < u->nslots; i++)
		sl_free(u->slots[i].data);
	sl_free(u->slots);
	sl_free(u->etags);
	sl_free(u->upload_id);
	sl_free(u->key);
	sl_free(u);
}
