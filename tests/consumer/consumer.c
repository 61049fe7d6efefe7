/* Boots the embedded kernel, runs one system thread, shuts down: exit 0 on success. */
#include "nthost.h"

static VOID NTAPI Hello(PVOID Context)
{
    *(KIRQL *)Context = KeGetCurrentIrql() + 1;
}

int main(void)
{
    NTOS_BOOT_OPTIONS Options = {sizeof(NTOS_BOOT_OPTIONS), 2, TRUE, 3, 0};
    KIRQL Seen = 0;
    NTSTATUS Exit;
    if (!NT_SUCCESS(NtosBoot(&Options)))
        return 1;
    if (!NT_SUCCESS(NtosRunSystemThread(Hello, &Seen, &Exit)) || Seen != PASSIVE_LEVEL + 1)
        return 2;
    return NT_SUCCESS(NtosShutdown()) ? 0 : 3;
}
