// obdir.cpp - object directories: the hash chains of named objects, their push lock,
// and looking up, inserting and deleting one entry through a lookup context.
#include "ke.h"
#include "ob.h"

#define OB_DIR_ENTRY_TAG 'eDbO'

POBJECT_TYPE ObpDirectoryObjectType;
POBJECT_DIRECTORY ObpRootDirectoryObject;
POBJECT_DIRECTORY ObpTypeDirectoryObject;

namespace {

// A name's hash, the same for every casing: each character upcased, folded in.
ULONG ObpHashName(PCUNICODE_STRING Name)
{
    ULONG Hash = 0;
    for (USHORT I = 0; I < Name->Length / sizeof(WCHAR); I++) {
        WCHAR Char = RtlUpcaseUnicodeChar(Name->Buffer[I]);
        Hash += (Hash << 1) + (Hash >> 1) + Char;
    }
    return Hash;
}

} // namespace

// Starts a lookup context: no directory, nothing found. Any IRQL.
extern "C" VOID NTAPI ObpInitializeLookupContext(POBP_LOOKUP_CONTEXT Context)
{
    RtlZeroMemory(Context, sizeof(*Context));
}

// Locks Directory for a lookup (shared) or a change (exclusive) in Context. At or
// below APC_LEVEL; enters a critical region until the release.
extern "C" VOID NTAPI ObpAcquireDirectoryLock(POBJECT_DIRECTORY Directory, POBP_LOOKUP_CONTEXT Context,
                                              BOOLEAN Exclusive)
{
    ASSERT(!Context->DirectoryLocked);
    KeEnterCriticalRegion();
    if (Exclusive)
        ExAcquirePushLockExclusive(&Directory->Lock);
    else
        ExAcquirePushLockShared(&Directory->Lock);
    Context->Directory = Directory;
    Context->DirectoryLocked = TRUE;
    Context->LockedExclusive = Exclusive;
}

// Unlocks the directory Context holds, if any. At or below APC_LEVEL.
extern "C" VOID NTAPI ObpReleaseDirectoryLock(POBP_LOOKUP_CONTEXT Context)
{
    if (!Context->DirectoryLocked)
        return;
    if (Context->LockedExclusive)
        ExReleasePushLockExclusive(&Context->Directory->Lock);
    else
        ExReleasePushLockShared(&Context->Directory->Lock);
    Context->DirectoryLocked = FALSE;
    KeLeaveCriticalRegion();
}

// Ends a lookup: unlocks the directory and drops the found object's reference. At
// or below APC_LEVEL.
extern "C" VOID NTAPI ObpReleaseLookupContext(POBP_LOOKUP_CONTEXT Context)
{
    ObpReleaseDirectoryLock(Context);
    if (Context->Object) {
        ObDereferenceObject(Context->Object);
        Context->Object = NULL;
    }
}

// Finds Name in Directory (locked through Context), case-insensitively when
// Attributes say so; returns the object with a reference kept in Context, or NULL.
// Either way Context remembers the name's hash for an insertion. At or below
// APC_LEVEL.
extern "C" PVOID NTAPI ObpLookupEntryDirectory(POBJECT_DIRECTORY Directory, PCUNICODE_STRING Name, ULONG Attributes,
                                               POBP_LOOKUP_CONTEXT Context)
{
    ASSERT(Context->DirectoryLocked && Context->Directory == Directory);
    if (Context->Object) {
        ObDereferenceObject(Context->Object);
        Context->Object = NULL;
    }
    Context->HashValue = ObpHashName(Name);
    Context->HashIndex = (USHORT)(Context->HashValue % NUMBER_HASH_BUCKETS);
    BOOLEAN CaseInsensitive = (Attributes & OBJ_CASE_INSENSITIVE) != 0;
    for (POBJECT_DIRECTORY_ENTRY Entry = Directory->HashBuckets[Context->HashIndex]; Entry; Entry = Entry->ChainLink) {
        if (Entry->HashValue != Context->HashValue)
            continue;
        POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(OBJECT_TO_OBJECT_HEADER(Entry->Object));
        if (RtlEqualUnicodeString(Name, &NameInfo->Name, CaseInsensitive)) {
            ObReferenceObject(Entry->Object);
            Context->Object = Entry->Object;
            return Entry->Object;
        }
    }
    return NULL;
}

// Enters an object under the name last looked up in Context's directory (locked
// exclusively): the entry goes at the head of its chain. FALSE when pool is short.
// At or below APC_LEVEL.
extern "C" BOOLEAN NTAPI ObpInsertEntryDirectory(POBJECT_DIRECTORY Parent, POBP_LOOKUP_CONTEXT Context,
                                                 POBJECT_HEADER ObjectHeader)
{
    ASSERT(Context->DirectoryLocked && Context->LockedExclusive && Context->Directory == Parent);
    auto *Entry = static_cast<POBJECT_DIRECTORY_ENTRY>(
        ExAllocatePoolWithTag(PagedPool, sizeof(OBJECT_DIRECTORY_ENTRY), OB_DIR_ENTRY_TAG));
    if (!Entry)
        return FALSE;
    Entry->Object = &ObjectHeader->Body;
    Entry->HashValue = Context->HashValue;
    Entry->ChainLink = Parent->HashBuckets[Context->HashIndex];
    Parent->HashBuckets[Context->HashIndex] = Entry;
    return TRUE;
}

// Removes the entry of the object Context found (its directory locked exclusively).
// At or below APC_LEVEL.
extern "C" VOID NTAPI ObpDeleteEntryDirectory(POBP_LOOKUP_CONTEXT Context)
{
    ASSERT(Context->DirectoryLocked && Context->LockedExclusive && Context->Object);
    POBJECT_DIRECTORY_ENTRY *Link = &Context->Directory->HashBuckets[Context->HashIndex];
    while (*Link && (*Link)->Object != Context->Object)
        Link = &(*Link)->ChainLink;
    ASSERT(*Link);
    POBJECT_DIRECTORY_ENTRY Entry = *Link;
    *Link = Entry->ChainLink;
    ExFreePoolWithTag(Entry, OB_DIR_ENTRY_TAG);
}

// Empties Directory at shutdown: each object leaves it (losing the directory's
// reference, and its own on the directory), subdirectories emptied first. At
// PASSIVE_LEVEL once nothing else runs.
extern "C" VOID NTAPI ObpDeleteDirectoryContents(POBJECT_DIRECTORY Directory)
{
    for (ULONG Bucket = 0; Bucket < NUMBER_HASH_BUCKETS; Bucket++) {
        while (POBJECT_DIRECTORY_ENTRY Entry = Directory->HashBuckets[Bucket]) {
            Directory->HashBuckets[Bucket] = Entry->ChainLink;
            PVOID Object = Entry->Object;
            ExFreePoolWithTag(Entry, OB_DIR_ENTRY_TAG);
            POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Object);
            if (Header->Type == ObpDirectoryObjectType)
                ObpDeleteDirectoryContents(static_cast<POBJECT_DIRECTORY>(Object));
            OBJECT_HEADER_TO_NAME_INFO(Header)->Directory = NULL;
            ObDereferenceObject(Directory);
            ObDereferenceObject(Object);
        }
    }
}

// Creates a directory object named by ObjectAttributes for a caller in AccessMode and
// returns a handle with DesiredAccess (what NtCreateDirectoryObject does once its
// arguments are captured). At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObpCreateDirectory(POBJECT_ATTRIBUTES ObjectAttributes, ACCESS_MASK DesiredAccess,
                                             KPROCESSOR_MODE AccessMode, PHANDLE DirectoryHandle)
{
    PVOID Object;
    NTSTATUS Status = ObCreateObject(AccessMode, ObpDirectoryObjectType, ObjectAttributes, AccessMode, NULL,
                                     sizeof(OBJECT_DIRECTORY), 0, 0, &Object);
    if (!NT_SUCCESS(Status))
        return Status;
    auto *Directory = static_cast<POBJECT_DIRECTORY>(Object);
    RtlZeroMemory(Directory, sizeof(*Directory));
    ExInitializePushLock(&Directory->Lock);
    return ObInsertObject(Object, NULL, DesiredAccess, 0, NULL, DirectoryHandle);
}

// Names an object type in \ObjectTypes (types made before the directory existed are
// named when it is made). FALSE when pool is short. At PASSIVE_LEVEL.
extern "C" BOOLEAN NTAPI ObpInsertTypeInDirectory(POBJECT_TYPE Type)
{
    POBJECT_DIRECTORY Directory = ObpTypeDirectoryObject;
    POBJECT_HEADER Header = OBJECT_TO_OBJECT_HEADER(Type);
    POBJECT_HEADER_NAME_INFO NameInfo = OBJECT_HEADER_TO_NAME_INFO(Header);
    OBP_LOOKUP_CONTEXT Context;
    ObpInitializeLookupContext(&Context);
    ObpAcquireDirectoryLock(Directory, &Context, TRUE);
    BOOLEAN Inserted = !ObpLookupEntryDirectory(Directory, &NameInfo->Name, OBJ_CASE_INSENSITIVE, &Context) &&
                       ObpInsertEntryDirectory(Directory, &Context, Header);
    if (Inserted) {
        ObReferenceObject(Type);
        ObReferenceObject(Directory);
        __atomic_store_n(&NameInfo->Directory, Directory, __ATOMIC_RELEASE);
    }
    ObpReleaseLookupContext(&Context);
    return Inserted;
}
