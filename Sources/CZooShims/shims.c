// Placeholder translation unit; the shims live in files named after what they wrap.
#include "CZooShims.h"
