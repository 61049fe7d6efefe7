// trace.cpp - ntosrun's timeline: the kernel's PerfInfo log turned into Chrome /
// Perfetto trace-event JSON. Each processor gets a track of what ran on it; each
// thread, under its process, a track of its states (Ready, Running, Waiting with its
// reason and objects, ...), with instants for APCs, thread and process creation and
// exit, and notify routine calls; DPCs are instants on their processor's track.
#include "trace.h"

#include <algorithm>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

namespace {

constexpr unsigned kProcessorsPid = 0x7FFFFFFF; // the synthetic process holding the processor tracks

const char *StateName(ULONG64 State)
{
    static const char *Names[] = {"Initialized", "Ready", "Running", "Standby", "Terminated",
                                  "Waiting", "Transition", "DeferredReady", "GateWait"};
    return State < 9 ? Names[State] : "Unknown";
}

const char *WaitReasonName(ULONG64 Reason)
{
    static const char *Names[] = {"Executive", "FreePage", "PageIn", "PoolAllocation", "DelayExecution",
                                  "Suspended", "UserRequest", "WrExecutive", "WrFreePage", "WrPageIn",
                                  "WrPoolAllocation", "WrDelayExecution", "WrSuspended", "WrUserRequest",
                                  "WrEventPair", "WrQueue", "WrLpcReceive", "WrLpcReply", "WrVirtualMemory",
                                  "WrPageOut", "WrRendezvous", "WrKeyedEvent", "WrTerminated", "WrProcessInSwap",
                                  "WrCpuRateControl", "WrCalloutStack", "WrKernel", "WrResource", "WrPushLock",
                                  "WrMutex", "WrQuantumEnd", "WrDispatchInt", "WrPreempted", "WrYieldExecution",
                                  "WrFastMutex", "WrGuardedMutex", "WrRundown"};
    return Reason < sizeof(Names) / sizeof(Names[0]) ? Names[Reason] : "WrUnknown";
}

// The JSON writer: one event object per line, comma-separated.
class TraceWriter {
public:
    explicit TraceWriter(std::FILE *File) : File(File) { std::fputs("{\"traceEvents\":[\n", File); }
    ~TraceWriter() { std::fputs("\n],\"displayTimeUnit\":\"ns\"}\n", File); }

    // Starts an event object with its common fields; the caller adds the rest and End()s it.
    void Begin(const char *Phase, const std::string &Name, unsigned Pid, unsigned Tid, double Ts)
    {
        std::fprintf(File, "%s{\"ph\":\"%s\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":%.1f", First ? "" : ",\n",
                     Phase, Name.c_str(), Pid, Tid, Ts);
        First = false;
    }
    void Field(const char *Text) { std::fputs(Text, File); }
    void Printf(const char *Format, ...) __attribute__((format(printf, 2, 3)))
    {
        va_list Args;
        va_start(Args, Format);
        std::vfprintf(File, Format, Args);
        va_end(Args);
    }
    void End() { std::fputc('}', File); }

    // A metadata event naming a process or a thread track.
    void Name(const char *Kind, unsigned Pid, unsigned Tid, const std::string &Name)
    {
        Begin("M", Kind, Pid, Tid, 0);
        Printf(",\"args\":{\"name\":\"%s\"}", Name.c_str());
        End();
    }

private:
    std::FILE *File;
    bool First = true;
};

double Micros(ULONG64 Time, ULONG64 Origin) { return static_cast<double>(Time - Origin) / 10.0; }

std::string Hex(ULONG64 Value)
{
    char Text[24];
    std::snprintf(Text, sizeof(Text), "0x%" PRIx64, static_cast<uint64_t>(Value));
    return Text;
}

// A process's image name, from the 16 bytes a process event carries.
std::string ImageName(const PERFINFO_EVENT &Event)
{
    char Name[17] = {};
    std::memcpy(Name, Event.Args, 16);
    std::string Text;
    for (char C : std::string(Name))
        Text += (C >= 32 && C < 127 && C != '"' && C != '\\') ? C : '?';
    return Text.empty() ? "process" : Text;
}

// What a thread track shows about one thread: the state slice open now.
struct ThreadTrack {
    ULONG64 Since = 0;
    ULONG64 State = ~0ULL;
    std::string WaitArgs; // the reason and objects of the wait being entered
};

class TraceBuilder {
public:
    TraceBuilder(TraceWriter &Out, ULONG64 Origin) : Out(Out), Origin(Origin) {}

    void Add(const PERFINFO_EVENT &Event);
    void Finish(ULONG64 End);

private:
    void CloseSlice(unsigned Pid, unsigned Tid, ThreadTrack &Track, ULONG64 Now, const std::string &EndArgs);
    void SwitchProcessor(const PERFINFO_EVENT &Event);
    void Instant(const PERFINFO_EVENT &Event, const std::string &Name, unsigned Pid, unsigned Tid, const char *Scope,
                 const std::string &Args = "");
    std::string ThreadLabel(unsigned Pid, unsigned Tid) const;

    TraceWriter &Out;
    ULONG64 Origin;
    struct ProcessorSlice {
        ULONG64 Start, End;
        unsigned Processor, Pid, Tid;
    };
    std::map<unsigned, std::string> Processes;                    // PID -> image name, the latest known
    std::map<std::pair<unsigned, unsigned>, ThreadTrack> Threads; // (PID, TID)
    std::map<unsigned, ProcessorSlice> Running;                   // per processor: the slice open now
    std::vector<ProcessorSlice> ProcessorSlices; // written at the end, when every process has its name
};

std::string TraceBuilder::ThreadLabel(unsigned Pid, unsigned Tid) const
{
    if (!Tid)
        return "Idle";
    auto Name = Processes.find(Pid);
    return (Name != Processes.end() ? Name->second : "PID " + Hex(Pid)) + " TID " + Hex(Tid);
}

void TraceBuilder::CloseSlice(unsigned Pid, unsigned Tid, ThreadTrack &Track, ULONG64 Now, const std::string &EndArgs)
{
    if (Track.State == ~0ULL)
        return;
    Out.Begin("X", StateName(Track.State), Pid, Tid, Micros(Track.Since, Origin));
    Out.Printf(",\"dur\":%.1f", Micros(Now, Track.Since));
    if (Track.State == 5 /* Waiting */)
        Out.Printf(",\"args\":{%s%s}", Track.WaitArgs.c_str(), EndArgs.c_str());
    Out.End();
}

void TraceBuilder::SwitchProcessor(const PERFINFO_EVENT &Event)
{
    auto Open = Running.find(Event.Processor);
    if (Open != Running.end()) {
        Open->second.End = Event.Time;
        ProcessorSlices.push_back(Open->second);
    }
    Running[Event.Processor] = {Event.Time, 0, Event.Processor, Event.Pid, Event.Tid};
}

void TraceBuilder::Instant(const PERFINFO_EVENT &Event, const std::string &Name, unsigned Pid, unsigned Tid,
                           const char *Scope, const std::string &Args)
{
    Out.Begin("i", Name, Pid, Tid, Micros(Event.Time, Origin));
    Out.Printf(",\"s\":\"%s\"", Scope);
    if (!Args.empty())
        Out.Printf(",\"args\":{%s}", Args.c_str());
    Out.End();
}

void TraceBuilder::Add(const PERFINFO_EVENT &Event)
{
    unsigned Pid = Event.Pid, Tid = Event.Tid;
    ThreadTrack &Track = Threads[{Pid, Tid}];
    switch (Event.Type) {
    case PerfInfoContextSwitch:
        SwitchProcessor(Event);
        break;
    case PerfInfoThreadState:
        if (!Tid)
            break; // idle threads live on the processor tracks
        CloseSlice(Pid, Tid, Track, Event.Time, "");
        Track.Since = Event.Time;
        Track.State = Event.Args[0];
        break;
    case PerfInfoWaitBegin:
        Track.WaitArgs = "\"reason\":\"" + std::string(WaitReasonName(Event.Args[0])) +
                         "\",\"wait_blocks\":" + std::to_string(Event.Args[1]) + ",\"object\":\"" +
                         Hex(Event.Args[2]) + "\"";
        break;
    case PerfInfoWaitEnd:
        if (Tid && Track.State == 5) {
            CloseSlice(Pid, Tid, Track, Event.Time, ",\"status\":\"" + Hex(Event.Args[0] & 0xFFFFFFFF) + "\"");
            Track.State = ~0ULL;
        }
        break;
    case PerfInfoApcDelivery:
        Instant(Event, Event.Args[2] ? "user APC" : "kernel APC", Pid, Tid, "t",
                "\"kernel_routine\":\"" + Hex(Event.Args[0]) + "\",\"normal_routine\":\"" + Hex(Event.Args[1]) + "\"");
        break;
    case PerfInfoDpcDelivery:
        Instant(Event, "DPC", kProcessorsPid, Event.Processor, "t", "\"routine\":\"" + Hex(Event.Args[0]) + "\"");
        break;
    case PerfInfoThreadCreate:
    case PerfInfoThreadRundown:
        Out.Name("thread_name", Pid, Tid, "TID " + Hex(Tid));
        if (Event.Type == PerfInfoThreadCreate)
            Instant(Event, "thread created", Pid, Tid, "t", "\"start\":\"" + Hex(Event.Args[0]) + "\"");
        break;
    case PerfInfoThreadExit:
        Instant(Event, "thread exit", Pid, Tid, "t", "\"exit_status\":\"" + Hex(Event.Args[0] & 0xFFFFFFFF) + "\"");
        break;
    case PerfInfoProcessCreate:
    case PerfInfoProcessRundown:
        Processes[Pid] = ImageName(Event);
        if (Event.Type == PerfInfoProcessCreate)
            Instant(Event, "process created", Pid, 0, "p", "\"parent\":\"" + Hex(Event.Args[2]) + "\"");
        break;
    case PerfInfoProcessExit:
        if (ImageName(Event) != "process")
            Processes[Pid] = ImageName(Event); // a hosted process is named once it exists
        Instant(Event, "process exit", Pid, 0, "p", "\"exit_status\":\"" + Hex(Event.Args[2] & 0xFFFFFFFF) + "\"");
        break;
    case PerfInfoNotifyRoutine: {
        static const char *Kinds[] = {"process", "thread", "image"};
        Instant(Event, std::string(Kinds[Event.Args[1] % 3]) + " notify routine", Pid, Tid, "t",
                "\"routine\":\"" + Hex(Event.Args[0]) + "\",\"create\":" + (Event.Args[2] ? "true" : "false"));
        break;
    }
    default:
        break;
    }
}

void TraceBuilder::Finish(ULONG64 End)
{
    for (auto &[Ids, Track] : Threads)
        if (Ids.second)
            CloseSlice(Ids.first, Ids.second, Track, End, "");
    for (auto &[Number, Slice] : Running) {
        Slice.End = End;
        ProcessorSlices.push_back(Slice);
        Out.Name("thread_name", kProcessorsPid, Number, "CPU " + std::to_string(Number));
    }
    for (const ProcessorSlice &Slice : ProcessorSlices) {
        Out.Begin("X", ThreadLabel(Slice.Pid, Slice.Tid), kProcessorsPid, Slice.Processor, Micros(Slice.Start, Origin));
        Out.Printf(",\"dur\":%.1f", Micros(Slice.End, Slice.Start));
        Out.End();
    }
    Out.Name("process_name", kProcessorsPid, 0, "Processors");
    for (const auto &[Pid, Name] : Processes)
        Out.Name("process_name", Pid, 0, Name + " (PID " + Hex(Pid) + ")");
}

} // namespace

bool NtosrunWriteTrace(const std::string &Path, std::vector<PERFINFO_EVENT> Events, std::string &Error)
{
    std::FILE *File = std::fopen(Path.c_str(), "w");
    if (!File) {
        Error = "cannot write " + Path;
        return false;
    }
    std::stable_sort(Events.begin(), Events.end(),
                     [](const PERFINFO_EVENT &A, const PERFINFO_EVENT &B) { return A.Time < B.Time; });
    ULONG64 Origin = Events.empty() ? 0 : Events.front().Time;
    {
        TraceWriter Out(File);
        TraceBuilder Builder(Out, Origin);
        for (const PERFINFO_EVENT &Event : Events)
            Builder.Add(Event);
        Builder.Finish(Events.empty() ? 0 : Events.back().Time);
    }
    bool Ok = std::fclose(File) == 0;
    if (!Ok)
        Error = "cannot write " + Path;
    return Ok;
}

ULONG64 NtosrunCollectTrace(ULONG Capacity, std::vector<PERFINFO_EVENT> &Events)
{
    PerfInfoStopLog();
    Events.resize(Capacity);
    ULONG Copied = 0;
    ULONG64 Total = PerfInfoReadLog(Events.data(), Capacity, &Copied);
    Events.resize(Copied);
    PerfInfoFreeLog();
    return Total;
}
