/*
 * The DWARF query table of the CPython layer; see layout_table.h.
 */
#include "config.h"

#include "cpython/layout_table.h"

#define S RH_LAYOUT_SIZEOF
#define O RH_LAYOUT_OFFSET
#define C RH_LAYOUT_COUNT
#define BO RH_LAYOUT_BIT_OFFSET
#define BS RH_LAYOUT_BIT_SIZE

const struct rh_layout_query rh_py_layout_queries[] = {
#define RH_X(name, kind, type, member, req) [PYL_##name] = { kind, type, member },
	RH_PY_ALL_LAYOUTS(RH_X)
#undef RH_X
};

const bool rh_py_layout_required[] = {
#define RH_X(name, kind, type, member, req) [PYL_##name] = req,
	RH_PY_ALL_LAYOUTS(RH_X)
#undef RH_X
};
