/*
 * DWARF queries of cpython/obmalloc.c, part of the one table of layout_table.h.
 * X(name, kind, type, member, required): kind is one of the short forms
 * S (SIZEOF), O (OFFSET), C (COUNT), BO, BS defined by layout_table.h.
 * Use PYL(rt, name) / PYL_HAS(rt, name) to read an answer.
 *
 * None is required: a build without pymalloc (--without-pymalloc) has none
 * of them, and the allocator scan then records a problem instead of the
 * whole runtime failing to open.
 *
 * Checked on pyenv 3.8.18-3.13.0 and Debian 3.11.2: struct arena_object is
 * 48 bytes {address 0, pool_address 8, nfreepools 16, ntotalpools 20}, struct
 * pool_header 48 bytes {ref.count 0, freeblock 8, arenaindex 32, szidx 36,
 * nextoffset 40, maxnextoffset 44} in every one; 3.12.1 embeds a 263248-byte
 * struct _obmalloc_state at PyInterpreterState+3960, 3.13.0 keeps a pointer
 * at +10800 (mgmt.arenas 512, mgmt.maxarenas 520, raw_allocated_blocks 1088
 * in both).
 */
#ifndef RH_CPYTHON_LAYOUTS_OBMALLOC_H
#define RH_CPYTHON_LAYOUTS_OBMALLOC_H

#define RH_PY_OBMALLOC_LAYOUTS(X)                                              \
	/* Objects/obmalloc.c (3.8-3.11), pycore_obmalloc.h (3.12+)         */ \
	X(OM_SZ_ARENA_OBJECT, S, "struct arena_object", NULL, false)           \
	X(OM_AO_ADDRESS, O, "struct arena_object", "address", false)           \
	X(OM_AO_POOL_ADDRESS, O, "struct arena_object", "pool_address", false) \
	X(OM_AO_NTOTALPOOLS, O, "struct arena_object", "ntotalpools", false)   \
	X(OM_SZ_POOL_HEADER, S, "struct pool_header", NULL, false)             \
	X(OM_PH_COUNT, O, "struct pool_header", "ref.count", false)            \
	X(OM_PH_FREEBLOCK, O, "struct pool_header", "freeblock", false)        \
	X(OM_PH_ARENAINDEX, O, "struct pool_header", "arenaindex", false)      \
	X(OM_PH_SZIDX, O, "struct pool_header", "szidx", false)                \
	X(OM_PH_NEXTOFFSET, O, "struct pool_header", "nextoffset", false)      \
	X(OM_PH_MAXNEXTOFFSET, O, "struct pool_header", "maxnextoffset", false) \
	/* 3.12+: per-interpreter state; 3.13+ a pointer (sizeof 8)         */ \
	X(OM_IS_OBMALLOC, O, "PyInterpreterState", "obmalloc", false)          \
	X(OM_SZ_IS_OBMALLOC, S, "PyInterpreterState", "obmalloc", false)       \
	X(OM_ST_ARENAS, O, "struct _obmalloc_state", "mgmt.arenas", false)     \
	X(OM_ST_MAXARENAS, O, "struct _obmalloc_state", "mgmt.maxarenas", false) \
	X(OM_ST_RAW_BLOCKS, O, "struct _obmalloc_state", "mgmt.raw_allocated_blocks", false) \
	X(OM_ST_NUSEDPOOLS, C, "struct _obmalloc_state", "pools.used", false)  \
	X(OM_ST_NFP2LASTA, C, "struct _obmalloc_state", "mgmt.nfp2lasta", false) \
	X(OM_RT_LEAKS, O, "_PyRuntimeState", "obmalloc.interpreter_leaks", false) \
	/* the radix tree of 3.10+ (USE_LARGE_ARENAS/POOLS come with it)    */ \
	X(OM_MAP_BOT_COUNT, C, "arena_map_bot_t", "arenas", false)             \
	/* 3.8-3.11 statics, when .symtab lacks them (addresses need bias)  */ \
	X(OM_VAR_ARENAS, RH_LAYOUT_VARIABLE, NULL, "arenas", false)            \
	X(OM_VAR_MAXARENAS, RH_LAYOUT_VARIABLE, NULL, "maxarenas", false)      \
	X(OM_VAR_RAW_BLOCKS, RH_LAYOUT_VARIABLE, NULL, "raw_allocated_blocks", false) \
	X(OM_VAR_ALLOCATED_BLOCKS, RH_LAYOUT_VARIABLE, NULL, "_Py_AllocatedBlocks", false)

#endif /* RH_CPYTHON_LAYOUTS_OBMALLOC_H */
