// C helpers that must own a setjmp (libjpeg) or call lua_error (Lua trampolines); see each prototype.
#ifndef STACKZOO_CZOOSHIMS_H
#define STACKZOO_CZOOSHIMS_H
#include <stddef.h>

// MARK: - JPEG (jpeg_decode.c)

/// Why this lives in C: libjpeg reports fatal errors through `error_exit`, which must not return,
/// so the usual handler `longjmp`s back to a `setjmp`. Swift cannot call `setjmp`, and a `longjmp`
/// must never cross a Swift frame (it would skip releases and `defer`s). This function owns the
/// whole decode, its `setjmp` and its custom `error_exit`/`emit_message`, and reports failure as a
/// return value instead.
///
/// Decodes the JPEG stream `data[0..<size]` to 8-bit RGB (grayscale replicated; CMYK/YCCK are
/// rejected) with libjpeg's defaults (ISLOW IDCT, fancy upsampling). Warnings that mean the pixel
/// data is damaged or missing (premature end of file, corrupt entropy data, ...) are errors: libjpeg
/// would otherwise pad a truncated image with grey and carry on.
///
/// Returns 0 on success: `*pixels` is a `malloc`ed buffer of `*height` rows of `*width * 3` bytes,
/// which the caller releases with `zoo_jpeg_free`. Returns non-zero on failure with a NUL-terminated
/// reason in `message` (at most `message_size` bytes) and `*pixels` set to NULL.
int zoo_jpeg_decode_rgb(const unsigned char *data, size_t size, unsigned char **pixels,
                        int *width, int *height, char *message, size_t message_size);

/// Releases a buffer returned by `zoo_jpeg_decode_rgb`.
void zoo_jpeg_free(void *pixels);

// MARK: - Lua (lua_bridge.c)

typedef struct lua_State lua_State;

/// The Swift side's dispatcher: runs registered function `id` on `L`; returns the number of results,
/// or -1 with an error value pushed. It must never raise a Lua error itself.
typedef int (*zoo_lua_dispatch_fn)(lua_State *L, int id);

/// Why: a Lua error is a longjmp, which must never cross a Swift frame. Swift bodies report failure
/// by returning -1; this installs the dispatcher that the C trampoline calls before raising.
void zoo_lua_set_dispatch(zoo_lua_dispatch_fn fn);

/// Pushes a Lua function that runs Swift function `id` through the C trampoline (which calls
/// lua_error in C, after the Swift body has returned).
void zoo_lua_push_function(lua_State *L, int id);

/// Pushes "chunk:line: " of the innermost Lua function at or above `level` that is not the zoo
/// prelude (chunk "=zoo"), or "" when there is none. Never raises.
void zoo_lua_where(lua_State *L, int level);
int zoo_lua_error_text(lua_State *L);

/// A new state with a counting allocator (lua_budget.c) and a panic handler that aborts with the
/// message. Trusted code may use `trusted_limit` bytes (Lua's plus those charged with
/// `zoo_lua_charge_external`); a sandbox gets its own, smaller budget (`core.sandbox_call`).
/// Why this is safe for Swift: the allocator refuses memory only while Lua code runs inside a
/// protected call, never while a Swift body runs (the trampoline clears the flag around it), so no
/// `lua_push*` called from Swift can raise; a Swift body that pushed past the limit gets the memory
/// error raised by the trampoline after it has returned. A refusal from the system itself while
/// Swift runs still aborts, with a message (nothing else is sound there).
lua_State *zoo_lua_newstate(size_t trusted_limit);

/// lua_close, then frees the budget the allocator used.
void zoo_lua_close(lua_State *L);

/// Charges `bytes` the host allocated outside Lua (tensors made by sandboxed code) to the budget
/// in force, or releases them (negative). Returns 0 when charged; 1 when a positive charge would
/// pass the limit in force (nothing is charged then: the caller should fail instead of
/// allocating). Never raises.
int zoo_lua_charge_external(lua_State *L, long long bytes);

typedef struct zoo_lua_memory_info {
    size_t lua_bytes;          ///< bytes Lua holds now
    long long external_bytes;  ///< bytes charged with zoo_lua_charge_external
    size_t limit;              ///< the limit in force (the innermost sandbox's, or trusted_limit)
    size_t trusted_limit;
    int sandbox_depth;         ///< 0 while trusted code runs
} zoo_lua_memory_info;

/// The state's memory counters. Never raises.
void zoo_lua_memory(lua_State *L, zoo_lua_memory_info *info);

/// Why in C: the sandbox guard must restore budgets after lua_pcall with no Lua code in between,
/// and its pcall must rethrow a spent budget's error. Sets, in the table on the stack top:
/// sandbox_call, sandbox_pcall, sandbox_xpcall, in_sandbox, set_sandbox_string_methods, memory, and
/// `bounded` (find, match, gmatch, gsub, rep, move that charge the sandbox's instruction budget).
void zoo_lua_open_sandbox(lua_State *L);

/// lua_pcall with a message handler that appends a traceback ("msg\nstack traceback:\n...").
int zoo_lua_pcall(lua_State *L, int nargs, int nresults);

/// luaL_tolstring (which may run __tostring, hence raise) under pcall: pushes the string or an
/// error message; returns the pcall status.
int zoo_lua_tostring(lua_State *L, int idx);

/// luaL_openlibs (a macro-free entry point for Swift).
void zoo_lua_openlibs(lua_State *L);

/// luaL_loadbufferx: compiles a chunk (mode "t" refuses binary chunks); never raises.
int zoo_lua_load(lua_State *L, const char *buffer, size_t size, const char *chunkname, const char *mode);

#endif
