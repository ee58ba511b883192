// Lua 5.4 pattern matching (find, match, gmatch, gsub), string.rep and table.move for sandboxed
// code: the string and table libraries' results and errors, with every step charged to the
// sandbox's instruction budget, so a backtracking pattern stops like an endless loop does.
#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua_budget.h"

#define PAT_ESC '%'
#define PAT_MAX_CAPTURES 32
#define PAT_MAX_DEPTH 200            /* nesting of match() calls, as the string library allows */
#define PAT_CHARGE_EVERY 1024        /* steps counted here before they are charged to the budget */
#define CAP_OPEN (-1)                /* a capture opened and not yet closed */
#define CAP_POSITION (-2)            /* a () capture: its value is the position */

typedef struct {
    const char *start;
    ptrdiff_t len;                   /* or CAP_OPEN, CAP_POSITION */
} PatCapture;

/* One matching operation: the subject, the pattern's end, the captures, and the step count. */
typedef struct {
    lua_State *L;
    const char *subject, *subject_end;
    const char *pattern_end;
    int depth_left;
    int ncap;
    long long steps;                 /* not yet charged */
    PatCapture cap[PAT_MAX_CAPTURES];
} Matcher;

/* MARK: - Steps */

static void charge(Matcher *m) {
    long long steps = m->steps;
    m->steps = 0;
    if (zoo_budget_charge(m->L, steps, 0)) zoo_budget_raise_instructions(m->L, 0);
}

static void step_n(Matcher *m, long long n) {
    m->steps += n;
    if (m->steps >= PAT_CHARGE_EVERY) charge(m);
}

static void step(Matcher *m) { step_n(m, 1); }

static void matcher_init(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->subject = s;
    m->subject_end = s + ls;
    m->pattern_end = p + lp;
    m->depth_left = PAT_MAX_DEPTH;
    m->ncap = 0;
    m->steps = 0;
}

/* Before each new attempt. */
static void matcher_reset(Matcher *m) {
    m->depth_left = PAT_MAX_DEPTH;
    m->ncap = 0;
}

/* MARK: - Single-character classes */

/* Just past the class starting at p: a character, '.', %x, or a [set]. */
static const char *class_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == PAT_ESC) {
        if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^') p++;
        do {  /* the set's first character is a member even when it is ']' */
            if (p == m->pattern_end) luaL_error(m->L, "malformed pattern (missing ']')");
            c = *p++;
            if (c == PAT_ESC && p < m->pattern_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

/* Whether c is in class %cl (%a, %d, ..., %z; an upper-case letter is the complement; any other
   character stands for itself). */
static int class_matches(int c, int cl) {
    int in;
    switch (tolower(cl)) {
        case 'a': in = isalpha(c); break;
        case 'c': in = iscntrl(c); break;
        case 'd': in = isdigit(c); break;
        case 'g': in = isgraph(c); break;
        case 'l': in = islower(c); break;
        case 'p': in = ispunct(c); break;
        case 's': in = isspace(c); break;
        case 'u': in = isupper(c); break;
        case 'w': in = isalnum(c); break;
        case 'x': in = isxdigit(c); break;
        case 'z': in = c == 0; break;  /* deprecated, still in the string library */
        default: return cl == c;
    }
    in = in != 0;
    return isupper(cl) ? !in : in;
}

/* Whether c is in the set from '[' at p to its ']' at close. */
static int set_matches(int c, const char *p, const char *close) {
    int member = 1;  /* what finding c gives: 0 in a complemented set */
    p++;
    if (*p == '^') {
        member = 0;
        p++;
    }
    for (; p < close; p++) {
        if (*p == PAT_ESC) {
            p++;
            if (class_matches(c, (unsigned char)*p)) return member;
        } else if (p[1] == '-' && p + 2 < close) {
            if ((unsigned char)p[0] <= c && c <= (unsigned char)p[2]) return member;
            p += 2;
        } else if ((unsigned char)*p == c) {
            return member;
        }
    }
    return !member;
}

/* Whether the subject character at s matches the class from p to ep. */
static int single_matches(Matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->subject_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
        case '.': return 1;
        case PAT_ESC: return class_matches(c, (unsigned char)p[1]);
        case '[': return set_matches(c, p, ep - 1);
        default: return (unsigned char)*p == c;
    }
}

/* MARK: - Matching */

static const char *match(Matcher *m, const char *s, const char *p);

/* %bxy at p (pointing at x): a balanced run from x to its y. */
static const char *match_balance(Matcher *m, const char *s, const char *p) {
    if (p >= m->pattern_end - 1) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->subject_end || *s != p[0]) return NULL;
    char open = p[0], close = p[1];
    int depth = 1;
    while (++s < m->subject_end) {
        step(m);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

/* %f[set] at p (pointing at '['): the previous character is not in the set, the next one is. */
static const char *match_frontier(Matcher *m, const char *s, const char *p, const char **next) {
    if (*p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
    const char *ep = class_end(m, p);
    int previous = s == m->subject ? 0 : (unsigned char)s[-1];
    int current = s < m->subject_end ? (unsigned char)*s : 0;
    *next = ep;
    if (!set_matches(previous, p, ep - 1) && set_matches(current, p, ep - 1)) return s;
    return NULL;
}

/* The index of capture %digit, which must be closed. */
static int closed_capture(Matcher *m, int digit) {
    int i = digit - '1';
    if (i < 0 || i >= m->ncap || m->cap[i].len == CAP_OPEN)
        return luaL_error(m->L, "invalid capture index %%%d", i + 1);
    return i;
}

/* %1-%9 at s: the same text as that capture. */
static const char *match_backref(Matcher *m, const char *s, int digit) {
    int i = closed_capture(m, digit);
    ptrdiff_t len = m->cap[i].len;
    if (len < 0) return NULL;  /* a position capture is no text */
    step_n(m, len);
    if (m->subject_end - s >= len && memcmp(m->cap[i].start, s, (size_t)len) == 0) return s + len;
    return NULL;
}

/* The innermost capture still open (closed by ')'). */
static int open_capture(Matcher *m) {
    for (int i = m->ncap - 1; i >= 0; i--)
        if (m->cap[i].len == CAP_OPEN) return i;
    return luaL_error(m->L, "invalid pattern capture");
}

static const char *start_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->ncap >= PAT_MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->cap[m->ncap].start = s;
    m->cap[m->ncap].len = what;
    m->ncap++;
    const char *r = match(m, s, p);
    if (r == NULL) m->ncap--;
    return r;
}

static const char *end_capture(Matcher *m, const char *s, const char *p) {
    int i = open_capture(m);
    m->cap[i].len = s - m->cap[i].start;
    const char *r = match(m, s, p);
    if (r == NULL) m->cap[i].len = CAP_OPEN;
    return r;
}

/* x* and x+ (greedy): the longest run of the class, then shorter ones, each followed by the rest. */
static const char *max_expand(Matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t n = 0;
    while (single_matches(m, s + n, p, ep)) {
        n++;
        step(m);
    }
    for (; n >= 0; n--) {
        const char *r = match(m, s + n, ep + 1);
        if (r != NULL) return r;
        step(m);
    }
    return NULL;
}

/* x- (lazy): the rest first, then one more character of the class, and so on. */
static const char *min_expand(Matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *r = match(m, s, ep + 1);
        if (r != NULL) return r;
        step(m);
        if (!single_matches(m, s, p, ep)) return NULL;
        s++;
    }
}

/* A class at p, maybe quantified; returns the match's end or NULL. `*rest` is where to go on
   when the item consumed what it could and matching continues in the caller's loop. */
static const char *match_item(Matcher *m, const char *s, const char *p, const char **rest, int *done) {
    const char *ep = class_end(m, p);
    *done = 1;
    if (!single_matches(m, s, p, ep)) {
        if (*ep == '*' || *ep == '?' || *ep == '-') {  /* zero occurrences */
            *rest = ep + 1;
            *done = 0;
            return s;
        }
        return NULL;
    }
    switch (*ep) {
        case '?': {
            const char *r = match(m, s + 1, ep + 1);
            if (r != NULL) return r;
            *rest = ep + 1;
            *done = 0;
            return s;
        }
        case '+': return max_expand(m, s + 1, p, ep);
        case '*': return max_expand(m, s, p, ep);
        case '-': return min_expand(m, s, p, ep);
        default:
            *rest = ep;
            *done = 0;
            return s + 1;
    }
}

/* The end of a match of pattern p (up to pattern_end) at subject position s, or NULL. Items that
   end the attempt recurse; the others continue in the loop. */
static const char *match(Matcher *m, const char *s, const char *p) {
    if (m->depth_left-- == 0) luaL_error(m->L, "pattern too complex");
    while (s != NULL) {
        step(m);
        if (p == m->pattern_end) break;
        if (*p == '(') {
            s = p[1] == ')' ? start_capture(m, s, p + 2, CAP_POSITION) : start_capture(m, s, p + 1, CAP_OPEN);
            break;
        }
        if (*p == ')') {
            s = end_capture(m, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == m->pattern_end) {
            if (s != m->subject_end) s = NULL;
            break;
        }
        if (*p == PAT_ESC && p[1] == 'b') {
            s = match_balance(m, s, p + 2);
            p += 4;
            continue;
        }
        if (*p == PAT_ESC && p[1] == 'f') {
            s = match_frontier(m, s, p + 2, &p);
            continue;
        }
        if (*p == PAT_ESC && isdigit((unsigned char)p[1])) {
            s = match_backref(m, s, (unsigned char)p[1]);
            p += 2;
            continue;
        }
        int done;
        s = match_item(m, s, p, &p, &done);
        if (done) break;
    }
    m->depth_left++;
    return s;
}

/* MARK: - Results */

/* Pushes capture i (the whole match s..e when there are none). */
static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->ncap) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->cap[i].len;
    if (len == CAP_OPEN) luaL_error(m->L, "unfinished capture");
    if (len == CAP_POSITION) lua_pushinteger(m->L, (m->cap[i].start - m->subject) + 1);
    else lua_pushlstring(m->L, m->cap[i].start, (size_t)len);
}

/* Pushes every capture (or the whole match when s is given and there are none). */
static int push_captures(Matcher *m, const char *s, const char *e) {
    int n = (m->ncap == 0 && s != NULL) ? 1 : m->ncap;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

/* MARK: - find, match, gmatch */

/* string.find's `init` (1-based, negative from the end) as an offset; > len means "past the end". */
static size_t start_offset(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos - 1;
    if (pos == 0 || pos < -(lua_Integer)len) return 0;
    return len - (size_t)(-pos);
}

static int has_specials(const char *p, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (p[i] != '\0' && strchr("^$*+?.([%-", p[i]) != NULL) return 1;
    return 0;
}

/* Plain substring search; each candidate position is charged the pattern's length. */
static const char *find_plain(Matcher *m, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    while (s <= last) {
        const char *hit = memchr(s, *p, (size_t)(last - s) + 1);
        if (hit == NULL) return NULL;
        step_n(m, (long long)lp);
        if (memcmp(hit + 1, p + 1, lp - 1) == 0) return hit;
        s = hit + 1;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    Matcher m;
    if (init > ls) {
        lua_pushnil(L);
        return 1;
    }
    matcher_init(&m, L, s, ls, p, lp);
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *hit = find_plain(&m, s + init, ls - init, p, lp);
        charge(&m);
        if (hit != NULL) {
            lua_pushinteger(L, (hit - s) + 1);
            lua_pushinteger(L, (lua_Integer)((size_t)(hit - s) + lp));
            return 2;
        }
    } else {
        const char *start = s + init;
        int anchor = *p == '^';
        if (anchor) p++;
        do {
            matcher_reset(&m);
            const char *e = match(&m, start, p);
            if (e != NULL) {
                charge(&m);
                if (!find) return push_captures(&m, start, e);
                lua_pushinteger(L, (start - s) + 1);
                lua_pushinteger(L, e - s);
                return push_captures(&m, NULL, NULL) + 2;
            }
        } while (start++ < m.subject_end && !anchor);
        charge(&m);
    }
    lua_pushnil(L);
    return 1;
}

static int bounded_find(lua_State *L) { return find_or_match(L, 1); }
static int bounded_match(lua_State *L) { return find_or_match(L, 0); }

/* gmatch's iterator state: where the next search starts, and where the last match ended. */
typedef struct {
    size_t next;
    size_t last_end;
    int has_last;
} GmatchState;

static int gmatch_next(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(1), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(2), &lp);
    GmatchState *g = (GmatchState *)lua_touserdata(L, lua_upvalueindex(3));
    Matcher m;
    matcher_init(&m, L, s, ls, p, lp);
    for (size_t at = g->next; at <= ls; at++) {
        matcher_reset(&m);
        const char *e = match(&m, s + at, p);
        if (e != NULL && !(g->has_last && (size_t)(e - s) == g->last_end)) {
            g->next = g->last_end = (size_t)(e - s);
            g->has_last = 1;
            charge(&m);
            return push_captures(&m, s + at, e);
        }
    }
    charge(&m);
    return 0;
}

static int bounded_gmatch(lua_State *L) {
    size_t ls, lp;
    luaL_checklstring(L, 1, &ls);
    luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls) init = ls + 1;
    lua_settop(L, 2);  /* the strings become the iterator's upvalues */
    GmatchState *g = (GmatchState *)lua_newuserdatauv(L, sizeof *g, 0);
    g->next = init;
    g->last_end = 0;
    g->has_last = 0;
    lua_pushcclosure(L, gmatch_next, 3);
    return 1;
}

/* MARK: - gsub */

/* A replacement string: %0-%9 are captures, %% is '%'. */
static void add_template(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    size_t l;
    lua_State *L = m->L;
    const char *r = lua_tolstring(L, 3, &l);
    const char *end = r + l;
    const char *esc;
    while ((esc = memchr(r, PAT_ESC, (size_t)(end - r))) != NULL) {
        luaL_addlstring(b, r, (size_t)(esc - r));
        esc++;  /* the character after '%' (the string's terminating zero at its end) */
        if (*esc == PAT_ESC) {
            luaL_addchar(b, PAT_ESC);
        } else if (*esc == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*esc)) {
            push_capture(m, *esc - '1', s, e);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", PAT_ESC);
        }
        r = esc + 1;
    }
    luaL_addlstring(b, r, (size_t)(end - r));
}

/* Adds the replacement of match s..e; returns whether it differs from the match. */
static int add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int type) {
    lua_State *L = m->L;
    if (type == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (type == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_template(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {  /* nil or false: keep the match */
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

static int bounded_gsub(lua_State *L) {
    size_t ls, lp;
    const char *src = luaL_checklstring(L, 1, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int type = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING || type == LUA_TFUNCTION || type == LUA_TTABLE,
                     3, "string/function/table");
    const char *last = NULL;
    int anchor = *p == '^';
    lua_Integer n = 0;
    int changed = 0;
    Matcher m;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    if (anchor) {
        p++;
        lp--;
    }
    matcher_init(&m, L, src, ls, p, lp);
    while (n < max) {
        matcher_reset(&m);
        const char *e = match(&m, src, p);
        if (e != NULL && e != last) {
            n++;
            changed |= add_replacement(&m, &b, src, e, type);
            src = last = e;
        } else if (src < m.subject_end) {
            luaL_addchar(&b, *src++);
        } else {
            break;
        }
        step(&m);
        if (anchor) break;
    }
    charge(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, src, (size_t)(m.subject_end - src));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}

/* MARK: - rep and move */

/* string.rep; copies of an empty string (with an empty separator) are "" at once, not a loop of
   `n` empty copies (string.rep("", 1e12) would run for minutes). */
static int bounded_rep(lua_State *L) {
    size_t l, lsep;
    const char *s = luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    const char *sep = luaL_optlstring(L, 3, "", &lsep);
    if (n <= 0 || l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    if (l + lsep < l || l + lsep > (size_t)INT_MAX / (size_t)n) return luaL_error(L, "resulting string too large");
    size_t total = (size_t)n * l + (size_t)(n - 1) * lsep;
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, total);
    for (; n > 1; n--) {
        memcpy(out, s, l);
        out += l;
        if (lsep > 0) {
            memcpy(out, sep, lsep);
            out += lsep;
        }
    }
    memcpy(out, s, l);
    luaL_pushresultsize(&b, total);
    return 1;
}

/* table.move's check: a table, or a value whose metatable gives the accesses it needs. */
static void check_table_like(lua_State *L, int arg, int reads) {
    if (lua_type(L, arg) == LUA_TTABLE) return;
    if (lua_getmetatable(L, arg)) {
        lua_pushstring(L, reads ? "__index" : "__newindex");
        int has = lua_rawget(L, -2) != LUA_TNIL;
        lua_pop(L, 2);
        if (has) return;
    }
    luaL_checktype(L, arg, LUA_TTABLE);
}

/* table.move, charging one step per element (a move of 10^15 absent elements is a long loop). */
static int bounded_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    lua_Integer t = luaL_checkinteger(L, 4);
    int to = !lua_isnoneornil(L, 5) ? 5 : 1;
    check_table_like(L, 1, 1);
    check_table_like(L, to, 0);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        int forward = t > e || t <= f || (to != 1 && !lua_compare(L, 1, to, LUA_OPEQ));
        for (lua_Integer k = 0; k < n; k++) {
            lua_Integer i = forward ? k : n - 1 - k;
            if (k % PAT_CHARGE_EVERY == PAT_CHARGE_EVERY - 1 && zoo_budget_charge(L, PAT_CHARGE_EVERY, 0))
                zoo_budget_raise_instructions(L, 0);
            lua_geti(L, 1, f + i);
            lua_seti(L, to, t + i);
        }
    }
    lua_pushvalue(L, to);
    return 1;
}

void zoo_bounded_push(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"find", bounded_find},
        {"match", bounded_match},
        {"gmatch", bounded_gmatch},
        {"gsub", bounded_gsub},
        {"rep", bounded_rep},
        {"move", bounded_move},
        {NULL, NULL},
    };
    luaL_newlib(L, functions);
}
