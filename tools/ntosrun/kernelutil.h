// kernelutil.h - what ntosrun's workloads do inside the kernel, in a few calls: make a
// named process, start system and hosted user threads in it, wait and sleep.
#pragma once

#include <functional>

#include "ndk/ntndk.h"

// A child of the System process, named (a hosted process has no image section to
// take its ImageFileName from, so the tool names it as a loader would); a kernel handle.
NTSTATUS NtosrunCreateProcess(const char *Name, PHANDLE Process);
// A system thread in Process (NULL: the System process) running Body, which must
// outlive it; a kernel handle.
NTSTATUS NtosrunStartSystemThread(HANDLE Process, const std::function<void()> *Body, PHANDLE Thread,
                                  PCLIENT_ID Cid = nullptr);
// A hosted user thread in Process running Body in user mode (its result is the exit
// status); Body must outlive it. A kernel handle.
NTSTATUS NtosrunStartUserThread(HANDLE Process, const std::function<NTSTATUS()> *Body, PHANDLE Thread,
                                PCLIENT_ID Cid = nullptr, BOOLEAN Suspended = FALSE);
// Waits for the object Handle names, at most Milliseconds (0: forever).
NTSTATUS NtosrunWait(HANDLE Handle, ULONG Milliseconds = 0);
// Sleeps in the caller's mode, through NtDelayExecution (the interval on the caller's
// stack, as user code keeps it).
NTSTATUS NtosrunSleep(ULONG Milliseconds, BOOLEAN Alertable = FALSE);
// Opens a named object (Event, Semaphore or Mutant) from the calling thread's side: a user
// thread's name, attributes and handle slot live on its own (user) stack.
NTSTATUS NtosrunOpenEvent(const WCHAR *Name, PHANDLE Event);
NTSTATUS NtosrunOpenSemaphore(const WCHAR *Name, PHANDLE Semaphore);
NTSTATUS NtosrunOpenMutant(const WCHAR *Name, PHANDLE Mutant);
// The exit status of a thread or process whose handle is given, once it has ended.
NTSTATUS NtosrunExitStatus(HANDLE Handle);
// The unique thread ID a client ID holds, as a number.
inline unsigned long NtosrunTid(const CLIENT_ID &Cid) { return reinterpret_cast<unsigned long>(Cid.UniqueThread); }
