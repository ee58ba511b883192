// Budgets of a Lua state: the counting allocator (a memory limit that only Lua code can hit), the
// sandbox guard (instruction + memory budget around a call, nesting), and the sandbox's pcall.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include "lua_budget.h"
#include "CZooShims.h"

/* Instructions between two calls of the count hook (the granularity of the instruction budget). */
#define ZOO_HOOK_STEP 1000

zoo_budget *zoo_budget_of(lua_State *L) {
    void *ud = NULL;
    lua_getallocf(L, &ud);
    return (zoo_budget *)ud;
}

void zoo_budget_where(lua_State *L, int level, char *buf, size_t size) {
    lua_Debug ar;
    buf[0] = '\0';
    if (L == NULL) return;
    for (int seen = 0; seen < 200 && lua_getstack(L, level, &ar); level++, seen++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.currentline > 0 && strcmp(ar.source, "=zoo") != 0) {
            snprintf(buf, size, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
}

/* MARK: - Memory */

/* Lua bytes plus the host's external charges. */
static size_t used_bytes(const zoo_budget *b) {
    long long total = (long long)b->lua_bytes + b->external_bytes;
    return total > 0 ? (size_t)total : 0;
}

static int would_exceed(const zoo_budget *b, size_t extra) {
    return extra > b->limit || used_bytes(b) > b->limit - extra;
}

/* Refuses an allocation (Lua then raises its memory error), noting where Lua code was. */
static void *refuse(zoo_budget *b) {
    zoo_budget_where(b->running, 0, b->refused_where, sizeof b->refused_where);
    return NULL;
}

/* The allocator: counts bytes; past the limit it returns NULL while Lua code runs (a normal,
   catchable "not enough memory" error) but never while a Swift body runs, whose pushes must not
   raise; after the body returns, the trampoline raises instead (zoo_budget_overdrawn). */
static void *zoo_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    zoo_budget *b = (zoo_budget *)ud;
    size_t old = ptr != NULL ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        b->lua_bytes -= old;
        return NULL;
    }
    if (nsize > old && b->in_lua && would_exceed(b, nsize - old)) return refuse(b);
    void *p = realloc(ptr, nsize);
    if (p == NULL) {
        if (nsize <= old) return ptr;  /* a refused shrink keeps the larger block */
        if (b->in_lua) return refuse(b);
        fprintf(stderr, "stackzoo: out of memory (the system refused %zu bytes to the Lua interpreter)\n", nsize);
        abort();
    }
    b->lua_bytes = b->lua_bytes - old + nsize;
    return p;
}

static int zoo_lua_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "stackzoo: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    abort();
    return 0;
}

lua_State *zoo_lua_newstate(size_t trusted_limit) {
    zoo_budget *b = (zoo_budget *)calloc(1, sizeof *b);
    if (b == NULL) return NULL;
    b->trusted_limit = b->limit = trusted_limit;
    lua_State *L = lua_newstate(zoo_lua_alloc, b);
    if (L == NULL) {
        free(b);
        return NULL;
    }
    b->running = L;
    lua_atpanic(L, zoo_lua_panic);
    return L;
}

void zoo_lua_close(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    lua_close(L);
    free(b);
}

int zoo_lua_charge_external(lua_State *L, long long bytes) {
    zoo_budget *b = zoo_budget_of(L);
    if (bytes > 0 && would_exceed(b, (size_t)bytes)) return 1;
    b->external_bytes += bytes;
    return 0;
}

void zoo_lua_memory(lua_State *L, zoo_lua_memory_info *info) {
    zoo_budget *b = zoo_budget_of(L);
    info->lua_bytes = b->lua_bytes;
    info->external_bytes = b->external_bytes;
    info->limit = b->limit;
    info->trusted_limit = b->trusted_limit;
    info->sandbox_depth = b->depth;
}

int zoo_budget_over_limit(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    return used_bytes(b) > b->limit;
}

/* A sandbox ran out of memory: remember it (and where the refused allocation was). */
static void note_memory_trip(zoo_budget *b) {
    if (b->depth == 0 || b->tripped) return;
    b->tripped = ZOO_TRIP_MEMORY;
    memcpy(b->trip_where, b->refused_where, sizeof b->trip_where);
}

static void push_sandbox_memory_message(lua_State *L, const char *where, size_t bytes) {
    lua_pushfstring(L, "%sout of memory: the config used more than %d MiB (sandbox limit)", where,
                    (int)(bytes >> 20));
}

static void push_trusted_memory_message(lua_State *L, const char *where) {
    zoo_budget *b = zoo_budget_of(L);
    lua_pushfstring(L, "%sout of memory: Lua used more than %d MiB (the limit for trusted scripts; "
                    "STACKZOO_LUA_MEMORY_MB sets it)", where, (int)(b->trusted_limit >> 20));
}

void zoo_budget_push_memory_message(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    if (b->depth > 0) {
        note_memory_trip(b);
        push_sandbox_memory_message(L, b->refused_where, b->sandbox_bytes);
    } else {
        push_trusted_memory_message(L, b->refused_where);
    }
}

int zoo_budget_overdrawn(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    b->in_lua = 0;  /* the message itself must not be refused */
    zoo_budget_where(L, 0, b->refused_where, sizeof b->refused_where);
    zoo_budget_push_memory_message(L);
    b->in_lua = 1;
    return lua_error(L);
}

/* MARK: - Instructions */

int zoo_budget_charge(lua_State *L, long long steps, int level) {
    zoo_budget *b = zoo_budget_of(L);
    if (b->depth == 0) return 0;
    b->remaining -= steps;
    if (b->remaining > 0) return 0;
    b->remaining = 0;
    if (!b->tripped) {
        b->tripped = ZOO_TRIP_INSTRUCTIONS;
        zoo_budget_where(L, level, b->trip_where, sizeof b->trip_where);
    }
    return 1;
}

static void push_instruction_message(lua_State *L, const char *where, long long instructions) {
    char count[64];
    if (instructions % 1000000 == 0) snprintf(count, sizeof count, "%lld million", instructions / 1000000);
    else snprintf(count, sizeof count, "%lld", instructions);
    lua_pushfstring(L, "%sinstruction limit exceeded: the config ran more than %s instructions "
                    "(sandbox limit; an endless loop?)", where, count);
}

int zoo_budget_raise_instructions(lua_State *L, int level) {
    char where[ZOO_WHERE_SIZE];
    zoo_budget_where(L, level, where, sizeof where);
    push_instruction_message(L, where, zoo_budget_of(L)->sandbox_instructions);
    return lua_error(L);
}

/* Armed while a sandbox runs; keeps firing (and raising) once the budget is spent, so neither an
   error handler nor a loop around pcall can run on. */
static void count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    if (zoo_budget_charge(L, ZOO_HOOK_STEP, 0)) zoo_budget_raise_instructions(L, 0);
}

/* MARK: - String methods */

static char string_swap_key;  /* registry: { string metatable, saved __index, sandbox's, "__index" } */

/* Points the string metatable's __index at the sandbox's string table (or back). Raw accesses of
   existing fields only: nothing here allocates or raises. */
static void swap_string_methods(lua_State *L, int sandboxed) {
    if (!lua_checkstack(L, 4)) return;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &string_swap_key) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int swap = lua_gettop(L);
    lua_rawgeti(L, swap, 1);                       /* metatable */
    lua_rawgeti(L, swap, 4);                       /* "__index" */
    if (sandboxed) {
        lua_pushvalue(L, -1);
        lua_rawget(L, -3);                         /* the __index in use */
        lua_rawseti(L, swap, 2);
        lua_rawgeti(L, swap, 3);
    } else {
        lua_rawgeti(L, swap, 2);
    }
    lua_rawset(L, -3);
    lua_settop(L, swap - 1);
}

static int set_sandbox_string_methods(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_createtable(L, 4, 0);
    lua_pushliteral(L, "");
    if (!lua_getmetatable(L, -1)) return luaL_error(L, "strings have no metatable");
    lua_rawseti(L, -3, 1);
    lua_pop(L, 1);
    lua_pushboolean(L, 0);
    lua_rawseti(L, -2, 2);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 3);
    lua_pushliteral(L, "__index");
    lua_rawseti(L, -2, 4);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &string_swap_key);
    return 0;
}

/* MARK: - The sandbox guard */

/* What entering a sandbox changes, to be put back when it is left. */
typedef struct {
    long long remaining, entry_remaining, sandbox_instructions;
    size_t limit, sandbox_bytes;
    int tripped;
    lua_State *running;
    lua_Hook hook;
    int hook_mask, hook_count;
} zoo_scope;

/* Starts a sandbox: `instructions` and `bytes` (above the bytes in use now), both at most what an
   enclosing sandbox has left. Never raises. */
static void scope_enter(lua_State *L, zoo_budget *b, long long instructions, size_t bytes, zoo_scope *s) {
    s->remaining = b->remaining;
    s->sandbox_instructions = b->sandbox_instructions;
    s->limit = b->limit;
    s->sandbox_bytes = b->sandbox_bytes;
    s->tripped = b->tripped;
    s->running = b->running;
    s->hook = lua_gethook(L);
    s->hook_mask = lua_gethookmask(L);
    s->hook_count = lua_gethookcount(L);
    size_t used = used_bytes(b);
    size_t cap = bytes > SIZE_MAX - used ? SIZE_MAX : used + bytes;
    if (cap < b->limit) b->limit = cap;
    b->sandbox_instructions = instructions;
    b->sandbox_bytes = bytes;
    if (b->depth > 0 && instructions > b->remaining) instructions = b->remaining;
    b->remaining = s->entry_remaining = instructions;
    b->tripped = 0;
    b->running = L;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, ZOO_HOOK_STEP);
    if (b->depth++ == 0) swap_string_methods(L, 1);
}

/* Ends it: restores the enclosing budgets (charging what was spent to an enclosing sandbox).
   Returns what this sandbox ran out of (ZOO_TRIP_*, or 0). Never raises. */
static int scope_leave(lua_State *L, zoo_budget *b, const zoo_scope *s) {
    int tripped = b->tripped;
    long long spent = s->entry_remaining - b->remaining;
    if (--b->depth == 0) swap_string_methods(L, 0);
    lua_sethook(L, s->hook, s->hook_mask, s->hook_count);
    b->remaining = b->depth > 0 ? s->remaining - spent : s->remaining;
    if (b->remaining < 0) b->remaining = 0;
    b->sandbox_instructions = s->sandbox_instructions;
    b->limit = s->limit;
    b->sandbox_bytes = s->sandbox_bytes;
    b->tripped = s->tripped;
    b->running = s->running;
    return tripped;
}

/* Inside the sandbox, protected: calls f(...) and turns a failure into a string error while the
   sandbox's limits still hold (an error object's __tostring is sandboxed code too). */
static int guarded_body(lua_State *L) {
    /* The message handler describes a non-string error where it was raised (zoo_lua_error_text). */
    lua_pushcfunction(L, zoo_lua_error_text);
    lua_insert(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 1);
    if (status == LUA_OK) return lua_gettop(L) - 1;
    zoo_budget *b = zoo_budget_of(L);
    if (status == LUA_ERRMEM) note_memory_trip(b);
    if (!b->tripped && lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
        luaL_tolstring(L, -1, NULL);
    return lua_error(L);
}

/* core.sandbox_call(instructions, bytes, f, ...): f(...) with a fresh sandbox budget; returns its
   results, or raises its error ("file:line: instruction limit exceeded ..." / "... out of memory
   ..." when it ran out). */
static int sandbox_call(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    lua_Integer instructions = luaL_checkinteger(L, 1);
    lua_Integer bytes = luaL_checkinteger(L, 2);
    luaL_checkany(L, 3);
    luaL_argcheck(L, instructions > 0 && bytes > 0, 1, "budgets must be positive");
    lua_pushcfunction(L, guarded_body);
    lua_replace(L, 2);                              /* instructions, guarded_body, f, ... */
    int nargs = lua_gettop(L) - 2;
    zoo_scope scope;
    scope_enter(L, b, instructions, (size_t)bytes, &scope);
    char where[ZOO_WHERE_SIZE];
    int status = lua_pcall(L, nargs, LUA_MULTRET, 0);
    memcpy(where, b->trip_where, sizeof where);
    int tripped = scope_leave(L, b, &scope);
    if (status == LUA_OK) return lua_gettop(L) - 1;
    if (tripped == ZOO_TRIP_MEMORY) push_sandbox_memory_message(L, where, (size_t)bytes);
    else if (tripped == ZOO_TRIP_INSTRUCTIONS) push_instruction_message(L, where, instructions);
    return lua_error(L);
}

/* True while a sandbox has spent its budget: its errors must not be caught by its own code. */
static int exhausted(const zoo_budget *b) {
    return b->depth > 0 && (b->remaining <= 0 || b->tripped == ZOO_TRIP_MEMORY);
}

/* The end of the sandbox's pcall and xpcall: as the base library's, but a spent budget's error
   is raised again instead of being returned. */
static int finish_pcall(lua_State *L, int status, int extra) {
    if (status == LUA_OK) return lua_gettop(L) - extra;
    zoo_budget *b = zoo_budget_of(L);
    if (status == LUA_ERRMEM) note_memory_trip(b);
    if (exhausted(b)) return lua_error(L);
    lua_pushboolean(L, 0);
    lua_pushvalue(L, -2);
    return 2;
}

static int sandbox_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return finish_pcall(L, lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0), 0);
}

static int sandbox_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushboolean(L, 1);
    lua_pushvalue(L, 1);
    lua_rotate(L, 3, 2);                            /* f, handler, true, f, args... */
    return finish_pcall(L, lua_pcall(L, n - 2, LUA_MULTRET, 2), 2);
}

static int in_sandbox(lua_State *L) {
    lua_pushboolean(L, zoo_budget_of(L)->depth > 0);
    return 1;
}

/* core.memory(): Lua bytes, external bytes, the limit in force, the trusted limit. */
static int memory(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    lua_pushinteger(L, (lua_Integer)b->lua_bytes);
    lua_pushinteger(L, (lua_Integer)b->external_bytes);
    lua_pushinteger(L, (lua_Integer)b->limit);
    lua_pushinteger(L, (lua_Integer)b->trusted_limit);
    return 4;
}

void zoo_lua_open_sandbox(lua_State *L) {
    static const luaL_Reg functions[] = {
        {"sandbox_call", sandbox_call},
        {"sandbox_pcall", sandbox_pcall},
        {"sandbox_xpcall", sandbox_xpcall},
        {"in_sandbox", in_sandbox},
        {"set_sandbox_string_methods", set_sandbox_string_methods},
        {"memory", memory},
        {NULL, NULL},
    };
    luaL_setfuncs(L, functions, 0);
    zoo_bounded_push(L);
    lua_setfield(L, -2, "bounded");
}
