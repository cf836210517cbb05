// Must NOT compile: the engine is pure and does not link rota_store, so its
// include path has no store/ (daemon/CMakeLists.txt, rota_module). CTest
// builds this target and expects the build to fail (WILL_FAIL); if someone
// gives the engine the whole of daemon/ again, this compiles and the test
// fails. It asserts through the compiler: CHECK-free by design.
#include "engine/engine.h"
#include "store/db.h"

int BoundaryProbe() { return 0; }
