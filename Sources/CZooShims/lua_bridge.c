// Lua ↔ Swift boundary in C: the trampoline that raises Lua errors, protected wrappers for raising
// API calls, and the traceback message handler. (The allocator and the budgets: lua_budget.c.)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "CZooShims.h"
#include "lua_budget.h"

static zoo_lua_dispatch_fn zoo_dispatch = NULL;

void zoo_lua_set_dispatch(zoo_lua_dispatch_fn fn) { zoo_dispatch = fn; }

/* Pushes "chunk:line: " for the innermost Lua function that is not part of the zoo prelude (whose
   chunk name is "=zoo"), so errors raised by bindings point at the user's code. */
void zoo_lua_where(lua_State *L, int level) {
    char where[ZOO_WHERE_SIZE];
    zoo_budget_where(L, level, where, sizeof where);
    lua_pushstring(L, where);
}

/* Runs the Swift body registered under the closure's upvalue id. The Swift body never raises: it
   returns the number of results, or -1 with an error value on the stack top. Only here, after the
   Swift frame has returned, is lua_error called, so the longjmp crosses C frames alone. String
   messages get the caller's position ("file:line: ") as luaL_error would add.
   While the body runs, the allocator refuses nothing (a refusal would raise inside a push); if the
   body took the state past its memory limit, the memory error is raised here, afterwards. */
static int zoo_lua_trampoline(lua_State *L) {
    zoo_budget *b = zoo_budget_of(L);
    int id = (int)lua_tointeger(L, lua_upvalueindex(1));
    int was_in_lua = b->in_lua;
    lua_State *was_running = b->running;
    b->in_lua = 0;
    b->running = L;
    int n = zoo_dispatch(L, id);
    b->in_lua = was_in_lua;
    b->running = was_running;
    if (was_in_lua && zoo_budget_over_limit(L)) {
        lua_gc(L, LUA_GCCOLLECT);  /* garbage may be what went past (a no-op inside a finalizer) */
        if (zoo_budget_over_limit(L)) return zoo_budget_overdrawn(L);
    }
    if (n >= 0) return n;
    if (n == -1 && lua_type(L, -1) == LUA_TSTRING) {
        zoo_lua_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
    }
    return lua_error(L);
}

void zoo_lua_push_function(lua_State *L, int id) {
    lua_pushinteger(L, id);
    lua_pushcclosure(L, zoo_lua_trampoline, 1);
}

/* Pushes a plain field value as text for zoo_lua_error_text (strings quoted, nothing else). */
static int push_plain(lua_State *L, int idx) {
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: lua_pushfstring(L, "\"%s\"", lua_tostring(L, idx)); return 1;
    case LUA_TNUMBER: case LUA_TBOOLEAN: luaL_tolstring(L, idx, NULL); return 1;
    default: lua_pushfstring(L, "<%s>", luaL_typename(L, idx)); return 1;
    }
}

/* Message handler (no traceback): a string or number error as it is; any other error object
   described where it was raised — by its __tostring, a table by up to 8 of its fields (raw
   reads, no metamethods), anything else by its type — e.g. "cfg.lua:2: error object (a table):
   {code = 3, msg = "x"}". */
int zoo_lua_error_text(lua_State *L) {
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER) { lua_settop(L, 1); return 1; }
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    lua_settop(L, 1);
    zoo_lua_where(L, 1);
    if (t != LUA_TTABLE) {
        lua_pushfstring(L, "error object (a %s value)", luaL_typename(L, 1));
        lua_concat(L, 2);
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "error object (a table): {");
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        if (n == 8) { lua_pop(L, 2); luaL_addstring(&b, ", ..."); break; }
        if (n > 0) luaL_addstring(&b, ", ");
        if (lua_type(L, -2) == LUA_TSTRING) lua_pushvalue(L, -2); else { lua_pushliteral(L, "["); push_plain(L, -3); lua_pushliteral(L, "]"); lua_concat(L, 3); }
        luaL_addvalue(&b);
        luaL_addstring(&b, " = ");
        push_plain(L, -1);
        luaL_addvalue(&b);
        lua_pop(L, 1);
        n++;
    }
    luaL_addstring(&b, "}");
    luaL_pushresult(&b);
    lua_concat(L, 2);
    return 1;
}

/* Message handler for protected calls: "message\nstack traceback:\n..."; non-string errors
   are described by zoo_lua_error_text. */
static int zoo_lua_msgh(lua_State *L) {
    zoo_lua_error_text(L);
    luaL_traceback(L, L, lua_tostring(L, -1), 1);
    return 1;
}

/* Runs a protected call from Swift with Lua's allocations limited (see the trampoline). */
static int pcall_from_swift(lua_State *L, int nargs, int nresults, int msgh) {
    zoo_budget *b = zoo_budget_of(L);
    int was_in_lua = b->in_lua;
    lua_State *was_running = b->running;
    b->in_lua = 1;
    b->running = L;
    int status = lua_pcall(L, nargs, nresults, msgh);
    b->in_lua = was_in_lua;
    b->running = was_running;
    if (status == LUA_ERRMEM) {  /* Lua's "not enough memory", which names no place */
        lua_pop(L, 1);
        zoo_budget_push_memory_message(L);
    }
    return status;
}

int zoo_lua_pcall(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, zoo_lua_msgh);
    lua_insert(L, base);
    int status = pcall_from_swift(L, nargs, nresults, base);
    lua_remove(L, base);
    return status;
}

static int zoo_lua_do_tostring(lua_State *L) {
    luaL_tolstring(L, 1, NULL);
    return 1;
}

int zoo_lua_tostring(lua_State *L, int idx) {
    idx = lua_absindex(L, idx);
    lua_pushcfunction(L, zoo_lua_do_tostring);
    lua_pushvalue(L, idx);
    return pcall_from_swift(L, 1, 1, 0);
}

void zoo_lua_openlibs(lua_State *L) { luaL_openlibs(L); }

int zoo_lua_load(lua_State *L, const char *buffer, size_t size, const char *chunkname, const char *mode) {
    return luaL_loadbufferx(L, buffer, size, chunkname, mode);
}
