/*
 * DWARF queries of cpython/repr.c, part of the one table of layout_table.h.
 */
#ifndef RH_CPYTHON_LAYOUTS_REPR_H
#define RH_CPYTHON_LAYOUTS_REPR_H

#define RH_PY_REPR_LAYOUTS(X)                                                  \
	X(RP_FLOAT_FVAL, O, "PyFloatObject", "ob_fval", false)                 \
	X(RP_FUNC_QUALNAME, O, "PyFunctionObject", "func_qualname", false)     \
	X(RP_HT_QUALNAME, O, "PyHeapTypeObject", "ht_qualname", false)         \
	X(RP_MOD_DICT, O, "PyModuleObject", "md_dict", false)                  \
	X(RP_MOD_NAME, O, "PyModuleObject", "md_name", false)                  \
	X(RP_CO_NAME, O, "PyCodeObject", "co_name", false)                     \
	X(RP_CO_FILENAME, O, "PyCodeObject", "co_filename", false)             \
	X(RP_CO_FIRSTLINENO, O, "PyCodeObject", "co_firstlineno", false)

#endif /* RH_CPYTHON_LAYOUTS_REPR_H */
