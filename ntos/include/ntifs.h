/* ntifs.h - the file-system kit header: a superset of ntddk.h. */
#ifndef _NTIFS_
#define _NTIFS_
#include "ntddk.h"
#endif
