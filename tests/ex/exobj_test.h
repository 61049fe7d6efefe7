// exobj_test.h - what the tests of the executive's object services share: object
// attributes for an unnamed or named object with a kernel handle, and the object a
// handle names.
#pragma once

#include "../ps/ps_test.h"
#include "ex.h"
#include "ob.h"

namespace ntos_test {

// An OBJECT_ATTRIBUTES for a kernel handle to an unnamed object, or (Path) a named
// one, case-insensitive.
struct ObjectName {
    UNICODE_STRING Name{};
    OBJECT_ATTRIBUTES Attributes{};
    explicit ObjectName(PCWSTR Path = nullptr, ULONG Extra = 0)
    {
        if (Path)
            RtlInitUnicodeString(&Name, Path);
        InitializeObjectAttributes(&Attributes, Path ? &Name : nullptr, OBJ_KERNEL_HANDLE | OBJ_CASE_INSENSITIVE | Extra,
                                   nullptr, nullptr);
    }
};

// Inside the kernel: the object a kernel handle names, referenced (any type).
inline PVOID ObjectOf(HANDLE Handle)
{
    PVOID Object = nullptr;
    if (!NT_SUCCESS(ObReferenceObjectByHandle(Handle, 0, nullptr, KernelMode, &Object, nullptr)))
        return nullptr;
    ObDereferenceObject(Object);
    return Object;
}

} // namespace ntos_test
