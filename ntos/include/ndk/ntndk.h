/* ndk/ntndk.h - every internal structure and undocumented service the hosted kernel has. */
#ifndef _NTNDK_
#define _NTNDK_
#include "ntddk.h"
#include "ndk/ketypes.h"
#include "ndk/extypes.h"
#include "ndk/pstypes.h"
#include "ndk/peb_teb.h"
#include "ndk/obtypes.h"
#include "ndk/setypes.h"
#include "ndk/kefuncs.h"
#include "ndk/psfuncs.h"
#include "ndk/halfuncs.h"
#include "ndk/mmfuncs.h"
#include "ndk/exfuncs.h"
#endif
