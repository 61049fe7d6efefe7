// PEB and TEB, as NT 5.2 fills them: a created process's PEB in its range with the
// version, processors and heap defaults; MmCreateTeb's TIB, CID, PEB link and stack
// from the INITIAL_TEB; MmDeleteTeb; the injected TEB failures PspCreateThread's
// failure branch is tested with.
#include "mm_test.h"

using namespace ntos_test;

namespace {

// NT 5.2 AMD64 offsets, where the hosted types have NT's sizes.
static_assert(offsetof(NT_TIB, Self) == 0x30);
static_assert(offsetof(TEB, ClientId) == 0x40);
static_assert(offsetof(TEB, ProcessEnvironmentBlock) == 0x60);
static_assert(offsetof(TEB, LastErrorValue) == 0x68);
static_assert(offsetof(TEB, RealClientId) == 0x7d8);
static_assert(offsetof(TEB, StaticUnicodeString) == 0x1258);
// Past StaticUnicodeBuffer the offsets grow: WCHAR is the host's 4-byte wchar_t.
static_assert(offsetof(PEB, Ldr) == 0x18);
static_assert(offsetof(PEB, ProcessParameters) == 0x20);
static_assert(offsetof(PEB, NumberOfProcessors) == 0xb8);
static_assert(offsetof(PEB, OSMajorVersion) == 0x118);
static_assert(offsetof(PEB, OSPlatformId) == 0x124);

class PebTebTest : public KernelTest {};

TEST_P(PebTebTest, ACreatedProcessHasAnNt52PebInItsRange)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  PPEB Peb = Process->Peb;
                  C.Expect(Peb && InRange(Process, Peb, sizeof(PEB)), "the PEB is in the range");
                  C.Expect((reinterpret_cast<ULONG_PTR>(Peb) & (PAGE_SIZE - 1)) == 0, "page-aligned");
                  C.Expect(reinterpret_cast<PCHAR>(Peb) + PAGE_SIZE == Process->UserRangeEnd,
                           "at the top of the range");
                  if (Peb) {
                      Attach In(Process);
                      C.Expect(Peb->OSMajorVersion == 5 && Peb->OSMinorVersion == 2, "NT 5.2");
                      C.Expect(Peb->OSBuildNumber == 3790 && Peb->OSPlatformId == 2, "build 3790, NT platform");
                      C.Expect(Peb->NumberOfProcessors == (ULONG)KeNumberProcessors &&
                                   Peb->NumberOfProcessors == (GetParam().Processors ? GetParam().Processors : 1),
                               "NumberOfProcessors");
                      C.Expect(Peb->Mutant == reinterpret_cast<HANDLE>(-1), "no mutant");
                      C.Expect(!Peb->ImageBaseAddress && !Peb->Ldr && !Peb->ProcessParameters, "no image");
                      C.Expect(!Peb->BeingDebugged && !Peb->InheritedAddressSpace, "flags clear");
                      C.Expect(Peb->ProcessHeaps == reinterpret_cast<PVOID *>(Peb + 1) &&
                                   Peb->MaximumNumberOfHeaps == (PAGE_SIZE - sizeof(PEB)) / sizeof(PVOID),
                               "heap list after the PEB");
                      C.Expect(Peb->HeapSegmentReserve == 1024 * 1024 && Peb->HeapSegmentCommit == 2 * PAGE_SIZE,
                               "heap defaults");
                      C.Expect(Peb->CriticalSectionTimeout.QuadPart == -2592000LL * 10000000, "30-day timeout");
                  }
                  MmDeletePeb(Process);
                  C.Expect(!Process->Peb && Process->VadRoot.NumberGenericTableElements == 0, "MmDeletePeb frees it");
                  C.Expect(TouchStatus(Peb) == STATUS_ACCESS_VIOLATION, "a deleted PEB faults");
                  INITIAL_PEB Initial{};
                  Initial.InheritedAddressSpace = TRUE;
                  Initial.Mutant = reinterpret_cast<HANDLE>(0x44);
                  PPEB Again = nullptr;
                  C.Expect(MmCreatePeb(Process, &Initial, &Again) == STATUS_SUCCESS && Again, "MmCreatePeb");
                  C.Expect(Again && Again->InheritedAddressSpace && Again->Mutant == Initial.Mutant,
                           "InitialPeb's fields");
                  C.Expect(MmCreatePeb(Process, nullptr, &Again) == STATUS_INVALID_PARAMETER && !Again,
                           "no INITIAL_PEB");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

// A user stack for a TEB: 16 pages committed in Process, described by an INITIAL_TEB.
INITIAL_TEB MakeStack(PEPROCESS Process)
{
    INITIAL_TEB Initial{};
    PUCHAR Stack = AllocateUser(Process, 16 * PAGE_SIZE);
    if (Stack) {
        Initial.AllocatedStackBase = Stack;
        Initial.StackLimit = Stack + PAGE_SIZE;
        Initial.StackBase = Stack + 16 * PAGE_SIZE;
    }
    return Initial;
}

TEST_P(PebTebTest, MmCreateTebFillsTheTibCidPebAndStack)
{
    KernelChecks C;
    ASSERT_EQ(RunInKernel([&] {
                  PEPROCESS Process = CreateUserProcess();
                  if (!Process) {
                      C.Expect(false, "process created");
                      return;
                  }
                  INITIAL_TEB Initial = MakeStack(Process);
                  CLIENT_ID Cid{Process->UniqueProcessId, reinterpret_cast<HANDLE>(0x1234)};
                  PTEB Teb = nullptr, Second = nullptr;
                  C.Expect(MmCreateTeb(Process, &Cid, &Initial, &Teb) == STATUS_SUCCESS && Teb, "MmCreateTeb");
                  C.Expect(MmCreateTeb(Process, &Cid, &Initial, &Second) == STATUS_SUCCESS && Second != Teb,
                           "a second TEB");
                  if (!Teb || !Second) {
                      ObDereferenceObject(Process);
                      return;
                  }
                  C.Expect(InRange(Process, Teb, sizeof(TEB)) && InRange(Process, Second, sizeof(TEB)), "in range");
                  auto *First = reinterpret_cast<PUCHAR>(Teb), *Next = reinterpret_cast<PUCHAR>(Second);
                  SIZE_T TebSize = ROUND_TO_PAGES(sizeof(TEB));
                  C.Expect(First + TebSize <= Next || Next + TebSize <= First, "TEBs do not overlap");
                  {
                      Attach In(Process);
                      C.Expect(Teb->NtTib.Self == &Teb->NtTib, "NtTib.Self");
                      C.Expect(Teb->NtTib.ExceptionList == EXCEPTION_CHAIN_END, "empty exception chain");
                      C.Expect(Teb->NtTib.StackBase == Initial.StackBase && Teb->NtTib.StackLimit == Initial.StackLimit,
                               "stack bounds from INITIAL_TEB");
                      C.Expect(Teb->DeallocationStack == Initial.AllocatedStackBase, "DeallocationStack");
                      C.Expect(Teb->ClientId.UniqueProcess == Cid.UniqueProcess &&
                                   Teb->ClientId.UniqueThread == Cid.UniqueThread,
                               "ClientId");
                      C.Expect(Teb->RealClientId.UniqueThread == Cid.UniqueThread, "RealClientId");
                      C.Expect(Teb->ProcessEnvironmentBlock == Process->Peb && Process->Peb, "PEB link");
                      C.Expect(Teb->CurrentLocale == 0x409, "default locale");
                      C.Expect(Teb->StaticUnicodeString.Buffer == Teb->StaticUnicodeBuffer &&
                                   Teb->StaticUnicodeString.MaximumLength == sizeof(Teb->StaticUnicodeBuffer) &&
                                   Teb->StaticUnicodeString.Length == 0,
                               "static unicode string");
                      C.Expect(Teb->LastErrorValue == 0 && Teb->TlsSlots[0] == nullptr, "the rest zeroed");
                  }
                  ULONG_PTR Vads = Process->VadRoot.NumberGenericTableElements;
                  MmDeleteTeb(Process, Teb);
                  C.Expect(Process->VadRoot.NumberGenericTableElements == Vads - 1, "MmDeleteTeb frees its VAD");
                  C.Expect(TouchStatus(Teb) == STATUS_ACCESS_VIOLATION, "a deleted TEB faults");
                  MmDeleteTeb(Process, Teb);
                  C.Expect(Process->VadRoot.NumberGenericTableElements == Vads - 1, "deleting it twice is harmless");

                  INITIAL_TEB Handed{};
                  Handed.PreviousStackBase = Initial.StackBase;
                  Handed.PreviousStackLimit = Initial.AllocatedStackBase;
                  PTEB Fixed = nullptr;
                  C.Expect(MmCreateTeb(Process, &Cid, &Handed, &Fixed) == STATUS_SUCCESS && Fixed, "fixed stack");
                  if (Fixed) {
                      Attach In(Process);
                      C.Expect(Fixed->NtTib.StackBase == Initial.StackBase &&
                                   Fixed->NtTib.StackLimit == Initial.AllocatedStackBase && !Fixed->DeallocationStack,
                               "a stack handed over whole");
                  }
                  PTEB Bad = reinterpret_cast<PTEB>(1);
                  C.Expect(MmCreateTeb(Process, nullptr, &Initial, &Bad) == STATUS_INVALID_PARAMETER && !Bad,
                           "no CLIENT_ID");
                  C.Expect(MmCreateTeb(Process, &Cid, nullptr, &Bad) == STATUS_INVALID_PARAMETER, "no INITIAL_TEB");
                  C.Expect(MmCreateTeb(PsInitialSystemProcess, &Cid, &Initial, &Bad) == STATUS_NO_MEMORY,
                           "no TEB in the System process");
                  // Second and Fixed go with the process's address space.
                  ObDereferenceObject(Process);
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

TEST_P(PebTebTest, InjectedTebFailuresFailTheNextCreations)
{
    KernelChecks C;
    ASSERT_EQ(RunWithUserProcess(C, [&](PEPROCESS Process) {
                  INITIAL_TEB Initial = MakeStack(Process);
                  CLIENT_ID Cid{Process->UniqueProcessId, reinterpret_cast<HANDLE>(8)};
                  ULONG_PTR Vads = Process->VadRoot.NumberGenericTableElements;
                  MmInjectTebFailures(2);
                  PTEB Teb = reinterpret_cast<PTEB>(1);
                  C.Expect(MmCreateTeb(Process, &Cid, &Initial, &Teb) == STATUS_NO_MEMORY && !Teb, "first fails");
                  C.Expect(MmCreateTeb(Process, &Cid, &Initial, &Teb) == STATUS_NO_MEMORY && !Teb, "second fails");
                  C.Expect(Process->VadRoot.NumberGenericTableElements == Vads, "a failed creation leaves nothing");
                  C.Expect(MmCreateTeb(Process, &Cid, &Initial, &Teb) == STATUS_SUCCESS && Teb, "third succeeds");
                  MmInjectTebFailures(5);
                  MmInjectTebFailures(0);
                  PTEB Other = nullptr;
                  C.Expect(MmCreateTeb(Process, &Cid, &Initial, &Other) == STATUS_SUCCESS, "0 ends the injection");
              }),
              STATUS_SUCCESS);
    EXPECT_TRUE(C.Failures.empty()) << C.Report();
}

NTOS_INSTANTIATE_ALL_MODES(PebTebTest);

} // namespace
