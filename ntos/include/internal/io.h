/* internal/io.h - the I/O manager's private prototypes: as far as hosted drivers need. */
#ifndef _INTERNAL_IO_H
#define _INTERNAL_IO_H

#include "ntddk.h"

NT_EXTERN_C_BEGIN

extern struct _OBJECT_TYPE *IopDriverObjectType;
/* driver.cpp: the Driver type, in phase 1 */
NTSTATUS NTAPI IopCreateObjectTypes(VOID);

NT_EXTERN_C_END

#endif /* _INTERNAL_IO_H */
