/*
 * DWARF queries of cpython/obmalloc.c, part of the one table of layout_table.h.
 * X(name, kind, type, member, required): kind is one of the short forms
 * S (SIZEOF), O (OFFSET), C (COUNT), BO, BS defined by layout_table.h.
 * Use PYL(rt, name) / PYL_HAS(rt, name) to read an answer.
 */
#ifndef RH_CPYTHON_LAYOUTS_OBMALLOC_H
#define RH_CPYTHON_LAYOUTS_OBMALLOC_H

#define RH_PY_OBMALLOC_LAYOUTS(X)

#endif /* RH_CPYTHON_LAYOUTS_OBMALLOC_H */
