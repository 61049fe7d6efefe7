// memory.cpp - the host memory behind the executive pool: oneTBB's scalable
// allocator, or plain malloc in sanitizer builds so ASan sees every block.
#include <cstdlib>

#include "halhost.h"
#include "sanitizer.h"

#if !defined(NTOS_HAL_ASAN) && !defined(NTOS_HAL_TSAN)
#include <tbb/scalable_allocator.h>
#define NTOS_HAL_TBB 1
#endif

extern "C" PVOID HalHostAllocate(SIZE_T Size, SIZE_T Alignment)
{
#ifdef NTOS_HAL_TBB
    return scalable_aligned_malloc(Size ? Size : 1, Alignment);
#else
    return std::aligned_alloc(Alignment, ((Size ? Size : 1) + Alignment - 1) & ~(Alignment - 1));
#endif
}

extern "C" VOID HalHostFree(PVOID Block)
{
#ifdef NTOS_HAL_TBB
    scalable_aligned_free(Block);
#else
    std::free(Block);
#endif
}
