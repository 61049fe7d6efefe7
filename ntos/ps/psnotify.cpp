// psnotify.cpp - interim: the notify-routine run functions the creation and exit paths
// call, with no routine registered (the registration services land next).
#include "ps.h"

// Runs the thread create/exit notify routines: none yet. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspRunCreateThreadNotifyRoutines(PETHREAD Thread, BOOLEAN Create)
{
    UNREFERENCED_PARAMETER(Thread);
    UNREFERENCED_PARAMETER(Create);
}

// Runs the process-exit notify routines: none yet. At PASSIVE_LEVEL.
extern "C" VOID NTAPI PspRunExitProcessNotifyRoutines(PEPROCESS Process)
{
    UNREFERENCED_PARAMETER(Process);
}
