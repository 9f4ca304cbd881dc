/*
 * refheap gdb-bridge: the hidden command behind plugin/refheap.gdb, GDB's
 * refheap commands without GDB's Python API (see gdb_bridge.c).
 */
#ifndef RH_CLI_GDB_BRIDGE_H
#define RH_CLI_GDB_BRIDGE_H

/**
 * Run `refheap gdb-bridge`. self is argv[0] of refheap (to run the real
 * subcommand with), argc/argv start at "gdb-bridge". Returns the exit status.
 */
int rh_gdb_bridge(const char *self, int argc, char **argv);

#endif /* RH_CLI_GDB_BRIDGE_H */
