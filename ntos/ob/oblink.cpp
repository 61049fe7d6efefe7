// oblink.cpp - symbolic links: objects whose name reparses to their target, with what
// remained of the path appended.
#include "ke.h"
#include "ob.h"

POBJECT_TYPE ObpSymbolicLinkObjectType;

namespace {

// A symbolic link's delete procedure: its target string goes with it.
VOID NTAPI ObpDeleteSymbolicLink(PVOID Object)
{
    auto *Link = static_cast<POBJECT_SYMBOLIC_LINK>(Object);
    if (Link->LinkTarget.Buffer)
        ExFreePoolWithTag(Link->LinkTarget.Buffer, OB_NAME_TAG);
}

// A symbolic link's parse procedure: a lookup that asks for the link itself (its type,
// nothing after it) gets it; any other replaces CompleteName with the target followed
// by RemainingName and reparses (STATUS_NAME_TOO_LONG past a UNICODE_STRING).
NTSTATUS NTAPI ObpParseSymbolicLink(PVOID ParsedObject, PVOID ObjectType, PACCESS_STATE AccessState,
                                    KPROCESSOR_MODE AccessMode, ULONG Attributes, PUNICODE_STRING CompleteName,
                                    PUNICODE_STRING RemainingName, PVOID Context,
                                    PSECURITY_QUALITY_OF_SERVICE SecurityQos, PVOID *NextObject)
{
    *NextObject = NULL;
    auto *Link = static_cast<POBJECT_SYMBOLIC_LINK>(ParsedObject);
    if (!RemainingName->Length && ObjectType == ObpSymbolicLinkObjectType) {
        NTSTATUS Status = ObReferenceObjectByPointer(ParsedObject, 0, static_cast<POBJECT_TYPE>(ObjectType), AccessMode);
        if (NT_SUCCESS(Status))
            *NextObject = ParsedObject;
        return Status;
    }
    ULONG Length = (ULONG)Link->LinkTarget.Length + RemainingName->Length;
    if (Length > 0xFFFC)
        return STATUS_NAME_TOO_LONG;
    auto *Buffer = static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, Length + sizeof(WCHAR), OB_NAME_TAG));
    if (!Buffer)
        return STATUS_INSUFFICIENT_RESOURCES;
    RtlCopyMemory(Buffer, Link->LinkTarget.Buffer, Link->LinkTarget.Length);
    RtlCopyMemory(reinterpret_cast<PCHAR>(Buffer) + Link->LinkTarget.Length, RemainingName->Buffer,
                  RemainingName->Length);
    Buffer[Length / sizeof(WCHAR)] = UNICODE_NULL;
    ObpFreeObjectNameBuffer(CompleteName);
    CompleteName->Buffer = Buffer;
    CompleteName->Length = (USHORT)Length;
    CompleteName->MaximumLength = (USHORT)(Length + sizeof(WCHAR));
    return STATUS_REPARSE;
}

} // namespace

// Creates the "SymbolicLink" object type. At PASSIVE_LEVEL while the object manager
// starts.
extern "C" NTSTATUS NTAPI ObpCreateSymbolicLinkType(VOID)
{
    OBJECT_TYPE_INITIALIZER Init{};
    Init.Length = sizeof(Init);
    Init.UseDefaultObject = TRUE;
    Init.CaseInsensitive = TRUE;
    Init.PoolType = PagedPool;
    Init.GenericMapping = {STANDARD_RIGHTS_READ | SYMBOLIC_LINK_QUERY, STANDARD_RIGHTS_WRITE,
                           STANDARD_RIGHTS_EXECUTE | SYMBOLIC_LINK_QUERY, SYMBOLIC_LINK_ALL_ACCESS};
    Init.ValidAccessMask = SYMBOLIC_LINK_ALL_ACCESS;
    Init.ParseProcedure = ObpParseSymbolicLink;
    Init.DeleteProcedure = ObpDeleteSymbolicLink;
    UNICODE_STRING Name = RTL_CONSTANT_STRING(L"SymbolicLink");
    return ObCreateObjectType(&Name, &Init, NULL, &ObpSymbolicLinkObjectType);
}

// Creates a symbolic link named by ObjectAttributes to LinkTarget and returns a handle
// with DesiredAccess (what NtCreateSymbolicLinkObject does once its arguments are
// captured). A target of odd length, or longer than its buffer, is
// STATUS_INVALID_PARAMETER. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpCreateSymbolicLink(POBJECT_ATTRIBUTES ObjectAttributes, ACCESS_MASK DesiredAccess,
                                                PCUNICODE_STRING LinkTarget, KPROCESSOR_MODE AccessMode,
                                                PHANDLE LinkHandle)
{
    if (!LinkTarget || (LinkTarget->Length & 1) || (LinkTarget->MaximumLength & 1) ||
        LinkTarget->Length > LinkTarget->MaximumLength || (LinkTarget->Length && !LinkTarget->Buffer))
        return STATUS_INVALID_PARAMETER;
    PVOID Object;
    NTSTATUS Status = ObCreateObject(AccessMode, ObpSymbolicLinkObjectType, ObjectAttributes, AccessMode, NULL,
                                     sizeof(OBJECT_SYMBOLIC_LINK), 0, 0, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    auto *Link = static_cast<POBJECT_SYMBOLIC_LINK>(Object);
    RtlZeroMemory(Link, sizeof(*Link));
    KeQuerySystemTime(&Link->CreationTime);
    Link->LinkTarget.Buffer =
        static_cast<PWSTR>(ExAllocatePoolWithTag(PagedPool, LinkTarget->Length + sizeof(WCHAR), OB_NAME_TAG));
    if (!Link->LinkTarget.Buffer) {
        ObDereferenceObject(Object);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    RtlCopyMemory(Link->LinkTarget.Buffer, LinkTarget->Buffer, LinkTarget->Length);
    Link->LinkTarget.Buffer[LinkTarget->Length / sizeof(WCHAR)] = UNICODE_NULL;
    Link->LinkTarget.Length = LinkTarget->Length;
    Link->LinkTarget.MaximumLength = (USHORT)(LinkTarget->Length + sizeof(WCHAR));
    return ObInsertObject(Object, NULL, DesiredAccess, 0, NULL, LinkHandle);
}

// Copies a link's target into LinkTarget's buffer (NUL-terminated when it fits) and
// reports the bytes the whole target needs; STATUS_BUFFER_TOO_SMALL if the target
// does not fit (what NtQuerySymbolicLinkObject does once its arguments are captured).
// At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpQuerySymbolicLink(POBJECT_SYMBOLIC_LINK Link, PUNICODE_STRING LinkTarget,
                                               PULONG ResultLength)
{
    USHORT Length = Link->LinkTarget.Length;
    if (ResultLength)
        *ResultLength = Link->LinkTarget.MaximumLength;
    if (LinkTarget->MaximumLength < Length)
        return STATUS_BUFFER_TOO_SMALL;
    RtlCopyMemory(LinkTarget->Buffer, Link->LinkTarget.Buffer, Length);
    LinkTarget->Length = Length;
    if (LinkTarget->MaximumLength >= Length + sizeof(WCHAR))
        LinkTarget->Buffer[Length / sizeof(WCHAR)] = UNICODE_NULL;
    return STATUS_SUCCESS;
}
