/* script_pattern.c - Lua's pattern functions (string.find, string.match,
 * string.gmatch, string.gsub) on PCRE2, with limits.
 *
 * Lua's own matcher backtracks in C, where the count hook never fires: a
 * pattern like "a.-a.-a.-b" on a few thousand bytes runs for hours and no
 * instruction budget stops it.  Here each Lua pattern is translated into
 * an equivalent PCRE2 expression - the same classes (%a, %d, ... in the C
 * locale, as Lua uses them), sets, greedy and lazy quantifiers, captures,
 * position captures, back references, %b and %f - and matched under a
 * match, depth and heap limit taken from the call's instruction budget.
 * Past a limit the script gets an ordinary error naming --script-budget.
 * The functions keep Lua 5.4's semantics (init positions, anchors, empty
 * matches in gmatch and gsub, replacement strings, tables and functions);
 * they are written from the reference manual.  Translated patterns are
 * compiled once and kept in a small cache per state.
 *
 * Why not Lua's code: its matcher cannot be bounded from outside, and
 * PCRE2 (a dependency already) has the limits built in. */
#define _GNU_SOURCE           1 /* memmem */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/alloc.h"
#include "base/buf.h"
#include "script/script.h"

#define MAX_CAPTURES 32          /* Lua's LUA_MAXCAPTURES */
#define MAX_PATTERN  (64u << 10) /* bytes of a translated pattern */
#define CACHE_SIZE   16
#define MATCH_MIN    10000
#define MATCH_MAX    20000000

/* A compiled pattern and what the translation learned about it. */
struct cpat {
	char *src; /* the Lua pattern, and one byte: how '^' was taken */
	size_t srclen;
	pcre2_code *code;
	pcre2_match_data *md;      /* for find, match and gmatch: they run no Lua
	                              while they use it */
	int ncap;                  /* Lua captures */
	bool poscap[MAX_CAPTURES]; /* capture i is a position capture "()" */
	bool anchor;               /* a leading '^' anchored the pattern */
	unsigned long used;        /* last use, for the cache */
};

/* What gsub holds across replacement calls (which may evict its pattern
 * from the cache): freed by __close, also when an error unwinds. */
struct owned {
	pcre2_code *code;
	pcre2_match_data *md;
};

struct sl_pattern_cache {
	struct cpat slot[CACHE_SIZE];
	unsigned long clock;
	pcre2_match_context *mctx;
};

/* --- translation -------------------------------------------------------------- */

struct tr {
	const char *p, *end;
	struct sl_buf re;   /* the PCRE2 expression */
	struct sl_buf defs; /* (?(DEFINE)...) groups for %b, placed last */
	int ncap, open[MAX_CAPTURES], nopen;
	bool closed[MAX_CAPTURES];
	bool poscap[MAX_CAPTURES];
	int nbal;
	const char *err;
	int nomem;
};

static const char
    *const class_names[26] =
        {['a' - 'a'] = "alpha",  ['c' - 'a'] = "cntrl", ['d' - 'a'] = "digit",
         ['g' - 'a'] = "graph",  ['l' - 'a'] = "lower", ['p' - 'a'] = "punct",
         ['s' - 'a'] = "space",  ['u' - 'a'] = "upper", ['w' - 'a'] = "alnum",
         ['x' - 'a'] = "xdigit", ['z' - 'a'] = "zero"}; /* %z: byte 0 (deprecated, Lua 5.4 still has it) */

/* The POSIX class %c stands for, or NULL when %c is the literal c. */
static const char *class_of(unsigned char c, bool *negated)
{
	unsigned char lc = c | 0x20;
	if (lc < 'a' || lc > 'z' || !class_names[lc - 'a'])
		return NULL;
	*negated = c != lc;
	return class_names[lc - 'a'];
}

/* Is byte c in the class? (C locale, as Lua and PCRE2's default tables) */
static bool in_class(const char *name, unsigned char c)
{
	bool alpha = (c | 0x20) >= 'a' && (c | 0x20) <= 'z', digit = c >= '0' && c <= '9';
	if (!strcmp(name, "alpha"))
		return alpha;
	if (!strcmp(name, "digit"))
		return digit;
	if (!strcmp(name, "alnum"))
		return alpha || digit;
	if (!strcmp(name, "lower"))
		return c >= 'a' && c <= 'z';
	if (!strcmp(name, "upper"))
		return c >= 'A' && c <= 'Z';
	if (!strcmp(name, "space"))
		return c == ' ' || (c >= 9 && c <= 13);
	if (!strcmp(name, "cntrl"))
		return c < 32 || c == 127;
	if (!strcmp(name, "xdigit"))
		return digit || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
	if (!strcmp(name, "graph"))
		return c > 32 && c < 127;
	if (!strcmp(name, "zero"))
		return c == 0;
	return c > 32 && c < 127 && !alpha && !digit; /* punct */
}

static void put(struct tr *t, struct sl_buf *b, const char *s)
{
	if (sl_buf_puts(b, s))
		t->nomem = 1;
}

/* A literal byte, escaped whatever it is. */
static void put_byte(struct tr *t, struct sl_buf *b, unsigned char c)
{
	char x[8];
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')
		snprintf(x, sizeof(x), "%c", c);
	else if (c >= '0' && c <= '9')
		snprintf(x, sizeof(x), "%c", c);
	else
		snprintf(x, sizeof(x), "\\x{%02x}", c);
	put(t, b, x);
}

/* The inside of a set: [...] or [^...] from t->p (at '['), as a PCRE2
 * class into b, and its complement into comp when not NULL.  *nul says
 * whether the set holds byte 0 (for %f). */
static void tr_set(struct tr *t, struct sl_buf *b, struct sl_buf *comp, bool *nul)
{
	const char *p = t->p + 1;
	bool neg = p < t->end && *p == '^';
	struct sl_buf items = SL_BUF_INIT;
	bool has0 = false;
	if (neg)
		p++;
	/* The first character is part of the set, even ']' (Lua's rule). */
	do {
		if (p >= t->end) {
			t->err = "malformed pattern (missing ']')";
			sl_buf_free(&items);
			return;
		}
		unsigned char c = (unsigned char)*p++;
		if (c == '%') {
			if (p >= t->end) {
				t->err = "malformed pattern (missing ']')";
				sl_buf_free(&items);
				return;
			}
			unsigned char k = (unsigned char)*p++;
			bool cneg;
			const char *name = class_of(k, &cneg);
			if (name) {
				char cls[24];
				if (!strcmp(name, "zero"))
					snprintf(cls, sizeof(cls), "%s",
					         cneg ? "\\x{01}-\\x{ff}" : "\\x{00}");
				else
					snprintf(cls, sizeof(cls), "[:%s%s:]", cneg ? "^" : "",
					         name);
				put(t, &items, cls);
				has0 = has0 || (in_class(name, 0) != cneg);
			} else {
				put_byte(t, &items, k);
				has0 = has0 || k == 0;
			}
		} else if (p + 1 < t->end && *p == '-' && p[1] != ']') {
			unsigned char hi = (unsigned char)p[1];
			p += 2;
			put_byte(t, &items, c);
			put(t, &items, "-");
			put_byte(t, &items, hi);
			has0 = has0 || (c == 0 && hi >= c);
		} else {
			put_byte(t, &items, c);
			has0 = has0 || c == 0;
		}
	} while (p < t->end && *p != ']');
	if (p >= t->end) {
		t->err = "malformed pattern (missing ']')";
		sl_buf_free(&items);
		return;
	}
	t->p = p + 1;
	const char *body = items.data ? items.data : "";
	put(t, b, neg ? "[^" : "[");
	put(t, b, body);
	put(t, b, "]");
	if (comp) {
		put(t, comp, neg ? "[" : "[^");
		put(t, comp, body);
		put(t, comp, "]");
	}
	if (nul)
		*nul = has0 != neg;
	sl_buf_free(&items);
}

/* One single-character class at t->p into t->re. */
static void tr_single(struct tr *t)
{
	unsigned char c = (unsigned char)*t->p;
	if (c == '.') {
		put(t, &t->re, ".");
		t->p++;
	} else if (c == '[') {
		tr_set(t, &t->re, NULL, NULL);
	} else if (c == '%') {
		if (t->p + 1 >= t->end) {
			t->err = "malformed pattern (ends with '%')";
			return;
		}
		unsigned char k = (unsigned char)t->p[1];
		bool neg;
		const char *name = class_of(k, &neg);
		if (name) {
			char cls[24];
			if (!strcmp(name, "zero"))
				snprintf(cls, sizeof(cls), "%s", neg ? "[^\\x{00}]" : "\\x{00}");
			else
				snprintf(cls, sizeof(cls), "[[:%s%s:]]", neg ? "^" : "", name);
			put(t, &t->re, cls);
		} else {
			put_byte(t, &t->re, k);
		}
		t->p += 2;
	} else {
		put_byte(t, &t->re, c);
		t->p++;
	}
}

/* %bxy: a balanced string from x to y. */
static void tr_balance(struct tr *t)
{
	if (t->end - t->p < 4) {
		t->err = "malformed pattern (missing arguments to '%b')";
		return;
	}
	unsigned char x = (unsigned char)t->p[2], y = (unsigned char)t->p[3];
	t->p += 4;
	if (x == y) {
		/* The first y after the opening x closes it. */
		put_byte(t, &t->re, x);
		put(t, &t->re, "[^");
		put_byte(t, &t->re, x);
		put(t, &t->re, "]*+");
		put_byte(t, &t->re, x);
		return;
	}
	char name[32];
	snprintf(name, sizeof(name), "slb%d", t->nbal++);
	put(t, &t->re, "(?&");
	put(t, &t->re, name);
	put(t, &t->re, ")");
	put(t, &t->defs, "(?<");
	put(t, &t->defs, name);
	put(t, &t->defs, ">");
	put_byte(t, &t->defs, x);
	put(t, &t->defs, "(?:[^");
	put_byte(t, &t->defs, x);
	put_byte(t, &t->defs, y);
	put(t, &t->defs, "]++|(?&");
	put(t, &t->defs, name);
	put(t, &t->defs, "))*+");
	put_byte(t, &t->defs, y);
	put(t, &t->defs, ")");
}

/* %f[set]: the previous byte (byte 0 before the subject) is not in the set
 * and the next one (byte 0 after it) is. */
static void tr_frontier(struct tr *t)
{
	struct sl_buf set = SL_BUF_INIT, comp = SL_BUF_INIT;
	bool nul = false;
	t->p += 2;
	if (t->p >= t->end || *t->p != '[') {
		t->err = "missing '[' after '%f' in pattern";
		return;
	}
	tr_set(t, &set, &comp, &nul);
	if (!t->err && set.data && comp.data) {
		put(t, &t->re, nul ? "(?<=" : "(?<!");
		put(t, &t->re, nul ? comp.data : set.data);
		put(t, &t->re, ")(?=");
		put(t, &t->re, set.data);
		put(t, &t->re, nul ? "|\\z)" : ")");
	}
	sl_buf_free(&set);
	sl_buf_free(&comp);
}

/* Translate the Lua pattern p[0..len) ('^' anchors when 'anchor_ok').  0, or
 * -1 with t->err set. */
static int translate(struct tr *t, const char *p, size_t len, bool anchor_ok, bool *anchor)
{
	t->p = p;
	t->end = p + len;
	*anchor = anchor_ok && len && *p == '^';
	if (*anchor)
		t->p++;
	while (t->p < t->end && !t->err && !t->nomem) {
		unsigned char c = (unsigned char)*t->p;
		if (c == '(') {
			if (t->ncap == MAX_CAPTURES) {
				t->err = "too many captures";
				break;
			}
			if (t->p + 1 < t->end && t->p[1] == ')') {
				t->poscap[t->ncap] = true;
				t->closed[t->ncap++] = true;
				put(t, &t->re, "()");
				t->p += 2;
			} else {
				t->open[t->nopen++] = t->ncap++;
				put(t, &t->re, "(");
				t->p++;
			}
			continue;
		}
		if (c == ')') {
			if (t->nopen == 0) {
				t->err = "invalid pattern capture";
				break;
			}
			t->closed[t->open[--t->nopen]] = true;
			put(t, &t->re, ")");
			t->p++;
			continue;
		}
		if (c == '$' && t->p + 1 == t->end) {
			put(t, &t->re, "\\z");
			t->p++;
			continue;
		}
		if (c == '%' && t->p + 1 < t->end) {
			unsigned char k = (unsigned char)t->p[1];
			if (k == 'b') {
				tr_balance(t);
				continue;
			}
			if (k == 'f') {
				tr_frontier(t);
				continue;
			}
			if (k >= '0' && k <= '9') {
				int n = k - '0';
				if (n == 0 || n > t->ncap || !t->closed[n - 1]) {
					t->err = "invalid capture index in pattern";
					break;
				}
				char ref[16];
				/* A position capture has no text: Lua never matches
				 * a back reference to one. */
				if (t->poscap[n - 1])
					snprintf(ref, sizeof(ref), "(*FAIL)");
				else
					snprintf(ref, sizeof(ref), "\\g{%d}", n);
				put(t, &t->re, ref);
				t->p += 2;
				continue;
			}
		}
		tr_single(t);
		if (t->err || t->p >= t->end)
			continue;
		switch (*t->p) {
		case '*':
			put(t, &t->re, "*");
			t->p++;
			break;
		case '+':
			put(t, &t->re, "+");
			t->p++;
			break;
		case '-':
			put(t, &t->re, "*?");
			t->p++;
			break;
		case '?':
			put(t, &t->re, "?");
			t->p++;
			break;
		}
	}
	if (!t->err && t->nopen)
		t->err = "unfinished capture";
	if (!t->err && t->defs.len) {
		put(t, &t->re, "(?(DEFINE)");
		put(t, &t->re, t->defs.data);
		put(t, &t->re, ")");
	}
	if (!t->err && t->re.len > MAX_PATTERN)
		t->err = "pattern too long";
	if (t->nomem)
		t->err = "not enough memory";
	return t->err ? -1 : 0;
}

/* --- the cache ---------------------------------------------------------------- */

static struct sl_pattern_cache *cache_of(lua_State *L)
{
	struct sl_script *s = *(struct sl_script **)lua_getextraspace(L);
	if (!s->patterns) {
		s->patterns = sl_calloc(1, sizeof(*s->patterns));
		if (!s->patterns)
			luaL_error(L, "not enough memory");
		s->patterns->mctx = pcre2_match_context_create(NULL);
		if (!s->patterns->mctx)
			luaL_error(L, "not enough memory");
	}
	return s->patterns;
}

void sl_script_patterns_free(struct sl_pattern_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		pcre2_match_data_free(c->slot[i].md);
		pcre2_code_free(c->slot[i].code);
		sl_free(c->slot[i].src);
	}
	pcre2_match_context_free(c->mctx);
	sl_free(c);
}

/* The compiled form of pattern p (anchor_ok: '^' anchors); raises a Lua
 * error for a malformed one.  Borrowed from the cache until the next call. */
static struct cpat *compile(lua_State *L, const char *p, size_t lp, bool anchor_ok)
{
	struct sl_pattern_cache *c = cache_of(L);
	struct cpat *victim = &c->slot[0];
	for (size_t i = 0; i < CACHE_SIZE; i++) {
		struct cpat *e = &c->slot[i];
		if (e->code && e->srclen == lp + 1 && e->src[lp] == (char)anchor_ok &&
		    !memcmp(e->src, p, lp)) {
			e->used = ++c->clock;
			return e;
		}
		if (!e->code || e->used < victim->used)
			victim = e;
	}
	struct tr t;
	memset(&t, 0, sizeof(t));
	bool anchor = false;
	if (translate(&t, p, lp, anchor_ok, &anchor) != 0) {
		sl_buf_free(&t.re);
		sl_buf_free(&t.defs);
		luaL_error(L, "%s", t.err);
	}
	int ecode;
	PCRE2_SIZE eoff;
	pcre2_code *code =
	    pcre2_compile((PCRE2_SPTR)(t.re.data ? t.re.data : ""), t.re.len,
	                  PCRE2_DOTALL | PCRE2_NEVER_UTF | PCRE2_NEVER_UCP, &ecode, &eoff, NULL);
	sl_buf_free(&t.re);
	sl_buf_free(&t.defs);
	if (!code) {
		PCRE2_UCHAR msg[120];
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		luaL_error(L, "malformed pattern (%s)", (const char *)msg);
	}
	char *src = sl_malloc(lp + 1);
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
	if (!src || !md) {
		sl_free(src);
		pcre2_match_data_free(md);
		pcre2_code_free(code);
		luaL_error(L, "not enough memory");
	}
	memcpy(src, p, lp);
	src[lp] = (char)anchor_ok;
	pcre2_match_data_free(victim->md);
	pcre2_code_free(victim->code);
	sl_free(victim->src);
	victim->src = src;
	victim->srclen = lp + 1;
	victim->code = code;
	victim->md = md;
	victim->ncap = t.ncap;
	memcpy(victim->poscap, t.poscap, sizeof(t.poscap));
	victim->anchor = anchor;
	victim->used = ++c->clock;
	return victim;
}

/* Match cp against s[0..ls) from 'start' (anchored there when 'anchored'):
 * 1 with the match in md, 0 for none; a limit raises a Lua error. */
static int run(lua_State *L, const struct cpat *cp, const char *s, size_t ls, size_t start,
               bool anchored, pcre2_match_data *md)
{
	struct sl_script *sc = *(struct sl_script **)lua_getextraspace(L);
	struct sl_pattern_cache *c = cache_of(L);
	int64_t left = sc->budget_left;
	uint32_t limit = left < MATCH_MIN   ? MATCH_MIN
	                 : left > MATCH_MAX ? MATCH_MAX
	                                    : (uint32_t)left;
	pcre2_set_match_limit(c->mctx, limit);
	pcre2_set_depth_limit(c->mctx, limit);
	pcre2_set_heap_limit(c->mctx, 16 * 1024); /* KiB */
	int rc = pcre2_match(cp->code, (PCRE2_SPTR)s, ls, start, anchored ? PCRE2_ANCHORED : 0, md,
	                     c->mctx);
	/* A match costs the budget what it scanned, at least. */
	sc->budget_left -= (int64_t)(ls - start) / 8;
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		return luaL_error(L,
		                  "pattern too complex for its subject (more than %d matching "
		                  "steps; see --script-budget)",
		                  (int)limit);
	PCRE2_UCHAR msg[120];
	pcre2_get_error_message(rc, msg, sizeof(msg));
	return luaL_error(L, "pattern matching failed: %s", (const char *)msg);
}

/* Push capture i (or the whole match when the pattern has none and i is
 * 0).  Raises for a capture the pattern does not have. */
static void push_capture(lua_State *L, const struct cpat *cp, const char *s, PCRE2_SIZE *ov, int i)
{
	if (i >= cp->ncap) {
		if (i != 0)
			luaL_error(L, "invalid capture index %%%d", i + 1);
		lua_pushlstring(L, s + ov[0], ov[1] - ov[0]);
		return;
	}
	PCRE2_SIZE a = ov[2 * (i + 1)], b = ov[2 * (i + 1) + 1];
	if (cp->poscap[i])
		lua_pushinteger(L, (lua_Integer)a + 1);
	else if (a == PCRE2_UNSET)
		lua_pushnil(L);
	else
		lua_pushlstring(L, s + a, b - a);
}

/* Push every capture (or the whole match when 'whole' and there is none);
 * returns how many. */
static int push_captures(lua_State *L, const struct cpat *cp, const char *s, PCRE2_SIZE *ov,
                         bool whole)
{
	int n = cp->ncap == 0 && whole ? 1 : cp->ncap;
	luaL_checkstack(L, n, "too many captures");
	for (int i = 0; i < n; i++)
		push_capture(L, cp, s, ov, i);
	return n;
}

/* Lua's posrelatI: a 1-based position from 'pos' (negative: from the end),
 * clamped to [1, inf). */
static size_t start_of(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 1;
	return len + (size_t)pos + 1;
}

/* Does the pattern hold none of Lua's magic characters? */
static bool plain(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (strchr("^$*+?.([%-", p[i]) && p[i])
			return false;
	return true;
}

static int find_aux(lua_State *L, bool find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_of(luaL_optinteger(L, 3, 1), ls) - 1;
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	if (find && (lua_toboolean(L, 4) || plain(p, lp))) {
		const char *hit = lp == 0 ? s + init : memmem(s + init, ls - init, p, lp);
		if (!hit) {
			luaL_pushfail(L);
			return 1;
		}
		lua_pushinteger(L, (lua_Integer)(hit - s) + 1);
		lua_pushinteger(L, (lua_Integer)(hit - s) + (lua_Integer)lp);
		return 2;
	}
	struct cpat *cp = compile(L, p, lp, true);
	int found = run(L, cp, s, ls, init, cp->anchor, cp->md);
	PCRE2_SIZE ov[2 * (MAX_CAPTURES + 1)];
	memcpy(ov, pcre2_get_ovector_pointer(cp->md),
	       sizeof(PCRE2_SIZE) * 2 * (size_t)(cp->ncap + 1));
	if (!found) {
		luaL_pushfail(L);
		return 1;
	}
	if (find) {
		lua_pushinteger(L, (lua_Integer)ov[0] + 1);
		lua_pushinteger(L, (lua_Integer)ov[1]);
		return push_captures(L, cp, s, ov, false) + 2;
	}
	return push_captures(L, cp, s, ov, true);
}

static int str_find(lua_State *L)
{
	return find_aux(L, true);
}

static int str_match(lua_State *L)
{
	return find_aux(L, false);
}

/* --- gmatch --------------------------------------------------------------------- */

struct gmatch_state {
	size_t src;       /* where the next search starts */
	size_t lastmatch; /* end of the last match + 1, or 0 */
};

static int gmatch_aux(lua_State *L)
{
	size_t ls, lp;
	const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
	const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
	struct gmatch_state *g = lua_touserdata(L, lua_upvalueindex(3));
	struct cpat *cp = compile(L, p, lp, false);
	pcre2_match_data *md = cp->md;
	PCRE2_SIZE ov[2 * (MAX_CAPTURES + 1)];
	size_t from = g->src;
	int found = 0;
	while (from <= ls) {
		found = run(L, cp, s, ls, from, false, md);
		if (!found)
			break;
		memcpy(ov, pcre2_get_ovector_pointer(md),
		       sizeof(PCRE2_SIZE) * 2 * (size_t)(cp->ncap + 1));
		/* An empty match where the last one ended does not count. */
		if (ov[1] + 1 != g->lastmatch)
			break;
		found = 0;
		from = ov[0] + 1;
	}
	if (!found) {
		g->src = ls + 1;
		return 0;
	}
	g->src = ov[1];
	g->lastmatch = ov[1] + 1;
	return push_captures(L, cp, s, ov, true);
}

static int str_gmatch(lua_State *L)
{
	size_t ls;
	luaL_checklstring(L, 1, &ls);
	luaL_checkstring(L, 2);
	size_t init = start_of(luaL_optinteger(L, 3, 1), ls) - 1;
	lua_settop(L, 2);
	struct gmatch_state *g = lua_newuserdatauv(L, sizeof(*g), 0);
	g->src = init > ls ? ls + 1 : init;
	g->lastmatch = 0;
	lua_pushcclosure(L, gmatch_aux, 3);
	return 1;
}

/* --- gsub ----------------------------------------------------------------------- */

/* The replacement string at index 3 with %0-%9 and %% expanded. */
static void add_s(lua_State *L, luaL_Buffer *b, const struct cpat *cp, const char *s,
                  PCRE2_SIZE *ov)
{
	size_t l;
	const char *r = lua_tolstring(L, 3, &l);
	for (size_t i = 0; i < l; i++) {
		if (r[i] != '%') {
			luaL_addchar(b, r[i]);
			continue;
		}
		i++;
		if (i < l && r[i] == '%') {
			luaL_addchar(b, '%');
		} else if (i < l && r[i] >= '0' && r[i] <= '9') {
			if (r[i] == '0') {
				luaL_addlstring(b, s + ov[0], ov[1] - ov[0]);
			} else {
				push_capture(L, cp, s, ov, r[i] - '1');
				luaL_tolstring(L, -1, NULL);
				lua_remove(L, -2);
				luaL_addvalue(b);
			}
		} else {
			luaL_error(L, "invalid use of '%%' in replacement string");
		}
	}
}

/* The value of one match; true when it changed the text. */
static bool add_value(lua_State *L, luaL_Buffer *b, const struct cpat *cp, const char *s,
                      PCRE2_SIZE *ov, int tr)
{
	if (tr == LUA_TFUNCTION) {
		lua_pushvalue(L, 3);
		int n = push_captures(L, cp, s, ov, true);
		lua_call(L, n, 1);
	} else if (tr == LUA_TTABLE) {
		push_capture(L, cp, s, ov, 0);
		lua_gettable(L, 3);
	} else {
		add_s(L, b, cp, s, ov);
		return true;
	}
	if (!lua_toboolean(L, -1)) {
		lua_pop(L, 1);
		luaL_addlstring(b, s + ov[0], ov[1] - ov[0]);
		return false;
	}
	if (!lua_isstring(L, -1))
		luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
	luaL_addvalue(b);
	return true;
}

static int str_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	int tr = lua_type(L, 3);
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
	luaL_argexpected(
	    L, tr == LUA_TNUMBER || tr == LUA_TSTRING || tr == LUA_TFUNCTION || tr == LUA_TTABLE, 3,
	    "string/function/table");
	struct cpat *cp = compile(L, p, lp, true);
	bool anchor = cp->anchor, changed = false;
	int ncap = cp->ncap;
	/* The pattern may leave the cache while a replacement function runs:
	 * hold a copy of what matching needs. */
	struct cpat mine = *cp;
	mine.code = pcre2_code_copy(cp->code);
	if (!mine.code)
		return luaL_error(L, "not enough memory");
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(mine.code, NULL);
	luaL_Buffer b;
	lua_Integer n = 0;
	size_t src = 0, lastmatch = 0; /* lastmatch: end + 1, 0 for none */
	PCRE2_SIZE ov[2 * (MAX_CAPTURES + 1)];
	if (!md) {
		pcre2_code_free(mine.code);
		return luaL_error(L, "not enough memory");
	}
	struct owned *own = lua_newuserdatauv(L, sizeof(*own), 0);
	own->code = mine.code;
	own->md = md;
	luaL_setmetatable(L, "sluice.pattern");
	lua_toclose(L, -1);
	luaL_buffinit(L, &b);
	while (n < max) {
		if (!run(L, &mine, s, ls, src, anchor, md))
			break; /* no match from here on: the rest is kept as it is */
		memcpy(ov, pcre2_get_ovector_pointer(md),
		       sizeof(PCRE2_SIZE) * 2 * (size_t)(ncap + 1));
		if (ov[1] + 1 == lastmatch) {
			/* Empty, right where the last match ended: keep one byte and
			 * look again after it (Lua's rule). */
			if (src >= ls)
				break;
			luaL_addchar(&b, s[src++]);
		} else {
			luaL_addlstring(&b, s + src, ov[0] - src);
			n++;
			changed = add_value(L, &b, &mine, s, ov, tr) || changed;
			src = ov[1];
			lastmatch = ov[1] + 1;
		}
		if (anchor)
			break;
	}
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, s + src, ls - src);
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

/* __close and __gc of the matching state gsub holds across replacements. */
static int owned_free(lua_State *L)
{
	struct owned *own = luaL_checkudata(L, 1, "sluice.pattern");
	pcre2_match_data_free(own->md);
	pcre2_code_free(own->code);
	own->md = NULL;
	own->code = NULL;
	return 0;
}

void sl_script_open_patterns(lua_State *L)
{
	static const luaL_Reg fns[] = {{"find", str_find},
	                               {"match", str_match},
	                               {"gmatch", str_gmatch},
	                               {"gsub", str_gsub},
	                               {NULL, NULL}};
	luaL_newmetatable(L, "sluice.pattern");
	lua_pushcfunction(L, owned_free);
	lua_setfield(L, -2, "__close");
	lua_pushcfunction(L, owned_free);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	lua_getglobal(L, LUA_STRLIBNAME);
	luaL_setfuncs(L, fns, 0);
	lua_pop(L, 1);
}
