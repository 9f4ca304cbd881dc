/*
 * Live processes: stop every thread with ptrace, read memory through
 * /proc/PID/mem with a block cache, resume on every exit path.
 *
 * Stopping: PTRACE_SEIZE + PTRACE_INTERRUPT, thread by thread, listing
 * /proc/PID/task again until a listing shows no thread we have not stopped
 * (a stopped thread cannot create new ones, so the last listing is complete).
 * SEIZE, unlike PTRACE_ATTACH, sends no SIGSTOP: the process's own job-control
 * state is untouched and PTRACE_DETACH lets it run on. The kernel detaches
 * every tracee when the tracer exits (exit_ptrace()), SIGKILL included, so a
 * killed refheap leaves the target running: nothing global (signal handlers,
 * atexit) is needed, and none is installed. If a debugger already traces the
 * process (TracerPid in /proc/PID/status), it is the one keeping the process
 * stopped; we only read memory and have no registers.
 *
 * Reading: the snapshot makes millions of 8-48 byte reads. Each miss preads a
 * 64 KiB block into a direct-mapped cache (a hash of the block number picks
 * the slot), so a GC-list walk over a heap costs a few thousand system calls.
 * The cache is one anonymous mapping reserved at open (1 GiB at most, fewer
 * if the system refuses) and filled page by page as it is touched, so reads
 * never allocate. The cache is never invalidated: the process is stopped
 * while we read it. Reads after rh_target_resume() still work, but mix old
 * (cached) and new bytes.
 *
 * Copying: a service stopped for the seconds a snapshot of a large heap
 * takes stops answering for that long. So while every thread is stopped we
 * copy, with process_vm_readv(2), each mapping whose bytes can change while
 * the process runs (writable ones, and anonymous ones) into one private
 * buffer of ours, and resume the process at once: the snapshot and every
 * report read the copy, which is the process as it was at one instant.
 * What is not copied (file-backed text and read-only data, fixed once the
 * loader relocated it) is read through /proc/PID/mem afterwards as before.
 * The buffer is mapped and faulted in before the process is stopped, from
 * a first reading of /proc/PID/maps, so the stop pays for the copy only.
 * Pages the process never touched (most of each thread's stack) are left
 * out, read as zeros: /proc/PID/pagemap says which (see "untouched pages").
 * What needs no stop (opening /proc/PID/mem, the block cache, finding the
 * mapped files on this machine) is done before or after it.
 * A copy larger than half of the machine's available memory is not made
 * (the process then stays stopped while it is read), nor is one asked off
 * with rh_target_options.no_copy.
 *
 * The same thread that opened the target must resume/destroy it: ptrace
 * belongs to the tracing thread.
 *
 * Start reading at rh_target_open_pid().
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target/target.h"
#include "target/target_internal.h"
#include "util/error.h"
#include "util/path.h"

#define BLOCK_SHIFT 16
#define BLOCK_SIZE ((uint64_t)1 << BLOCK_SHIFT)
/* Upper bound on the cache, and the least we accept before giving up. */
#define CACHE_MAX_BYTES ((size_t)1 << 30)
#define CACHE_MIN_BYTES ((size_t)1 << 22)
#define SLOT_EMPTY UINT64_MAX

/* How often /proc/PID/task is listed again while threads keep appearing. */
#define ATTACH_ROUNDS_MAX 100
/* How long one thread may take to stop after PTRACE_INTERRUPT. */
#define STOP_TIMEOUT_MS 5000
/* Longest stall REFHEAP_TEST_STALL_MS may ask for. */
#define TEST_STALL_MAX_MS 600000

/* aux bits of a RH_SEG_LIVE segment: its bytes can change while the process
 * runs; it is private anonymous memory, where a page never touched reads as
 * zeros. */
#define SEG_CHANGES 1u
#define SEG_ZERO_FILL 2u
static bool changes_while_running(unsigned prot, const char *path);
static bool zero_fill(unsigned prot, bool priv, const char *path);

#define PERMISSION_HINT                                                        \
	"run refheap as root, as the process's owner with "                    \
	"kernel.yama.ptrace_scope=0 (sysctl -w kernel.yama.ptrace_scope=0), " \
	"or with CAP_SYS_PTRACE"

/* Bytes [base + lo, base + hi) of one block are valid. */
struct cache_slot {
	uint64_t base;
	uint32_t lo;
	uint32_t hi;
};

/* Addresses [start, end): pages the process has never touched. */
struct hole {
	uint64_t start, end;
};

struct tracee {
	pid_t tid;
	bool stopped;
	bool gone;          /* exited: nothing to wait for or detach */
	/** Signal caught in a signal-delivery-stop, given back at detach. */
	int pending_sig;
};

struct rh_live_state {
	int mem_fd;
	uint8_t *blocks;            /* nslots x BLOCK_SIZE, one mmap */
	struct cache_slot *slots;
	size_t nslots;              /* a power of two */
	unsigned slot_shift;        /* 64 - log2(nslots) */
	int last_errno;             /* of the last failed pread, for messages */

	struct tracee *tracees;     /* threads we attached */
	size_t ntracees;
	size_t tracee_cap;
	bool resumed;

	/* The copy of the mappings that change while the process runs. */
	uint8_t *copy;
	size_t copy_size;           /* bytes mapped at copy */
	uint64_t copied;            /* bytes copied into it */
	uint64_t untouched;         /* bytes left out: never touched, zeros */
	/* Runs of never-touched pages, sorted: found before the stop, checked
	 * again during it. pagemap_fd is /proc/PID/pagemap, or -1. */
	struct hole *holes;
	size_t nholes, holes_cap;
	/* Before the stop: the mappings to copy, as the copy will lay them
	 * out (in address order), so that the pages of holes are not faulted
	 * in. Freed once the buffer is. */
	struct hole *layout;
	size_t nlayout;
	int pagemap_fd;
	long page_size;
	uint64_t zero_pfn;          /* the kernel's zero page, 0 if unknown */
	/* Where the stop went (CLOCK_MONOTONIC ns): stop_ns when stopping
	 * began (0 if never); then how long each step took. */
	int64_t stop_ns;
	int64_t stopped_ns;         /* how long it was stopped, once resumed */
	int64_t attach_ns;          /* stopping every thread */
	int64_t prepare_ns;         /* maps, registers, auxv, holes checked */
	int64_t copy_ns;            /* copying */
	int64_t resume_ns;          /* detaching */
};

/* --------------------------------------------------------------- /proc */

/*
 * Read a whole /proc file into a NUL-terminated buffer. /proc files report
 * size 0, so read until EOF. Errors: RH_ERR_OS.
 */
static struct rh_error *read_proc_file(const char *path, char **ret,
				       size_t *len_ret)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rh_error_os(errno, path, "cannot open %s", path);
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf) {
		close(fd);
		return rh_enomem;
	}
	for (;;) {
		if (cap - len < 2) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				close(fd);
				return rh_enomem;
			}
			buf = p;
			cap *= 2;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			struct rh_error *err =
				rh_error_os(errno, path, "cannot read %s", path);
			free(buf);
			close(fd);
			return err;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	buf[len] = '\0';
	*ret = buf;
	if (len_ret)
		*len_ret = len;
	return NULL;
}

/* A numeric field "Name:\t123" of /proc/PID/status, or -1. */
static long status_field(const char *status, const char *name)
{
	size_t n = strlen(name);
	for (const char *line = status; line && *line;) {
		if (strncmp(line, name, n) == 0 && line[n] == ':')
			return strtol(line + n + 1, NULL, 10);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/* State letter of a thread from /proc/PID/task/TID/stat, or 0. */
static char thread_state(pid_t pid, pid_t tid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid,
		 (int)tid);
	char *buf;
	if (read_proc_file(path, &buf, NULL))  // gone: report no state
		return 0;
	// "tid (comm) S ...": comm may hold spaces and parentheses, so
	// look for the last ')'.
	char *p = strrchr(buf, ')');
	char state = p && p[1] == ' ' ? p[2] : 0;
	free(buf);
	return state;
}

/* Thread ids in /proc/PID/task, in directory order. */
static struct rh_error *list_tasks(pid_t pid, pid_t **ret, size_t *n_ret)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *dir = opendir(path);
	if (!dir) {
		if (errno == ENOENT)
			return rh_error_create(RH_ERR_NOT_FOUND,
					       "no process with pid %d (it exited)",
					       (int)pid);
		return rh_error_os(errno, path, "cannot list threads of pid %d",
				   (int)pid);
	}
	pid_t *tids = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(dir))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);
		if (!isdigit((unsigned char)de->d_name[0]) || *end || v <= 0 ||
		    v > INT_MAX)
			continue;
		if (n == cap) {
			size_t c = cap ? 2 * cap : 16;
			pid_t *p = reallocarray(tids, c, sizeof(*p));
			if (!p) {
				free(tids);
				closedir(dir);
				return rh_enomem;
			}
			tids = p;
			cap = c;
		}
		tids[n++] = (pid_t)v;
	}
	closedir(dir);
	*ret = tids;
	*n_ret = n;
	return NULL;
}

/* ---------------------------------------------------------------- ptrace */

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

enum wait_result { WAIT_STOPPED, WAIT_GONE, WAIT_TIMEOUT };

/*
 * Wait until tracee tr reports a ptrace-stop. After PTRACE_INTERRUPT that is
 * PTRACE_EVENT_STOP, or a signal-delivery-stop if a signal got there first:
 * then the signal is kept and handed back at detach, so the process does not
 * lose it. Polls, so that a thread stuck in an uninterruptible sleep cannot
 * hang us.
 */
static enum wait_result wait_stopped(struct tracee *tr, long timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	long nap_us = 0;
	for (;;) {
		int st;
		pid_t r = waitpid(tr->tid, &st, __WALL | WNOHANG);
		if (r == tr->tid) {
			if (WIFEXITED(st) || WIFSIGNALED(st))
				return WAIT_GONE;
			if (WIFSTOPPED(st)) {
				if ((st >> 16) != PTRACE_EVENT_STOP)
					tr->pending_sig = WSTOPSIG(st);
				tr->stopped = true;
				return WAIT_STOPPED;
			}
			continue;  // WIFCONTINUED: wait on
		}
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return WAIT_GONE;  // ECHILD: no longer ours to wait for
		}
		if (now_ms() >= deadline)
			return WAIT_TIMEOUT;
		// Most threads stop within microseconds, and every one that
		// keeps us waiting keeps the process stopped: poll often at
		// first, backing off to 1 ms.
		struct timespec ts = { 0, nap_us * 1000L };
		nanosleep(&ts, NULL);
		nap_us = nap_us ? (nap_us * 2 > 1000 ? 1000 : nap_us * 2) : 20;
	}
}

static bool is_tracee(const struct rh_live_state *ls, pid_t tid)
{
	for (size_t i = 0; i < ls->ntracees; i++) {
		if (ls->tracees[i].tid == tid)
			return true;
	}
	return false;
}

/*
 * Seize and interrupt one thread. Sets *attached when it is now a tracee.
 * A thread that exited in the meantime, or a zombie, is skipped.
 */
static struct rh_error *seize_thread(struct rh_target *t, pid_t tid,
				     bool *attached)
{
	struct rh_live_state *ls = t->live;
	*attached = false;
	char state = thread_state(t->pid, tid);
	if (state == 0 || state == 'Z' || state == 'X')
		return NULL;  // gone, or a zombie that can never stop
	if (ls->ntracees == ls->tracee_cap) {
		size_t c = ls->tracee_cap ? 2 * ls->tracee_cap : 16;
		struct tracee *p = reallocarray(ls->tracees, c, sizeof(*p));
		if (!p)
			return rh_enomem;
		ls->tracees = p;
		ls->tracee_cap = c;
	}
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0) {
		int e = errno;
		if (e == ESRCH)
			return NULL;  // exited since the listing
		state = thread_state(t->pid, tid);
		if (e == EPERM && (state == 0 || state == 'Z' || state == 'X'))
			return NULL;  // became a zombie: attaching one is EPERM
		return rh_error_os(e, NULL, "cannot attach to thread %d of pid %d (" PERMISSION_HINT ")",
				   (int)tid, (int)t->pid);
	}
	ls->tracees[ls->ntracees++] = (struct tracee){ .tid = tid };
	*attached = true;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 && errno != ESRCH)
		return rh_error_os(errno, NULL, "cannot stop thread %d of pid %d",
				   (int)tid, (int)t->pid);
	return NULL;
}

/*
 * Stop every thread. Postcondition on success: every thread listed in the
 * last listing of /proc/PID/task is a stopped tracee (or exited or a zombie),
 * and that listing showed no thread we had not seen.
 */
static struct rh_error *stop_all(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	for (int round = 0; round < ATTACH_ROUNDS_MAX; round++) {
		pid_t *tids;
		size_t n;
		struct rh_error *err = list_tasks(t->pid, &tids, &n);
		if (err)
			return err;
		size_t first_new = ls->ntracees;
		bool seen_new = false;
		for (size_t i = 0; i < n; i++) {
			if (is_tracee(ls, tids[i]))
				continue;
			bool attached;
			err = seize_thread(t, tids[i], &attached);
			if (err) {
				free(tids);
				return err;
			}
			seen_new |= attached;
		}
		free(tids);
		for (size_t i = first_new; i < ls->ntracees; i++) {
			struct tracee *tr = &ls->tracees[i];
			enum wait_result w = wait_stopped(tr, STOP_TIMEOUT_MS);
			if (w == WAIT_GONE)
				tr->gone = true;
			else if (w == WAIT_TIMEOUT)
				rh_problems_add(&t->problems,
						"thread %d of pid %d did not stop within %d ms (in an uninterruptible sleep?): "
						"memory it changes may be read inconsistently",
						(int)tr->tid, (int)t->pid,
						STOP_TIMEOUT_MS);
		}
		if (!seen_new)
			return NULL;
	}
	return rh_error_create(RH_ERR_LIMIT,
			       "pid %d kept creating threads while refheap stopped them (%d rounds); try again",
			       (int)t->pid, ATTACH_ROUNDS_MAX);
}

struct rh_error *rh_target_live_resume(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	if (!ls || ls->resumed)
		return NULL;
	ls->resumed = true;
	int64_t r0 = now_ns();
	struct rh_error *err = NULL;
	for (size_t i = 0; i < ls->ntracees; i++) {
		struct tracee *tr = &ls->tracees[i];
		if (tr->gone)
			continue;
		// PTRACE_DETACH needs a stopped tracee. One that did not stop
		// in time has its interrupt pending: give it one more chance.
		enum wait_result w = tr->stopped ? WAIT_STOPPED
						 : wait_stopped(tr, 1000);
		if (w == WAIT_GONE)
			continue;
		if (w == WAIT_TIMEOUT) {
			if (!err)
				err = rh_error_create(RH_ERR_OS,
						      "thread %d of pid %d never stopped, so it cannot be detached: "
						      "it will be when refheap exits",
						      (int)tr->tid, (int)t->pid);
			continue;
		}
		if (ptrace(PTRACE_DETACH, tr->tid, 0,
			   (void *)(intptr_t)tr->pending_sig) < 0 &&
		    errno != ESRCH && !err)
			err = rh_error_os(errno, NULL,
					  "cannot detach from thread %d of pid %d (it will be detached when refheap exits)",
					  (int)tr->tid, (int)t->pid);
	}
	// The process runs again from the first detach on; count the
	// detaching of the others in, since their threads were still held.
	if (ls->stop_ns) {
		int64_t r1 = now_ns();
		ls->stopped_ns = r1 - ls->stop_ns;
		ls->resume_ns = r1 - r0;
	}
	return err;
}

/* ----------------------------------------------------------- block cache */

static struct rh_error *cache_create(struct rh_live_state *ls)
{
	// Reserve address space only: pages are committed when first
	// written, so a small heap costs little. Halve on refusal
	// (overcommit off, RLIMIT_AS).
	for (size_t bytes = CACHE_MAX_BYTES; bytes >= CACHE_MIN_BYTES;
	     bytes /= 2) {
		void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			       0);
		if (p == MAP_FAILED)
			continue;
		size_t nslots = bytes / BLOCK_SIZE;
		ls->slots = malloc(nslots * sizeof(*ls->slots));
		if (!ls->slots) {
			munmap(p, bytes);
			return rh_enomem;
		}
		for (size_t i = 0; i < nslots; i++)
			ls->slots[i].base = SLOT_EMPTY;
		ls->blocks = p;
		ls->nslots = nslots;
		ls->slot_shift = 64 - (unsigned)__builtin_ctzll(nslots);
		return NULL;
	}
	return rh_enomem;
}

static size_t slot_index(const struct rh_live_state *ls, uint64_t base)
{
	// Fibonacci hashing of the block number: the heap, the stacks and
	// the libraries are far apart, and their low bits would collide.
	return (size_t)(((base >> BLOCK_SHIFT) * 0x9E3779B97F4A7C15ull) >>
			ls->slot_shift);
}

static bool pread_full(struct rh_live_state *ls, uint8_t *buf, uint64_t len,
		       uint64_t addr, uint64_t *got)
{
	*got = 0;
	while (*got < len) {
		ssize_t r = pread(ls->mem_fd, buf + *got, len - *got,
				  (off_t)(addr + *got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			ls->last_errno = r < 0 ? errno : EIO;
			break;
		}
		*got += (uint64_t)r;
	}
	return *got > 0;
}

/*
 * Load the block at base so that it holds addr. The read starts where the
 * run of contiguous segments around addr starts (or at base), so that a
 * block shared by two adjacent mappings is read once. The kernel stops at
 * the first unreadable page; if addr is past it, retry from addr's page.
 */
static bool cache_fill(struct rh_target *t, const struct rh_seg *seg,
		       struct cache_slot *sl, uint8_t *blk, uint64_t base,
		       uint64_t addr)
{
	struct rh_live_state *ls = t->live;
	sl->base = SLOT_EMPTY;
	if (addr > (uint64_t)INT64_MAX) {
		ls->last_errno = EINVAL;  // beyond any off_t: kernel space
		return false;
	}
	const struct rh_seg *s = seg;
	while (s->start > base && s > t->segs && s[-1].end == s->start)
		s--;
	uint64_t lo = s->start > base ? s->start : base;
	uint64_t hi_limit = base + BLOCK_SIZE;
	if (hi_limit - 1 > (uint64_t)INT64_MAX)
		hi_limit = (uint64_t)INT64_MAX + 1;
	uint64_t got;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (pread_full(ls, blk + (lo - base), hi_limit - lo, lo, &got) &&
		    lo + got > addr) {
			sl->base = base;
			sl->lo = (uint32_t)(lo - base);
			sl->hi = (uint32_t)(lo - base + got);
			return true;
		}
		uint64_t page = addr & ~(uint64_t)4095;
		if (page <= lo)
			break;
		lo = page;
	}
	return false;
}

bool rh_target_live_read(struct rh_target *t, const struct rh_seg *seg,
			 uint64_t addr, void *buf, size_t len,
			 uint64_t *fail_addr)
{
	struct rh_live_state *ls = t->live;
	uint8_t *out = buf;
	uint64_t end = addr + len;  // the caller ruled out wrap-around
	while (addr < end) {
		uint64_t base = addr & ~(BLOCK_SIZE - 1);
		size_t idx = slot_index(ls, base);
		struct cache_slot *sl = &ls->slots[idx];
		uint8_t *blk = ls->blocks + idx * BLOCK_SIZE;
		uint64_t off = addr - base;
		if (sl->base != base || off < sl->lo || off >= sl->hi) {
			if (!cache_fill(t, seg, sl, blk, base, addr)) {
				*fail_addr = addr;
				return false;
			}
		}
		uint64_t n = base + sl->hi - addr;
		if (n > end - addr)
			n = end - addr;
		if (out) {
			memcpy(out, blk + off, n);
			out += n;
		}
		addr += n;
	}
	return true;
}

struct rh_error *rh_target_live_fault(struct rh_target *t, uint64_t addr)
{
	return rh_error_fault(addr,
			      "address 0x%" PRIx64 " is mapped in %s but cannot be read (%s from /proc/%d/mem): "
			      "a guard page, device memory, or the mapping changed",
			      addr, t->name, strerror(t->live->last_errno),
			      (int)t->pid);
}

/* --------------------------------------------------------------- maps */

static bool is_regular_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The file on this machine for a mapped path: --exe for the executable,
 * else under --sysroot, else the path itself, else through the process's
 * own root (a process in a container). NULL if none is a regular file.
 */
static char *local_path_for(const struct rh_target *t,
			    const struct rh_target_options *opts,
			    const char *exe, const char *path, bool *transient)
{
	*transient = false;
	const char *p = NULL;
	char *resolved = NULL;
	// Under a root (--sysroot, the process's own root), the mapped name
	// and the root's symlinks resolve inside it, as chroot would.
	if (opts && opts->exe && exe && strcmp(path, exe) == 0)
		p = opts->exe;
	else if (opts && opts->sysroot && opts->sysroot[0])
		p = resolved = rh_path_in_root(opts->sysroot,
						 rh_path_strip_root(opts->sysroot, path));
	else if (is_regular_file(path))
		p = path;
	else {
		char root[64];
		snprintf(root, sizeof(root), "/proc/%d/root", (int)t->pid);
		p = resolved = rh_path_in_root(root, path);
		*transient = true;
	}
	if (!p || !is_regular_file(p)) {
		free(resolved);
		return NULL;
	}
	return resolved ? resolved : strdup(p);
}

static unsigned prot_from_perms(const char *perms)
{
	return (perms[0] == 'r' ? RH_PROT_READ : 0) |
	       (perms[1] == 'w' ? RH_PROT_WRITE : 0) |
	       (perms[2] == 'x' ? RH_PROT_EXEC : 0);
}

/*
 * One line of /proc/PID/maps:
 *   start-end perms offset dev inode [path]
 * The path may contain spaces and runs to the end of the line.
 */
struct maps_line {
	uint64_t start, end, offset;
	unsigned prot;
	bool priv;      /* a private mapping ('p'), not a shared one */
	char *path;     /* "" for anonymous memory */
};

static bool parse_maps_line(char *line, struct maps_line *m)
{
	char *p = line, *q;
	errno = 0;
	m->start = strtoull(p, &q, 16);
	if (q == p || *q != '-')
		return false;
	p = q + 1;
	m->end = strtoull(p, &q, 16);
	if (q == p || *q != ' ' || strlen(q + 1) < 5)
		return false;
	p = q + 1;
	m->prot = prot_from_perms(p);
	m->priv = p[3] == 'p';
	p += 4;
	if (*p != ' ')
		return false;
	m->offset = strtoull(p + 1, &q, 16);
	if (q == p + 1 || *q != ' ' || errno)
		return false;
	p = q + 1;
	p = strchr(p, ' ');  // device
	if (!p)
		return false;
	strtoull(p + 1, &q, 10);  // inode
	if (q == p + 1)
		return false;
	p = q;
	while (*p == ' ')
		p++;
	m->path = p;
	return m->end > m->start;
}

/*
 * The lines of a /proc/PID/maps text, one at a time: *cur starts at the
 * text, which is cut into lines in place. Returns the next non-empty line
 * (NULL at the end), with *ok saying whether it parsed into *m.
 */
static char *maps_next(char **cur, struct maps_line *m, bool *ok)
{
	char *line = *cur;
	while (*line == '\n')
		line++;
	if (!*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cur = nl + 1;
	} else {
		*cur = line + strlen(line);
	}
	*ok = parse_maps_line(line, m);
	return line;
}

/* At most how many lines a maps text has (room for one entry each). */
static size_t maps_lines(const char *buf)
{
	size_t lines = 1;
	for (const char *c = buf; *c; c++)
		lines += *c == '\n';
	return lines;
}

/*
 * Each mapping's file on this machine (a stat() or more per mapping): after
 * the copy, since it needs nothing of the stopped process.
 */
static void local_paths(struct rh_target *t,
			const struct rh_target_options *opts, const char *exe)
{
	for (size_t i = 0; i < t->nmappings; i++) {
		struct rh_mapping *m = &t->mappings[i];
		m->local_path = local_path_for(t, opts, exe, m->path, &m->local_transient);
	}
}

static struct rh_error *read_maps(struct rh_target *t)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->pid);
	char *buf;
	struct rh_error *err = read_proc_file(path, &buf, NULL);
	if (err)
		return err;
	size_t lines = maps_lines(buf);
	t->segs = calloc(lines, sizeof(*t->segs));
	t->mappings = calloc(lines, sizeof(*t->mappings));
	if (!t->segs || !t->mappings) {
		err = rh_enomem;
		goto out_buf;
	}
	char *cur = buf, *line;
	struct maps_line ml;
	bool ok;
	while ((line = maps_next(&cur, &ml, &ok))) {
		uint64_t start = ml.start, end = ml.end;
		unsigned prot = ml.prot;
		const char *mpath = ml.path;
		if (!ok) {
			rh_problems_add(&t->problems,
					"%s: cannot parse line \"%.80s\"; skipped",
					path, line);
			continue;
		}
		struct rh_seg *s = &t->segs[t->nsegs++];
		s->start = start;
		s->end = end;
		s->kind = RH_SEG_LIVE;
		s->prot = (uint8_t)prot;
		s->aux = 0;
		if (changes_while_running(prot, mpath))
			s->aux = SEG_CHANGES |
				 (zero_fill(prot, ml.priv, mpath) ? SEG_ZERO_FILL : 0);
		if (mpath[0] != '/')
			continue;  // anonymous, [heap], [stack], [vdso]...
		struct rh_mapping *m = &t->mappings[t->nmappings];
		m->start = start;
		m->end = end;
		m->file_offset = ml.offset;
		m->prot = prot;
		m->path = strdup(mpath);
		if (!m->path) {
			err = rh_enomem;
			goto out_buf;
		}
		t->nmappings++;
	}
	err = rh_target_sort_segments(t->segs, t->nsegs, path);
	if (err)
		goto out_buf;
	// maps is sorted already; sort anyway, the API promises it.
	for (size_t i = 1; i < t->nmappings; i++) {
		if (t->mappings[i].start < t->mappings[i - 1].start) {
			err = RH_BAD_DATA(t->mappings[i].start,
					  "%s is not sorted by address", path);
			goto out_buf;
		}
	}
out_buf:
	free(buf);
	return err;
}

/* ------------------------------------------------------------ bulk copy */

/* Pages faulted in ahead beyond the first estimate (maps change a little). */
#define COPY_SLACK_BYTES ((uint64_t)16 << 20)

/*
 * Bytes that can change while the process runs: writable mappings, and
 * anonymous ones (an mprotect'ed arena is still ours to copy). Not the
 * kernel's [vvar] pages (reading them through /proc/PID/mem fails) nor
 * [vsyscall]; [vdso] is code. Unreadable mappings (guard pages) hold
 * nothing to read.
 */
static bool changes_while_running(unsigned prot, const char *path)
{
	if (!(prot & RH_PROT_READ))
		return false;
	if (path[0] == '[')
		return strncmp(path, "[heap]", 6) == 0 ||
		       strncmp(path, "[stack", 6) == 0 ||
		       strncmp(path, "[anon", 5) == 0;
	return (prot & RH_PROT_WRITE) || path[0] != '/';
}

/* MemAvailable of /proc/meminfo in bytes, or 0 when unknown. */
static uint64_t mem_available(void)
{
	char *buf;
	if (read_proc_file("/proc/meminfo", &buf, NULL) != NULL)
		return 0;  // the error is rh_enomem or an OS error: unknown
	uint64_t kib = 0;
	const char *p = strstr(buf, "MemAvailable:");
	if (p)
		kib = strtoull(p + strlen("MemAvailable:"), NULL, 10);
	free(buf);
	return kib > UINT64_MAX / 1024 ? 0 : kib * 1024;
}

/*
 * Private anonymous memory ([heap], [stack], anonymous and [anon:name]
 * mappings): a page the process never touched reads as zeros. Not a private
 * file mapping (an untouched page reads the file), nor shared memory (its
 * pages may be in the page cache without being mapped here).
 */
static bool zero_fill(unsigned prot, bool priv, const char *path)
{
	if (!priv || !(prot & RH_PROT_READ))
		return false;
	return path[0] == '\0' || strncmp(path, "[heap]", 6) == 0 ||
	       strncmp(path, "[stack", 6) == 0 ||
	       strncmp(path, "[anon:", 6) == 0;
}

/* What the copy of the current /proc/PID/maps would take, in bytes. */
static uint64_t copy_estimate(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	char *buf;
	struct rh_error *err = read_proc_file(path, &buf, NULL);
	if (err) {
		rh_error_destroy(err);
		return 0;
	}
	uint64_t total = 0;
	char *cur = buf;
	struct maps_line ml;
	bool ok;
	while (maps_next(&cur, &ml, &ok))
		if (ok && changes_while_running(ml.prot, ml.path) &&
		    ml.end - ml.start <= UINT64_MAX - total)
			total += ml.end - ml.start;
	free(buf);
	return total;
}

/* ------------------------------------------------------ untouched pages */

/*
 * A thread's stack is 8 MiB of which a few KiB are used; an allocator
 * reserves more than it touches. Copying such pages costs stop time, and
 * process_vm_readv would even map the zero page into the process for each.
 * /proc/PID/pagemap says, read-only, which pages are neither present nor
 * swapped out (Documentation/admin-guide/mm/pagemap.rst): in private
 * anonymous memory those read as zeros, which the copy's fresh pages
 * already are. Runs of them are found before the stop (the scan reads 8
 * bytes a page) and checked again during it (a page touched in between is
 * copied), so the stop pays only for the check of the runs themselves.
 * A page only ever read is mapped to the kernel's zero page; pagemap shows
 * its frame number to a reader with CAP_SYS_ADMIN, and then it counts as
 * untouched too (a copy made by an earlier refheap leaves such pages).
 */
#define PM_PRESENT ((uint64_t)1 << 63)
#define PM_SWAPPED ((uint64_t)1 << 62)
#define PM_PFN_MASK (((uint64_t)1 << 55) - 1)
/* Shorter runs are copied: they cost more in bookkeeping than they save. */
#define HOLE_MIN_PAGES 16
#define HOLES_MAX ((size_t)1 << 20)
/* pagemap entries read at once (64 KiB). */
#define PAGEMAP_BATCH 8192

static bool hole_add(struct rh_live_state *ls, uint64_t start, uint64_t end)
{
	if (ls->nholes == ls->holes_cap) {
		size_t c = ls->holes_cap ? 2 * ls->holes_cap : 64;
		if (c > HOLES_MAX)
			return false;
		struct hole *p = reallocarray(ls->holes, c, sizeof(*p));
		if (!p)
			return false;
		ls->holes = p;
		ls->holes_cap = c;
	}
	ls->holes[ls->nholes++] = (struct hole){ start, end };
	return true;
}

/*
 * Append to ls->holes each run of at least min_pages untouched pages in
 * [start, end) (page-aligned). A pagemap that cannot be read, or a full
 * hole list, ends the scan early: what was not found is copied.
 */
static void find_holes(struct rh_live_state *ls, uint64_t start, uint64_t end,
		       uint64_t min_pages)
{
	uint64_t pg = (uint64_t)ls->page_size;
	uint64_t entries[PAGEMAP_BATCH];
	uint64_t run = 0;  // start of the current run of untouched pages, or 0
	uint64_t a = start;  // pages below a were scanned
	while (a < end) {
		uint64_t n = (end - a) / pg;
		if (n > PAGEMAP_BATCH)
			n = PAGEMAP_BATCH;
		uint64_t off = a / pg * sizeof(uint64_t);
		if (off > (uint64_t)INT64_MAX)
			break;
		ssize_t r = pread(ls->pagemap_fd, entries, n * sizeof(uint64_t),
				  (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < (ssize_t)sizeof(uint64_t))
			break;
		n = (uint64_t)r / sizeof(uint64_t);
		for (uint64_t i = 0; i < n; i++, a += pg) {
			uint64_t e = entries[i];
			bool absent = !(e & (PM_PRESENT | PM_SWAPPED)) ||
				      (ls->zero_pfn && (e & PM_PRESENT) &&
				       (e & PM_PFN_MASK) == ls->zero_pfn);
			if (absent && !run)
				run = a;
			else if (!absent && run) {
				if ((a - run) / pg >= min_pages &&
				    !hole_add(ls, run, a))
					return;
				run = 0;
			}
		}
	}
	if (run && (a - run) / pg >= min_pages)
		(void)hole_add(ls, run, a);
}

/*
 * The zero page's frame number: read two fresh pages of our own and look
 * them up in /proc/self/pagemap. Both on one frame can only be the zero
 * page (a kernel that gives each read fault a page of its own gives two
 * frames). 0 when pagemap hides frame numbers (no CAP_SYS_ADMIN).
 */
static uint64_t zero_pfn(long pg)
{
	size_t len = 2 * (size_t)pg;
	uint8_t *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	if (p == MAP_FAILED)
		return 0;
	(void)*(volatile const uint8_t *)p;
	(void)*(volatile const uint8_t *)(p + pg);
	uint64_t e[2] = { 0, 0 }, pfn = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 &&
	    pread(fd, e, sizeof(e),
		  (off_t)((uintptr_t)p / (uint64_t)pg * sizeof(e[0]))) ==
		    (ssize_t)sizeof(e) &&
	    (e[0] & PM_PRESENT) && (e[1] & PM_PRESENT) &&
	    (e[0] & PM_PFN_MASK) == (e[1] & PM_PFN_MASK))
		pfn = e[0] & PM_PFN_MASK;
	if (fd >= 0)
		close(fd);
	munmap(p, len);
	return pfn;
}

/* Before the stop: runs of untouched pages in private anonymous mappings. */
static void holes_scan(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)t->pid);
	ls->pagemap_fd = open(path, O_RDONLY | O_CLOEXEC);
	long pg = sysconf(_SC_PAGESIZE);
	if (ls->pagemap_fd < 0 || pg <= 0 || (pg & (pg - 1)))
		return;
	ls->page_size = pg;
	ls->zero_pfn = zero_pfn(pg);
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->pid);
	char *buf;
	struct rh_error *err = read_proc_file(path, &buf, NULL);
	if (err) {
		rh_error_destroy(err);
		return;
	}
	ls->layout = calloc(maps_lines(buf), sizeof(*ls->layout));
	char *cur = buf;
	struct maps_line ml;
	bool ok;
	while (maps_next(&cur, &ml, &ok)) {
		if (!ok || !changes_while_running(ml.prot, ml.path))
			continue;
		if (ls->layout)
			ls->layout[ls->nlayout++] = (struct hole){ ml.start, ml.end };
		if (zero_fill(ml.prot, ml.priv, ml.path) && !(ml.start % (uint64_t)pg) &&
		    !(ml.end % (uint64_t)pg))
			find_holes(ls, ml.start, ml.end, HOLE_MIN_PAGES);
	}
	free(buf);
}

/*
 * During the stop: keep, of the holes found before it, the pages that are
 * still untouched and lie in a private anonymous segment of the maps read
 * now (a mapping may have been replaced in between).
 */
static void holes_check(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	if (!ls->nholes)
		return;
	struct hole *before = ls->holes;
	size_t nbefore = ls->nholes;
	ls->holes = NULL;
	ls->nholes = ls->holes_cap = 0;
	size_t si = 0;
	for (size_t h = 0; h < nbefore; h++) {
		uint64_t a = before[h].start, b = before[h].end;
		while (si < t->nsegs && t->segs[si].end <= a)
			si++;
		for (size_t k = si; k < t->nsegs && t->segs[k].start < b; k++) {
			const struct rh_seg *s = &t->segs[k];
			if (s->kind != RH_SEG_LIVE ||
			    s->aux != (SEG_CHANGES | SEG_ZERO_FILL))
				continue;
			// Clipped to the segment: a hole never crosses its
			// bounds, which copy_segments() relies on.
			find_holes(ls, a > s->start ? a : s->start,
				   b < s->end ? b : s->end, 1);
		}
	}
	free(before);
}

/* Fault in len bytes at p (page-aligned) for writing. */
static void populate(uint8_t *p, size_t len)
{
#ifdef MADV_POPULATE_WRITE
	if (madvise(p, len, MADV_POPULATE_WRITE) == 0)
		return;
#endif
	// Older kernels: touch every page ourselves.
	long pg = sysconf(_SC_PAGESIZE);
	for (size_t off = 0; off < len; off += pg > 0 ? (size_t)pg : 4096)
		((volatile uint8_t *)p)[off] = 0;
}

/*
 * Map the buffer the copy goes into and fault it in, before the process
 * is stopped: page faults on a few hundred MiB cost as much as the copy
 * itself. Huge pages where the kernel gives them make both cheaper. The
 * pages of holes found before the stop are left out (they stay zeros
 * without costing memory), as far as the maps read then still hold.
 * Failure is not an error: the process is then read while stopped.
 */
static void copy_reserve(struct rh_target *t, uint64_t bytes)
{
	struct rh_live_state *ls = t->live;
	if (bytes > SIZE_MAX - COPY_SLACK_BYTES)
		goto out;
	size_t size = (size_t)(bytes + COPY_SLACK_BYTES);
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED) {
		rh_problems_add(&t->problems,
				"cannot map %zu MiB to copy pid %d's memory into (%s): it stays stopped while it is read",
				size >> 20, (int)t->pid, strerror(errno));
		goto out;
	}
#ifdef MADV_HUGEPAGE
	(void)madvise(p, size, MADV_HUGEPAGE);
#endif
	if (!ls->layout) {
		populate(p, size);
	} else {
		// Offsets as copy_segments() will lay the mappings out; the
		// slack past them, for mappings that grow, is faulted in too.
		uint64_t off = 0;
		size_t h = 0;
		for (size_t i = 0; i < ls->nlayout && off < size; i++) {
			uint64_t start = ls->layout[i].start, end = ls->layout[i].end;
			uint64_t cur = start;
			while (h < ls->nholes && ls->holes[h].start < start)
				h++;
			for (; h < ls->nholes && ls->holes[h].end <= end; h++) {
				uint64_t lo = off + (cur - start);
				uint64_t hi = off + (ls->holes[h].start - start);
				if (hi > size)
					hi = size;
				if (lo < hi)
					populate(p + lo, (size_t)(hi - lo));
				cur = ls->holes[h].end;
			}
			uint64_t lo = off + (cur - start);
			off += end - start;
			uint64_t hi = off < size ? off : size;
			if (lo < hi)
				populate(p + lo, (size_t)(hi - lo));
		}
		if (off < size)
			populate(p + off, size - (size_t)off);
	}
	ls->copy = p;
	ls->copy_size = size;
out:
	free(ls->layout);
	ls->layout = NULL;
	ls->nlayout = 0;
}

/*
 * Copy len bytes at addr into buf: process_vm_readv, then /proc/PID/mem.
 * Runs on several threads at once: touches nothing of ls but mem_fd.
 */
static uint64_t copy_range(struct rh_target *t, uint8_t *buf, uint64_t addr,
			   uint64_t len)
{
	uint64_t got = 0;
	while (got < len) {
		// The kernel pins and copies the pages in batches, without
		// the bounce buffer /proc/PID/mem goes through.
		uint64_t want = len - got;
		if (want > (uint64_t)1 << 30)
			want = (uint64_t)1 << 30;
		struct iovec local = { buf + got, (size_t)want };
		struct iovec remote = { (void *)(uintptr_t)(addr + got), (size_t)want };
		ssize_t r = process_vm_readv(t->pid, &local, 1, &remote, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	// ENOSYS, EPERM under some LSMs, or a page it could not pin:
	// /proc/PID/mem reads what it can.
	while (got < len && addr + got <= (uint64_t)INT64_MAX) {
		ssize_t r = pread(t->live->mem_fd, buf + got, len - got,
				  (off_t)(addr + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	return got;
}

/* Copies bigger than this are shared out among threads. */
#define COPY_SPLIT_BYTES ((uint64_t)64 << 20)
#define COPY_THREADS_MAX 4

/* One stretch to copy: len bytes at addr into the buffer at off. */
struct copy_run {
	uint64_t addr, off, len;
	size_t seg;
};

/* One thread's share of the copy: bytes [lo, hi) of the runs laid end to end. */
struct copy_share {
	struct rh_target *t;
	const struct copy_run *runs;
	size_t nruns;
	uint64_t *got;         /* per segment: bytes copied (added atomically) */
	uint64_t lo, hi;
};

static void *copy_share_run(void *arg)
{
	struct copy_share *sh = arg;
	struct rh_target *t = sh->t;
	uint64_t pos = 0;
	for (size_t i = 0; i < sh->nruns && pos < sh->hi; i++) {
		const struct copy_run *cr = &sh->runs[i];
		uint64_t a = pos, b = pos + cr->len;
		pos = b;
		if (b <= sh->lo)
			continue;
		uint64_t from = a > sh->lo ? a : sh->lo;
		uint64_t to = b < sh->hi ? b : sh->hi;
		uint64_t got = copy_range(t, t->live->copy + cr->off + (from - a),
					  cr->addr + (from - a), to - from);
		__atomic_fetch_add(&sh->got[cr->seg], got, __ATOMIC_RELAXED);
	}
	return NULL;
}

/*
 * With every thread stopped: copy the segments that change while the
 * process runs, less the pages it never touched (ls->holes, left as the
 * buffer's zeros). A segment copied whole becomes an in-memory segment;
 * one that could not be read whole stays live, and a problem says its
 * bytes are read later, after the process ran on. A big copy is shared
 * among up to one thread per CPU, in equal numbers of bytes: one thread
 * moves about 5 GB/s, short of what the memory can do, and the target
 * waits for every millisecond of it.
 */
static void copy_segments(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	size_t nsegs = t->nsegs ? t->nsegs : 1;
	uint64_t *offs = calloc(nsegs, 3 * sizeof(uint64_t));
	struct copy_run *runs = calloc(t->nsegs + ls->nholes + 1, sizeof(*runs));
	if (!offs || !runs) {
		free(offs);
		free(runs);
		rh_problems_add(&t->problems,
				"no memory to plan the copy of pid %d: it stays stopped while it is read",
				(int)t->pid);
		return;
	}
	uint64_t *got = offs + nsegs;
	uint64_t *skipped = got + nsegs;
	uint64_t need = 0, tocopy = 0;
	size_t nruns = 0, h = 0;
	for (size_t i = 0; i < t->nsegs; i++) {
		const struct rh_seg *s = &t->segs[i];
		offs[i] = UINT64_MAX;
		if (s->kind != RH_SEG_LIVE || !(s->aux & SEG_CHANGES))
			continue;
		offs[i] = need;
		need += s->end - s->start;
		// Holes are sorted and each lies inside one segment.
		uint64_t cur = s->start;
		while (h < ls->nholes && ls->holes[h].start < s->start)
			h++;
		for (; h < ls->nholes && ls->holes[h].end <= s->end; h++) {
			const struct hole *ho = &ls->holes[h];
			if (ho->start > cur)
				runs[nruns++] = (struct copy_run){
					cur, offs[i] + (cur - s->start),
					ho->start - cur, i };
			skipped[i] += ho->end - ho->start;
			cur = ho->end;
		}
		if (cur < s->end)
			runs[nruns++] = (struct copy_run){
				cur, offs[i] + (cur - s->start), s->end - cur, i };
	}
	for (size_t r = 0; r < nruns; r++)
		tocopy += runs[r].len;
	if (need > ls->copy_size) {
		// Mappings grew between the estimate and the stop. The pages
		// beyond what was faulted in fault now, during the stop.
		void *p = mremap(ls->copy, ls->copy_size, (size_t)need,
				 MREMAP_MAYMOVE);
		if (p == MAP_FAILED) {
			rh_problems_add(&t->problems,
					"cannot grow the copy of pid %d's memory to %" PRIu64
					" MiB (%s): it stays stopped while it is read",
					(int)t->pid, need >> 20, strerror(errno));
			munmap(ls->copy, ls->copy_size);
			ls->copy = NULL;
			ls->copy_size = 0;
			free(offs);
			free(runs);
			return;
		}
		ls->copy = p;
		ls->copy_size = (size_t)need;
	}

	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	size_t nthreads = tocopy > COPY_SPLIT_BYTES && cpus > 1 ? (size_t)cpus : 1;
	if (nthreads > COPY_THREADS_MAX)
		nthreads = COPY_THREADS_MAX;
	struct copy_share shares[COPY_THREADS_MAX];
	pthread_t tids[COPY_THREADS_MAX];
	bool started[COPY_THREADS_MAX] = { false };
	// Shares end on page boundaries (runs start on them), so no page is
	// read twice.
	uint64_t per = (tocopy / nthreads + 4095) & ~(uint64_t)4095;
	for (size_t k = 0; k < nthreads; k++) {
		shares[k] = (struct copy_share){
			.t = t, .runs = runs, .nruns = nruns, .got = got,
			.lo = k * per < tocopy ? k * per : tocopy,
			.hi = k + 1 == nthreads || (k + 1) * per > tocopy ? tocopy : (k + 1) * per,
		};
		// The calling thread takes share 0; a thread that cannot
		// be started leaves its share to it too.
		if (k > 0)
			started[k] = pthread_create(&tids[k], NULL, copy_share_run,
						    &shares[k]) == 0;
	}
	copy_share_run(&shares[0]);
	for (size_t k = 1; k < nthreads; k++) {
		if (started[k])
			pthread_join(tids[k], NULL);
		else
			copy_share_run(&shares[k]);
	}

	for (size_t i = 0; i < t->nsegs; i++) {
		struct rh_seg *s = &t->segs[i];
		if (offs[i] == UINT64_MAX)
			continue;
		uint64_t len = s->end - s->start;
		if (got[i] + skipped[i] < len) {
			rh_problems_add(&t->problems,
					"pid %d: only %" PRIu64 " of %" PRIu64
					" bytes at 0x%" PRIx64
					" could be copied while it was stopped; they are read after it ran on, and may not match the rest",
					(int)t->pid, got[i] + skipped[i], len, s->start);
			continue;
		}
		s->kind = RH_SEG_MEMORY;
		s->data = ls->copy + offs[i];
		s->avail = len;
		ls->copied += got[i];
		ls->untouched += skipped[i];
	}
	free(offs);
	free(runs);
}

static struct rh_error *read_auxv(struct rh_target *t)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/auxv", (int)t->pid);
	char *buf;
	size_t len;
	struct rh_error *err = read_proc_file(path, &buf, &len);
	if (err) {
		// Not needed to read memory: note it and go on.
		rh_problems_add_error(&t->problems, err, "no auxiliary vector");
		return NULL;
	}
	size_t n = len / 16;
	if (n) {
		t->auxv = calloc(n, 2 * sizeof(uint64_t));
		if (!t->auxv) {
			free(buf);
			return rh_enomem;
		}
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t pair[2];
		memcpy(pair, buf + 16 * i, sizeof(pair));
		if (pair[0] == AT_NULL)
			break;
		t->auxv[2 * i] = pair[0];
		t->auxv[2 * i + 1] = pair[1];
		t->nauxv++;
	}
	free(buf);
	return NULL;
}

/* Threads: registers from our tracees, or only tids when not tracing. */
static struct rh_error *read_threads(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	if (ls->ntracees) {
		t->threads = calloc(ls->ntracees, sizeof(*t->threads));
		if (!t->threads)
			return rh_enomem;
		for (size_t i = 0; i < ls->ntracees; i++) {
			if (ls->tracees[i].gone)
				continue;
			struct rh_thread *th = &t->threads[t->nthreads];
			th->tid = ls->tracees[i].tid;
			struct user_regs_struct regs;
			if (ls->tracees[i].stopped &&
			    ptrace(PTRACE_GETREGS, th->tid, 0, &regs) == 0) {
				memcpy(th->regs, &regs, sizeof(th->regs));
				th->have_regs = true;
				th->pc = regs.rip;
				th->sp = regs.rsp;
				th->fs_base = regs.fs_base;
			} else if (ls->tracees[i].stopped) {
				continue;  // exited while stopped (SIGKILL)
			}
			t->nthreads++;
		}
		return NULL;
	}
	pid_t *tids;
	size_t n;
	struct rh_error *err = list_tasks(t->pid, &tids, &n);
	if (err)
		return err;
	t->threads = calloc(n ? n : 1, sizeof(*t->threads));
	if (!t->threads) {
		free(tids);
		return rh_enomem;
	}
	for (size_t i = 0; i < n; i++)
		t->threads[t->nthreads++].tid = tids[i];
	free(tids);
	return NULL;
}

/* REFHEAP_TEST_STALL_MS and _RESUMED_MS: see rh_target_open_pid(). */
static void test_stall(const char *var)
{
	const char *s = getenv(var);
	if (!s || !*s)
		return;
	char *end;
	long ms = strtol(s, &end, 10);
	if (*end || ms <= 0)
		return;
	sleep_ms(ms > TEST_STALL_MAX_MS ? TEST_STALL_MAX_MS : ms);
}

struct rh_error *rh_target_open_pid(pid_t pid,
				    const struct rh_target_options *opts,
				    struct rh_target **ret)
{
	if (pid <= 0)
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "invalid pid %d", (int)pid);
	if (pid == getpid())
		// Its threads cannot trace each other (EPERM), and stopping
		// them would stop the reader.
		return rh_error_create(RH_ERR_INVALID_ARGUMENT,
				       "pid %d is refheap itself: it cannot stop and read its own process",
				       (int)pid);
	char name[32];
	snprintf(name, sizeof(name), "pid %d", (int)pid);
	struct rh_target *t = NULL;
	struct rh_error *err = rh_target_alloc(RH_TARGET_LIVE, name, &t);
	if (err)
		return err;
	t->pid = pid;
	struct rh_live_state *ls = calloc(1, sizeof(*ls));
	if (!ls) {
		err = rh_enomem;
		goto out_target;
	}
	ls->mem_fd = -1;
	ls->pagemap_fd = -1;
	t->live = ls;

	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	char *status;
	err = read_proc_file(path, &status, NULL);
	if (err) {
		if (err->errnum == ENOENT || err->errnum == ESRCH) {
			rh_error_destroy(err);
			err = rh_error_create(RH_ERR_NOT_FOUND,
					      "no process with pid %d", (int)pid);
		}
		goto out_target;
	}
	long tgid = status_field(status, "Tgid");
	long tracer = status_field(status, "TracerPid");
	const char *st = strstr(status, "\nState:");
	char state = 0;
	if (st) {
		st += strlen("\nState:");
		while (*st == ' ' || *st == '\t')
			st++;
		state = *st;
	}
	free(status);
	if (state == 'Z' || state == 'X') {
		// Its memory is gone already; only the exit status is left.
		err = rh_error_create(RH_ERR_NOT_FOUND,
				      "pid %d has exited (a zombie its parent has not reaped): there is no memory to read",
				      (int)pid);
		goto out_target;
	}
	if (tgid > 0 && tgid != pid) {
		// /proc/TID exists for threads too, hidden from listings.
		err = rh_error_create(RH_ERR_INVALID_ARGUMENT,
				      "%d is a thread of process %ld: use pid %ld",
				      (int)pid, tgid, tgid);
		goto out_target;
	}

	// What needs no stop is done before it: the stop is the target's
	// outage.
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	ls->mem_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (ls->mem_fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ESRCH)
			err = rh_error_create(RH_ERR_NOT_FOUND,
					      "no process with pid %d (it exited)",
					      (int)pid);
		else
			err = rh_error_os(e, path,
					  "cannot open %s (" PERMISSION_HINT ")",
					  path);
		goto out_target;
	}
	err = cache_create(ls);
	if (err)
		goto out_target;

	if (tracer > 0) {
		// A debugger holds the process and decides when it runs;
		// attaching would fail anyway (one tracer per thread).
		rh_problems_add(&t->problems,
				"pid %d is traced by pid %ld (a debugger?): read without stopping it, and without registers",
				(int)pid, tracer);
	} else {
		if (!(opts && opts->no_copy)) {
			uint64_t est = copy_estimate(pid);
			uint64_t avail = mem_available();
			if (avail && est > avail / 2)
				rh_problems_add(&t->problems,
						"pid %d has %" PRIu64 " MiB of writable memory, more than half of what this machine has available (%" PRIu64
						" MiB): it is not copied, and stays stopped while it is read",
						(int)pid, est >> 20, avail >> 20);
			else {
				holes_scan(t);
				copy_reserve(t, est);
			}
		}
		ls->stop_ns = now_ns();
		err = stop_all(t);
		if (err)
			goto out_target;
		ls->attach_ns = now_ns() - ls->stop_ns;
	}

	err = read_auxv(t);
	if (err)
		goto out_target;
	char exe[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(path, exe, sizeof(exe) - 1);
	if (n >= 0)
		exe[n] = '\0';
	err = read_maps(t);
	if (err)
		goto out_target;
	err = read_threads(t);
	if (err)
		goto out_target;

	// Test hook: REFHEAP_TEST_STALL_MS=N sleeps N ms here, with every
	// thread stopped, so that an integration test can SIGKILL refheap
	// at this point and check that the target runs on.
	test_stall("REFHEAP_TEST_STALL_MS");

	if (ls->copy) {
		holes_check(t);
		int64_t c0 = now_ns();
		if (ls->stop_ns)
			ls->prepare_ns = c0 - ls->stop_ns - ls->attach_ns;
		copy_segments(t);
		ls->copy_ns = now_ns() - c0;
		// Registers, threads and mappings are read: nothing more
		// needs the process held. A failed detach is the kernel's to
		// finish when we exit; the reads go on from the copy.
		struct rh_error *rerr = rh_target_live_resume(t);
		if (rerr) {
			rh_problems_add_error(&t->problems, rerr,
					      "resuming pid %d after copying it",
					      (int)pid);
		}
		// Test hook: REFHEAP_TEST_STALL_RESUMED_MS=N sleeps N ms after
		// the process was let go, so a test can see it run while
		// refheap still works on the copy.
		test_stall("REFHEAP_TEST_STALL_RESUMED_MS");
	}
	local_paths(t, opts, n >= 0 ? exe : NULL);

	*ret = t;
	return NULL;

out_target:
	rh_target_destroy(t);
	return err;
}

void rh_target_live_destroy(struct rh_target *t)
{
	struct rh_live_state *ls = t->live;
	// Nobody to tell if detaching fails: the kernel detaches the rest
	// when this process exits.
	rh_error_destroy(rh_target_live_resume(t));
	for (size_t i = 0; i < t->nmappings; i++) {
		free((char *)t->mappings[i].path);
		free((char *)t->mappings[i].local_path);
	}
	if (ls->mem_fd >= 0)
		close(ls->mem_fd);
	if (ls->pagemap_fd >= 0)
		close(ls->pagemap_fd);
	free(ls->holes);
	if (ls->blocks)
		munmap(ls->blocks, ls->nslots * BLOCK_SIZE);
	if (ls->copy)
		munmap(ls->copy, ls->copy_size);
	free(ls->slots);
	free(ls->tracees);
	free(ls);
	t->live = NULL;
}

bool rh_target_live_stats(const struct rh_target *t,
			  struct rh_live_stats *ret)
{
	const struct rh_live_state *ls = t->live;
	if (!ls || !ls->stop_ns)
		return false;
	int64_t ns = ls->resumed ? ls->stopped_ns : now_ns() - ls->stop_ns;
	*ret = (struct rh_live_stats){
		.copied = ls->copied,
		.untouched = ls->untouched,
		.stopped_ms = (double)ns / 1e6,
		.attach_ms = (double)ls->attach_ns / 1e6,
		.prepare_ms = (double)ls->prepare_ns / 1e6,
		.copy_ms = (double)ls->copy_ns / 1e6,
		.resume_ms = (double)ls->resume_ns / 1e6,
	};
	return true;
}
