// The memory and instruction budget of one Lua state, shared by the C files of CZooShims.
#ifndef STACKZOO_LUA_BUDGET_H
#define STACKZOO_LUA_BUDGET_H
#include <stddef.h>
#include <lua.h>

#define ZOO_WHERE_SIZE 256
/* What a sandbox ran out of (bits of zoo_budget.tripped). */
#define ZOO_TRIP_INSTRUCTIONS 1
#define ZOO_TRIP_MEMORY 2

/* One per state: the allocator's `ud`. Lua bytes are counted here; `limit` applies only while Lua
   code runs (`in_lua`), never while a Swift body runs, so no lua_push* from Swift can raise. */
typedef struct zoo_budget {
    size_t lua_bytes;                 /* bytes the allocator has handed out */
    long long external_bytes;         /* bytes the host charged (tensors): zoo_lua_charge_external */
    size_t trusted_limit;             /* Lua + external bytes allowed to trusted code */
    size_t limit;                     /* in force now: trusted_limit, or the innermost sandbox's */
    int in_lua;                       /* 1 while Lua code runs, 0 while Swift does */
    lua_State *running;               /* the thread whose stack positions a refused allocation */
    char refused_where[ZOO_WHERE_SIZE];  /* "file:line: " of the last refused allocation */
    int depth;                        /* nesting of sandboxes; 0 while trusted code runs */
    long long remaining;              /* instructions (and pattern steps) left to the sandbox */
    long long sandbox_instructions;   /* the innermost sandbox's budgets, for messages */
    size_t sandbox_bytes;
    int tripped;                      /* ZOO_TRIP_* hit in the innermost sandbox */
    char trip_where[ZOO_WHERE_SIZE];  /* where it was hit */
} zoo_budget;

zoo_budget *zoo_budget_of(lua_State *L);

/* Writes "chunk:line: " of the innermost Lua function at or above `level` that is not the zoo
   prelude into buf ("" when there is none). Reads the stack only; never allocates. */
void zoo_budget_where(lua_State *L, int level, char *buf, size_t size);

/* Charges `steps` to the sandbox running now (none: free). Returns 1 once its budget is spent,
   after recording where (the innermost user frame at or above `level`). */
int zoo_budget_charge(lua_State *L, long long steps, int level);

/* Raises the "instruction limit exceeded" error positioned at `level` (see zoo_budget_where). */
int zoo_budget_raise_instructions(lua_State *L, int level);

/* True when the bytes in use exceed the limit in force (a Swift body pushed past it). */
int zoo_budget_over_limit(lua_State *L);

/* Raises the memory error for a limit that a Swift body pushed past (called by the trampoline
   after the body returned). */
int zoo_budget_overdrawn(lua_State *L);

/* Pushes "<where>out of memory: ..." for the last refused allocation: the sandbox's message
   (noting that it ran out) while one runs, else the trusted limit's. */
void zoo_budget_push_memory_message(lua_State *L);

/* Pushes the table of bounded string and table functions (lua_patterns.c). */
void zoo_bounded_push(lua_State *L);

#endif
