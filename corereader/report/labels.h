/*
 * Names shared by the reports: root kinds as the JSON contract spells
 * them, the label of the edge a path step took, a one-line object name.
 */
#ifndef RH_REPORT_LABELS_H
#define RH_REPORT_LABELS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "heap/snapshot.h"

/** "interpreter", "module", "thread", "interned", "static", "stack". */
const char *rh_root_kind_name(uint8_t kind);

/**
 * The label of the edge from object `from` to object `to` ("['key']",
 * ".attr", "[3]", "tp_mro"...), read again from the target; "?" when it
 * cannot be told, "(borrowed)" suffixes a borrowed edge.
 */
void rh_edge_label(const struct rh_snapshot *s, uint32_t from, uint32_t to,
		   char *buf, size_t len);

/** Text: "0x7f... dict" with the type name escaped. */
void rh_print_obj(FILE *f, const struct rh_snapshot *s, uint32_t i);

/** Text: a byte string from the target, escaped for a terminal. */
void rh_print_str(FILE *f, const char *str);

/** "0", "1", "2", "permanent" or "untracked". */
const char *rh_gen_name(int8_t gen);

/** Human bytes: "512 B", "1.5 KiB", "3.2 MiB". */
void rh_format_bytes(uint64_t bytes, char *buf, size_t len);

#endif /* RH_REPORT_LABELS_H */
