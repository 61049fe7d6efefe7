// obsdcach.cpp - the security descriptor cache: objects with equal descriptors share one
// reference-counted, self-relative copy, found by a hash of its bytes. An object header
// holds its descriptor as a fast reference (EX_FAST_REF) with cached references, so a
// reader rarely takes the object lock.
#include "ob.h"
#include "se.h"

#define TAG_OB_SD_CACHE 'cSbO'

namespace {

constexpr ULONG kSdCacheBuckets = 257;

// One hash bucket: its descriptors and the push lock that guards the list and the
// last dereference of each.
struct OB_SD_CACHE_BUCKET {
    EX_PUSH_LOCK PushLock;
    LIST_ENTRY Head;
};

OB_SD_CACHE_BUCKET ObpSdCache[kSdCacheBuckets];

static_assert(FIELD_OFFSET(SECURITY_DESCRIPTOR_HEADER, SecurityDescriptor) % (MAX_FAST_REFS + 1) == 0,
              "cached descriptors must leave the fast reference count bits clear");

inline PSECURITY_DESCRIPTOR_HEADER ObpGetHeaderForSd(PSECURITY_DESCRIPTOR SecurityDescriptor)
{
    return CONTAINING_RECORD(SecurityDescriptor, SECURITY_DESCRIPTOR_HEADER, SecurityDescriptor);
}

// A 32-bit FNV-1a hash of a descriptor's bytes.
ULONG ObpHashSecurityDescriptor(PVOID SecurityDescriptor, ULONG Length)
{
    ULONG Hash = 2166136261u;
    for (ULONG I = 0; I < Length; I++)
        Hash = (Hash ^ static_cast<PUCHAR>(SecurityDescriptor)[I]) * 16777619u;
    return Hash;
}

inline OB_SD_CACHE_BUCKET &ObpBucketFor(ULONG Hash) { return ObpSdCache[Hash % kSdCacheBuckets]; }

void ObpLockBucket(OB_SD_CACHE_BUCKET &Bucket)
{
    KeEnterCriticalRegion();
    ExAcquirePushLockExclusive(&Bucket.PushLock);
}

void ObpUnlockBucket(OB_SD_CACHE_BUCKET &Bucket)
{
    ExReleasePushLockExclusive(&Bucket.PushLock);
    KeLeaveCriticalRegion();
}

// A cache entry holding the self-relative form of SecurityDescriptor, not yet linked.
PSECURITY_DESCRIPTOR_HEADER ObpCreateCacheEntry(PSECURITY_DESCRIPTOR SecurityDescriptor, PNTSTATUS Status)
{
    ULONG Length = 0;
    *Status = RtlMakeSelfRelativeSD(SecurityDescriptor, NULL, &Length);
    if (*Status != STATUS_BUFFER_TOO_SMALL)
        return NULL;
    auto *Entry = static_cast<PSECURITY_DESCRIPTOR_HEADER>(ExAllocatePoolWithTag(
        PagedPool, FIELD_OFFSET(SECURITY_DESCRIPTOR_HEADER, SecurityDescriptor) + Length, TAG_OB_SD_CACHE));
    if (!Entry) {
        *Status = STATUS_INSUFFICIENT_RESOURCES;
        return NULL;
    }
    *Status = RtlMakeSelfRelativeSD(SecurityDescriptor, Entry->SecurityDescriptor, &Length);
    Entry->Length = Length;
    Entry->FullHash = ObpHashSecurityDescriptor(Entry->SecurityDescriptor, Length);
    Entry->RefCount = 0;
    Entry->Reserved = 0;
    return Entry;
}

// The cached entry equal to Entry in its bucket, if any. The bucket is locked.
PSECURITY_DESCRIPTOR_HEADER ObpFindCachedEntry(OB_SD_CACHE_BUCKET &Bucket, PSECURITY_DESCRIPTOR_HEADER Entry)
{
    for (PLIST_ENTRY Link = Bucket.Head.Flink; Link != &Bucket.Head; Link = Link->Flink) {
        auto *Cached = CONTAINING_RECORD(Link, SECURITY_DESCRIPTOR_HEADER, Link);
        if (Cached->FullHash == Entry->FullHash && Cached->Length == Entry->Length &&
            RtlEqualMemory(Cached->SecurityDescriptor, Entry->SecurityDescriptor, Entry->Length))
            return Cached;
    }
    return NULL;
}

} // namespace

// Empties the cache's buckets. At boot, before any object gets a descriptor.
extern "C" VOID NTAPI ObpInitSdCache(VOID)
{
    for (OB_SD_CACHE_BUCKET &Bucket : ObpSdCache) {
        ExInitializePushLock(&Bucket.PushLock);
        InitializeListHead(&Bucket.Head);
    }
}

// Finds or adds the cached copy of InputSecurityDescriptor (either form) and takes
// RefBias references on it. At PASSIVE_LEVEL.
extern "C" NTSTATUS NTAPI ObLogSecurityDescriptor(PSECURITY_DESCRIPTOR InputSecurityDescriptor,
                                                  PSECURITY_DESCRIPTOR *OutputSecurityDescriptor, ULONG RefBias)
{
    NTSTATUS Status;
    PSECURITY_DESCRIPTOR_HEADER Entry = ObpCreateCacheEntry(InputSecurityDescriptor, &Status);
    if (!Entry)
        return Status;
    OB_SD_CACHE_BUCKET &Bucket = ObpBucketFor(Entry->FullHash);
    ObpLockBucket(Bucket);
    PSECURITY_DESCRIPTOR_HEADER Cached = ObpFindCachedEntry(Bucket, Entry);
    if (Cached) {
        InterlockedExchangeAdd(&Cached->RefCount, (LONG)RefBias);
    } else {
        Entry->RefCount = (LONG)RefBias;
        InsertTailList(&Bucket.Head, &Entry->Link);
    }
    ObpUnlockBucket(Bucket);
    if (Cached)
        ExFreePoolWithTag(Entry, TAG_OB_SD_CACHE);
    *OutputSecurityDescriptor = (Cached ? Cached : Entry)->SecurityDescriptor;
    return STATUS_SUCCESS;
}

// Takes Count more references on a cached descriptor the caller holds one on. Any IRQL.
extern "C" VOID NTAPI ObReferenceSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, ULONG Count)
{
    InterlockedExchangeAdd(&ObpGetHeaderForSd(SecurityDescriptor)->RefCount, (LONG)Count);
}

// Drops Count references on a cached descriptor; the last one unlinks and frees it
// (under its bucket's lock, so a concurrent lookup never finds it dying). At
// PASSIVE_LEVEL.
extern "C" VOID NTAPI ObDereferenceSecurityDescriptor(PSECURITY_DESCRIPTOR SecurityDescriptor, ULONG Count)
{
    PSECURITY_DESCRIPTOR_HEADER Entry = ObpGetHeaderForSd(SecurityDescriptor);
    LONG Old = __atomic_load_n(&Entry->RefCount, __ATOMIC_ACQUIRE);
    while (Old > (LONG)Count) {
        if (__atomic_compare_exchange_n(&Entry->RefCount, &Old, Old - (LONG)Count, false, __ATOMIC_SEQ_CST,
                                        __ATOMIC_ACQUIRE))
            return;
    }
    OB_SD_CACHE_BUCKET &Bucket = ObpBucketFor(Entry->FullHash);
    ObpLockBucket(Bucket);
    LONG New = InterlockedExchangeAdd(&Entry->RefCount, -(LONG)Count) - (LONG)Count;
    ASSERTMSG("security descriptor dereferenced more often than referenced", New >= 0);
    if (New == 0)
        RemoveEntryList(&Entry->Link);
    ObpUnlockBucket(Bucket);
    if (New == 0)
        ExFreePoolWithTag(Entry, TAG_OB_SD_CACHE);
}

// References the descriptor an object header holds (NULL if none): from the header's
// fast reference cache, refilled when this took its last entry, else under the object
// lock. At PASSIVE_LEVEL.
extern "C" PSECURITY_DESCRIPTOR NTAPI ObpReferenceSecurityDescriptor(POBJECT_HEADER ObjectHeader)
{
    auto *FastRef = reinterpret_cast<PEX_FAST_REF>(&ObjectHeader->SecurityDescriptor);
    EX_FAST_REF OldValue = ExAcquireFastReference(FastRef);
    PSECURITY_DESCRIPTOR SecurityDescriptor = ExGetObjectFastReference(OldValue);
    ULONG Count = ExGetCountFastReference(OldValue);
    if (!SecurityDescriptor)
        return NULL;
    if (Count) {
        if (Count == 1) {
            ObReferenceSecurityDescriptor(SecurityDescriptor, MAX_FAST_REFS);
            if (!ExInsertFastReference(FastRef, SecurityDescriptor))
                ObDereferenceSecurityDescriptor(SecurityDescriptor, MAX_FAST_REFS);
        }
        return SecurityDescriptor;
    }
    ObpAcquireObjectLockShared(ObjectHeader);
    EX_FAST_REF Current;
    Current.Value = __atomic_load_n(&FastRef->Value, __ATOMIC_ACQUIRE);
    SecurityDescriptor = ExGetObjectFastReference(Current);
    if (SecurityDescriptor)
        ObReferenceSecurityDescriptor(SecurityDescriptor, 1);
    ObpReleaseObjectLock(ObjectHeader);
    return SecurityDescriptor;
}
