// kmt_format.cpp - KmtVSNPrintF: the kmtests' messages use Microsoft's printf
// formats (%ld and %lx are 32 bits, %I64d and %Iu 64, %wZ a UNICODE_STRING, %Z an
// ANSI_STRING, %S and %ls wide strings, %C a wide character), so the harness formats
// them itself, leaving each converted item's digits to the C library.
#include <cstdio>
#include <cstring>
#include <string>

#include "kmt_test.h"

namespace {

// One conversion's parsed size prefix.
enum class ArgSize { Default, Char, Short, Long32, Long64, Wide };

// Appends a wide string of Length characters (or up to its NUL when Length < 0),
// non-ASCII characters as '?': the log is plain text.
void AppendWide(std::string &Out, const wchar_t *Text, long Length)
{
    if (!Text) {
        Out += "(null)";
        return;
    }
    for (long Index = 0; Length < 0 ? Text[Index] != 0 : Index < Length; Index++)
        Out += (Text[Index] > 0 && Text[Index] < 0x80) ? (char)Text[Index] : '?';
}

// Parses the size prefix at *Cursor (h, hh, l, ll, I, I32, I64, w, z, j, t, L) and
// moves past it.
ArgSize ParseSize(const char *&Cursor)
{
    if (Cursor[0] == 'h' && Cursor[1] == 'h')
        return Cursor += 2, ArgSize::Char;
    if (Cursor[0] == 'h')
        return Cursor += 1, ArgSize::Short;
    if (Cursor[0] == 'l' && Cursor[1] == 'l')
        return Cursor += 2, ArgSize::Long64;
    if (Cursor[0] == 'l')
        return Cursor += 1, ArgSize::Long32;
    if (Cursor[0] == 'I' && Cursor[1] == '6' && Cursor[2] == '4')
        return Cursor += 3, ArgSize::Long64;
    if (Cursor[0] == 'I' && Cursor[1] == '3' && Cursor[2] == '2')
        return Cursor += 3, ArgSize::Long32;
    if (Cursor[0] == 'I' || Cursor[0] == 'z' || Cursor[0] == 'j' || Cursor[0] == 't')
        return Cursor += 1, ArgSize::Long64;
    if (Cursor[0] == 'w')
        return Cursor += 1, ArgSize::Wide;
    if (Cursor[0] == 'L')
        return Cursor += 1, ArgSize::Default;
    return ArgSize::Default;
}

// Formats one C-library conversion Spec (flags, width and precision already
// resolved) with a single value.
template <typename T> void AppendC(std::string &Out, const std::string &Spec, T Value)
{
    char Item[512];
    int Length = snprintf(Item, sizeof(Item), Spec.c_str(), Value);
    if (Length > 0)
        Out.append(Item, (size_t)Length < sizeof(Item) ? (size_t)Length : sizeof(Item) - 1);
}

} // namespace

// Formats Format with Microsoft's conventions into Buffer (at most BufferMaxLength
// bytes, NUL-terminated when there is room); returns the length of the full text.
// Any IRQL: no kernel state is touched.
extern "C" INT KmtVSNPrintF(PSTR Buffer, SIZE_T BufferMaxLength, PCSTR Format, va_list Arguments)
{
    std::string Out;
    for (const char *Cursor = Format; Cursor && *Cursor; Cursor++) {
        if (*Cursor != '%') {
            Out += *Cursor;
            continue;
        }
        std::string Spec = "%";
        Cursor++;
        while (*Cursor && strchr("-+ #0", *Cursor))
            Spec += *Cursor++;
        if (*Cursor == '*')
            Spec += std::to_string(va_arg(Arguments, int)), Cursor++;
        while (*Cursor >= '0' && *Cursor <= '9')
            Spec += *Cursor++;
        if (*Cursor == '.') {
            Spec += *Cursor++;
            if (*Cursor == '*')
                Spec += std::to_string(va_arg(Arguments, int)), Cursor++;
            while (*Cursor >= '0' && *Cursor <= '9')
                Spec += *Cursor++;
        }
        ArgSize Size = ParseSize(Cursor);
        char Conversion = *Cursor;
        switch (Conversion) {
        case 'd':
        case 'i':
            if (Size == ArgSize::Long64)
                AppendC(Out, Spec + "lld", va_arg(Arguments, long long));
            else
                AppendC(Out, Spec + "d", Size == ArgSize::Short ? (short)va_arg(Arguments, int)
                                         : Size == ArgSize::Char ? (signed char)va_arg(Arguments, int)
                                                                 : va_arg(Arguments, int));
            break;
        case 'u':
        case 'x':
        case 'X':
        case 'o':
            if (Size == ArgSize::Long64)
                AppendC(Out, Spec + "ll" + Conversion, va_arg(Arguments, unsigned long long));
            else
                AppendC(Out, Spec + Conversion, Size == ArgSize::Short ? (unsigned short)va_arg(Arguments, unsigned)
                                                : Size == ArgSize::Char ? (unsigned char)va_arg(Arguments, unsigned)
                                                                        : va_arg(Arguments, unsigned));
            break;
        case 'p':
            AppendC(Out, "%016llX", (unsigned long long)(uintptr_t)va_arg(Arguments, void *));
            break;
        case 'c':
            if (Size == ArgSize::Long32 || Size == ArgSize::Wide) {
                wchar_t Wide = (wchar_t)va_arg(Arguments, int);
                AppendWide(Out, &Wide, 1);
            } else
                Out += (char)va_arg(Arguments, int);
            break;
        case 'C': {
            wchar_t Wide = (wchar_t)va_arg(Arguments, int);
            AppendWide(Out, &Wide, 1);
            break;
        }
        case 's':
            if (Size == ArgSize::Long32 || Size == ArgSize::Wide)
                AppendWide(Out, va_arg(Arguments, const wchar_t *), -1);
            else {
                const char *Text = va_arg(Arguments, const char *);
                AppendC(Out, Spec + "s", Text ? Text : "(null)");
            }
            break;
        case 'S':
            AppendWide(Out, va_arg(Arguments, const wchar_t *), -1);
            break;
        case 'Z':
            if (Size == ArgSize::Wide) {
                PCUNICODE_STRING String = va_arg(Arguments, PCUNICODE_STRING);
                if (String)
                    AppendWide(Out, String->Buffer, String->Length / (long)sizeof(WCHAR));
                else
                    Out += "(null)";
            } else {
                const ANSI_STRING *String = va_arg(Arguments, const ANSI_STRING *);
                if (String && String->Buffer)
                    Out.append(String->Buffer, String->Length);
                else
                    Out += "(null)";
            }
            break;
        case 'e':
        case 'E':
        case 'f':
        case 'F':
        case 'g':
        case 'G':
        case 'a':
        case 'A':
            AppendC(Out, Spec + Conversion, va_arg(Arguments, double));
            break;
        case 'n':
            (void)va_arg(Arguments, void *);
            break;
        case '%':
            Out += '%';
            break;
        default:
            Out += Spec;
            if (!Conversion)
                Cursor--;
            else
                Out += Conversion;
            break;
        }
    }
    if (BufferMaxLength) {
        size_t Copied = Out.size() < BufferMaxLength ? Out.size() : BufferMaxLength - 1;
        memcpy(Buffer, Out.data(), Copied);
        Buffer[Copied] = 0;
    }
    return (INT)Out.size();
}
