// C helpers that must own a setjmp (libjpeg) or call lua_error (Lua trampolines); see each prototype.
#ifndef STACKZOO_CZOOSHIMS_H
#define STACKZOO_CZOOSHIMS_H
#include <stddef.h>
#endif
