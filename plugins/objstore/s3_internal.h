/* s3_internal.h - what the files of plugins/objstore/ share (s3.h): the
 * client's state, a request's description, the worker threads' jobs and
 * the XML helpers.  Not for use outside this folder. */
#ifndef SL_OBJSTORE_S3_INTERNAL_H
#define SL_OBJSTORE_S3_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include <curl/curl.h>
#include <libxml/tree.h>

#include "s3.h"

/* Where requests go and as whom: config.c resolves it. */
struct s3_config {
	char *scheme; /* "http" or "https" */
	char *host;   /* host[:port] of the endpoint (for a bucket, with virtual addressing) */
	char *base;   /* scheme://host[:port] (path style: plus /bucket) */
	char *bucket;
	char *key; /* the URL's key: "" for the bucket */
	char *url; /* s3://bucket/key, for messages */
	char *region;
	char *sigv4;                           /* "aws:amz:REGION:s3" */
	char *access_key, *secret_key, *token; /* token may be NULL; secrets: wiped on free */
	char *token_header;                    /* "x-amz-security-token: ..." or NULL */
	bool path_style;
	bool tls;
	bool unsigned_payload; /* UNSIGNED-PAYLOAD: over https, or asked for */
	size_t part_size;
	unsigned parallel, retries;
	long timeout;
};

int s3_config_resolve(const struct sl_s3_options *o, const char *url, struct s3_config *cfg,
                      struct sl_error *err);
void s3_config_free(struct s3_config *cfg);

/* One worker's (or the caller's) connection: a curl handle kept alive. */
struct s3_conn {
	CURL *curl;
	char errbuf[CURL_ERROR_SIZE];
};

/* A job for a worker thread: run() is called there with its connection;
 * it must not free the job's queue link before returning. */
struct s3_job {
	void (*run)(struct sl_s3 *c, struct s3_job *j, struct s3_conn *h);
	struct s3_job *next;
};

struct sl_s3 {
	struct s3_config cfg;
	atomic_bool cancelled;

	pthread_mutex_t lock; /* everything below, and the jobs' states */
	pthread_cond_t work;  /* a job was queued, or the pool stops */
	pthread_cond_t done;  /* a job finished, or cancel */
	struct s3_job *head, *tail;
	pthread_t *threads;
	unsigned nthreads;
	bool quit;

	/* Background PUTs. */
	unsigned puts_running;
	struct sl_error put_err;

	/* The caller's connection for one-shot requests (any thread, one at a
	 * time). */
	pthread_mutex_t conn_lock;
	struct s3_conn conn;
};

/* Queue a job (workers start on first use).  0 or SL_ENOMEM.  Called with
 * c->lock held. */
int s3_submit_locked(struct sl_s3 *c, struct s3_job *j);

/* Wait on c->done (c->lock held).  SL_ECANCEL once cancelled. */
int s3_wait_locked(struct sl_s3 *c);

/* --- one request (request.c) ----------------------------------------------------- */

struct s3_req {
	const char *method; /* GET HEAD PUT POST DELETE */
	const char *what;   /* for messages: "GET", "PUT part 3", ... */
	const char *key;    /* full key, unencoded ("" or NULL: the bucket) */
	const char *query;  /* canonical: names sorted, values encoded, "uploads=" */
	const void *body;   /* PUT/POST */
	size_t body_len;
	bool range; /* GET bytes [from, from + len) */
	uint64_t from, len;
	const char *if_match; /* an ETag, or NULL */
	bool cleanup;         /* sent after a cancel too: one try, short deadline */
	bool missing_ok;      /* 404: resp->status says so, not an error */
	/* The answer's body: into[0..len) exactly (a range), else 'out' (at
	 * most out_max bytes), else dropped. */
	char *into;
	struct sl_buf *out;
	size_t out_max;
	atomic_bool *stop; /* an owner's own stop flag, or NULL */
};

struct s3_resp {
	long status;
	char etag[SL_S3_ETAG_MAX];
	uint64_t length; /* Content-Length */
	bool has_length;
	size_t got; /* body bytes received (into/out) */
};

/* Send rq on connection h, retrying what may succeed again.  0 for a 2xx
 * answer (and a 404 with missing_ok); SL_EIO with a one-line message
 * naming the URL and what was done; SL_ECANCEL. */
int s3_request(struct sl_s3 *c, struct s3_conn *h, const struct s3_req *rq, struct s3_resp *rs,
               struct sl_error *err);

int s3_conn_init(struct s3_conn *h);
void s3_conn_free(struct s3_conn *h);

/* Append s to out, encoded as SigV4 wants it: unreserved bytes as they
 * are, '/' too when keep_slash, everything else %XX.  0 or SL_ENOMEM. */
int s3_encode(struct sl_buf *out, const char *s, bool keep_slash);

/* --- XML (xml.c) -------------------------------------------------------------------- */

/* Parse an answer (no network, no entities).  NULL when it is not XML. */
xmlDoc *s3_xml_parse(const char *text, size_t len);
/* The first child element of 'parent' named 'name', or NULL. */
xmlNode *s3_xml_child(xmlNode *parent, const char *name);
/* The next sibling element named like 'node', or NULL. */
xmlNode *s3_xml_next(xmlNode *node);
/* Copy the text of child 'name' into out[0..cap) (truncated, NUL-ended);
 * false when there is no such child. */
bool s3_xml_text(xmlNode *parent, const char *name, char *out, size_t cap);
/* The text of child 'name', caller frees with sl_free(); NULL when absent
 * or out of memory. */
char *s3_xml_strdup(xmlNode *parent, const char *name);

#endif
