// Executive handle tables in every machine mode: handle values (multiples of 4 from 4,
// never 0 nor a page's reserved entry 0, tag bits ignored), destroy and reuse, the
// free-list orders (LIFO, and FIFO for a strict table), HandleCount, growth through
// the three levels, enumerate / sweep / change / duplicate / destroy-table callbacks,
// an entry lock that makes a second locker sleep until the unlock, threads creating,
// mapping and destroying at once, and pool failures on every allocation path.
#include <algorithm>
#include <set>
#include <vector>

#include "ntos_test.h"
#include "ex.h"

using namespace ntos_test;

namespace {

constexpr ULONG kAttributeBits = 7; // lock bit, OBJ_INHERIT, OBJ_AUDIT_OBJECT_CLOSE

// A fake object pointer (8-aligned, never dereferenced by the table) for index I.
ULONG_PTR FakeObject(ULONG_PTR I) { return 0x10000000 + (I << 4); }

HANDLE_TABLE_ENTRY MakeEntry(ULONG_PTR Object, ACCESS_MASK Access, ULONG Attributes = 0)
{
    HANDLE_TABLE_ENTRY Entry{};
    Entry.Value = Object | Attributes;
    Entry.GrantedAccess = Access;
    return Entry;
}

ULONG_PTR ValueOf(HANDLE Handle) { return reinterpret_cast<ULONG_PTR>(Handle); }
HANDLE HandleOf(ULONG_PTR Value) { return reinterpret_cast<HANDLE>(Value); }
ULONG_PTR ObjectOf(PHANDLE_TABLE_ENTRY Entry) { return Entry->Value & ~(ULONG_PTR)kAttributeBits; }
LONG CountOf(PHANDLE_TABLE Table) { return __atomic_load_n(&Table->HandleCount, __ATOMIC_ACQUIRE); }
ULONG LevelOf(PHANDLE_TABLE Table) { return (ULONG)(__atomic_load_n(&Table->TableCode, __ATOMIC_ACQUIRE) & 3); }

// Maps Handle and unlocks it again; returns the entry's Value as the lock left it
// (lock bit clear), 0 if the map failed, and the granted access in *Access. The
// holder reads Value atomically: a competitor's failed lock attempt is an atomic
// write to it as far as TSan knows.
ULONG_PTR MappedValue(PHANDLE_TABLE Table, HANDLE Handle, ACCESS_MASK *Access = nullptr)
{
    KeEnterCriticalRegion();
    PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(Table, Handle);
    ULONG_PTR Value = Entry ? __atomic_load_n(&Entry->Value, __ATOMIC_RELAXED) : 0;
    if (Entry && Access)
        *Access = Entry->GrantedAccess;
    if (Entry)
        ExUnlockHandleTableEntry(Table, Entry);
    KeLeaveCriticalRegion();
    return Value;
}

// Creates Count handles for FakeObject(Base + i), access i.
std::vector<HANDLE> CreateHandles(PHANDLE_TABLE Table, ULONG Count, ULONG Base = 0, ULONG Attributes = 0)
{
    std::vector<HANDLE> Handles;
    Handles.reserve(Count);
    for (ULONG i = 0; i < Count; i++) {
        HANDLE_TABLE_ENTRY Entry = MakeEntry(FakeObject(Base + i), i, Attributes);
        Handles.push_back(ExCreateHandle(Table, &Entry));
    }
    return Handles;
}

bool IsValidHandleValue(HANDLE Handle)
{
    ULONG_PTR Value = ValueOf(Handle);
    return Value && Value % HANDLE_VALUE_INC == 0 && (Value / HANDLE_VALUE_INC) % LOW_LEVEL_ENTRIES != 0;
}

class HandleTest : public KernelTest {};

TEST_P(HandleTest, HandleValuesAreMultiplesOfFourStartingAtFour)
{
    std::vector<ULONG_PTR> Values;
    LONG Counts[3] = {-1, -1, -1};
    bool AllMapped = true;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  Counts[0] = CountOf(Table);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 10, 0, OBJ_INHERIT);
                  Counts[1] = CountOf(Table);
                  for (ULONG i = 0; i < Handles.size(); i++) {
                      Values.push_back(ValueOf(Handles[i]));
                      ACCESS_MASK Access = ~0u;
                      AllMapped &= MappedValue(Table, Handles[i], &Access) == (FakeObject(i) | OBJ_INHERIT) &&
                                   Access == i;
                  }
                  for (HANDLE Handle : Handles)
                      EXPECT_TRUE(ExDestroyHandle(Table, Handle, nullptr));
                  Counts[2] = CountOf(Table);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    ASSERT_EQ(Values.size(), 10u);
    for (ULONG i = 0; i < Values.size(); i++)
        EXPECT_EQ(Values[i], (i + 1) * HANDLE_VALUE_INC) << "handle " << i;
    EXPECT_TRUE(AllMapped) << "each handle maps to its object, attributes and access, locked";
    EXPECT_EQ(Counts[0], 0);
    EXPECT_EQ(Counts[1], 10);
    EXPECT_EQ(Counts[2], 0);
}

// A new entry is published unlocked whatever lock bit the caller's copy had; mapping
// locks it (bit clear) and unlocking sets the bit again.
TEST_P(HandleTest, EntriesArePublishedUnlockedAndMappingLocksThem)
{
    ULONG_PTR Stored[2] = {}, WhileMapped = 1, AfterUnlock = 0;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  HANDLE_TABLE_ENTRY Plain = MakeEntry(FakeObject(1), 1);
                  HANDLE_TABLE_ENTRY WithBit = MakeEntry(FakeObject(2), 2, EXHANDLE_TABLE_ENTRY_LOCK_BIT);
                  HANDLE Handles[2] = {ExCreateHandle(Table, &Plain), ExCreateHandle(Table, &WithBit)};
                  EXHANDLE ExHandle;
                  for (int i = 0; i < 2; i++) {
                      ExHandle.GenericHandleOverlay = Handles[i];
                      Stored[i] = ExpLookupHandleTableEntry(Table, ExHandle)->Value;
                  }
                  KeEnterCriticalRegion();
                  PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(Table, Handles[0]);
                  ASSERT_NE(Entry, nullptr);
                  WhileMapped = Entry->Value;
                  ExUnlockHandleTableEntry(Table, Entry);
                  AfterUnlock = Entry->Value;
                  KeLeaveCriticalRegion();
                  for (HANDLE Handle : Handles)
                      ExDestroyHandle(Table, Handle, nullptr);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Stored[0], FakeObject(1) | EXHANDLE_TABLE_ENTRY_LOCK_BIT);
    EXPECT_EQ(Stored[1], FakeObject(2) | EXHANDLE_TABLE_ENTRY_LOCK_BIT);
    EXPECT_EQ(WhileMapped, FakeObject(1));
    EXPECT_EQ(AfterUnlock, FakeObject(1) | EXHANDLE_TABLE_ENTRY_LOCK_BIT);
}

TEST_P(HandleTest, TagBitsAreIgnoredAndInvalidHandlesMapToNull)
{
    ULONG_PTR Tagged[4] = {};
    PVOID Invalid[6] = {this, this, this, this, this, this};
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 300);
                  for (ULONG_PTR Tag = 0; Tag < 4; Tag++)
                      Tagged[Tag] = MappedValue(Table, HandleOf(ValueOf(Handles[7]) | Tag));
                  KeEnterCriticalRegion();
                  Invalid[0] = ExMapHandleToPointer(Table, nullptr);
                  Invalid[1] = ExMapHandleToPointer(Table, HandleOf(3));
                  Invalid[2] = ExMapHandleToPointer(Table, HandleOf(LOW_LEVEL_ENTRIES * HANDLE_VALUE_INC));
                  Invalid[3] = ExMapHandleToPointer(Table, HandleOf(2 * LOW_LEVEL_ENTRIES * HANDLE_VALUE_INC));
                  Invalid[4] = ExMapHandleToPointer(Table, HandleOf(0x100000));
                  Invalid[5] = ExMapHandleToPointer(Table, HandleOf(((ULONG_PTR)1 << 32) | 4));
                  KeLeaveCriticalRegion();
                  for (HANDLE Handle : Handles)
                      ExDestroyHandle(Table, Handle, nullptr);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    for (ULONG_PTR Tag = 0; Tag < 4; Tag++)
        EXPECT_EQ(Tagged[Tag], FakeObject(7)) << "tag bits " << Tag;
    const char *What[6] = {"handle 0", "handle 3 (0 with tag bits)", "page 1's reserved entry",
                           "a page's reserved entry beyond the table", "beyond the table",
                           "above 32 bits"};
    for (int i = 0; i < 6; i++)
        EXPECT_EQ(Invalid[i], nullptr) << What[i];
}

TEST_P(HandleTest, DestroyedHandlesMapToNullAndCannotBeDestroyedTwice)
{
    BOOLEAN Destroyed[6] = {FALSE, TRUE, TRUE, TRUE, TRUE, TRUE};
    ULONG_PTR MappedAfter = 1, OtherAfter = 0;
    BOOLEAN Changed = TRUE;
    LONG Count = -1;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 3);
                  Destroyed[0] = ExDestroyHandle(Table, HandleOf(ValueOf(Handles[1]) | 2), nullptr);
                  MappedAfter = MappedValue(Table, Handles[1]);
                  OtherAfter = MappedValue(Table, Handles[2]);
                  Destroyed[1] = ExDestroyHandle(Table, Handles[1], nullptr);
                  Destroyed[2] = ExDestroyHandle(Table, nullptr, nullptr);
                  Destroyed[3] = ExDestroyHandle(Table, HandleOf(LOW_LEVEL_ENTRIES * HANDLE_VALUE_INC), nullptr);
                  Destroyed[4] = ExDestroyHandle(Table, HandleOf(0x400000), nullptr);
                  Destroyed[5] = ExDestroyHandle(Table, HandleOf(200 * HANDLE_VALUE_INC), nullptr);
                  Changed = ExChangeHandle(
                      Table, Handles[1], [](PHANDLE_TABLE_ENTRY, ULONG_PTR) -> BOOLEAN { return TRUE; }, 0);
                  Count = CountOf(Table);
                  ExDestroyHandle(Table, Handles[0], nullptr);
                  ExDestroyHandle(Table, Handles[2], nullptr);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Destroyed[0]) << "destroy ignores the tag bits";
    EXPECT_EQ(MappedAfter, 0u);
    EXPECT_EQ(OtherAfter, FakeObject(2));
    EXPECT_FALSE(Destroyed[1]) << "second destroy";
    EXPECT_FALSE(Destroyed[2]) << "handle 0";
    EXPECT_FALSE(Destroyed[3]) << "reserved entry";
    EXPECT_FALSE(Destroyed[4]) << "beyond the table";
    EXPECT_FALSE(Destroyed[5]) << "never created";
    EXPECT_FALSE(Changed) << "ExChangeHandle on a destroyed handle";
    EXPECT_EQ(Count, 2);
}

// Without contention a freed handle goes back on the head of the free list (LIFO);
// a strict-FIFO table hands freed handles out in the order they were freed, once the
// free list it was using runs dry.
TEST_P(HandleTest, FreedSlotsAreReusedLifoOrStrictlyFifo)
{
    std::vector<ULONG_PTR> Lifo, Fifo;
    ULONG_PTR NextFresh = 0;
    ASSERT_EQ(RunInKernel([&] {
                  for (bool Strict : {false, true}) {
                      PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                      ASSERT_NE(Table, nullptr);
                      if (Strict)
                          ExSetHandleTableStrictFIFO(Table);
                      std::vector<HANDLE> Handles = CreateHandles(Table, LOW_LEVEL_ENTRIES - 1);
                      for (ULONG i : {10u, 3u, 77u})
                          ExDestroyHandle(Table, Handles[i], nullptr);
                      std::vector<HANDLE> Again = CreateHandles(Table, 4, 1000);
                      for (ULONG i = 0; i < 3; i++)
                          (Strict ? Fifo : Lifo).push_back(ValueOf(Again[i]));
                      if (!Strict)
                          NextFresh = ValueOf(Again[3]);
                      ExSweepHandleTable(
                          Table,
                          [](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context) {
                              ExDestroyHandle(static_cast<PHANDLE_TABLE>(Context), Handle, Entry);
                          },
                          Table);
                      EXPECT_EQ(CountOf(Table), 0);
                      ExDestroyHandleTable(Table, nullptr);
                  }
              }),
              STATUS_SUCCESS);
    auto H = [](ULONG i) { return (ULONG_PTR)(i + 1) * HANDLE_VALUE_INC; };
    EXPECT_EQ(Lifo, (std::vector<ULONG_PTR>{H(77), H(3), H(10)}));
    EXPECT_EQ(NextFresh, (LOW_LEVEL_ENTRIES + 1) * HANDLE_VALUE_INC) << "then the table grows, skipping entry 256";
    EXPECT_EQ(Fifo, (std::vector<ULONG_PTR>{H(10), H(3), H(77)}));
}

// Past one page the table gets a mid level, past MAX_MID_INDEX entries a high level;
// every handle stays valid, distinct and mapped to its own object.
TEST_P(HandleTest, GrowsPastOnePageAndPastTheMidLevel)
{
    constexpr ULONG kHandles = 300000;
    ULONG Levels[3] = {9, 9, 9}, Distinct = 0, BadValues = 0, BadMaps = 0;
    LONG Counts[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  Levels[0] = LevelOf(Table);
                  std::vector<HANDLE> Handles = CreateHandles(Table, LOW_LEVEL_ENTRIES);
                  Levels[1] = LevelOf(Table);
                  std::vector<HANDLE> More = CreateHandles(Table, kHandles - LOW_LEVEL_ENTRIES, LOW_LEVEL_ENTRIES);
                  Handles.insert(Handles.end(), More.begin(), More.end());
                  Levels[2] = LevelOf(Table);
                  Counts[0] = CountOf(Table);
                  std::vector<ULONG_PTR> Sorted;
                  for (ULONG i = 0; i < kHandles; i++) {
                      BadValues += !IsValidHandleValue(Handles[i]);
                      Sorted.push_back(ValueOf(Handles[i]));
                      if (i % 7 == 0 || i > kHandles - 300)
                          BadMaps += MappedValue(Table, Handles[i]) != FakeObject(i);
                  }
                  std::sort(Sorted.begin(), Sorted.end());
                  Distinct = (ULONG)(std::unique(Sorted.begin(), Sorted.end()) - Sorted.begin());
                  for (HANDLE Handle : Handles)
                      ExDestroyHandle(Table, Handle, nullptr);
                  Counts[1] = CountOf(Table);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Levels[0], 0u);
    EXPECT_EQ(Levels[1], 1u) << "the 256th handle needs a second page";
    EXPECT_EQ(Levels[2], 2u);
    EXPECT_EQ(BadValues, 0u);
    EXPECT_EQ(Distinct, kHandles);
    EXPECT_EQ(BadMaps, 0u);
    EXPECT_EQ(Counts[0], (LONG)kHandles);
    EXPECT_EQ(Counts[1], 0);
}

struct EnumContext {
    std::vector<ULONG_PTR> Seen;
    ULONG_PTR StopAt = 0;
    bool AllLocked = true;
};

TEST_P(HandleTest, EnumerationVisitsExactlyTheInUseHandlesLocked)
{
    std::vector<ULONG_PTR> Expected, Seen, Partial;
    BOOLEAN Results[2] = {TRUE, FALSE};
    HANDLE Found = nullptr;
    bool AllLocked = false, AllUnlockedAfter = false;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 600);
                  for (ULONG i = 0; i < Handles.size(); i++) {
                      if (i % 3 == 1)
                          ExDestroyHandle(Table, Handles[i], nullptr);
                      else
                          Expected.push_back(ValueOf(Handles[i]));
                  }
                  auto Callback = [](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context) -> BOOLEAN {
                      auto *Enum = static_cast<EnumContext *>(Context);
                      Enum->AllLocked &= !(Entry->Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT);
                      Enum->Seen.push_back(ValueOf(Handle));
                      return ValueOf(Handle) == Enum->StopAt;
                  };
                  EnumContext All, Stop;
                  Results[0] = ExEnumHandleTable(Table, Callback, &All, &Found);
                  Stop.StopAt = Expected[100];
                  Results[1] = ExEnumHandleTable(Table, Callback, &Stop, &Found);
                  Seen = All.Seen;
                  Partial = Stop.Seen;
                  AllLocked = All.AllLocked && Stop.AllLocked;
                  AllUnlockedAfter = true;
                  for (ULONG_PTR Value : Expected)
                      AllUnlockedAfter &= MappedValue(Table, HandleOf(Value)) != 0;
                  for (ULONG_PTR Value : Expected)
                      ExDestroyHandle(Table, HandleOf(Value), nullptr);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_FALSE(Results[0]);
    EXPECT_EQ(Seen, Expected) << "every in-use handle once, in ascending order";
    EXPECT_TRUE(Results[1]);
    ASSERT_GE(Expected.size(), 101u);
    EXPECT_EQ(ValueOf(Found), Expected[100]);
    EXPECT_EQ(Partial, std::vector<ULONG_PTR>(Expected.begin(), Expected.begin() + 101)) << "stops at TRUE";
    EXPECT_TRUE(AllLocked);
    EXPECT_TRUE(AllUnlockedAfter);
}

struct SweepContext {
    PHANDLE_TABLE Table;
    std::vector<ULONG_PTR> Seen;
    bool AllLocked = true;
};

// ExSweepHandleTable hands each in-use entry over locked; here the routine destroys
// it, as ObKillProcess's close callback does.
TEST_P(HandleTest, SweepHandsOverEveryInUseEntryLocked)
{
    std::vector<ULONG_PTR> Expected, Seen;
    bool AllLocked = false;
    LONG Counts[2] = {-1, -1};
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 700);
                  for (ULONG i = 0; i < Handles.size(); i++) {
                      if (i % 5 == 0)
                          ExDestroyHandle(Table, Handles[i], nullptr);
                      else
                          Expected.push_back(ValueOf(Handles[i]));
                  }
                  Counts[0] = CountOf(Table);
                  SweepContext Sweep{Table};
                  ExSweepHandleTable(
                      Table,
                      [](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle, PVOID Context) {
                          auto *Sweep = static_cast<SweepContext *>(Context);
                          Sweep->AllLocked &= !(Entry->Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT);
                          Sweep->Seen.push_back(ValueOf(Handle));
                          ExDestroyHandle(Sweep->Table, Handle, Entry);
                      },
                      &Sweep);
                  Seen = Sweep.Seen;
                  AllLocked = Sweep.AllLocked;
                  Counts[1] = CountOf(Table);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], (LONG)Expected.size());
    EXPECT_EQ(Seen, Expected);
    EXPECT_TRUE(AllLocked);
    EXPECT_EQ(Counts[1], 0);
}

TEST_P(HandleTest, ChangeHandleRunsTheRoutineOnTheLockedEntry)
{
    BOOLEAN Results[2] = {FALSE, TRUE};
    ACCESS_MASK Access[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 2);
                  auto Change = [](PHANDLE_TABLE_ENTRY Entry, ULONG_PTR Context) -> BOOLEAN {
                      if (Entry->Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT)
                          return FALSE;
                      Entry->GrantedAccess = (ACCESS_MASK)Context;
                      return Context != 0x5555;
                  };
                  Results[0] = ExChangeHandle(Table, Handles[1], Change, 0x1234);
                  MappedValue(Table, Handles[1], &Access[0]);
                  Results[1] = ExChangeHandle(Table, Handles[1], Change, 0x5555);
                  MappedValue(Table, Handles[1], &Access[1]);
                  for (HANDLE Handle : Handles)
                      ExDestroyHandle(Table, Handle, nullptr);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Results[0]);
    EXPECT_EQ(Access[0], 0x1234u);
    EXPECT_FALSE(Results[1]) << "the routine's result";
    EXPECT_EQ(Access[1], 0x5555u);
}

struct DupContext {
    PEPROCESS Process = nullptr;
    PHANDLE_TABLE Parent = nullptr;
    std::vector<ULONG_PTR> Offered;
    bool Consistent = true;
};
DupContext *CurrentDup;
bool DupCalled;

// The routine refuses objects whose index is a multiple of 4 and unlocks the parent's
// entry either way, as ObpDuplicateHandleCallback does.
BOOLEAN NTAPI DuplicateEveryOtherHandle(PEPROCESS Process, PHANDLE_TABLE HandleTable, PHANDLE_TABLE_ENTRY OldEntry,
                                        PHANDLE_TABLE_ENTRY NewEntry)
{
    DupContext *Dup = CurrentDup;
    Dup->Consistent &= Process == Dup->Process && HandleTable == Dup->Parent &&
                       !(OldEntry->Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT) && NewEntry->Value == OldEntry->Value &&
                       NewEntry->GrantedAccess == OldEntry->GrantedAccess;
    ULONG_PTR Index = (ObjectOf(OldEntry) - FakeObject(0)) >> 4;
    Dup->Offered.push_back(Index);
    NewEntry->GrantedAccess |= 0x100000;
    ExUnlockHandleTableEntry(HandleTable, OldEntry);
    return Index % 4 != 0;
}

// ExDupHandleTable offers the entries with an OBJ_INHERIT attribute (the mask) and
// keeps those the routine accepts at the same handle values; the rest are free in the
// child, and its first new handle reuses one of them.
TEST_P(HandleTest, DuplicateKeepsAcceptedInheritableEntriesAtTheirValues)
{
    constexpr ULONG kHandles = 700;
    DupContext Dup;
    std::vector<ULONG_PTR> Expected, Kept;
    bool SameValues = true, ParentIntact = true, NewHandleReusesAFreeSlot = false, Listed = false;
    LONG ChildCount = -1;
    PVOID Quota = nullptr;
    HANDLE Pid = nullptr;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Parent = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Parent, nullptr);
                  std::vector<HANDLE> Handles;
                  for (ULONG i = 0; i < kHandles; i++) {
                      HANDLE_TABLE_ENTRY Entry = MakeEntry(FakeObject(i), i, i % 2 ? OBJ_INHERIT : 0);
                      Handles.push_back(ExCreateHandle(Parent, &Entry));
                      if (i % 2 && i % 4 != 0)
                          Expected.push_back(i);
                  }
                  ExDestroyHandle(Parent, Handles[3], nullptr);
                  Expected.erase(std::find(Expected.begin(), Expected.end(), 3));
                  Dup.Process = PsInitialSystemProcess;
                  Dup.Parent = Parent;
                  CurrentDup = &Dup;
                  PHANDLE_TABLE Child =
                      ExDupHandleTable(PsInitialSystemProcess, Parent, DuplicateEveryOtherHandle, OBJ_INHERIT);
                  ASSERT_NE(Child, nullptr);
                  ChildCount = CountOf(Child);
                  Quota = Child->QuotaProcess;
                  Pid = Child->UniqueProcessId;
                  for (PLIST_ENTRY Link = HandleTableListHead.Flink; Link != &HandleTableListHead; Link = Link->Flink)
                      Listed |= CONTAINING_RECORD(Link, HANDLE_TABLE, HandleTableList) == Child;
                  for (ULONG i = 0; i < kHandles; i++) {
                      if (i == 3)
                          continue;
                      ACCESS_MASK Access = 0;
                      ULONG_PTR Value = MappedValue(Child, Handles[i], &Access);
                      if (Value) {
                          Kept.push_back(i);
                          SameValues &= Value == (FakeObject(i) | OBJ_INHERIT) && Access == (i | 0x100000);
                      }
                      ParentIntact &= MappedValue(Parent, Handles[i]) == (FakeObject(i) | (i % 2 ? OBJ_INHERIT : 0));
                  }
                  HANDLE_TABLE_ENTRY Entry = MakeEntry(FakeObject(5000), 0);
                  ULONG Pages = Child->NextHandleNeedingPool;
                  HANDLE Fresh = ExCreateHandle(Child, &Entry);
                  bool WasKept = false;
                  for (ULONG_PTR i : Kept)
                      WasKept |= Handles[i] == Fresh;
                  NewHandleReusesAFreeSlot = Fresh && !WasKept && ValueOf(Fresh) < Pages &&
                                             Child->NextHandleNeedingPool == Pages;
                  ExDestroyHandleTable(Child, nullptr);
                  ExDestroyHandleTable(Parent, nullptr);
              }),
              STATUS_SUCCESS);
    std::vector<ULONG_PTR> Inheritable;
    for (ULONG i = 1; i < kHandles; i += 2)
        if (i != 3)
            Inheritable.push_back(i);
    EXPECT_EQ(Dup.Offered, Inheritable) << "only OBJ_INHERIT entries are offered, in order";
    EXPECT_TRUE(Dup.Consistent) << "the routine sees the locked parent entry and its copy";
    EXPECT_EQ(Kept, Expected);
    EXPECT_TRUE(SameValues);
    EXPECT_TRUE(ParentIntact) << "the parent's entries are all unlocked and unchanged";
    EXPECT_EQ(ChildCount, (LONG)Expected.size());
    EXPECT_EQ(Quota, PsInitialSystemProcess);
    EXPECT_EQ(Pid, PsInitialSystemProcess->UniqueProcessId);
    EXPECT_TRUE(Listed);
    EXPECT_TRUE(NewHandleReusesAFreeSlot);
}

TEST_P(HandleTest, TablesAreListedWithTheirProcessUntilRemoved)
{
    bool Listed[3] = {false, true, false};
    PVOID Quota[2] = {this, this};
    HANDLE Pid[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  auto IsListed = [](PHANDLE_TABLE Table) {
                      bool Found = false;
                      KeEnterCriticalRegion();
                      ExAcquirePushLockShared(&HandleTableListLock);
                      for (PLIST_ENTRY Link = HandleTableListHead.Flink; Link != &HandleTableListHead;
                           Link = Link->Flink)
                          Found |= CONTAINING_RECORD(Link, HANDLE_TABLE, HandleTableList) == Table;
                      ExReleasePushLockShared(&HandleTableListLock);
                      KeLeaveCriticalRegion();
                      return Found;
                  };
                  PHANDLE_TABLE Owned = ExCreateHandleTable(PsInitialSystemProcess);
                  PHANDLE_TABLE Kernel = ExCreateHandleTable(nullptr);
                  ASSERT_TRUE(Owned && Kernel);
                  Listed[0] = IsListed(Owned) && IsListed(Kernel);
                  Quota[0] = Owned->QuotaProcess;
                  Pid[0] = Owned->UniqueProcessId;
                  Quota[1] = Kernel->QuotaProcess;
                  Pid[1] = Kernel->UniqueProcessId;
                  ExRemoveHandleTable(Owned);
                  Listed[1] = IsListed(Owned);
                  Listed[2] = IsListed(Kernel);
                  ExDestroyHandleTable(Owned, nullptr);
                  ExDestroyHandleTable(Kernel, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(Listed[0]);
    EXPECT_FALSE(Listed[1]) << "removed";
    EXPECT_TRUE(Listed[2]);
    EXPECT_EQ(Quota[0], PsInitialSystemProcess);
    EXPECT_EQ(Pid[0], PsInitialSystemProcess->UniqueProcessId);
    EXPECT_EQ(Quota[1], nullptr);
    EXPECT_EQ(Pid[1], nullptr);
}

struct DestroyContext {
    std::vector<ULONG_PTR> Seen;
    bool AllLocked = true;
};
DestroyContext *CurrentDestroy;

TEST_P(HandleTest, DestroyingATableCallsTheRoutineForEachLiveEntry)
{
    DestroyContext Destroy;
    std::vector<ULONG_PTR> Expected;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 520);
                  for (ULONG i = 0; i < Handles.size(); i++) {
                      if (i % 4 == 2)
                          ExDestroyHandle(Table, Handles[i], nullptr);
                      else
                          Expected.push_back(ValueOf(Handles[i]));
                  }
                  CurrentDestroy = &Destroy;
                  ExDestroyHandleTable(Table, [](PHANDLE_TABLE_ENTRY Entry, HANDLE Handle) {
                      CurrentDestroy->AllLocked &= !(Entry->Value & EXHANDLE_TABLE_ENTRY_LOCK_BIT);
                      CurrentDestroy->Seen.push_back(ValueOf(Handle));
                  });
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Destroy.Seen, Expected);
    EXPECT_TRUE(Destroy.AllLocked);
}

// A thread that maps a locked entry sleeps on the table's contention event (a push
// lock wait, WrPushLock) until the holder unlocks it, then gets it; if the holder
// destroys it instead, the sleeper's map fails.
TEST_P(HandleTest, ALockedEntryBlocksASecondLockerUntilUnlocked)
{
    bool WaitedWhileLocked[2] = {}, GotItAfter = false, NullAfterDestroy = false;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, 2);
                  for (int Round = 0; Round < 2; Round++) {
                      volatile LONG Done = 0;
                      ULONG_PTR SeenValue = 1;
                      std::function<void()> Second = [&] {
                          SeenValue = MappedValue(Table, Handles[Round]);
                          InterlockedExchange(&Done, 1);
                      };
                      KeEnterCriticalRegion();
                      PHANDLE_TABLE_ENTRY Entry = ExMapHandleToPointer(Table, Handles[Round]);
                      ASSERT_NE(Entry, nullptr);
                      PETHREAD Thread = StartKernelThread(&Second);
                      ASSERT_NE(Thread, nullptr);
                      SpinUntilWaiting(&Thread->Tcb, WrPushLock);
                      for (int i = 0; i < 3; i++)
                          YieldExecution();
                      WaitedWhileLocked[Round] = !ReadShared(Done) && KiGetThreadState(&Thread->Tcb) == Waiting;
                      if (Round == 0)
                          ExUnlockHandleTableEntry(Table, Entry);
                      else
                          ExDestroyHandle(Table, Handles[Round], Entry);
                      KeLeaveCriticalRegion();
                      JoinKernelThread(Thread);
                      if (Round == 0)
                          GotItAfter = ReadShared(Done) && SeenValue == FakeObject(0);
                      else
                          NullAfterDestroy = ReadShared(Done) && SeenValue == 0;
                  }
                  ExDestroyHandle(Table, Handles[0], nullptr);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(WaitedWhileLocked[0]);
    EXPECT_TRUE(GotItAfter);
    EXPECT_TRUE(WaitedWhileLocked[1]);
    EXPECT_TRUE(NullAfterDestroy);
}

// Several threads create, map and destroy handles in one table at once, each keeping
// a window of live handles (all windows filled at once, so the table grows while
// others use it), and mapping the others' handles too. No handle is handed out twice, every map of a live own handle
// finds its object, and the count returns to zero.
TEST_P(HandleTest, ConcurrentCreateMapDestroyKeepsCountsAndOwnership)
{
    constexpr int kThreads = 4;
    const ULONG Rounds = GetParam().Deterministic ? 1500 : 6000;
    constexpr ULONG kWindow = 200;
    volatile LONG Failures = 0, DoubleHandouts = 0, WrongObjects = 0, ForeignMaps = 0, Created = 0, Filled = 0;
    LONG FinalCount = -1;
    ULONG Level = 0;
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  constexpr ULONG kSlots = 1 << 16;
                  std::vector<LONG> Owner(kSlots, 0);
                  std::vector<std::function<void()>> Bodies;
                  for (int t = 0; t < kThreads; t++) {
                      Bodies.push_back([&, t] {
                          std::vector<HANDLE> Live;
                          ULONG Seed = 12345 + t;
                          for (ULONG Round = 0; Round < Rounds; Round++) {
                              if (Round == kWindow) {
                                  InterlockedIncrement(&Filled);
                                  SpinUntil([&] { return ReadShared(Filled) == kThreads; });
                              }
                              ULONG_PTR Object = FakeObject(((ULONG_PTR)(t + 1) << 24) | Round);
                              HANDLE_TABLE_ENTRY Entry = MakeEntry(Object, t);
                              HANDLE Handle = ExCreateHandle(Table, &Entry);
                              if (!Handle || !IsValidHandleValue(Handle) || ValueOf(Handle) / 4 >= kSlots) {
                                  InterlockedIncrement(&Failures);
                                  continue;
                              }
                              InterlockedIncrement(&Created);
                              if (InterlockedExchange(&Owner[ValueOf(Handle) / 4], t + 1) != 0)
                                  InterlockedIncrement(&DoubleHandouts);
                              if (MappedValue(Table, Handle) != Object)
                                  InterlockedIncrement(&WrongObjects);
                              Live.push_back(Handle);
                              Seed = Seed * 1103515245 + 12345;
                              ULONG_PTR Other = ((Seed >> 8) % (kWindow * kThreads * 2) + 1) * 4;
                              ACCESS_MASK Access = ~0u;
                              if (MappedValue(Table, HandleOf(Other), &Access) && Access >= (ACCESS_MASK)kThreads)
                                  InterlockedIncrement(&ForeignMaps);
                              if (Live.size() > kWindow || (Round % 64) == 63) {
                                  size_t Victim = Seed % Live.size();
                                  HANDLE Gone = Live[Victim];
                                  Live.erase(Live.begin() + Victim);
                                  InterlockedExchange(&Owner[ValueOf(Gone) / 4], 0);
                                  if (!ExDestroyHandle(Table, Gone, nullptr))
                                      InterlockedIncrement(&Failures);
                              }
                              if (Round % 16 == 0)
                                  InterruptPoint();
                          }
                          for (HANDLE Handle : Live) {
                              InterlockedExchange(&Owner[ValueOf(Handle) / 4], 0);
                              if (!ExDestroyHandle(Table, Handle, nullptr))
                                  InterlockedIncrement(&Failures);
                          }
                      });
                  }
                  std::vector<PETHREAD> Threads;
                  for (auto &Body : Bodies) {
                      Threads.push_back(StartKernelThread(&Body));
                      ASSERT_NE(Threads.back(), nullptr);
                  }
                  for (PETHREAD Thread : Threads)
                      JoinKernelThread(Thread);
                  FinalCount = CountOf(Table);
                  Level = LevelOf(Table);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Failures, 0);
    EXPECT_EQ(Created, (LONG)(kThreads * Rounds));
    EXPECT_EQ(DoubleHandouts, 0);
    EXPECT_EQ(WrongObjects, 0);
    EXPECT_EQ(ForeignMaps, 0) << "a mapped entry carried an access value no thread stored";
    EXPECT_EQ(FinalCount, 0);
    EXPECT_EQ(Level, 1u) << "the live windows need more than one page";
}

// Pool failures: the table itself, its first page, a new mid-level or entry page
// while growing, and duplication; each gives NULL, changes nothing, and leaks nothing.
TEST_P(HandleTest, AllocationFailuresGiveNullAndLeakNothing)
{
    PVOID FailedTables[2] = {this, this};
    HANDLE FailedHandles[3] = {HandleOf(1), HandleOf(1), HandleOf(1)};
    PVOID FailedDups[3] = {this, this, this};
    LONG CountAfterFailures = -1;
    ULONG LevelAfterFailures = 9, LeakedBlocks = 1;
    ULONG_PTR Recovered = 0;
    bool DupRoutineCalled = false;
    ASSERT_EQ(RunInKernel([&] {
                  ULONG Before = ExpOutstandingPoolBlocks();
                  ExpInjectPoolFailures(0, 1);
                  FailedTables[0] = ExCreateHandleTable(nullptr);
                  ExpInjectPoolFailures(1, 1);
                  FailedTables[1] = ExCreateHandleTable(nullptr);
                  ExpInjectPoolFailures(0, 0);
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, LOW_LEVEL_ENTRIES - 1);
                  HANDLE_TABLE_ENTRY Entry = MakeEntry(FakeObject(999), 0);
                  ExpInjectPoolFailures(0, 1); // the mid-level page
                  FailedHandles[0] = ExCreateHandle(Table, &Entry);
                  ExpInjectPoolFailures(1, 1); // the entry page under it
                  FailedHandles[1] = ExCreateHandle(Table, &Entry);
                  CountAfterFailures = CountOf(Table);
                  LevelAfterFailures = LevelOf(Table);
                  ExpInjectPoolFailures(0, 0);
                  HANDLE Grown = ExCreateHandle(Table, &Entry);
                  Handles.push_back(Grown);
                  Recovered = MappedValue(Table, Grown);
                  std::vector<HANDLE> More = CreateHandles(Table, LOW_LEVEL_ENTRIES - 2, 1000);
                  Handles.insert(Handles.end(), More.begin(), More.end());
                  ExpInjectPoolFailures(0, 1); // an entry page under the existing mid level
                  FailedHandles[2] = ExCreateHandle(Table, &Entry);
                  auto Refuse = [](PEPROCESS, PHANDLE_TABLE Parent, PHANDLE_TABLE_ENTRY Old, PHANDLE_TABLE_ENTRY) {
                      DupCalled = true;
                      ExUnlockHandleTableEntry(Parent, Old);
                      return (BOOLEAN)FALSE;
                  };
                  for (ULONG Successes = 0; Successes < 3; Successes++) {
                      ExpInjectPoolFailures(Successes, 1);
                      FailedDups[Successes] = ExDupHandleTable(nullptr, Table, Refuse, ~(ULONG_PTR)0);
                  }
                  ExpInjectPoolFailures(0, 0);
                  DupRoutineCalled = DupCalled;
                  for (HANDLE Handle : Handles)
                      ExDestroyHandle(Table, Handle, nullptr);
                  ExDestroyHandleTable(Table, nullptr);
                  LeakedBlocks = ExpOutstandingPoolBlocks() - Before;
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(FailedTables[0], nullptr) << "the table header";
    EXPECT_EQ(FailedTables[1], nullptr) << "the first entry page";
    EXPECT_EQ(FailedHandles[0], nullptr) << "the mid-level page";
    EXPECT_EQ(FailedHandles[1], nullptr) << "the entry page under the new mid level";
    EXPECT_EQ(CountAfterFailures, (LONG)LOW_LEVEL_ENTRIES - 1);
    EXPECT_EQ(LevelAfterFailures, 0u);
    EXPECT_EQ(Recovered, FakeObject(999));
    EXPECT_EQ(FailedHandles[2], nullptr) << "an entry page under the existing mid level";
    for (int i = 0; i < 3; i++)
        EXPECT_EQ(FailedDups[i], nullptr) << "duplication, allocation " << i;
    EXPECT_FALSE(DupRoutineCalled) << "a failed duplication calls no routine";
    EXPECT_EQ(LeakedBlocks, 0u);
}

NTOS_INSTANTIATE_ALL_MODES(HandleTest);

// A million handles in one table, in one deterministic and the realtime mode: the
// high level, every value distinct, all mapped and destroyed again.
class HandleScaleTest : public KernelTest {};

TEST_P(HandleScaleTest, AMillionHandlesInOneTable)
{
    constexpr ULONG kHandles = 1000000;
    ULONG Level = 0, BadMaps = 0, Distinct = 0;
    LONG Counts[2] = {};
    ASSERT_EQ(RunInKernel([&] {
                  PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                  ASSERT_NE(Table, nullptr);
                  std::vector<HANDLE> Handles = CreateHandles(Table, kHandles);
                  Counts[0] = CountOf(Table);
                  Level = LevelOf(Table);
                  std::vector<ULONG_PTR> Sorted(kHandles);
                  for (ULONG i = 0; i < kHandles; i++) {
                      Sorted[i] = ValueOf(Handles[i]);
                      BadMaps += MappedValue(Table, Handles[i]) != FakeObject(i);
                  }
                  std::sort(Sorted.begin(), Sorted.end());
                  Distinct = (ULONG)(std::unique(Sorted.begin(), Sorted.end()) - Sorted.begin());
                  for (HANDLE Handle : Handles)
                      ExDestroyHandle(Table, Handle, nullptr);
                  Counts[1] = CountOf(Table);
                  ExDestroyHandleTable(Table, nullptr);
              }),
              STATUS_SUCCESS);
    EXPECT_EQ(Counts[0], (LONG)kHandles);
    EXPECT_EQ(Level, 2u);
    EXPECT_EQ(Distinct, kHandles);
    EXPECT_EQ(BadMaps, 0u);
    EXPECT_EQ(Counts[1], 0);
}

INSTANTIATE_TEST_SUITE_P(Modes, HandleScaleTest,
                         ::testing::Values(MachineMode{true, 2, 1}, MachineMode{false, 2, 0}), ParamName);

class HandleDeathTest : public KernelDeathTest {};

TEST_F(HandleDeathTest, MappingOutsideACriticalRegionAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                     HANDLE_TABLE_ENTRY Entry = MakeEntry(FakeObject(1), 0);
                     HANDLE Handle = ExCreateHandle(Table, &Entry);
                     ExMapHandleToPointer(Table, Handle);
                 }),
                 "normal kernel APCs enabled(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

TEST_F(HandleDeathTest, UnlockingAnUnlockedEntryAsserts)
{
    EXPECT_DEATH(BootAndRun([] {
                     PHANDLE_TABLE Table = ExCreateHandleTable(nullptr);
                     HANDLE_TABLE_ENTRY Entry = MakeEntry(FakeObject(1), 0);
                     HANDLE Handle = ExCreateHandle(Table, &Entry);
                     EXHANDLE ExHandle;
                     ExHandle.GenericHandleOverlay = Handle;
                     KeEnterCriticalRegion();
                     ExUnlockHandleTableEntry(Table, ExpLookupHandleTableEntry(Table, ExHandle));
                 }),
                 "not locked(.|\n)*STOP: 0x0000001E \\(0xFFFFFFFF80000003");
}

} // namespace
