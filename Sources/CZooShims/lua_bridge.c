// Lua ↔ Swift boundary in C: the trampoline that raises Lua errors, the aborting allocator,
// protected wrappers for raising API calls, and the traceback message handler.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>
#include "CZooShims.h"

static zoo_lua_dispatch_fn zoo_dispatch = NULL;

void zoo_lua_set_dispatch(zoo_lua_dispatch_fn fn) { zoo_dispatch = fn; }

/* Pushes "chunk:line: " for the innermost Lua function that is not part of the zoo prelude (whose
   chunk name is "=zoo"), so errors raised by bindings point at the user's code. */
void zoo_lua_where(lua_State *L, int level) {
    lua_Debug ar;
    for (; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0 && strcmp(ar.source, "=zoo") != 0) {
            lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
            return;
        }
    }
    lua_pushliteral(L, "");
}

/* Runs the Swift body registered under the closure's upvalue id. The Swift body never raises: it
   returns the number of results, or -1 with an error value on the stack top. Only here, after the
   Swift frame has returned, is lua_error called, so the longjmp crosses C frames alone. String
   messages get the caller's position ("file:line: ") as luaL_error would add. */
static int zoo_lua_trampoline(lua_State *L) {
    int id = (int)lua_tointeger(L, lua_upvalueindex(1));
    int n = zoo_dispatch(L, id);
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

/* Memory errors would longjmp out of any lua_push* called from Swift; aborting instead keeps
   every push non-raising. */
static void *zoo_lua_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    (void)ud; (void)osize;
    if (nsize == 0) { free(ptr); return NULL; }
    void *p = realloc(ptr, nsize);
    if (p == NULL) {
        fprintf(stderr, "stackzoo: out of memory in the Lua interpreter\n");
        abort();
    }
    return p;
}

static int zoo_lua_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "stackzoo: unprotected Lua error: %s\n", msg ? msg : "(not a string)");
    abort();
    return 0;
}

lua_State *zoo_lua_newstate(void) {
    lua_State *L = lua_newstate(zoo_lua_alloc, NULL);
    if (L != NULL) lua_atpanic(L, zoo_lua_panic);
    return L;
}

/* Message handler for protected calls: "message\nstack traceback:\n...". Non-string errors are
   described by their __tostring or their type. */
static int zoo_lua_msgh(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            msg = lua_tostring(L, -1);
        else
            msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int zoo_lua_pcall(lua_State *L, int nargs, int nresults) {
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, zoo_lua_msgh);
    lua_insert(L, base);
    int status = lua_pcall(L, nargs, nresults, base);
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
    return lua_pcall(L, 1, 1, 0);
}

void zoo_lua_openlibs(lua_State *L) { luaL_openlibs(L); }

int zoo_lua_load(lua_State *L, const char *buffer, size_t size, const char *chunkname, const char *mode) {
    return luaL_loadbufferx(L, buffer, size, chunkname, mode);
}

/* Count hook: raises "instruction limit exceeded" once the budget set below runs out. Used while
   evaluating configs, so `while true do end` in a shared file cannot hang the program. */
static void zoo_lua_count_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    zoo_lua_where(L, 0);  /* in a hook, level 0 is the Lua function being run */
    lua_pushliteral(L, "instruction limit exceeded (endless loop in a config?)");
    lua_concat(L, 2);
    lua_error(L);
}

void zoo_lua_set_instruction_limit(lua_State *L, int count) {
    if (count > 0) lua_sethook(L, zoo_lua_count_hook, LUA_MASKCOUNT, count);
    else lua_sethook(L, NULL, 0, 0);
}
