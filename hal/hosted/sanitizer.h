// sanitizer.h - ASan / TSan fiber annotations, compiled away when neither is on.
#pragma once

#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define NTOS_HAL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NTOS_HAL_ASAN 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define NTOS_HAL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NTOS_HAL_TSAN 1
#endif
#endif

#ifdef NTOS_HAL_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef NTOS_HAL_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace hal {

// Brackets one stack switch for the sanitizers. Start() runs on the outgoing stack
// right before the jump, Finish() on the incoming stack right after it.
struct FiberSwitchNotes {
    void *FakeStack = nullptr;

    void Start(bool OldExiting, const void *NewLimit, size_t NewSize, void *NewFiber)
    {
#ifdef NTOS_HAL_ASAN
        __sanitizer_start_switch_fiber(OldExiting ? nullptr : &FakeStack, NewLimit, NewSize);
#endif
#ifdef NTOS_HAL_TSAN
        if (NewFiber)
            __tsan_switch_to_fiber(NewFiber, 0);
#endif
        (void)OldExiting, (void)NewLimit, (void)NewSize, (void)NewFiber;
    }

    void Finish()
    {
#ifdef NTOS_HAL_ASAN
        __sanitizer_finish_switch_fiber(FakeStack, nullptr, nullptr);
#endif
    }
};

inline void *CurrentSanitizerFiber()
{
#ifdef NTOS_HAL_TSAN
    return __tsan_get_current_fiber();
#else
    return nullptr;
#endif
}

inline constexpr bool SanitizerBuild()
{
#if defined(NTOS_HAL_ASAN) || defined(NTOS_HAL_TSAN)
    return true;
#else
    return false;
#endif
}

} // namespace hal
