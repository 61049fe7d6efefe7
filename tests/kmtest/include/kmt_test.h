/*
 * kmt_test.h - the kmtest harness interface as a kmtest source file sees it, for
 * the hosted kernel. A file written for ReactOS's kmtests (modules/rostests/kmtests)
 * includes this header and compiles unchanged; the bodies live in tests/kmtest/
 * (kmt_log.cpp, kmt_format.cpp, kmt_kernel.cpp) and the runner in kmt_runner.cpp.
 *
 * Differences from kmtest_drv, by design: tests run in a system thread of the System
 * process (PreviousMode KernelMode) in a freshly booted kernel, one process per test;
 * KMT_DEFINE_TEST_FUNCTIONS is accepted and ignored (the harness library holds the
 * bodies); the user-mode call-back mechanism and the standalone and filter driver
 * interfaces are not provided.
 */
#ifndef KMT_TEST_H
#define KMT_TEST_H

#ifndef KMT_KERNEL_MODE
#define KMT_KERNEL_MODE
#endif

#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <wchar.h>

#include <ntddk.h>
#include <ntifs.h>
#include <ndk/ntndk.h>
#include <pseh/pseh2.h>
#include <kmt_sal.h>
#if defined(__has_include)
#if __has_include(<ntstrsafe.h>)
#include <ntstrsafe.h>
#endif
#endif

NT_EXTERN_C_BEGIN

/* A test function and the list that names it (kmtest_drv/testlist.c's shape). A name
 * starting with '-' is run only when asked for by name. */
typedef VOID KMT_TESTFUNC(VOID);
typedef KMT_TESTFUNC *PKMT_TESTFUNC;

typedef struct {
    const char *TestName;
    KMT_TESTFUNC *TestFunction;
} KMT_TEST, *PKMT_TEST;

typedef const KMT_TEST CKMT_TEST, *PCKMT_TEST;

extern const KMT_TEST TestList[];

/* Counters and the log of the running test; the log is not NUL-terminated. */
typedef struct {
    volatile LONG Successes;
    volatile LONG Failures;
    volatile LONG Skipped;
    volatile LONG LogBufferLength;
    LONG LogBufferMaxLength;
    CHAR LogBuffer[ANYSIZE_ARRAY];
} KMT_RESULTBUFFER, *PKMT_RESULTBUFFER;

extern PKMT_RESULTBUFFER ResultBuffer;

extern BOOLEAN KmtIsCheckedBuild;
extern BOOLEAN KmtIsMultiProcessorBuild;
extern BOOLEAN KmtIsVirtualMachine;
extern PCSTR KmtMajorFunctionNames[];
extern PDRIVER_OBJECT KmtDriverObject;

BOOLEAN KmtVOk(INT Condition, PCSTR FileAndLine, PCSTR Format, va_list Arguments);
BOOLEAN KmtOk(INT Condition, PCSTR FileAndLine, PCSTR Format, ...);
VOID KmtVTrace(PCSTR FileAndLine, PCSTR Format, va_list Arguments);
VOID KmtTrace(PCSTR FileAndLine, PCSTR Format, ...);
BOOLEAN KmtVSkip(INT Condition, PCSTR FileAndLine, PCSTR Format, va_list Arguments);
BOOLEAN KmtSkip(INT Condition, PCSTR FileAndLine, PCSTR Format, ...);
VOID KmtFinishTest(PCSTR TestName);
INT KmtVSNPrintF(PSTR Buffer, SIZE_T BufferMaxLength, PCSTR Format, va_list Arguments);

VOID KmtSetIrql(KIRQL NewIrql);
BOOLEAN KmtAreInterruptsEnabled(VOID);
ULONG KmtGetPoolTag(PVOID Memory);
USHORT KmtGetPoolType(PVOID Memory);
PVOID KmtGetSystemRoutineAddress(PCWSTR RoutineName);
PKTHREAD KmtStartThread(PKSTART_ROUTINE StartRoutine, PVOID StartContext);
VOID KmtFinishThread(PKTHREAD Thread, PKEVENT Event);
PVOID KmtAllocateGuarded(SIZE_T SizeRequested);
VOID KmtFreeGuarded(PVOID Pointer);

NT_EXTERN_C_END

/* START_TEST(Name) defines Test_Name, which the generated test list names. */
#ifdef __cplusplus
#define START_TEST(name) extern "C" VOID Test_##name(VOID)
#else
#define START_TEST(name) VOID Test_##name(VOID)
#endif

#ifndef KMT_STRINGIZE
#define KMT_STRINGIZE(x) #x
#endif
#define KMT_FILE_AND_LINE(file, line) file ":" KMT_STRINGIZE(line)

#define ok(test, ...) ok_(test, __FILE__, __LINE__, __VA_ARGS__)
#define trace(...) trace_(__FILE__, __LINE__, __VA_ARGS__)
#define skip(test, ...) skip_(test, __FILE__, __LINE__, __VA_ARGS__)
#define win_skip skip

#define ok_(test, file, line, ...) KmtOk(test, KMT_FILE_AND_LINE(file, line), __VA_ARGS__)
#define trace_(file, line, ...) KmtTrace(KMT_FILE_AND_LINE(file, line), __VA_ARGS__)
#define skip_(test, file, line, ...) KmtSkip(test, KMT_FILE_AND_LINE(file, line), __VA_ARGS__)

/* todo is not tracked: the summary always says 0 marked as todo, and a todo check
 * counts as an ordinary one. */
#define todo_if(is_todo) for (int kmt_todo_once = 1; kmt_todo_once; kmt_todo_once = 0)
#define todo_ros todo_if(1)

/* Value checks. As in ReactOS they evaluate value and expected twice (once to
 * compare, once to print), so neither may have side effects. Formats are Microsoft's
 * (%ld is 32 bits, %I64d 64, %wZ a UNICODE_STRING), which the harness's formatter
 * understands. */
#define ok_irql(irql) ok(KeGetCurrentIrql() == (irql), "IRQL is %d, expected %d\n", KeGetCurrentIrql(), irql)
#define ok_eq_print(value, expected, spec) \
    ok((value) == (expected), #value " = " spec ", expected " spec "\n", value, expected)
#define ok_eq_pointer(value, expected) ok_eq_print(value, expected, "%p")
#define ok_eq_int(value, expected) ok_eq_print(value, expected, "%d")
#define ok_eq_uint(value, expected) ok_eq_print(value, expected, "%u")
#define ok_eq_long(value, expected) ok_eq_print(value, expected, "%ld")
#define ok_eq_ulong(value, expected) ok_eq_print(value, expected, "%lu")
#define ok_eq_longlong(value, expected) ok_eq_print(value, expected, "%I64d")
#define ok_eq_ulonglong(value, expected) ok_eq_print(value, expected, "%I64u")
#define ok_eq_char(value, expected) ok_eq_print(value, expected, "%c")
#define ok_eq_wchar(value, expected) ok_eq_print(value, expected, "%C")
#define ok_eq_size(value, expected) ok_eq_print(value, (SIZE_T)(expected), "%I64u")
#define ok_eq_longptr(value, expected) ok_eq_print(value, (LONG_PTR)(expected), "%I64d")
#define ok_eq_ulongptr(value, expected) ok_eq_print(value, (ULONG_PTR)(expected), "%I64u")
#define ok_eq_hex(value, expected) ok_eq_print(value, expected, "0x%08lx")
#define ok_eq_tag(value, expected) ok_eq_print(value, expected, "0x%08lx")
#define ok_bool_true(value, desc) ok((value) == TRUE, desc " FALSE, expected TRUE\n")
#define ok_bool_false(value, desc) ok((value) == FALSE, desc " TRUE, expected FALSE\n")
#define ok_eq_bool(value, expected) \
    ok((value) == (expected), #value " = %s, expected %s\n", (value) ? "TRUE" : "FALSE", (expected) ? "TRUE" : "FALSE")
#define ok_eq_str(value, expected) ok(!strcmp(value, expected), #value " = \"%s\", expected \"%s\"\n", value, expected)
#define ok_eq_wstr(value, expected) ok(!wcscmp(value, expected), #value " = \"%ls\", expected \"%ls\"\n", value, expected)

/* What the WDK's ntdef.h and windef.h give kmtest sources besides the NT API. */
#ifndef C_ASSERT
#define C_ASSERT(expression) _Static_assert(expression, #expression)
#endif
#if !defined(__cplusplus) && !defined(min)
#define min(a, b) (((a) < (b)) ? (a) : (b))
#define max(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef _ANONYMOUS_UNION
#define _ANONYMOUS_UNION
#define _ANONYMOUS_STRUCT
#define DUMMYUNIONNAME
#define DUMMYUNIONNAME2
#define DUMMYUNIONNAME3
#define DUMMYSTRUCTNAME
#define DUMMYSTRUCTNAME2
#endif
#ifndef INVALID_HANDLE_VALUE
#define INVALID_HANDLE_VALUE ((HANDLE)(LONG_PTR)-1)
#endif

/* Times in 100 ns units. */
#define MICROSECOND 10
#define MILLISECOND (1000 * MICROSECOND)
#define SECOND (1000 * MILLISECOND)

#define KmtInvalidPointer ((PVOID)0x5555555555555555ULL)

/* KmtStartSeh() ... KmtEndSeh(Status): the code between raises Status (or nothing,
 * for STATUS_SUCCESS). */
#define KmtStartSeh()                                   \
    {                                                   \
        _SEH2_VOLATILE NTSTATUS ExceptionStatus = STATUS_SUCCESS; \
        _SEH2_TRY                                       \
        {
#define KmtEndSeh(ExpectedStatus)                       \
        }                                               \
        _SEH2_EXCEPT(EXCEPTION_EXECUTE_HANDLER)         \
        {                                               \
            ExceptionStatus = _SEH2_GetExceptionCode(); \
        }                                               \
        _SEH2_END;                                      \
        ok_eq_hex(ExceptionStatus, (ExpectedStatus));   \
    }

#define KmtGetSystemOrEmbeddedRoutineAddress(RoutineName)              \
    p##RoutineName = KmtGetSystemRoutineAddress(L## #RoutineName);     \
    if (!p##RoutineName) {                                             \
        p##RoutineName = RoutineName;                                  \
        trace("Using embedded routine for " #RoutineName "\n");        \
    } else                                                             \
        trace("Using system routine for " #RoutineName "\n");

/* The NT version this kernel reports (Server 2003), for tests that branch on it. */
#ifndef _WIN32_WINNT_WS03
#define _WIN32_WINNT_WIN2K 0x0500
#define _WIN32_WINNT_WINXP 0x0501
#define _WIN32_WINNT_WS03 0x0502
#define _WIN32_WINNT_VISTA 0x0600
#define _WIN32_WINNT_WIN7 0x0601
#define _WIN32_WINNT_WIN8 0x0602
#define _WIN32_WINNT_WINBLUE 0x0603
#define _WIN32_WINNT_WIN10 0x0A00
#endif
#ifndef GetNTVersion
#define GetNTVersion() _WIN32_WINNT_WS03
#endif

#endif /* KMT_TEST_H */
