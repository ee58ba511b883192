// Lua 5.4 headers plus static-inline stand-ins for the API macros Swift cannot import.
#ifndef STACKZOO_CLUA_H
#define STACKZOO_CLUA_H
#include <lua.h>
#include <lualib.h>
#include <lauxlib.h>

static inline int zl_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcallk(L, nargs, nresults, msgh, 0, NULL);
}
static inline void zl_pop(lua_State *L, int n) { lua_settop(L, -(n) - 1); }
/* lua_gc is variadic, which Swift cannot call. */
static inline int zl_gc_collect(lua_State *L) { return lua_gc(L, LUA_GCCOLLECT); }
static inline void zl_newtable(lua_State *L) { lua_createtable(L, 0, 0); }
static inline const char *zl_tostring(lua_State *L, int i) { return lua_tolstring(L, i, NULL); }
static inline int zl_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int zl_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline int zl_isnil(lua_State *L, int i) { return lua_type(L, i) == LUA_TNIL; }
static inline int zl_isnoneornil(lua_State *L, int i) { return lua_type(L, i) <= 0; }
static inline int zl_istable(lua_State *L, int i) { return lua_type(L, i) == LUA_TTABLE; }
static inline int zl_isfunction(lua_State *L, int i) { return lua_type(L, i) == LUA_TFUNCTION; }
static inline void *zl_getextraspace(lua_State *L) { return lua_getextraspace(L); }
static inline const char *zl_typename(lua_State *L, int i) { return lua_typename(L, lua_type(L, i)); }
static inline void zl_pushlightuserdata(lua_State *L, void *p) { lua_pushlightuserdata(L, p); }
static inline int zl_getmetatable(lua_State *L, const char *name) { return lua_getfield(L, LUA_REGISTRYINDEX, name); }
static inline int zl_isinteger(lua_State *L, int i) { return lua_isinteger(L, i); }
#endif
