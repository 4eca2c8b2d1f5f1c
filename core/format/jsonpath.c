/* jsonpath.c - find values in JSON text by path (see jsonpath.h).
 *
 * One pass of recursive descent over the text, which checks the grammar
 * everywhere (a document that is not JSON is refused, not half-edited) and
 * records the spans of the values the path reaches.  The depth is bounded,
 * so a document of nested brackets cannot exhaust the stack. */
#include "format/jsonpath.h"

#include <stdbool.h>
#include <string.h>

#include "base/alloc.h"
#include "format/encode_json.h"

enum step_kind { STEP_KEY, STEP_ANY_KEY, STEP_INDEX, STEP_ANY_INDEX };

struct step {
	enum step_kind kind;
	char *key; /* STEP_KEY, decoded */
	size_t keylen;
	size_t index; /* STEP_INDEX */
};

struct finder {
	const char *doc, *p, *end;
	struct step *steps;
	size_t nsteps;
	struct sl_json_span *spans;
	size_t n, cap;
	struct sl_buf key; /* a member name being compared */
	const char *what;  /* why the text is not JSON */
};

/* --- strings ------------------------------------------------------------------ */

int sl_json_string_decode(const char **pp, const char *end, struct sl_buf *out)
{
	const char *p = *pp;
	sl_buf_reset(out);
	if (p >= end || *p != '"')
		return SL_EFORMAT;
	p++;
	while (p < end) {
		const char *q = p;
		while (q < end && *q != '"' && *q != '\\' && (unsigned char)*q >= 0x20)
			q++;
		if (sl_buf_append(out, p, (size_t)(q - p)))
			return SL_ENOMEM;
		p = q;
		if (q >= end || (unsigned char)*q < 0x20)
			return SL_EFORMAT;
		if (*q == '"') {
			*pp = p + 1;
			return 0;
		}
		if (q + 1 >= end)
			return SL_EFORMAT;
		char e = q[1];
		p = q + 2;
		int rc;
		static const char plain[] = "\"\\/bfnrt", meant[] = "\"\\/\b\f\n\r\t";
		const char *k = e ? strchr(plain, e) : NULL;
		if (k) {
			rc = sl_buf_putc(out, meant[k - plain]);
		} else if (e == 'u') {
			unsigned long cp = 0;
			for (int round = 0; round < 2; round++) {
				unsigned long u = 0;
				if (end - p < 4)
					return SL_EFORMAT;
				for (int i = 0; i < 4; i++) {
					int h = sl_hexval(p[i]);
					if (h < 0)
						return SL_EFORMAT;
					u = u << 4 | (unsigned)h;
				}
				p += 4;
				if (round == 0 && u >= 0xd800 && u <= 0xdbff) {
					cp = u;
					if (end - p < 2 || p[0] != '\\' || p[1] != 'u')
						return SL_EFORMAT;
					p += 2;
					continue;
				}
				if (round == 1) {
					if (u < 0xdc00 || u > 0xdfff)
						return SL_EFORMAT;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (u - 0xdc00);
				} else {
					if (u >= 0xdc00 && u <= 0xdfff)
						return SL_EFORMAT;
					cp = u;
				}
				break;
			}
			rc = sl_buf_put_utf8(out, cp);
		} else {
			return SL_EFORMAT;
		}
		if (rc)
			return rc;
	}
	return SL_EFORMAT;
}

int sl_json_string_encode(struct sl_buf *out, const char *p, size_t len)
{
	if (sl_buf_reserve(out, 6 * len + 3))
		return SL_ENOMEM;
	char *w = sl_json_put_string(out->data + out->len, (const unsigned char *)p, len);
	out->len = (size_t)(w - out->data);
	out->data[out->len] = '\0';
	return 0;
}

/* --- the document ---------------------------------------------------------------- */

static void ws(struct finder *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\n' || *f->p == '\r'))
		f->p++;
}

static int bad(struct finder *f, const char *what)
{
	f->what = what;
	return SL_EFORMAT;
}

static int record(struct finder *f, const char *start, enum sl_json_kind kind)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct sl_json_span *v = sl_realloc(f->spans, cap * sizeof(*v));
		if (!v)
			return SL_ENOMEM;
		f->spans = v;
		f->cap = cap;
	}
	f->spans[f->n++] =
	    (struct sl_json_span){(size_t)(start - f->doc), (size_t)(f->p - start), kind};
	return 0;
}

static bool digits(struct finder *f)
{
	const char *s = f->p;
	while (f->p < f->end && *f->p >= '0' && *f->p <= '9')
		f->p++;
	return f->p > s;
}

static int number(struct finder *f)
{
	if (f->p < f->end && *f->p == '-')
		f->p++;
	if (f->p < f->end && *f->p == '0')
		f->p++;
	else if (!digits(f))
		return bad(f, "bad number");
	if (f->p < f->end && *f->p == '.') {
		f->p++;
		if (!digits(f))
			return bad(f, "bad number");
	}
	if (f->p < f->end && (*f->p == 'e' || *f->p == 'E')) {
		f->p++;
		if (f->p < f->end && (*f->p == '+' || *f->p == '-'))
			f->p++;
		if (!digits(f))
			return bad(f, "bad number");
	}
	return 0;
}

static int literal(struct finder *f, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, word, n) != 0)
		return bad(f, "unexpected character");
	f->p += n;
	return 0;
}

/* The value at f->p; 'step' is the next path step to apply inside it
 * (nsteps: the path ends here, so record it), or SIZE_MAX when the path
 * no longer matters (skip and check only). */
static int value(struct finder *f, size_t step, unsigned depth);

/* Does the member name at f->p equal the step's key?  Moves past it. */
static int member_name(struct finder *f, const struct step *st, bool *match)
{
	int rc = sl_json_string_decode(&f->p, f->end, &f->key);
	if (rc)
		return rc == SL_EFORMAT ? bad(f, "bad member name") : rc;
	*match = st && (st->kind == STEP_ANY_KEY ||
	                (st->kind == STEP_KEY && f->key.len == st->keylen &&
	                 !memcmp(f->key.data ? f->key.data : "", st->key, st->keylen)));
	return 0;
}

static int object(struct finder *f, size_t step, unsigned depth)
{
	const struct step *st = step < f->nsteps ? &f->steps[step] : NULL;
	f->p++; /* { */
	ws(f);
	if (f->p < f->end && *f->p == '}') {
		f->p++;
		return 0;
	}
	for (;;) {
		bool match;
		int rc;
		ws(f);
		if ((rc = member_name(f, st, &match)))
			return rc;
		ws(f);
		if (f->p >= f->end || *f->p != ':')
			return bad(f, "expected ':'");
		f->p++;
		if ((rc = value(f, match ? step + 1 : SIZE_MAX, depth + 1)))
			return rc;
		ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			continue;
		}
		if (f->p < f->end && *f->p == '}') {
			f->p++;
			return 0;
		}
		return bad(f, "expected ',' or '}'");
	}
}

static int array(struct finder *f, size_t step, unsigned depth)
{
	const struct step *st = step < f->nsteps ? &f->steps[step] : NULL;
	f->p++; /* [ */
	ws(f);
	if (f->p < f->end && *f->p == ']') {
		f->p++;
		return 0;
	}
	for (size_t i = 0;; i++) {
		bool match = st && (st->kind == STEP_ANY_INDEX ||
		                    (st->kind == STEP_INDEX && st->index == i));
		int rc = value(f, match ? step + 1 : SIZE_MAX, depth + 1);
		if (rc)
			return rc;
		ws(f);
		if (f->p < f->end && *f->p == ',') {
			f->p++;
			continue;
		}
		if (f->p < f->end && *f->p == ']') {
			f->p++;
			return 0;
		}
		return bad(f, "expected ',' or ']'");
	}
}

static int value(struct finder *f, size_t step, unsigned depth)
{
	if (depth > SL_JSON_MAX_DEPTH)
		return bad(f, "nested too deeply");
	ws(f);
	if (f->p >= f->end)
		return bad(f, "a value is missing");
	const char *start = f->p;
	bool here = step == f->nsteps; /* the path ends at this value */
	size_t inner = here ? SIZE_MAX : step;
	enum sl_json_kind kind;
	int rc;
	switch (*f->p) {
	case '{':
		kind = SL_JSON_OBJECT;
		rc = object(f, inner, depth);
		break;
	case '[':
		kind = SL_JSON_ARRAY;
		rc = array(f, inner, depth);
		break;
	case '"':
		kind = SL_JSON_STRING;
		rc = sl_json_string_decode(&f->p, f->end, &f->key);
		if (rc == SL_EFORMAT)
			rc = bad(f, "bad string");
		break;
	case 't':
		kind = SL_JSON_TRUE;
		rc = literal(f, "true");
		break;
	case 'f':
		kind = SL_JSON_FALSE;
		rc = literal(f, "false");
		break;
	case 'n':
		kind = SL_JSON_NULL;
		rc = literal(f, "null");
		break;
	default:
		kind = SL_JSON_NUMBER;
		rc = number(f);
		break;
	}
	if (!rc && here)
		rc = record(f, start, kind);
	return rc;
}

/* --- paths ----------------------------------------------------------------------- */

static void free_steps(struct step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sl_free(steps[i].key);
	sl_free(steps);
}

static int parse_path(const char *path, struct step **out, size_t *nout, struct sl_error *err)
{
	size_t len = strlen(path), n = 0;
	struct step *steps = sl_calloc(len + 1, sizeof(*steps)); /* at most one per byte */
	const char *p = path, *end = path + len;
	struct sl_buf key = SL_BUF_INIT;
	int rc = 0;
	if (!steps)
		return SL_ENOMEM;
	if (p >= end || *p != '$') {
		rc = sl_error_set(err, SL_EFORMAT, "json path '%s': must start with '$'", path);
		goto out;
	}
	for (p++; p < end && !rc; n++) {
		struct step *st = &steps[n];
		if (*p == '.' && p + 1 < end && p[1] == '*') {
			st->kind = STEP_ANY_KEY;
			p += 2;
		} else if (*p == '.' && p + 1 < end && p[1] == '"') {
			p++;
			if ((rc = sl_json_string_decode(&p, end, &key)))
				break;
			st->kind = STEP_KEY;
		} else if (*p == '.') {
			const char *s = ++p;
			while (p < end && *p != '.' && *p != '[')
				p++;
			if (p == s) {
				rc = SL_EFORMAT;
				break;
			}
			sl_buf_reset(&key);
			if (sl_buf_append(&key, s, (size_t)(p - s))) {
				rc = SL_ENOMEM;
				break;
			}
			st->kind = STEP_KEY;
		} else if (*p == '[' && p + 2 < end && p[1] == '*' && p[2] == ']') {
			st->kind = STEP_ANY_INDEX;
			p += 3;
		} else if (*p == '[') {
			size_t v = 0;
			const char *s = ++p;
			while (p < end && *p >= '0' && *p <= '9' && v < (SIZE_MAX - 9) / 10)
				v = v * 10 + (size_t)(*p++ - '0');
			if (p == s || p >= end || *p != ']') {
				rc = SL_EFORMAT;
				break;
			}
			p++;
			st->kind = STEP_INDEX;
			st->index = v;
		} else {
			rc = SL_EFORMAT;
			break;
		}
		if (st->kind == STEP_KEY) {
			st->keylen = key.len;
			if (!(st->key = sl_strndup(key.data ? key.data : "", key.len)))
				rc = SL_ENOMEM;
		}
	}
	if (rc == SL_EFORMAT)
		rc = sl_error_set(err, SL_EFORMAT, "json path '%s': bad step at byte %zu", path,
		                  (size_t)(p - path));
out:
	sl_buf_free(&key);
	if (rc) {
		free_steps(steps, n + 1);
		return rc;
	}
	*out = steps;
	*nout = n;
	return 0;
}

int sl_json_find(const char *doc, size_t len, const char *path, struct sl_json_span **spans,
                 size_t *n, struct sl_error *err)
{
	struct finder f = {.doc = doc, .p = doc, .end = doc + len, .key = SL_BUF_INIT};
	*spans = NULL;
	*n = 0;
	int rc = parse_path(path, &f.steps, &f.nsteps, err);
	if (rc)
		return rc == SL_ENOMEM ? sl_error_set(err, rc, "out of memory") : rc;
	rc = value(&f, 0, 0);
	if (!rc) {
		ws(&f);
		if (f.p != f.end)
			rc = bad(&f, "text after the value");
	}
	free_steps(f.steps, f.nsteps);
	sl_buf_free(&f.key);
	if (rc) {
		sl_free(f.spans);
		if (rc == SL_ENOMEM)
			return sl_error_set(err, rc, "out of memory");
		return sl_error_set(err, rc, "not a JSON document: %s at byte %zu", f.what,
		                    (size_t)(f.p - doc));
	}
	*spans = f.spans;
	*n = f.n;
	return 0;
}
