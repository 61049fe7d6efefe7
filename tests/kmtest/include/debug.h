/*
 * debug.h - the ReactOS debug-print macros kmtest sources include: DPRINT1 always
 * prints through DbgPrint, DPRINT only without NDEBUG; ASSERT comes from the
 * kernel's headers.
 */
#ifndef KMT_DEBUG_H
#define KMT_DEBUG_H

#include <ntddk.h>

#define DPRINT1(...) DbgPrint("(%s:%d) ", __FILE__, __LINE__), DbgPrint(__VA_ARGS__)
#ifdef NDEBUG
#define DPRINT(...) ((void)0)
#else
#define DPRINT(...) DPRINT1(__VA_ARGS__)
#endif
#define UNIMPLEMENTED DbgPrint("%s is unimplemented\n", __func__)

#endif /* KMT_DEBUG_H */
