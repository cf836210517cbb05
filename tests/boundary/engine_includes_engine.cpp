// Must compile: the control for engine_includes_store.cpp, so that probe
// fails for the include and not for a broken set-up. CHECK-free by design:
// the compiler is the assertion.
#include "engine/engine.h"

int BoundaryControl() { return 0; }
