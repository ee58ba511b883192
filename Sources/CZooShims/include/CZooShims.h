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

#endif
