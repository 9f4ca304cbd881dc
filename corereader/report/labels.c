/*
 * Shared report names: see labels.h.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "analysis/reach.h"
#include "report/escape.h"
#include "report/labels.h"

const char *rh_root_kind_name(uint8_t kind)
{
	static const char *const kinds[] = {
		[RH_SNAP_ROOT_INTERPRETER] = "interpreter",
		[RH_SNAP_ROOT_MODULE] = "module",
		[RH_SNAP_ROOT_THREAD] = "thread",
		[RH_SNAP_ROOT_INTERNED] = "interned",
		[RH_SNAP_ROOT_STATIC] = "static",
		[RH_SNAP_ROOT_STACK] = "stack",
		[RH_SNAP_ROOT_NATIVE] = "native",
		[RH_SNAP_ROOT_MEMORY] = "memory",
	};
	return kind < sizeof(kinds) / sizeof(kinds[0]) && kinds[kind] ? kinds[kind] : "unknown";
}

struct edge_label_ctx {
	uint64_t edge;
	char *buf;
	size_t len;
	bool found;
};

static int pick_label(void *arg, uint64_t edge, const char *label)
{
	struct edge_label_ctx *c = arg;
	if (edge != c->edge)
		return 0;
	snprintf(c->buf, c->len, "%s", label);
	c->found = true;
	return 1;
}

void rh_edge_label(const struct rh_snapshot *s, uint32_t from, uint32_t to,
		   char *buf, size_t len)
{
	snprintf(buf, len, "?");
	uint32_t e = rh_edge_between(s, from, to);
	if (e == UINT32_MAX)
		return;
	struct edge_label_ctx c = { .edge = e, .buf = buf, .len = len };
	if (s->rt)
		rh_error_destroy(rh_snapshot_edge_label_one(s, from, e, pick_label, &c));
	if (!c.found) {
		// No label from the target (it changed, or the type is
		// unknown): say at least which reference it is.
		uint32_t w = s->edges[e];
		snprintf(buf, len, "%s#%u", (w & RH_EDGE_CONSERVATIVE) ? "pointer" : "ref",
			 e - s->edge_start[from]);
	}
	if (s->edges[e] & RH_EDGE_BORROWED) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, " (borrowed)");
	}
}

void rh_print_str(FILE *f, const char *str)
{
	rh_escape_text(f, str, strlen(str));
}

void rh_print_obj(FILE *f, const struct rh_snapshot *s, uint32_t i)
{
	fprintf(f, "0x%" PRIx64 " ", s->obj_addr[i]);
	rh_print_str(f, s->types[s->obj_type[i]].name);
}

const char *rh_gen_name(int8_t gen)
{
	switch (gen) {
	case 0: return "0";
	case 1: return "1";
	case 2: return "2";
	case RH_SNAP_GEN_PERMANENT: return "permanent";
	default: return "untracked";
	}
}

void rh_format_bytes(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	int u = 0;
	while (v >= 1024.0 && u < 4) {
		v /= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, len, "%.1f %s", v, units[u]);
}
