/* request.c - one request to the store (s3_internal.h), on libcurl: the
 * URL built in the canonical form Signature V4 signs (libcurl 7.88 signs
 * the path and query as given), signed by libcurl (CURLOPT_AWS_SIGV4).
 * The payload's SHA-256 goes in x-amz-content-sha256 (S3 wants the header,
 * which libcurl 7.88 does not send, and signs what it says): OpenSSL's,
 * or UNSIGNED-PAYLOAD over TLS, which protects the bytes already, and
 * with --s3-unsigned-payload (SHA-256 is the cheapest check the store
 * makes: with SHA-NI it hashes at twice MD5's speed, Content-MD5's).  It is
 * tried again with backoff when the failure may pass: the
 * network, a 5xx, 408, 429 or S3's RequestTimeout and SlowDown.  A request
 * that moves no byte for --s3-timeout seconds fails (and is retried); a
 * cancel aborts it from libcurl's progress callback, which runs at least
 * once a second.  The answer's body goes where the request says (a range
 * into a fixed buffer, anything else into a bounded sl_buf); an error's
 * body is read for S3's Code and Message, which go into a one-line message
 * with the URL: nothing secret is ever in one. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <openssl/evp.h>

#include "base/alloc.h"
#include "s3_internal.h"

#define ERRBODY_MAX   (64u << 10) /* an error's XML: more is dropped */
#define BACKOFF_MS    250
#define BACKOFF_MAX   8000
#define CONNECT_S     10
#define CLEANUP_MS    3000 /* a cleanup request's whole deadline */
#define CURL_BUF_SIZE (256L << 10)

int s3_conn_init(struct s3_conn *h)
{
	h->curl = curl_easy_init();
	h->errbuf[0] = '\0';
	return h->curl ? 0 : SL_ENOMEM;
}

void s3_conn_free(struct s3_conn *h)
{
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
}

int s3_encode(struct sl_buf *out, const char *s, bool keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		int rc;
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '~' ||
		    (keep_slash && *p == '/')) {
			rc = sl_buf_putc(out, (char)*p);
		} else {
			char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
			rc = sl_buf_append(out, e, 3);
		}
		if (rc)
			return rc;
	}
	return 0;
}

/* The SHA-256 of p[0..n) in hex into out[65].  false when OpenSSL fails. */
static bool sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	if (!EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) || len != 32)
		return false;
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[64] = '\0';
	return true;
}

/* What one transfer collects (libcurl's callbacks). */
struct xfer {
	struct sl_s3 *c;
	const struct s3_req *rq;
	struct s3_resp *rs;
	size_t out_start; /* rq->out's length before the request */
	struct sl_buf errbody;
	bool overflow; /* more body than there was room for */
};

static size_t header_cb(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t len = size * n;
	char line[512];
	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) ? len : sizeof(line) - 1), p);
	line[strcspn(line, "\r\n")] = '\0';
	if (!strncmp(line, "HTTP/", 5)) {
		/* A new answer (after "100 Continue", or a retry): start over. */
		const char *sp = strchr(line, ' ');
		x->rs->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		x->rs->etag[0] = '\0';
		x->rs->has_length = false;
	} else if (!strncasecmp(line, "etag:", 5)) {
		const char *v = line + 5;
		while (*v == ' ' || *v == '\t')
			v++;
		size_t vl = strlen(v);
		if (vl >= sizeof(x->rs->etag))
			vl = sizeof(x->rs->etag) - 1;
		memcpy(x->rs->etag, v, vl);
		x->rs->etag[vl] = '\0';
	} else if (!strncasecmp(line, "content-length:", 15)) {
		x->rs->length = strtoull(line + 15, NULL, 10);
		x->rs->has_length = true;
	}
	return len;
}

static size_t write_cb(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	const struct s3_req *rq = x->rq;
	size_t len = size * n;
	if (x->rs->status < 200 || x->rs->status >= 300) {
		size_t room = ERRBODY_MAX - x->errbody.len;
		if (sl_buf_append(&x->errbody, p, len < room ? len : room))
			return 0;
		return len;
	}
	if (rq->into) {
		if (len > rq->len - x->rs->got) {
			x->overflow = true;
			return 0;
		}
		memcpy(rq->into + x->rs->got, p, len);
	} else if (rq->out) {
		if (len > rq->out_max - x->rs->got) {
			x->overflow = true;
			return 0;
		}
		if (sl_buf_append(rq->out, p, len))
			return 0;
	}
	x->rs->got += len;
	return len;
}

static int progress_cb(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	struct xfer *x = ud;
	(void)dt, (void)dn, (void)ut, (void)un;
	if (x->rq->stop && atomic_load(x->rq->stop))
		return 1;
	return !x->rq->cleanup && atomic_load(&x->c->cancelled);
}

/* Set up handle h for rq.  0 or SL_ENOMEM. */
static int prepare(struct sl_s3 *c, struct s3_conn *h, const struct s3_req *rq, struct xfer *x,
                   struct curl_slist **headers)
{
	const struct s3_config *cfg = &c->cfg;
	CURL *e = h->curl;
	struct sl_buf url = SL_BUF_INIT;
	char line[SL_S3_ETAG_MAX + 64];
	char hash[65] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
	int rc = sl_buf_puts(&url, cfg->base);
	if (!rc && rq->key && *rq->key) {
		rc = sl_buf_putc(&url, '/');
		if (!rc)
			rc = s3_encode(&url, rq->key, true);
	} else if (!rc && !cfg->path_style) {
		rc = sl_buf_putc(&url, '/');
	}
	if (!rc && rq->query && *rq->query)
		rc = sl_buf_printf(&url, "?%s", rq->query);
	if (rc) {
		sl_buf_free(&url);
		return SL_ENOMEM;
	}
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url.data);
	sl_buf_free(&url); /* libcurl keeps its own copy */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "sluice/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_AWS_SIGV4, cfg->sigv4);
	curl_easy_setopt(e, CURLOPT_USERNAME, cfg->access_key);
	curl_easy_setopt(e, CURLOPT_PASSWORD, cfg->secret_key);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_BUFFERSIZE, CURL_BUF_SIZE);
	curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, CURL_BUF_SIZE);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long)CONNECT_S);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, cfg->timeout);
	if (rq->cleanup)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)CLEANUP_MS);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);

	struct curl_slist *hl = NULL, *t;
#define ADD_HEADER(s)                                \
	do {                                         \
		if (!(t = curl_slist_append(hl, s))) \
			goto nomem;                  \
		hl = t;                              \
	} while (0)
	bool body = !strcmp(rq->method, "PUT") || !strcmp(rq->method, "POST");
	if (!strcmp(rq->method, "HEAD")) {
		curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(rq->method, "GET")) {
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	} else if (body) {
		/* From memory: libcurl hashes it for the signature. */
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? (const char *)rq->body : "");
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
		/* libcurl sends "Expect: 100-continue" for bodies over 1 MiB and
		 * waits a second for the answer, which not every store gives; an
		 * empty "Expect:" header would be signed but not sent, so the
		 * wait is made zero instead. */
		curl_easy_setopt(e, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
		ADD_HEADER(!strcmp(rq->method, "POST") && rq->body_len
		               ? "Content-Type: application/xml"
		               : "Content-Type: application/octet-stream");
		if (cfg->unsigned_payload)
			strcpy(hash, "UNSIGNED-PAYLOAD");
		else if (rq->body_len && !sha256_hex(rq->body, rq->body_len, hash))
			goto nomem;
	} else {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	}
	if (rq->range) {
		snprintf(line, sizeof(line), "Range: bytes=%" PRIu64 "-%" PRIu64, rq->from,
		         rq->from + rq->len - 1);
		ADD_HEADER(line);
	}
	if (rq->if_match && *rq->if_match) {
		snprintf(line, sizeof(line), "If-Match: %s", rq->if_match);
		ADD_HEADER(line);
	}
	snprintf(line, sizeof(line), "x-amz-content-sha256: %s", hash);
	ADD_HEADER(line);
	if (cfg->token_header)
		ADD_HEADER(cfg->token_header);
#undef ADD_HEADER
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hl);
	*headers = hl;
	return 0;
nomem:
	curl_slist_free_all(hl);
	return SL_ENOMEM;
}

/* Could the same request succeed if tried again? */
static bool transient_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

static bool transient_http(long status, const char *code)
{
	return status >= 500 || status == 408 || status == 429 || !strcmp(code, "RequestTimeout") ||
	       !strcmp(code, "SlowDown");
}

/* S3's Code and Message of an error body (empty when there is none). */
static void error_of(const struct sl_buf *body, char *code, size_t ncode, char *msg, size_t nmsg)
{
	code[0] = msg[0] = '\0';
	xmlDoc *doc = s3_xml_parse(body->data, body->len);
	xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	if (root && !strcmp((const char *)root->name, "Error")) {
		s3_xml_text(root, "Code", code, ncode);
		s3_xml_text(root, "Message", msg, nmsg);
	}
	if (doc)
		xmlFreeDoc(doc);
}

/* Wait before try 'attempt' (1, 2, ...): 0.25 s doubling up to 8 s,
 * returning early on a cancel.  SL_ECANCEL then. */
static int backoff(struct sl_s3 *c, const struct s3_req *rq, unsigned attempt)
{
	long ms = BACKOFF_MS;
	for (unsigned i = 1; i < attempt && ms < BACKOFF_MAX; i++)
		ms *= 2;
	if (ms > BACKOFF_MAX)
		ms = BACKOFF_MAX;
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	int rc = 0;
	pthread_mutex_lock(&c->lock);
	while (!rc) {
		if (atomic_load(&c->cancelled) || (rq->stop && atomic_load(rq->stop)))
			rc = SL_ECANCEL;
		else if (pthread_cond_timedwait(&c->done, &c->lock, &until) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

int s3_request(struct sl_s3 *c, struct s3_conn *h, const struct s3_req *rq, struct s3_resp *rs,
               struct sl_error *err)
{
	const struct s3_config *cfg = &c->cfg;
	unsigned tries = rq->cleanup ? 1 : cfg->retries + 1;
	struct xfer x = {.c = c, .rq = rq, .rs = rs, .out_start = rq->out ? rq->out->len : 0};
	char code[128], msg[512];
	int rc = SL_EIO;

	for (unsigned attempt = 0; attempt < tries; attempt++) {
		if (attempt && (rc = backoff(c, rq, attempt)) != 0)
			break;
		if ((atomic_load(&c->cancelled) && !rq->cleanup) ||
		    (rq->stop && atomic_load(rq->stop))) {
			rc = SL_ECANCEL;
			break;
		}
		memset(rs, 0, sizeof(*rs));
		if (rq->out)
			rq->out->len = x.out_start;
		sl_buf_reset(&x.errbody);
		x.overflow = false;
		struct curl_slist *headers = NULL;
		if (prepare(c, h, rq, &x, &headers)) {
			rc = sl_error_set(err, SL_ENOMEM, "out of memory");
			break;
		}
		h->errbuf[0] = '\0';
		CURLcode cc = curl_easy_perform(h->curl);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
		curl_slist_free_all(headers);
		if (cc == CURLE_OK)
			curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &rs->status);
		bool last = attempt + 1 == tries;
		if (cc == CURLE_ABORTED_BY_CALLBACK) {
			rc = SL_ECANCEL;
			break;
		}
		if (x.overflow) {
			rc = sl_error_set(err, SL_EIO,
			                  "s3://%s/%s: %s: the answer is bigger than asked for "
			                  "(the object changed?)",
			                  cfg->bucket, rq->key ? rq->key : "", rq->what);
			break;
		}
		if (cc != CURLE_OK) {
			if (transient_curl(cc) && !last)
				continue;
			rc = sl_error_set(err, SL_EIO, "s3://%s/%s: %s: %s (%s)%s", cfg->bucket,
			                  rq->key ? rq->key : "", rq->what,
			                  h->errbuf[0] ? h->errbuf : curl_easy_strerror(cc),
			                  cfg->base, tries > 1 ? ", after every retry" : "");
			break;
		}
		if (rs->status >= 200 && rs->status < 300) {
			if (rq->into && rs->got != rq->len) {
				rc = sl_error_set(err, SL_EIO,
				                  "s3://%s/%s: %s: %zu of %" PRIu64
				                  " bytes: the object is shorter than it was",
				                  cfg->bucket, rq->key, rq->what, rs->got, rq->len);
				break;
			}
			rc = 0;
			break;
		}
		if (rs->status == 404 && rq->missing_ok) {
			rc = 0;
			break;
		}
		error_of(&x.errbody, code, sizeof(code), msg, sizeof(msg));
		if (transient_http(rs->status, code) && !last)
			continue;
		const char *hint = rs->status == 412   ? " (the object changed while it was read)"
		                   : rs->status == 416 ? " (the object is shorter than it was)"
		                   : rs->status == 301
		                       ? " (another region or endpoint: --s3-region, "
		                         "--s3-endpoint)"
		                   : rs->status == 403 && !code[0]
		                       ? " (access denied, or wrong keys: a HEAD has no error text)"
		                       : "";
		rc = sl_error_set(err, SL_EIO, "s3://%s/%s: %s: HTTP %ld%s%s%s%s%s", cfg->bucket,
		                  rq->key ? rq->key : "", rq->what, rs->status, code[0] ? " " : "",
		                  code, msg[0] ? ": " : "", msg, hint);
		break;
	}
	sl_buf_free(&x.errbody);
	if (rc == SL_ECANCEL)
		sl_error_set(err, SL_ECANCEL, "cancelled");
	return rc;
}
