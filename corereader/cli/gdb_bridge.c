/*
 * refheap gdb-bridge: the hidden command behind plugin/refheap.gdb.
 *
 * GDB without Python (gdb-minimal) can neither read its own state into a
 * string nor build a command line from strings. What it can do is pipe the
 * output of its commands into a shell command (`pipe`, GDB >= 10) and branch
 * on that command's exit status ($_shell_exitcode). So the GDB script pipes
 * a small context into this bridge, `refheap gdb-bridge`, which:
 *
 *   - finds the target of the GDB session: the core file named by
 *     `info files` ("Local core dump file: `PATH', ..."), or the pid of the
 *     current inferior in `info inferiors` ("* 1  process PID  1 (native)");
 *   - tells GDB, through its exit status, where the address expression is
 *     among the words the user typed (GDB then evaluates it);
 *   - runs the real subcommand (refheap why 0x... --pid PID, or ... CORE),
 *     with GDB's sysroot and debug-file-directory as --sysroot/--debug-dir;
 *   - for a live process whose memory it cannot read (permissions, another
 *     pid namespace, a remote target), reserves a temporary file for GDB's
 *     `gcore`, then analyzes that core and removes it.
 *
 * The context (written by _refheap_context in refheap.gdb; the line before
 * it, the refheap path, is consumed by the shell that starts the bridge):
 *
 *   refheap-gdb-context 1
 *   stage<TAB>1|2|3
 *   sub<TAB>why
 *   arg<TAB>WORD                 one per word the user typed
 *   addr<TAB>0x...               stage 2 and 3, once GDB evaluated it
 *   slot<TAB>N                   stage 3
 *   tmpdir<TAB>DIR               $refheap_tmpdir
 *   options<TAB>WORDS            $refheap_options, added to every command
 *   verbose<TAB>0|1   gcore<TAB>0|1
 *   sysroot<TAB>...   debug-file-directory<TAB>...   gdb<TAB>13.1
 *   inferiors                    then the output of `info inferiors`
 *   files                        then the output of `info files`
 *
 * Exit statuses (what refheap.gdb branches on):
 *   stage 1   99: run without an address; 128 + 11*START + (COUNT - 1): the
 *             address expression is words START .. START+COUNT-1;
 *             anything else: an error, already reported
 *   stage 2   100 + SLOT (SLOT < 26): write TMPDIR/gcore-SLOT.core with
 *             gcore, then run stage 3; anything else: refheap's exit status
 *   stage 3   refheap's exit status (the core is removed in any case)
 * refheap's own statuses are all below 99; 126 and 127 are the shell's
 * (refheap not found), so no code of the bridge is either.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/exitcodes.h"
#include "cli/gdb_bridge.h"

#define PROTOCOL_LINE "refheap-gdb-context 1"
#define CODE_NO_ADDR 99
#define CODE_SLOT_BASE 100
#define MAX_SLOTS 26          /* 100 .. 125 */
#define CODE_ADDR_BASE 128
#define MAX_EXPR_WORDS 11     /* 128 .. 128 + 11 * 10 + 10 = 248 */
#define MAX_EXPR_START 10     /* words before the expression */
#define MAX_WORDS 64
#define MAX_CONTEXT (256u << 20)
#define STALE_SECONDS 3600    /* a reserved core older than this is abandoned */
#define MAX_DEBUG_DIRS_FWD 8

struct ctx {
	int stage;
	const char *sub;
	char *words[MAX_WORDS];
	size_t nwords;
	bool have_addr;
	uint64_t addr;
	int slot;
	const char *tmpdir;
	const char *options;
	bool verbose;
	bool force_gcore;
	const char *sysroot;
	const char *debugdirs;
	/* from `info inferiors` / `info files` */
	long pid;
	bool have_inferior_line;
	const char *connection;   /* "native", "core", "remote ...", or NULL */
	char *core_path;
	char *exec_path;
	bool native;
};

/* ------------------------------------------------------------- messages */

__attribute__((format(printf, 1, 2)))
static void say(const char *fmt, ...)
{
	va_list ap;
	fputs("refheap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void print_word(FILE *f, const char *w)
{
	bool plain = *w != '\0';
	for (const char *c = w; *c; c++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_./=:,+@%", *c))
			plain = false;
	if (plain) {
		fputs(w, f);
		return;
	}
	fputc('\'', f);
	for (const char *c = w; *c; c++) {
		if (*c == '\'')
			fputs("'\\''", f);
		else
			fputc(*c, f);
	}
	fputc('\'', f);
}

static void print_command(char *const *argv)
{
	fputs("refheap: running:", stderr);
	for (size_t i = 0; argv[i]; i++) {
		fputc(' ', stderr);
		print_word(stderr, argv[i]);
	}
	fputc('\n', stderr);
}

/* --------------------------------------------------------- the context */

static char *read_all(int fd, size_t *len_ret)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap + 1);
	if (!buf)
		return NULL;
	for (;;) {
		if (len == cap) {
			if (cap >= MAX_CONTEXT) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			char *p = realloc(buf, 2 * cap + 1);
			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*len_ret = len;
	return buf;
}

/* "...`PATH', file type ..." -> PATH (malloc'd), or NULL */
static char *quoted_path(const char *line)
{
	const char *open = strchr(line, '`');
	if (!open)
		return NULL;
	open++;
	const char *close = NULL;
	for (const char *p = open; (p = strstr(p, "', file type")); p++)
		close = p;
	if (!close) {
		close = strrchr(open, '\'');
		if (!close)
			return NULL;
	}
	return strndup(open, (size_t)(close - open));
}

static void parse_inferior_line(struct ctx *c, char *line)
{
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != '*')
		return;
	c->have_inferior_line = true;
	char *proc = strstr(p, "process ");
	if (!proc)
		return;
	char *end;
	long pid = strtol(proc + strlen("process "), &end, 10);
	if (end == proc + strlen("process ") || pid <= 0)
		return;
	c->pid = pid;
	// GDB >= 11: a Connection column, "1 (native)", "2 (core)",
	// "3 (extended-remote host:1234)".
	char *open = strchr(end, '(');
	if (open) {
		char *close = strchr(open, ')');
		if (close) {
			*close = '\0';
			c->connection = open + 1;
		}
	}
}

static int parse_context(struct ctx *c, char *buf)
{
	enum { KEYS, INFERIORS, FILES } section = KEYS;
	char *save = NULL;
	bool first = true;
	const char *prev = "";
	for (char *line = strtok_r(buf, "\n", &save); line;
	     prev = line, line = strtok_r(NULL, "\n", &save)) {
		if (first) {
			first = false;
			if (strcmp(line, PROTOCOL_LINE) != 0) {
				say("gdb-bridge: unexpected input \"%.60s\": this command is run by "
				    "refheap.gdb, and the refheap.gdb sourced in GDB must come with "
				    "this refheap binary (set $refheap_bin)", line);
				return RH_EXIT_USAGE;
			}
			continue;
		}
		if (section == KEYS) {
			if (strcmp(line, "inferiors") == 0) {
				section = INFERIORS;
				continue;
			}
			char *tab = strchr(line, '\t');
			if (!tab)
				continue;
			*tab = '\0';
			const char *k = line, *v = tab + 1;
			if (strcmp(k, "stage") == 0)
				c->stage = atoi(v);
			else if (strcmp(k, "sub") == 0)
				c->sub = v;
			else if (strcmp(k, "arg") == 0) {
				if (c->nwords == MAX_WORDS) {
					say("too many words (at most %d)", MAX_WORDS);
					return RH_EXIT_USAGE;
				}
				c->words[c->nwords++] = (char *)v;
			} else if (strcmp(k, "addr") == 0) {
				char *end;
				errno = 0;
				c->addr = strtoull(v, &end, 0);
				c->have_addr = !errno && end != v && !*end;
			} else if (strcmp(k, "slot") == 0)
				c->slot = atoi(v);
			else if (strcmp(k, "tmpdir") == 0)
				c->tmpdir = v;
			else if (strcmp(k, "options") == 0)
				c->options = v;
			else if (strcmp(k, "verbose") == 0)
				c->verbose = atoi(v) != 0;
			else if (strcmp(k, "gcore") == 0)
				c->force_gcore = atoi(v) != 0;
			else if (strcmp(k, "sysroot") == 0)
				c->sysroot = v;
			else if (strcmp(k, "debug-file-directory") == 0)
				c->debugdirs = v;
			continue;
		}
		if (section == INFERIORS) {
			if (strcmp(line, "files") == 0) {
				section = FILES;
				continue;
			}
			parse_inferior_line(c, line);
			continue;
		}
		// FILES: the path is on the line after its heading
		if (strstr(prev, "Local core dump file:") && !c->core_path)
			c->core_path = quoted_path(line);
		else if (strstr(prev, "Local exec file:") && !c->exec_path)
			c->exec_path = quoted_path(line);
		if (strstr(line, "Native process:"))
			c->native = true;
	}
	if (first) {
		say("gdb-bridge reads GDB's state on its standard input; it is run by the "
		    "refheap commands of refheap.gdb (source refheap.gdb in GDB)");
		return RH_EXIT_USAGE;
	}
	if (!c->sub || c->stage < 1 || c->stage > 3) {
		say("gdb-bridge: incomplete input from refheap.gdb (no stage or command)");
		return RH_EXIT_USAGE;
	}
	return -1;
}

/* ------------------------------------------------------------- the words */

enum word_kind { W_OPTION, W_VALUE, W_OPERAND };

struct words {
	enum word_kind kind[MAX_WORDS];
	bool help;
	bool pid;
	bool sysroot, exe;
	size_t ndebug_dirs;
	size_t first_operand, noperands;
	bool contiguous;
};

static const struct {
	const char *name;
	bool value;
} long_opts[] = {
	{ "json", false }, { "top", true }, { "pid", true }, { "sysroot", true },
	{ "exe", true }, { "debug-dir", true }, { "cache-dir", true },
	{ "no-cache", false }, { "format", true }, { "output", true },
	{ "no-alloc-scan", false }, { "repr", false }, { "stats", false },
	{ "labels", false }, { "verbose", false }, { "paths", true },
	{ "depth", true }, { "width", true }, { "type", true }, { "module", true },
	{ "dot", false }, { "sort", true }, { "help", false },
};

/* The long option a word names (getopt_long accepts unique prefixes), or -1. */
static int find_long(const char *w)
{
	size_t len = strcspn(w, "=");
	int found = -1;
	for (size_t i = 0; i < sizeof(long_opts) / sizeof(long_opts[0]); i++) {
		if (strncmp(long_opts[i].name, w, len) != 0)
			continue;
		if (strlen(long_opts[i].name) == len)
			return (int)i;
		found = found == -1 ? (int)i : -2;
	}
	return found >= 0 ? found : -1;
}

static void note_option(struct words *ws, const char *name)
{
	if (strcmp(name, "help") == 0)
		ws->help = true;
	else if (strcmp(name, "pid") == 0)
		ws->pid = true;
	else if (strcmp(name, "sysroot") == 0)
		ws->sysroot = true;
	else if (strcmp(name, "exe") == 0)
		ws->exe = true;
	else if (strcmp(name, "debug-dir") == 0)
		ws->ndebug_dirs++;
}

static bool is_option(const char *w)
{
	// "-1" or "-0x10" would be expressions, not options
	return w[0] == '-' && w[1] != '\0' && !(w[1] >= '0' && w[1] <= '9');
}

static void classify(char *const *w, size_t n, struct words *ws)
{
	memset(ws, 0, sizeof(*ws));
	bool only_operands = false;
	size_t last = 0;
	ws->contiguous = true;
	for (size_t i = 0; i < n; i++) {
		if (only_operands || !is_option(w[i])) {
			ws->kind[i] = W_OPERAND;
			if (ws->noperands && last != i - 1)
				ws->contiguous = false;
			if (!ws->noperands)
				ws->first_operand = i;
			ws->noperands++;
			last = i;
			continue;
		}
		ws->kind[i] = W_OPTION;
		if (strcmp(w[i], "--") == 0) {
			only_operands = true;
			continue;
		}
		bool needs_value = false;
		if (w[i][1] == '-') {
			int k = find_long(w[i] + 2);
			if (k >= 0) {
				note_option(ws, long_opts[k].name);
				needs_value = long_opts[k].value && !strchr(w[i], '=');
			}
		} else {
			for (const char *c = w[i] + 1; *c; c++) {
				if (*c == 'h')
					ws->help = true;
				if (*c == 'n' || *c == 'p' || *c == 'o') {
					if (*c == 'p')
						ws->pid = true;
					needs_value = c[1] == '\0';
					break;
				}
			}
		}
		if (needs_value && i + 1 < n)
			ws->kind[++i] = W_VALUE;
	}
}

static bool takes_address(const char *sub)
{
	return strcmp(sub, "why") == 0 || strcmp(sub, "refs") == 0 ||
	       strcmp(sub, "referrers") == 0;
}

/* Check the words; returns -1 if fine, else an exit status (reported). */
static int check_words(const struct ctx *c, const struct words *ws)
{
	if (ws->help)
		return -1;
	if (ws->pid) {
		say("no --pid inside GDB: refheap %s reads the process or core file GDB is "
		    "debugging", c->sub);
		return RH_EXIT_USAGE;
	}
	if (!takes_address(c->sub)) {
		if (ws->noperands) {
			say("refheap %s takes no CORE or address in GDB ('%s'): it reads the "
			    "process or core file GDB is debugging", c->sub,
			    c->words[ws->first_operand]);
			return RH_EXIT_USAGE;
		}
		return -1;
	}
	if (!ws->noperands) {
		say("refheap %s needs an address: a GDB expression such as $rdi, a "
		    "PyObject * variable or 0x7f...", c->sub);
		return RH_EXIT_USAGE;
	}
	if (!ws->contiguous) {
		say("refheap %s: put the options before or after the address expression, "
		    "not inside it", c->sub);
		return RH_EXIT_USAGE;
	}
	if (ws->noperands > MAX_EXPR_WORDS || ws->first_operand > MAX_EXPR_START) {
		say("refheap %s: at most %d words of options before the address "
		    "expression, and %d words in it", c->sub, MAX_EXPR_START, MAX_EXPR_WORDS);
		return RH_EXIT_USAGE;
	}
	return -1;
}

/* GDB keeps quotes in the words of a user command: 'a b' -> a b */
static const char *unquote(char *w)
{
	size_t len = strlen(w);
	if (len >= 2 && w[0] == '\'' && w[len - 1] == '\'') {
		w[len - 1] = '\0';
		return w + 1;
	}
	return w;
}

/* ------------------------------------------------------------- argv */

struct argv_buf {
	char *v[MAX_WORDS * 2 + 64];
	size_t n;
};

static bool push(struct argv_buf *a, const char *s)
{
	if (a->n + 1 >= sizeof(a->v) / sizeof(a->v[0]))
		return false;
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
	return true;
}

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * refheap SUB [$refheap_options] WORDS... (with the address expression
 * replaced by the value GDB gave) [GDB's sysroot and debug dirs] [TARGET]
 * Strings are kept in *store (freed by the caller).
 */
static int build_argv(const char *self, struct ctx *c, const struct words *ws,
		      bool with_target, const char *core, struct argv_buf *a,
		      char **store)
{
	static char addr_buf[32];
	static char pid_buf[32];
	char *opts = strdup(c->options ? c->options : "");
	char *dirs = strdup(c->debugdirs ? c->debugdirs : "");
	if (!opts || !dirs) {
		free(opts);
		free(dirs);
		say("out of memory");
		return RH_EXIT_FATAL;
	}
	store[0] = opts;
	store[1] = dirs;
	bool ok = push(a, self) && push(a, c->sub);
	char *save = NULL;
	for (char *o = strtok_r(opts, " \t", &save); o && ok; o = strtok_r(NULL, " \t", &save))
		ok = push(a, o);
	bool addr_done = false;
	for (size_t i = 0; i < c->nwords && ok; i++) {
		if (ws->kind[i] == W_OPERAND && takes_address(c->sub) && !ws->help) {
			if (addr_done)
				continue;
			if (!c->have_addr) {
				say("gdb-bridge: GDB gave no value for the address");
				return RH_EXIT_USAGE;
			}
			snprintf(addr_buf, sizeof(addr_buf), "0x%" PRIx64, c->addr);
			ok = push(a, addr_buf);
			addr_done = true;
			continue;
		}
		// "--" ended the options typed; the target options follow
		if (ws->kind[i] == W_OPTION && strcmp(c->words[i], "--") == 0)
			continue;
		ok = push(a, ws->kind[i] == W_OPERAND ? c->words[i] : unquote(c->words[i]));
	}
	if (with_target && ok) {
		const char *sr = c->sysroot;
		if (!ws->sysroot && sr && *sr && strncmp(sr, "target:", 7) != 0 &&
		    strcmp(sr, "/") != 0 && is_dir(sr))
			ok = push(a, "--sysroot") && push(a, sr);
		size_t ndirs = ws->ndebug_dirs;
		save = NULL;
		for (char *d = strtok_r(dirs, ":", &save); d && ok; d = strtok_r(NULL, ":", &save)) {
			// /usr/lib/debug is always searched
			if (strcmp(d, "/usr/lib/debug") == 0 || !is_dir(d) ||
			    ndirs >= MAX_DEBUG_DIRS_FWD)
				continue;
			ok = push(a, "--debug-dir") && push(a, d);
			ndirs++;
		}
		if (core) {
			if (ok && !ws->exe && c->core_path && core == c->core_path &&
			    c->exec_path && is_file(c->exec_path))
				ok = push(a, "--exe") && push(a, c->exec_path);
			ok = ok && push(a, core);
		} else {
			snprintf(pid_buf, sizeof(pid_buf), "%ld", c->pid);
			ok = ok && push(a, "--pid") && push(a, pid_buf);
		}
	}
	if (!ok) {
		say("too many arguments");
		return RH_EXIT_USAGE;
	}
	return -1;
}

/* ------------------------------------------------------------- running */

static int status_of(int wstatus, const char *what)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus)) {
		say("%s was killed by signal %d (%s)", what, WTERMSIG(wstatus),
		    strsignal(WTERMSIG(wstatus)));
		return RH_EXIT_FATAL;
	}
	return RH_EXIT_FATAL;
}

/*
 * Run argv and wait. With errbuf, its stderr is collected there instead of
 * passed through. The bridge ignores SIGINT & co. meanwhile: the child gets
 * the terminal's signals itself, and the bridge must live on to clean up.
 */
static int run(char *const *argv, char **errbuf, size_t *errlen, int *wstatus)
{
	int fds[2] = { -1, -1 };
	if (errbuf && pipe(fds) < 0) {
		say("pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		say("fork: %s", strerror(errno));
		if (errbuf) {
			close(fds[0]);
			close(fds[1]);
		}
		return -1;
	}
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		if (errbuf) {
			dup2(fds[1], STDERR_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "refheap: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(RH_EXIT_OS);
	}
	if (errbuf) {
		close(fds[1]);
		*errbuf = read_all(fds[0], errlen);
		close(fds[0]);
	}
	while (waitpid(pid, wstatus, 0) < 0) {
		if (errno != EINTR) {
			say("waitpid: %s", strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void ignore_signals(void)
{
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
}

/* ------------------------------------------------------------- temporary cores */

/* $refheap_tmpdir with ~ expanded, malloc'd */
static char *expand_tmpdir(const char *t)
{
	if (!t || !*t)
		t = "~/.cache/refheap/gdb";
	if (t[0] != '~' || (t[1] != '/' && t[1] != '\0'))
		return strdup(t);
	const char *home = getenv("HOME");
	if (!home || !*home) {
		struct passwd *pw = getpwuid(geteuid());
		home = pw ? pw->pw_dir : NULL;
	}
	if (!home)
		return NULL;
	char *r;
	if (asprintf(&r, "%s%s", home, t + 1) < 0)
		return NULL;
	return r;
}

/* mkdir -p, the directories it creates private (0700) */
static bool make_dirs(char *path)
{
	for (char *p = path + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		int r = mkdir(path, 0700);
		int e = errno;
		*p = saved;
		if (r < 0 && e != EEXIST) {
			errno = e;
			return false;
		}
		if (!saved)
			return true;
	}
}

static char *slot_path(const char *dir, int slot)
{
	char *p;
	if (asprintf(&p, "%s/gcore-%d.core", dir, slot) < 0)
		return NULL;
	return p;
}

/* The directory is ours alone (the core holds the process's memory). */
static int check_private_dir(const char *dir)
{
	struct stat st;
	if (lstat(dir, &st) < 0) {
		say("cannot use %s for a temporary core: %s (set $refheap_tmpdir)", dir,
		    strerror(errno));
		return RH_EXIT_OS;
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		say("%s must be a directory only you can access (mode 700) to hold a "
		    "temporary core with the process's memory (chmod 700 it, or set "
		    "$refheap_tmpdir)", dir);
		return RH_EXIT_OS;
	}
	return -1;
}

/* Remove temporary cores abandoned by a GDB killed before it removed them. */
static void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d))) {
		int slot;
		char tail[8];
		if (sscanf(e->d_name, "gcore-%d.cor%1s", &slot, tail) != 2 ||
		    slot < 0 || slot >= MAX_SLOTS)
			continue;
		char *p = slot_path(dir, slot);
		struct stat st;
		if (p && strcmp(strrchr(p, '/') + 1, e->d_name) == 0 &&
		    lstat(p, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() && now - st.st_mtime > STALE_SECONDS)
			unlink(p);
		free(p);
	}
	closedir(d);
}

/* Reserve TMPDIR/gcore-SLOT.core for GDB's gcore; returns the exit code. */
static int reserve_slot(const struct ctx *c)
{
	char *dir = expand_tmpdir(c->tmpdir);
	if (!dir) {
		say("no home directory for the temporary core: set $refheap_tmpdir");
		return RH_EXIT_OS;
	}
	if (!make_dirs(dir)) {
		say("cannot create %s for a temporary core: %s (set $refheap_tmpdir)", dir,
		    strerror(errno));
		free(dir);
		return RH_EXIT_OS;
	}
	int status = check_private_dir(dir);
	if (status >= 0) {
		free(dir);
		return status;
	}
	remove_stale(dir);
	for (int slot = 0; slot < MAX_SLOTS; slot++) {
		char *p = slot_path(dir, slot);
		if (!p)
			break;
		int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		int e = errno;
		if (fd >= 0) {
			close(fd);
			if (c->verbose)
				say("writing a temporary core to %s", p);
			free(p);
			free(dir);
			return CODE_SLOT_BASE + slot;
		}
		free(p);
		if (e != EEXIST) {
			say("cannot create a temporary core in %s: %s (set $refheap_tmpdir)",
			    dir, strerror(e));
			free(dir);
			return RH_EXIT_OS;
		}
	}
	say("%s holds %d temporary cores already: remove them, or wait for the "
	    "refheap commands of other GDB sessions to finish", dir, MAX_SLOTS);
	free(dir);
	return RH_EXIT_OS;
}

/* ------------------------------------------------------------- stages */

static int stage_locate(const struct ctx *c, const struct words *ws)
{
	int status = check_words(c, ws);
	if (status >= 0)
		return status;
	if (ws->help || !takes_address(c->sub))
		return CODE_NO_ADDR;
	return CODE_ADDR_BASE + (int)ws->first_operand * MAX_EXPR_WORDS +
	       (int)ws->noperands - 1;
}

static int run_live(const char *self, struct ctx *c, const struct words *ws)
{
	struct argv_buf a = { .n = 0 };
	char *store[2] = { NULL, NULL };
	int status = build_argv(self, c, ws, true, NULL, &a, store);
	if (status >= 0)
		goto out;
	if (c->verbose)
		print_command(a.v);
	char *err = NULL;
	size_t errlen = 0;
	int ws_status;
	ignore_signals();
	if (run(a.v, &err, &errlen, &ws_status) < 0) {
		status = RH_EXIT_OS;
		goto out;
	}
	status = status_of(ws_status, "refheap");
	if (status == RH_EXIT_OS || status == RH_EXIT_NO_PROCESS) {
		// Not readable from here: let GDB write a core.
		const char *msg = err && errlen ? err : "";
		size_t len = strcspn(msg, "\n");
		if (strncmp(msg, "refheap: ", 9) == 0 && len >= 9) {
			msg += 9;
			len -= 9;
		}
		fprintf(stderr, "refheap: cannot read process %ld directly (%.*s); "
			"analyzing a temporary core written by GDB's gcore\n",
			c->pid, (int)len, msg);
		free(err);
		status = reserve_slot(c);
		goto out;
	}
	if (err && errlen)
		fwrite(err, 1, errlen, stderr);
	free(err);
out:
	free(store[0]);
	free(store[1]);
	return status;
}

static int run_core(const char *self, struct ctx *c, const struct words *ws,
		    const char *core, bool remove_after)
{
	struct argv_buf a = { .n = 0 };
	char *store[2] = { NULL, NULL };
	int status = build_argv(self, c, ws, true, core, &a, store);
	if (status >= 0)
		goto out;
	if (c->verbose)
		print_command(a.v);
	if (!remove_after) {
		fflush(stdout);
		fflush(stderr);
		execvp(a.v[0], a.v);
		say("cannot run %s: %s", a.v[0], strerror(errno));
		status = RH_EXIT_OS;
		goto out;
	}
	int ws_status;
	ignore_signals();
	if (run(a.v, NULL, NULL, &ws_status) < 0)
		status = RH_EXIT_OS;
	else
		status = status_of(ws_status, "refheap");
out:
	if (remove_after) {
		if (unlink(core) < 0 && errno != ENOENT)
			say("cannot remove the temporary core %s: %s", core, strerror(errno));
		else if (c->verbose)
			say("removed the temporary core %s", core);
	}
	free(store[0]);
	free(store[1]);
	return status;
}

static int stage_run(const char *self, struct ctx *c, const struct words *ws)
{
	int status = check_words(c, ws);
	if (status >= 0)
		return status;
	if (ws->help) {
		struct argv_buf a = { .n = 0 };
		char *store[2] = { NULL, NULL };
		status = build_argv(self, c, ws, false, NULL, &a, store);
		if (status < 0) {
			fflush(stdout);
			execvp(a.v[0], a.v);
			say("cannot run %s: %s", a.v[0], strerror(errno));
			status = RH_EXIT_OS;
		}
		free(store[0]);
		free(store[1]);
		return status;
	}
	if (c->core_path)
		return run_core(self, c, ws, c->core_path, false);
	if (c->pid <= 0) {
		say("GDB has no process and no core file: start the program (run), "
		    "attach to it (attach PID) or open a core (core-file CORE) first");
		return RH_EXIT_NO_PROCESS;
	}
	bool native = c->native || (c->connection && strcmp(c->connection, "native") == 0);
	if (native && !c->force_gcore)
		return run_live(self, c, ws);
	if (!native)
		fprintf(stderr, "refheap: process %ld is not a local process (%s): "
			"analyzing a temporary core written by GDB's gcore\n", c->pid,
			c->connection ? c->connection : "not native");
	return reserve_slot(c);
}

static int stage_gcore(const char *self, struct ctx *c, const struct words *ws)
{
	char *dir = expand_tmpdir(c->tmpdir);
	if (!dir || c->slot < 0 || c->slot >= MAX_SLOTS) {
		free(dir);
		say("gdb-bridge: no temporary core given");
		return RH_EXIT_USAGE;
	}
	char *core = slot_path(dir, c->slot);
	free(dir);
	if (!core) {
		say("out of memory");
		return RH_EXIT_FATAL;
	}
	struct stat st;
	int status;
	if (lstat(core, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		say("the temporary core %s is missing (gcore failed?)", core);
		status = RH_EXIT_OS;
	} else if (st.st_size == 0) {
		say("GDB's gcore wrote nothing to %s", core);
		unlink(core);
		status = RH_EXIT_OS;
	} else {
		status = check_words(c, ws);
		if (status < 0)
			status = run_core(self, c, ws, core, true);
		else
			unlink(core);
	}
	free(core);
	return status;
}

int rh_gdb_bridge(const char *self, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs("refheap gdb-bridge is run by the GDB commands of refheap.gdb; it reads\n"
		      "GDB's state on its standard input. In GDB: source refheap.gdb, then\n"
		      "help refheap.\n", stdout);
		return RH_EXIT_OK;
	}
	if (argc > 1) {
		say("gdb-bridge takes no arguments: it is run by refheap.gdb");
		return RH_EXIT_USAGE;
	}
	if (isatty(STDIN_FILENO)) {
		say("gdb-bridge reads GDB's state on its standard input; it is run by the "
		    "refheap commands of refheap.gdb (source refheap.gdb in GDB)");
		return RH_EXIT_USAGE;
	}
	size_t len;
	char *buf = read_all(STDIN_FILENO, &len);
	if (!buf) {
		say("gdb-bridge: cannot read its input: %s", strerror(errno));
		return RH_EXIT_OS;
	}
	struct ctx c = { .slot = -1 };
	int status = parse_context(&c, buf);
	if (status < 0) {
		struct words ws;
		classify(c.words, c.nwords, &ws);
		switch (c.stage) {
		case 1:
			status = stage_locate(&c, &ws);
			break;
		case 2:
			status = stage_run(self, &c, &ws);
			break;
		default:
			status = stage_gcore(self, &c, &ws);
			break;
		}
	}
	free(c.core_path);
	free(c.exec_path);
	free(buf);
	fflush(stdout);
	return status;
}
