// ob_test.h - what the object manager's tests share: a test object type whose delete
// procedure counts (and may signal) deletions, and helpers creating objects of it.
#pragma once

#include "ntos_test.h"
#include "ex.h"
#include "ob.h"

namespace ntos_test {

inline volatile LONG DeleteCalls;
inline volatile LONG DeleteAtPassive;
inline PKTHREAD volatile DeleteThread;
inline KEVENT *volatile DeleteDone;

// The test type's delete procedure: counts, remembers the deleting thread, signals
// DeleteDone if set.
inline VOID NTAPI CountingDelete(PVOID Object)
{
    UNREFERENCED_PARAMETER(Object);
    DeleteThread = KeGetCurrentThread();
    if (KeGetCurrentIrql() == PASSIVE_LEVEL)
        InterlockedIncrement(&DeleteAtPassive);
    InterlockedIncrement(&DeleteCalls);
    if (DeleteDone)
        KeSetEvent(DeleteDone, 0, FALSE);
}

inline void ResetDeleteCounters()
{
    DeleteCalls = 0;
    DeleteAtPassive = 0;
    DeleteThread = nullptr;
    DeleteDone = nullptr;
}

// Rights of the test type: 0x1-0x80 specific, GENERIC_READ maps to 0x1, GENERIC_WRITE
// to 0x2, GENERIC_EXECUTE to 0x4, GENERIC_ALL to every valid right.
constexpr ACCESS_MASK TestRead = 0x1, TestWrite = 0x2, TestExecute = 0x4;
constexpr ACCESS_MASK TestAllAccess = STANDARD_RIGHTS_REQUIRED | SYNCHRONIZE | 0xFF;

inline OBJECT_TYPE_INITIALIZER TestInitializer()
{
    OBJECT_TYPE_INITIALIZER Init{};
    Init.Length = sizeof(Init);
    Init.UseDefaultObject = TRUE;
    Init.MaintainTypeList = TRUE;
    Init.CaseInsensitive = TRUE;
    Init.PoolType = NonPagedPool;
    Init.GenericMapping = {STANDARD_RIGHTS_READ | TestRead, STANDARD_RIGHTS_WRITE | TestWrite,
                           STANDARD_RIGHTS_EXECUTE | TestExecute, TestAllAccess};
    Init.ValidAccessMask = TestAllAccess;
    Init.DeleteProcedure = CountingDelete;
    return Init;
}

// Inside the kernel: creates the test object type named Name.
inline POBJECT_TYPE CreateTestType(PCWSTR Name, OBJECT_TYPE_INITIALIZER Init = TestInitializer())
{
    UNICODE_STRING TypeName;
    RtlInitUnicodeString(&TypeName, Name);
    POBJECT_TYPE Type = nullptr;
    EXPECT_EQ(ObCreateObjectType(&TypeName, &Init, nullptr, &Type), STATUS_SUCCESS);
    return Type;
}

// Inside the kernel: creates an object of Type (64-byte body), not inserted.
inline PVOID CreateTestObject(POBJECT_TYPE Type, POBJECT_ATTRIBUTES Attributes = nullptr)
{
    PVOID Object = nullptr;
    EXPECT_EQ(ObCreateObject(KernelMode, Type, Attributes, KernelMode, nullptr, 64, 0, 0, &Object), STATUS_SUCCESS);
    return Object;
}

// Inside the kernel: creates an object of Type named Name (NULL: unnamed) with
// Attributes and inserts it, returning ObInsertObject's status and the handle.
inline NTSTATUS InsertTestObject(POBJECT_TYPE Type, PCWSTR Name, ULONG Attributes, ACCESS_MASK Access, PHANDLE Handle,
                                 PVOID *Object = nullptr)
{
    UNICODE_STRING ObjectName;
    RtlInitUnicodeString(&ObjectName, Name);
    OBJECT_ATTRIBUTES ObjectAttributes;
    InitializeObjectAttributes(&ObjectAttributes, Name ? &ObjectName : nullptr, Attributes, nullptr, nullptr);
    PVOID New = CreateTestObject(Type, &ObjectAttributes);
    if (Object)
        *Object = New;
    *Handle = nullptr;
    return New ? ObInsertObject(New, nullptr, Access, 0, nullptr, Handle) : STATUS_UNSUCCESSFUL;
}

inline POBJECT_HEADER HeaderOf(PVOID Object) { return OBJECT_TO_OBJECT_HEADER(Object); }

} // namespace ntos_test
