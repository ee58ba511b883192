// libjpeg(-turbo); decoding goes through CZooShims, which owns the setjmp error path.
#ifndef STACKZOO_CJPEG_H
#define STACKZOO_CJPEG_H
#include <stdio.h>
#include <jpeglib.h>
#endif
