/* download.c - objects read in order (s3.h): an archive or a stream as one
 * object, or a directory's files one after the other.
 *
 * The objects are cut into ranges of --part-size, fetched ahead by the
 * worker threads (GET with Range and If-Match, so a replaced object fails
 * instead of mixing two versions) into --s3-parallel buffers, and handed
 * to the reader in order.  The window of ranges ahead starts at one and
 * grows by one with each range read, so a reader that seeks at once (a
 * zip read by its central directory) does not fetch what it skips; it
 * also makes the first bytes arrive after one range, as from a pipe.
 * Memory: N buffers of --part-size, whatever the sizes of the objects. */
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "s3_internal.h"

enum slot_state { SLOT_FREE, SLOT_LOADING, SLOT_READY, SLOT_FAILED };

struct slot {
	struct s3_job job;
	struct sl_s3_download *d;
	char *data; /* part_size bytes, allocated on first use */
	size_t obj; /* the range: objs[obj], [off, off + len) */
	uint64_t off;
	size_t len;
	uint64_t seq; /* order of issue: the reader takes them in this order */
	enum slot_state state;
	bool stale; /* skipped while loading: freed when done */
	struct sl_error err;
};

struct sl_s3_download {
	struct sl_s3 *c;
	struct sl_s3_object *objs;
	size_t n;
	struct slot *slots;
	unsigned nslots;
	size_t cur;   /* the object being read */
	uint64_t pos; /* offset in it */
	size_t iobj;  /* the next range to fetch */
	uint64_t ioff;
	uint64_t issued;   /* ranges issued */
	uint64_t consumed; /* ranges taken (or skipped): the next one's seq */
	unsigned window;   /* ranges ahead wanted */
	atomic_bool stop;
};

int sl_s3_download_open(struct sl_s3 *c, const struct sl_s3_object *objs, size_t n,
                        struct sl_s3_download **out, struct sl_error *err)
{
	struct sl_s3_download *d = sl_calloc(1, sizeof(*d));
	*out = NULL;
	if (!d)
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	d->c = c;
	d->n = n;
	d->nslots = c->cfg.parallel;
	d->window = 1;
	atomic_init(&d->stop, false);
	d->objs = sl_calloc(n ? n : 1, sizeof(*d->objs));
	d->slots = sl_calloc(d->nslots, sizeof(*d->slots));
	if (!d->objs || !d->slots) {
		sl_s3_download_free(d);
		return sl_error_set(err, SL_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		d->objs[i] = objs[i];
		if (!(d->objs[i].key = sl_strdup(objs[i].key))) {
			sl_s3_download_free(d);
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
	}
	*out = d;
	return 0;
}

static void range_run(struct sl_s3 *c, struct s3_job *j, struct s3_conn *h)
{
	struct slot *s = (struct slot *)j;
	struct sl_s3_download *d = s->d;
	const struct sl_s3_object *o = &d->objs[s->obj];
	struct sl_error err = {0};
	struct s3_req rq = {.method = "GET",
	                    .what = "GET",
	                    .key = o->key,
	                    .range = true,
	                    .from = s->off,
	                    .len = s->len,
	                    .if_match = o->etag,
	                    .into = s->data,
	                    .stop = &d->stop};
	struct s3_resp rs;
	int rc =
	    h ? s3_request(c, h, &rq, &rs, &err) : sl_error_set(&err, SL_ENOMEM, "out of memory");
	pthread_mutex_lock(&c->lock);
	if (s->stale) {
		s->stale = false;
		s->state = SLOT_FREE;
	} else {
		s->state = rc ? SLOT_FAILED : SLOT_READY;
		if (rc)
			s->err = err;
	}
	pthread_cond_broadcast(&c->done);
	pthread_mutex_unlock(&c->lock);
}

/* Fetch ranges until the window is full or no buffer is free (c->lock
 * held).  0 or SL_ENOMEM. */
static int top_up_locked(struct sl_s3_download *d, struct sl_error *err)
{
	size_t part = d->c->cfg.part_size;
	while (d->issued - d->consumed < d->window) {
		while (d->iobj < d->n && d->ioff >= d->objs[d->iobj].size) {
			d->iobj++;
			d->ioff = 0;
		}
		if (d->iobj >= d->n)
			return 0;
		struct slot *s = NULL;
		for (unsigned i = 0; i < d->nslots && !s; i++)
			if (d->slots[i].state == SLOT_FREE)
				s = &d->slots[i];
		if (!s)
			return 0;
		if (!s->data && !(s->data = sl_malloc(part)))
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		uint64_t left = d->objs[d->iobj].size - d->ioff;
		s->d = d;
		s->obj = d->iobj;
		s->off = d->ioff;
		s->len = left < part ? (size_t)left : part;
		s->seq = d->issued;
		s->state = SLOT_LOADING;
		s->stale = false;
		s->err.code = 0;
		s->job.run = range_run;
		if (s3_submit_locked(d->c, &s->job)) {
			s->state = SLOT_FREE;
			return sl_error_set(err, SL_ENOMEM, "out of memory");
		}
		d->issued++;
		d->ioff += s->len;
	}
	return 0;
}

/* The slot holding range 'seq', or NULL. */
static struct slot *slot_of(struct sl_s3_download *d, uint64_t seq)
{
	for (unsigned i = 0; i < d->nslots; i++) {
		struct slot *s = &d->slots[i];
		if (s->state != SLOT_FREE && !s->stale && s->seq == seq)
			return s;
	}
	return NULL;
}

/* Let go of a range not taken: a loaded one is free, a loading one is
 * dropped when it ends (c->lock held). */
static void drop_locked(struct slot *s)
{
	if (s->state == SLOT_LOADING)
		s->stale = true;
	else
		s->state = SLOT_FREE;
}

int sl_s3_download_read(struct sl_s3_download *d, void *buf, size_t cap, size_t *n,
                        struct sl_error *err)
{
	struct sl_s3 *c = d->c;
	int rc = 0;
	*n = 0;
	if (d->cur >= d->n || d->pos >= d->objs[d->cur].size || cap == 0)
		return 0;
	pthread_mutex_lock(&c->lock);
	struct slot *s = NULL;
	for (;;) {
		if ((rc = top_up_locked(d, err)) != 0)
			break;
		s = slot_of(d, d->consumed);
		if (s && s->state != SLOT_LOADING)
			break;
		if (!s && d->issued > d->consumed) { /* a bug: it was issued */
			rc = sl_error_set(err, SL_EINTERNAL, "%s: lost a range", c->cfg.url);
			break;
		}
		/* Loading, or not issued yet: every buffer holds a range skipped
		 * by a seek, which frees it when it ends. */
		if ((rc = s3_wait_locked(c)) != 0) {
			sl_error_set(err, rc, "cancelled");
			break;
		}
	}
	if (!rc && s->state == SLOT_FAILED) {
		sl_error_copy(err, &s->err);
		rc = s->err.code;
	}
	if (!rc) {
		uint64_t at = d->pos - s->off;
		size_t k = s->len - (size_t)at < cap ? s->len - (size_t)at : cap;
		memcpy(buf, s->data + at, k);
		d->pos += k;
		*n = k;
		if (d->pos == s->off + s->len) {
			s->state = SLOT_FREE;
			d->consumed++;
			if (d->window < d->nslots)
				d->window++;
			rc = top_up_locked(d, err);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

bool sl_s3_download_next(struct sl_s3_download *d)
{
	struct sl_s3 *c = d->c;
	if (d->cur >= d->n)
		return false;
	pthread_mutex_lock(&c->lock);
	/* Ranges of the current object not read yet are skipped. */
	for (unsigned i = 0; i < d->nslots; i++) {
		struct slot *s = &d->slots[i];
		if (s->state != SLOT_FREE && !s->stale && s->obj == d->cur &&
		    s->seq >= d->consumed) {
			drop_locked(s);
			d->consumed++;
		}
	}
	if (d->iobj == d->cur) {
		d->iobj++;
		d->ioff = 0;
	}
	d->cur++;
	d->pos = 0;
	pthread_mutex_unlock(&c->lock);
	return d->cur < d->n;
}

int64_t sl_s3_download_seek(struct sl_s3_download *d, int64_t offset, int whence,
                            struct sl_error *err)
{
	struct sl_s3 *c = d->c;
	if (d->cur >= d->n) {
		sl_error_set(err, SL_EINTERNAL, "%s: seek past the last object", c->cfg.url);
		return -1;
	}
	uint64_t size = d->objs[d->cur].size;
	int64_t to = whence == SEEK_SET   ? offset
	             : whence == SEEK_CUR ? (int64_t)d->pos + offset
	                                  : (int64_t)size + offset;
	if (to < 0) {
		sl_error_set(err, SL_EIO, "%s: seek before the start", c->cfg.url);
		return -1;
	}
	uint64_t want = (uint64_t)to > size ? size : (uint64_t)to;
	if (want == d->pos)
		return (int64_t)want;
	pthread_mutex_lock(&c->lock);
	/* Ahead, in a range already fetched or on its way: skip to it. */
	struct slot *target = NULL;
	for (unsigned i = 0; i < d->nslots && !target; i++) {
		struct slot *s = &d->slots[i];
		if (s->state != SLOT_FREE && !s->stale && s->obj == d->cur &&
		    s->seq >= d->consumed && want >= s->off && want < s->off + s->len)
			target = s;
	}
	if (target && (want >= d->pos || target->seq == d->consumed)) {
		for (unsigned i = 0; i < d->nslots; i++) {
			struct slot *s = &d->slots[i];
			if (s->state != SLOT_FREE && !s->stale && s->seq >= d->consumed &&
			    s->seq < target->seq)
				drop_locked(s);
		}
		d->consumed = target->seq;
	} else {
		/* Elsewhere: drop what is ahead and start again from there. */
		for (unsigned i = 0; i < d->nslots; i++) {
			struct slot *s = &d->slots[i];
			if (s->state != SLOT_FREE && !s->stale)
				drop_locked(s);
		}
		d->consumed = d->issued;
		d->iobj = d->cur;
		d->ioff = want;
		d->window = 1;
	}
	d->pos = want;
	pthread_mutex_unlock(&c->lock);
	return (int64_t)want;
}

void sl_s3_download_free(struct sl_s3_download *d)
{
	if (!d)
		return;
	struct sl_s3 *c = d->c;
	atomic_store(&d->stop, true);
	pthread_mutex_lock(&c->lock);
	for (;;) {
		bool loading = false;
		for (unsigned i = 0; d->slots && i < d->nslots; i++)
			loading |= d->slots[i].state == SLOT_LOADING;
		if (!loading)
			break;
		pthread_cond_wait(&c->done, &c->lock);
	}
	pthread_mutex_unlock(&c->lock);
	for (unsigned i = 0; d->slots && i < d->nslots; i++)
		sl_free(d->slots[i].data);
	for (size_t i = 0; d->objs && i < d->n; i++)
		sl_free(d->objs[i].key);
	sl_free(d->slots);
	sl_free(d->objs);
	sl_free(d);
}
