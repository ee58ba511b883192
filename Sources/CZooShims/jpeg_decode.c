// JPEG decoding through libjpeg, with libjpeg's setjmp/longjmp error path kept entirely inside C.
#include "CZooShims.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/// libjpeg's error manager extended with the jump target and the caller's message buffer.
struct zoo_jpeg_error {
    struct jpeg_error_mgr pub;
    jmp_buf jump;
    char *message;
    size_t message_size;
};

static void zoo_jpeg_fail(j_common_ptr cinfo) {
    struct zoo_jpeg_error *err = (struct zoo_jpeg_error *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    snprintf(err->message, err->message_size, "%s", text);
    longjmp(err->jump, 1);
}

/// Replaces libjpeg's `error_exit`, which would print and call exit(): jump back to the decoder.
static void zoo_jpeg_error_exit(j_common_ptr cinfo) { zoo_jpeg_fail(cinfo); }

/// Replaces libjpeg's `emit_message`. Level -1 is a warning: libjpeg recovers from damaged data
/// (it pads a truncated scan with grey after JWRN_JPEG_EOF), which would silently give wrong
/// pixels, so every warning is fatal except the few that concern metadata only.
static void zoo_jpeg_emit_message(j_common_ptr cinfo, int msg_level) {
    if (msg_level >= 0) return; /* trace messages */
    switch (cinfo->err->msg_code) {
    case JWRN_ADOBE_XFORM:     /* unknown Adobe transform code: libjpeg falls back to a default */
    case JWRN_JFIF_MAJOR:      /* unknown JFIF revision: header metadata only */
    case JWRN_EXTRANEOUS_DATA: /* junk bytes between markers: no entropy data is lost */
    case JWRN_BOGUS_ICC:       /* malformed ICC marker: colour profiles are ignored anyway */
        cinfo->err->num_warnings++;
        return;
    default:
        zoo_jpeg_fail(cinfo);
    }
}

int zoo_jpeg_decode_rgb(const unsigned char *data, size_t size, unsigned char **pixels,
                        int *width, int *height, char *message, size_t message_size) {
    struct jpeg_decompress_struct cinfo;
    struct zoo_jpeg_error jerr;
    /* volatile: modified between setjmp and a possible longjmp */
    unsigned char *volatile out = NULL;

    *pixels = NULL;
    *width = 0;
    *height = 0;
    if (message_size > 0) message[0] = '\0';
    if (size == 0 || data == NULL) {
        snprintf(message, message_size, "empty JPEG data");
        return 1;
    }
    if ((unsigned long)size != size) {
        snprintf(message, message_size, "JPEG data too large");
        return 1;
    }

    cinfo.err = jpeg_std_error(&jerr.pub);
    jerr.pub.error_exit = zoo_jpeg_error_exit;
    jerr.pub.emit_message = zoo_jpeg_emit_message;
    jerr.message = message;
    jerr.message_size = message_size;
    if (setjmp(jerr.jump)) {
        jpeg_destroy_decompress(&cinfo);
        free(out);
        return 1;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, (unsigned char *)data, (unsigned long)size);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) {
        snprintf(message, message_size, "no image in JPEG data (tables only)");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE:
    case JCS_YCbCr:
    case JCS_RGB:
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        snprintf(message, message_size, "CMYK JPEG images are not supported");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    default:
        snprintf(message, message_size, "unsupported JPEG colour space %d", (int)cinfo.jpeg_color_space);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    cinfo.out_color_space = JCS_RGB;
    cinfo.dct_method = JDCT_ISLOW;
    cinfo.do_fancy_upsampling = TRUE;
    jpeg_start_decompress(&cinfo);
    if (cinfo.output_components != 3) {
        snprintf(message, message_size, "unexpected %d output components", cinfo.output_components);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    size_t stride = (size_t)cinfo.output_width * 3;
    if (cinfo.output_height != 0 && stride > SIZE_MAX / cinfo.output_height) {
        snprintf(message, message_size, "image too large");
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    out = malloc(stride * cinfo.output_height);
    if (out == NULL) {
        snprintf(message, message_size, "out of memory for a %ux%u image",
                 (unsigned)cinfo.output_width, (unsigned)cinfo.output_height);
        jpeg_destroy_decompress(&cinfo);
        return 1;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = out + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    *width = (int)cinfo.output_width;
    *height = (int)cinfo.output_height;
    *pixels = out;
    jpeg_destroy_decompress(&cinfo);
    return 0;
}

void zoo_jpeg_free(void *pixels) { free(pixels); }
