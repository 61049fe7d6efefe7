/*
 * kmt_sal.h - the source annotations (SAL 2 and the driver annotations of
 * driverspecs.h) that kmtest sources put on their declarations. They only inform
 * static analysis, so here they expand to nothing.
 */
#ifndef KMT_SAL_H
#define KMT_SAL_H

#define KMT_SAL_NOTHING(...)

#ifndef _In_reads_
#define _In_reads_ KMT_SAL_NOTHING
#define _In_reads_bytes_ KMT_SAL_NOTHING
#define _In_reads_opt_ KMT_SAL_NOTHING
#define _In_reads_bytes_opt_ KMT_SAL_NOTHING
#define _Out_writes_ KMT_SAL_NOTHING
#define _Out_writes_bytes_ KMT_SAL_NOTHING
#define _Out_writes_opt_ KMT_SAL_NOTHING
#define _Out_writes_bytes_opt_ KMT_SAL_NOTHING
#define _Out_writes_bytes_to_opt_ KMT_SAL_NOTHING
#define _Out_writes_to_ KMT_SAL_NOTHING
#define _Inout_updates_ KMT_SAL_NOTHING
#define _Inout_updates_bytes_ KMT_SAL_NOTHING
#endif
#ifndef _Inout_
#define _Inout_
#endif
#ifndef _Inout_opt_
#define _Inout_opt_
#endif
#ifndef _In_z_
#define _In_z_
#define _In_opt_z_
#define _Out_opt_z_
#endif
#ifndef _Outptr_
#define _Outptr_
#define _Outptr_opt_
#define _Outptr_result_maybenull_
#endif
#ifndef _Must_inspect_result_
#define _Must_inspect_result_
#define _Check_return_
#define _Use_decl_annotations_
#define _Ret_maybenull_
#define _Ret_notnull_
#define _Null_terminated_
#define _Frees_ptr_
#define _Frees_ptr_opt_
#define _Post_invalid_
#define _Reserved_
#define _Pre_notnull_
#define _Post_null_
#define _Notnull_
#endif
#ifndef _Success_
#define _Success_ KMT_SAL_NOTHING
#define _When_ KMT_SAL_NOTHING
#define _At_ KMT_SAL_NOTHING
#define _Pre_satisfies_ KMT_SAL_NOTHING
#define _Post_satisfies_ KMT_SAL_NOTHING
#define _Post_equal_to_ KMT_SAL_NOTHING
#define _Field_size_ KMT_SAL_NOTHING
#define _Field_size_bytes_ KMT_SAL_NOTHING
#define _Function_class_ KMT_SAL_NOTHING
#define _Analysis_assume_ KMT_SAL_NOTHING
#endif
#ifndef _IRQL_requires_
#define _IRQL_requires_ KMT_SAL_NOTHING
#define _IRQL_requires_max_ KMT_SAL_NOTHING
#define _IRQL_requires_min_ KMT_SAL_NOTHING
#define _IRQL_requires_same_
#define _IRQL_raises_ KMT_SAL_NOTHING
#define _IRQL_saves_
#define _IRQL_restores_
#define _IRQL_saves_global_ KMT_SAL_NOTHING
#define _IRQL_restores_global_ KMT_SAL_NOTHING
#define _IRQL_uses_cancel_
#define _IRQL_always_function_min_ KMT_SAL_NOTHING
#define _IRQL_always_function_max_ KMT_SAL_NOTHING
#endif
#ifndef _Acquires_lock_
#define _Acquires_lock_ KMT_SAL_NOTHING
#define _Releases_lock_ KMT_SAL_NOTHING
#define _Acquires_exclusive_lock_ KMT_SAL_NOTHING
#define _Acquires_shared_lock_ KMT_SAL_NOTHING
#define _Releases_exclusive_lock_ KMT_SAL_NOTHING
#define _Releases_shared_lock_ KMT_SAL_NOTHING
#define _Requires_lock_held_ KMT_SAL_NOTHING
#define _Requires_lock_not_held_ KMT_SAL_NOTHING
#define _Requires_exclusive_lock_held_ KMT_SAL_NOTHING
#define _Requires_shared_lock_held_ KMT_SAL_NOTHING
#define _Has_lock_kind_ KMT_SAL_NOTHING
#define _Guarded_by_ KMT_SAL_NOTHING
#define _Interlocked_
#endif
#ifndef _Kernel_float_saved_
#define _Kernel_float_saved_
#define _Kernel_float_restored_
#define _Kernel_float_used_
#define _Kernel_requires_resource_held_ KMT_SAL_NOTHING
#define _Kernel_requires_resource_not_held_ KMT_SAL_NOTHING
#define _Kernel_acquires_resource_ KMT_SAL_NOTHING
#define _Kernel_releases_resource_ KMT_SAL_NOTHING
#define _Kernel_clear_do_init_ KMT_SAL_NOTHING
#define _Dispatch_type_ KMT_SAL_NOTHING
#define _Enum_is_bitflag_
#define _Strict_type_match_
#endif
#ifndef __drv_dispatchType
#define __drv_dispatchType KMT_SAL_NOTHING
#define __drv_aliasesMem
#define __drv_allocatesMem KMT_SAL_NOTHING
#define __drv_freesMem KMT_SAL_NOTHING
#define __drv_maxIRQL KMT_SAL_NOTHING
#define __drv_requiresIRQL KMT_SAL_NOTHING
#endif

#endif /* KMT_SAL_H */
