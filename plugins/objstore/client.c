/* client.c - a client of one bucket (s3.h): its worker threads, the
 * one-shot requests (HEAD, GET, PUT, DELETE, list) and background PUTs.
 *
 * The workers start on first use, --s3-parallel of them, each with its
 * own curl handle; jobs are queued in order under the client's lock, and
 * whoever waits for one (a part, a range, a PUT) waits on 'done'.  One-shot
 * requests run on the calling thread on the client's own connection, one
 * at a time.  sl_s3_cancel() sets the flag every transfer's progress
 * callback checks and wakes every wait. */
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#include "base/alloc.h"
#include "s3_internal.h"

#define LIST_MAX (8u << 20) /* one page of a listing (1000 keys) */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static bool global_ok;

/* libcurl and libxml2 want one initialisation before any thread uses
 * them; the plugins open clients on the main thread. */
static void global_init(void)
{
	global_ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
	xmlInitParser();
}

int sl_s3_open(const struct sl_s3_options *o, const char *url, struct sl_s3 **out,
               struct sl_error *err)
{
	static const struct sl_s3_options defaults = {
	    .part_size = 8u << 20, .parallel = 4, .retries = 5, .timeout = 60};
	*out = NULL;
	pthread_once(&global_once, global_init);
	if (!global_ok)
		return sl_error_set(err, SL_EIO, "s3: libcurl could not be initialised");
	struct sl_s3 *c = sl_calloc(1, sizeof(*c));
	if (!c)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	int rc = s3_config_resolve(o ? o : &defaults, url, &c->cfg, err);
	if (rc) {
		sl_free(c);
		return rc;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->work, NULL);
	pthread_cond_init(&c->done, NULL);
	pthread_mutex_init(&c->conn_lock, NULL);
	atomic_init(&c->cancelled, false);
	if (s3_conn_init(&c->conn)) {
		sl_s3_free(c);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	*out = c;
	return 0;
}

const char *sl_s3_key(const struct sl_s3 *c)
{
	return c->cfg.key;
}

const char *sl_s3_url(const struct sl_s3 *c)
{
	return c->cfg.url;
}

size_t sl_s3_part_size(const struct sl_s3 *c)
{
	return c->cfg.part_size;
}

unsigned sl_s3_parallel(const struct sl_s3 *c)
{
	return c->cfg.parallel;
}

void sl_s3_cancel(struct sl_s3 *c)
{
	if (!c || atomic_exchange(&c->cancelled, true))
		return;
	pthread_mutex_lock(&c->lock);
	pthread_cond_broadcast(&c->done);
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
}

void sl_s3_free(struct sl_s3 *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->quit = true;
	pthread_cond_broadcast(&c->work);
	pthread_mutex_unlock(&c->lock);
	for (unsigned i = 0; i < c->nthreads; i++)
		pthread_join(c->threads[i], NULL);
	sl_free(c->threads);
	s3_conn_free(&c->conn);
	pthread_mutex_destroy(&c->conn_lock);
	pthread_cond_destroy(&c->done);
	pthread_cond_destroy(&c->work);
	pthread_mutex_destroy(&c->lock);
	s3_config_free(&c->cfg);
	sl_free(c);
}

/* --- the worker threads ------------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct sl_s3 *c = arg;
	struct s3_conn h;
	bool ok = s3_conn_init(&h) == 0;
	pthread_mutex_lock(&c->lock);
	for (;;) {
		while (!c->head && !c->quit)
			pthread_cond_wait(&c->work, &c->lock);
		if (!c->head)
			break;
		struct s3_job *j = c->head;
		c->head = j->next;
		if (!c->head)
			c->tail = NULL;
		pthread_mutex_unlock(&c->lock);
		/* Without a handle the job still runs: its request fails. */
		j->run(c, j, ok ? &h : NULL);
		pthread_mutex_lock(&c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	if (ok)
		s3_conn_free(&h);
	return NULL;
}

int s3_submit_locked(struct sl_s3 *c, struct s3_job *j)
{
	if (!c->threads) {
		c->threads = sl_calloc(c->cfg.parallel, sizeof(*c->threads));
		if (!c->threads)
			return SL_ENOMEM;
	}
	if (c->nthreads < c->cfg.parallel) {
		if (pthread_create(&c->threads[c->nthreads], NULL, worker_main, c) == 0)
			c->nthreads++;
		else if (c->nthreads == 0)
			return SL_ENOMEM;
	}
	j->next = NULL;
	if (c->tail)
		c->tail->next = j;
	else
		c->head = j;
	c->tail = j;
	pthread_cond_signal(&c->work);
	return 0;
}

int s3_wait_locked(struct sl_s3 *c)
{
	if (atomic_load(&c->cancelled))
		return SL_ECANCEL;
	pthread_cond_wait(&c->done, &c->lock);
	return atomic_load(&c->cancelled) ? SL_ECANCEL : 0;
}

/* --- one-shot requests ---------------------------------------------------------------- */

static int one_shot(struct sl_s3 *c, const struct s3_req *rq, struct s3_resp *rs,
                    struct sl_error *err)
{
	pthread_mutex_lock(&c->conn_lock);
	int rc = s3_request(c, &c->conn, rq, rs, err);
	pthread_mutex_unlock(&c->conn_lock);
	return rc;
}

int sl_s3_head(struct sl_s3 *c, const char *key, bool *found, struct sl_s3_object *obj,
               struct sl_error *err)
{
	struct s3_req rq = {.method = "HEAD", .what = "HEAD", .key = key, .missing_ok = true};
	struct s3_resp rs;
	int rc = one_shot(c, &rq, &rs, err);
	*found = !rc && rs.status != 404;
	if (*found && obj) {
		obj->size = rs.has_length ? rs.length : 0;
		snprintf(obj->etag, sizeof(obj->etag), "%s", rs.etag);
	}
	return rc;
}

int sl_s3_get(struct sl_s3 *c, const char *key, size_t max, struct sl_buf *out, bool *found,
              struct sl_error *err)
{
	struct s3_req rq = {.method = "GET",
	                    .what = "GET",
	                    .key = key,
	                    .missing_ok = found != NULL,
	                    .out = out,
	                    .out_max = max};
	struct s3_resp rs;
	int rc = one_shot(c, &rq, &rs, err);
	if (found)
		*found = !rc && rs.status != 404;
	if (!rc && rs.status == 404 && found)
		return 0;
	if (!rc && rs.has_length && rs.length != rs.got)
		return sl_error_set(err, SL_EIO, "%s: GET %s: %zu of %llu bytes", c->cfg.url, key,
		                    rs.got, (unsigned long long)rs.length);
	return rc;
}

int sl_s3_put(struct sl_s3 *c, const char *key, const void *data, size_t len, bool cleanup,
              struct sl_error *err)
{
	struct s3_req rq = {.method = "PUT",
	                    .what = "PUT",
	                    .key = key,
	                    .body = data,
	                    .body_len = len,
	                    .cleanup = cleanup};
	struct s3_resp rs;
	return one_shot(c, &rq, &rs, err);
}

int sl_s3_delete(struct sl_s3 *c, const char *key, struct sl_error *err)
{
	struct s3_req rq = {.method = "DELETE", .what = "DELETE", .key = key, .missing_ok = true};
	struct s3_resp rs;
	return one_shot(c, &rq, &rs, err);
}

/* The canonical query of one listing page (names in order). */
static int list_query(struct sl_buf *q, const char *prefix, const char *token)
{
	int rc = 0;
	if (token) {
		rc = sl_buf_puts(q, "continuation-token=");
		if (!rc)
			rc = s3_encode(q, token, false);
		if (!rc)
			rc = sl_buf_putc(q, '&');
	}
	if (!rc)
		rc = sl_buf_puts(q, "delimiter=%2F&list-type=2&prefix=");
	if (!rc)
		rc = s3_encode(q, prefix, false);
	return rc;
}

int sl_s3_list(struct sl_s3 *c, const char *prefix, sl_s3_list_fn fn, void *ud,
               struct sl_error *err)
{
	struct sl_buf q = SL_BUF_INIT, body = SL_BUF_INIT;
	char *token = NULL;
	size_t plen = strlen(prefix);
	int rc = 0;
	do {
		sl_buf_reset(&q);
		sl_buf_reset(&body);
		if (list_query(&q, prefix, token)) {
			rc = sl_error_set(err, SL_ENOMEM, "out of memory");
			break;
		}
		sl_free(token);
		token = NULL;
		struct s3_req rq = {.method = "GET",
		                    .what = "list",
		                    .key = "",
		                    .query = q.data,
		                    .out = &body,
		                    .out_max = LIST_MAX};
		struct s3_resp rs;
		if ((rc = one_shot(c, &rq, &rs, err)) != 0)
			break;
		xmlDoc *doc = s3_xml_parse(body.data, body.len);
		xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
		if (!root || strcmp((const char *)root->name, "ListBucketResult") != 0) {
			if (doc)
				xmlFreeDoc(doc);
			rc = sl_error_set(err, SL_EIO, "s3://%s/%s: list: not a listing",
			                  c->cfg.bucket, prefix);
			break;
		}
		/* Objects and "subdirectories" come in two lists, each in key
		 * order: merge them. */
		xmlNode *o = s3_xml_child(root, "Contents"),
		        *d = s3_xml_child(root, "CommonPrefixes");
		while (!rc && (o || d)) {
			char *ok = o ? s3_xml_strdup(o, "Key") : NULL;
			char *dk = d ? s3_xml_strdup(d, "Prefix") : NULL;
			bool take_dir = dk && (!ok || strcmp(dk, ok) < 0);
			char *k = take_dir ? dk : ok;
			char size[32] = "0", etag[SL_S3_ETAG_MAX] = "";
			if ((o && !ok) || (d && !dk)) {
				rc = sl_error_set(err, SL_EIO,
				                  "s3://%s/%s: list: an entry without a key",
				                  c->cfg.bucket, prefix);
			} else if (strncmp(k, prefix, plen) != 0) {
				rc = sl_error_set(err, SL_EIO,
				                  "s3://%s/%s: list: a key outside the prefix",
				                  c->cfg.bucket, prefix);
			} else {
				if (!take_dir) {
					s3_xml_text(o, "Size", size, sizeof(size));
					s3_xml_text(o, "ETag", etag, sizeof(etag));
				}
				char *name = k + plen;
				size_t nl = strlen(name);
				if (take_dir && nl && name[nl - 1] == '/')
					name[--nl] = '\0';
				/* The prefix itself ("dir/", a console's folder marker) is not an entry. */
				if (nl)
					rc = fn(ud, name, strtoull(size, NULL, 10), etag, take_dir);
			}
			if (take_dir)
				d = s3_xml_next(d);
			else
				o = s3_xml_next(o);
			sl_free(ok);
			sl_free(dk);
		}
		char trunc[16] = "";
		s3_xml_text(root, "IsTruncated", trunc, sizeof(trunc));
		if (!rc && !strcmp(trunc, "true")) {
			token = s3_xml_strdup(root, "NextContinuationToken");
			if (!token)
				rc = sl_error_set(err, SL_EIO,
				                  "s3://%s/%s: list: truncated without a token",
				                  c->cfg.bucket, prefix);
		}
		xmlFreeDoc(doc);
	} while (!rc && token);
	sl_free(token);
	sl_buf_free(&q);
	sl_buf_free(&body);
	return rc;
}

/* --- background PUTs ---------------------------------------------------------------------- */

struct put_job {
	struct s3_job job;
	char *key;
	const void *data;
	size_t len;
	void (*release)(void *);
	void *ud;
};

static void put_run(struct sl_s3 *c, struct s3_job *j, struct s3_conn *h)
{
	struct put_job *p = (struct put_job *)j;
	struct sl_error err = {0};
	struct s3_req rq = {
	    .method = "PUT", .what = "PUT", .key = p->key, .body = p->data, .body_len = p->len};
	struct s3_resp rs;
	int rc =
	    h ? s3_request(c, h, &rq, &rs, &err) : sl_error_set(&err, SL_ENOMEM, "out of memory");
	if (p->release)
		p->release(p->ud);
	pthread_mutex_lock(&c->lock);
	if (rc)
		sl_error_copy(&c->put_err, &err);
	c->puts_running--;
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
	sl_free(p->key);
	sl_free(p);
}

int sl_s3_put_async(struct sl_s3 *c, const char *key, const void *data, size_t len,
                    void (*release)(void *), void *ud, struct sl_error *err)
{
	struct put_job *p = sl_calloc(1, sizeof(*p));
	char *k = sl_strdup(key);
	int rc = 0;
	if (!p || !k) {
		sl_free(p);
		sl_free(k);
		if (release)
			release(ud);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	*p = (struct put_job){
	    .job.run = put_run, .key = k, .data = data, .len = len, .release = release, .ud = ud};
	pthread_mutex_lock(&c->lock);
	while (!rc && !c->put_err.code && c->puts_running >= c->cfg.parallel)
		rc = s3_wait_locked(c);
	if (!rc && c->put_err.code)
		rc = c->put_err.code;
	if (!rc && (rc = s3_submit_locked(c, &p->job)) == 0)
		c->puts_running++;
	if (rc && c->put_err.code)
		sl_error_set(err, c->put_err.code, "%s", c->put_err.msg);
	pthread_mutex_unlock(&c->lock);
	if (rc) {
		if (release)
			release(ud);
		sl_free(k);
		sl_free(p);
		if (rc == SL_ECANCEL)
			sl_error_set(err, rc, "cancelled");
		else
			sl_error_set(err, rc, "out of memory");
	}
	return rc;
}

int sl_s3_put_wait(struct sl_s3 *c, struct sl_error *err)
{
	int rc = 0;
	pthread_mutex_lock(&c->lock);
	/* Running PUTs end soon after a cancel too: wait for them (they hold
	 * their callers' bytes). */
	while (c->puts_running > 0)
		pthread_cond_wait(&c->done, &c->lock);
	if (c->put_err.code) {
		rc = c->put_err.code;
		sl_error_set(err, rc, "%s", c->put_err.msg);
	}
	pthread_mutex_unlock(&c->lock);
	if (!rc && atomic_load(&c->cancelled))
		rc = sl_error_set(err, SL_ECANCEL, "cancelled");
	return rc;
}
