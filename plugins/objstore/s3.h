/* s3.h - object storage: a client of S3-compatible stores (AWS S3, Ceph's
 * radosgw, MinIO, ...) on libcurl, shared by the files sink and the files
 * source as plugins/mariadb/ is shared by the mariadb source and the loader.
 *
 *   config.c       the options, s3:// URLs, credentials and profiles as the
 *                  AWS tools find them (environment, ~/.aws/credentials,
 *                  ~/.aws/config), the endpoint and addressing
 *   xml.c          the few elements of S3's XML answers (libxml2)
 *   request.c      one signed request (CURLOPT_AWS_SIGV4), retried with
 *                  backoff; S3's error codes in one-line messages
 *   client.c       the client: its worker threads, one-shot calls (HEAD,
 *                  GET, PUT, DELETE, list), background PUTs
 *   upload.c       one object written in parts (multipart upload)
 *   download.c     objects read in order, in ranges fetched ahead
 *
 * Threads: a client owns up to --s3-parallel worker threads, each with its
 * own curl handle (connections are kept alive); calls that wait (a full
 * set of parts in flight, a range not there yet) wait on the client's
 * condition variable, and sl_s3_cancel() wakes them and stops every
 * transfer within about a second.  Memory is what the parts in flight
 * hold: (N + 1) x --part-size for an upload, N x --part-size for a
 * download, N files for background PUTs.
 *
 * Secrets (the secret key, the session token) come from the environment
 * or the AWS files only, are handed to libcurl and nothing else: no
 * message, log line or manifest holds them. */
#ifndef SL_OBJSTORE_S3_H
#define SL_OBJSTORE_S3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/option.h"

#define SL_S3_MIN_PART  ((uint64_t)5 << 20) /* S3's smallest part but the last */
#define SL_S3_MAX_PART  ((uint64_t)1 << 30) /* ours: memory is N of them */
#define SL_S3_MAX_PARTS 10000               /* S3's limit of parts per object */
#define SL_S3_ETAG_MAX  128

enum sl_s3_addressing { SL_S3_ADDR_AUTO, SL_S3_ADDR_PATH, SL_S3_ADDR_VIRTUAL };

/* What a plugin's option table fills (SL_S3_OPTIONS). */
struct sl_s3_options {
	char *endpoint;        /* NULL: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile, AWS */
	char *region;          /* NULL: AWS_REGION, AWS_DEFAULT_REGION, the profile, us-east-1 */
	int addressing;        /* enum sl_s3_addressing */
	char *profile;         /* NULL: AWS_PROFILE, "default" */
	uint64_t part_size;    /* bytes of a part (or of a range read ahead) */
	long long parallel;    /* requests at once */
	long long retries;     /* of a failed request */
	long long timeout;     /* seconds a request may go without progress */
	bool unsigned_payload; /* plain http: bodies not hashed into the signature */
};

extern const char *const sl_s3_addressings[];

#define SL_S3_OPT(off, field) ((off) + offsetof(struct sl_s3_options, field))

/* The object storage options of a plugin whose config holds a struct
 * sl_s3_options at offset 'off'. */
#define SL_S3_OPTIONS(off)                                                                         \
	{.name = "s3-endpoint",                                                                    \
	 .type = SL_OPT_STRING,                                                                    \
	 .offset = SL_S3_OPT(off, endpoint),                                                       \
	 .arg = "URL",                                                                             \
	 .help = "s3://: the store's URL, e.g. http://127.0.0.1:7480 (default: "                   \
	         "AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's endpoint_url, else AWS)"},  \
	    {.name = "s3-region",                                                                  \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = SL_S3_OPT(off, region),                                                     \
	     .arg = "REGION",                                                                      \
	     .help = "s3://: the region requests are signed for (default: AWS_REGION, "            \
	             "AWS_DEFAULT_REGION, the profile's region, us-east-1)"},                      \
	    {.name = "s3-addressing",                                                              \
	     .type = SL_OPT_ENUM,                                                                  \
	     .def = "auto",                                                                        \
	     .choices = sl_s3_addressings,                                                         \
	     .offset = SL_S3_OPT(off, addressing),                                                 \
	     .arg = "STYLE",                                                                       \
	     .help = "s3://: path (http://host/bucket/key) or virtual (http://bucket.host/key); "  \
	             "auto: path with --s3-endpoint or AWS_ENDPOINT_URL, virtual on AWS"},         \
	    {.name = "s3-profile",                                                                 \
	     .type = SL_OPT_STRING,                                                                \
	     .offset = SL_S3_OPT(off, profile),                                                    \
	     .arg = "NAME",                                                                        \
	     .help = "s3://: the profile of ~/.aws/credentials and ~/.aws/config (default: "       \
	             "AWS_PROFILE, default); keys in AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, "   \
	             "AWS_SESSION_TOKEN come first unless a profile is named here"},               \
	    {.name = "part-size",                                                                  \
	     .type = SL_OPT_SIZE,                                                                  \
	     .def = "8M",                                                                          \
	     .offset = SL_S3_OPT(off, part_size),                                                  \
	     .arg = "SIZE",                                                                        \
	     .help = "s3://: bytes of each part uploaded or range read ahead (5M to 1G); an "      \
	             "object holds at most 10000 parts (8M: 78 GiB)"},                             \
	    {.name = "s3-parallel",                                                                \
	     .type = SL_OPT_INT,                                                                   \
	     .def = "4",                                                                           \
	     .offset = SL_S3_OPT(off, parallel),                                                   \
	     .arg = "N",                                                                           \
	     .help =                                                                               \
	         "s3://: requests in flight at once; memory: (N + 1) x --part-size uploading, "    \
	         "N x --part-size reading, both out of --buffer (whose queues keep a "             \
	         "quarter); N files of a directory on top of it",                                  \
	     .min = 1,                                                                             \
	     .max = 64},                                                                           \
	    {.name = "s3-unsigned-payload",                                                        \
	     .type = SL_OPT_BOOL,                                                                  \
	     .offset = SL_S3_OPT(off, unsigned_payload),                                           \
	     .help = "s3:// over http: leave the SHA-256 of what is sent out of the signature "    \
	             "(less CPU for sluice and the store; nothing but TCP's checksum then "        \
	             "guards the bytes); over https it is always left out, TLS guards them"},      \
	    {.name = "s3-retries",                                                                 \
	     .type = SL_OPT_INT,                                                                   \
	     .def = "5",                                                                           \
	     .offset = SL_S3_OPT(off, retries),                                                    \
	     .arg = "N",                                                                           \
	     .help = "s3://: a request that fails on the network or with a 5xx, 408 or 429 is "    \
	             "tried again N times, waiting 0.25 s, 0.5 s, 1 s, ... (at most 8 s) between", \
	     .min = 0,                                                                             \
	     .max = 100},                                                                          \
	{                                                                                          \
		.name = "s3-timeout", .type = SL_OPT_INT, .def = "60",                             \
		.offset = SL_S3_OPT(off, timeout), .arg = "SECONDS",                               \
		.help = "s3://: a request that moves no byte for this long fails (and is "         \
		        "retried)",                                                                \
		.min = 1, .max = 86400                                                             \
	}

/* An object: its key (relative to a listing's prefix in sl_s3_list), its
 * size, its ETag (quotes included, as the store sends it). */
struct sl_s3_object {
	char *key; /* owned by whoever made the object */
	uint64_t size;
	char etag[SL_S3_ETAG_MAX];
};

struct sl_s3;
struct sl_s3_upload;
struct sl_s3_download;

/* Does 's' name object storage ("s3://...")? */
bool sl_s3_is_url(const char *s);

/* A client of the bucket that 'url' ("s3://bucket[/key]") names, with the
 * options (defaults when NULL), the credentials and the endpoint as
 * config.c finds them.  SL_EUSAGE with a one-line message for a bad URL,
 * options or missing credentials; SL_ENOMEM.  Caller frees with
 * sl_s3_free(). */
int sl_s3_open(const struct sl_s3_options *o, const char *url, struct sl_s3 **out,
               struct sl_error *err);

/* The URL's key ("" for the bucket alone), and the URL as given (without
 * anything secret in it), for messages.  Borrowed from the client. */
const char *sl_s3_key(const struct sl_s3 *c);
const char *sl_s3_url(const struct sl_s3 *c);
/* The part size and the number of requests at once the client uses. */
size_t sl_s3_part_size(const struct sl_s3 *c);
unsigned sl_s3_parallel(const struct sl_s3 *c);

/* Stop: transfers in flight end within about a second, waits return
 * SL_ECANCEL, later requests fail at once (an abort of a multipart upload
 * is still sent, with a short deadline).  Any thread; never blocks. */
void sl_s3_cancel(struct sl_s3 *c);

/* Stop the worker threads and free the client.  Uploads and downloads of
 * the client must be freed first. */
void sl_s3_free(struct sl_s3 *c);

/* --- one request each (the calling thread) ------------------------------------ */

/* HEAD 'key': *found, and in *obj (key untouched) its size and ETag.  A
 * missing object is not an error.  0 or SL_EIO / SL_ECANCEL (message in
 * err). */
int sl_s3_head(struct sl_s3 *c, const char *key, bool *found, struct sl_s3_object *obj,
               struct sl_error *err);

/* GET 'key' whole into 'out' (appended), refusing one over 'max' bytes.
 * *found false (and 0) for a missing object when found is not NULL,
 * otherwise that is an error. */
int sl_s3_get(struct sl_s3 *c, const char *key, size_t max, struct sl_buf *out, bool *found,
              struct sl_error *err);

/* PUT data[0..len) as object 'key' (replacing one).  'cleanup': also after
 * a cancel, with a deadline of a few seconds and no retry (what a failed
 * run still writes). */
int sl_s3_put(struct sl_s3 *c, const char *key, const void *data, size_t len, bool cleanup,
              struct sl_error *err);

/* DELETE 'key' (a missing one is no error). */
int sl_s3_delete(struct sl_s3 *c, const char *key, struct sl_error *err);

/* Every entry directly under 'prefix' ("" or ending with '/'), in key
 * order: fn(ud, name relative to the prefix, size, etag, is_dir); is_dir
 * for a "subdirectory" (keys with a further '/').  fn returns non-zero to
 * stop: that status is returned.  Pages of 1000 are fetched as needed. */
typedef int (*sl_s3_list_fn)(void *ud, const char *name, uint64_t size, const char *etag,
                             bool is_dir);
int sl_s3_list(struct sl_s3 *c, const char *prefix, sl_s3_list_fn fn, void *ud,
               struct sl_error *err);

/* --- background PUTs (a directory's files) ------------------------------------ */

/* PUT data[0..len) as 'key' on a worker thread; waits while --s3-parallel
 * PUTs are running.  release(ud) is called once the bytes are no longer
 * needed (on a worker thread, or here on failure).  A PUT that failed
 * before makes this return its error. */
int sl_s3_put_async(struct sl_s3 *c, const char *key, const void *data, size_t len,
                    void (*release)(void *), void *ud, struct sl_error *err);

/* Wait for every background PUT: 0, or the first failure. */
int sl_s3_put_wait(struct sl_s3 *c, struct sl_error *err);

/* --- one object written in parts ------------------------------------------------ */

/* Start writing object 'key'.  Nothing is sent before the first part is
 * full: an object smaller than a part goes in one PUT at finish. */
int sl_s3_upload_open(struct sl_s3 *c, const char *key, struct sl_s3_upload **out,
                      struct sl_error *err);

/* Append p[0..n): full parts are uploaded in the background, at most
 * --s3-parallel at once (this waits when that many are in flight).  A part
 * that failed (after its retries) makes this return its error. */
int sl_s3_upload_write(struct sl_s3_upload *u, const void *p, size_t n, struct sl_error *err);

/* Upload the rest and complete the object: only now does it exist under
 * its key.  Fails when any part failed; the upload is then aborted by
 * sl_s3_upload_free(). */
int sl_s3_upload_finish(struct sl_s3_upload *u, struct sl_error *err);

/* Free the upload; one not finished is aborted (its parts deleted), so no
 * object appears.  When even the abort fails (the store is unreachable),
 * the upload's id is logged to stderr through 'err' (set, if not NULL, to
 * a message naming it). */
void sl_s3_upload_free(struct sl_s3_upload *u, struct sl_error *err);

/* --- objects read in order -------------------------------------------------------- */

/* Read objs[0..n) (keys relative to nothing: full keys), one after the
 * other, in ranges of --part-size fetched ahead on the worker threads,
 * each GET conditional on the object's ETag (when known), so an object
 * replaced meanwhile fails instead of mixing versions.  Copies objs. */
int sl_s3_download_open(struct sl_s3 *c, const struct sl_s3_object *objs, size_t n,
                        struct sl_s3_download **out, struct sl_error *err);

/* Up to 'cap' bytes of the current object into buf: *n, 0 at its end.
 * Waits for the range to arrive.  SL_EIO (the object is shorter than its
 * size, changed, or a request failed) or SL_ECANCEL. */
int sl_s3_download_read(struct sl_s3_download *d, void *buf, size_t cap, size_t *n,
                        struct sl_error *err);

/* Go on to the next object (the rest of the current one is skipped).
 * false when there is none. */
bool sl_s3_download_next(struct sl_s3_download *d);

/* Reposition in the current object (libarchive reading a zip by its
 * central directory): returns the new offset or -1 (err set). */
int64_t sl_s3_download_seek(struct sl_s3_download *d, int64_t offset, int whence,
                            struct sl_error *err);

void sl_s3_download_free(struct sl_s3_download *d);

#endif
