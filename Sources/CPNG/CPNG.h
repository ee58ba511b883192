// libpng 1.6; StackZoo uses only the simplified png_image API (libpng owns its setjmp there).
#ifndef STACKZOO_CPNG_H
#define STACKZOO_CPNG_H
#include <png.h>
#endif
