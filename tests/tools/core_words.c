/*
 * core_words: which addresses does anything in a core file point at?
 * A test driver for tests/integration/realapps.sh, independent of refheap
 * (it shares no code with the library on purpose: it checks refheap's
 * `unaccounted` verdicts against the raw memory).
 *
 *   core_words CORE ADDRS_FILE
 *
 * ADDRS_FILE holds one hexadecimal address per line (an object start).
 * Every 8-byte-aligned word of every PT_LOAD segment's file-backed bytes
 * (the memory gcore dumped) is compared with the addresses; for each
 * address one line is printed:
 *
 *   0xADDR HITS [0xWHERE]
 *
 * HITS is the number of aligned words equal to the address, WHERE the
 * virtual address of the first one (omitted when HITS is 0). A word at
 * the address itself or inside its first 16 bytes (the object's own
 * header) is not counted.
 *
 * The core is untrusted input: program headers and segments are checked
 * against the file size. Exit status: 0 ok, 2 usage, 3 unreadable input.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct target {
	uint64_t addr;
	uint64_t hits;
	uint64_t where;
};

static int cmp_target(const void *a, const void *b)
{
	uint64_t x = ((const struct target *)a)->addr;
	uint64_t y = ((const struct target *)b)->addr;
	return x < y ? -1 : x > y;
}

static struct target *find(struct target *t, size_t n, uint64_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid].addr < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && t[lo].addr == v ? &t[lo] : NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: core_words CORE ADDRS_FILE\n");
		return 2;
	}
	FILE *af = fopen(argv[2], "r");
	if (!af) {
		fprintf(stderr, "core_words: %s: %s\n", argv[2], strerror(errno));
		return 3;
	}
	size_t n = 0, cap = 1024;
	struct target *t = malloc(cap * sizeof(*t));
	char line[128];
	while (t && fgets(line, sizeof(line), af)) {
		char *end;
		uint64_t a = strtoull(line, &end, 16);
		if (end == line)
			continue;
		if (n == cap) {
			struct target *p = realloc(t, cap * 2 * sizeof(*t));
			if (!p) {
				free(t);
				t = NULL;
				break;
			}
			t = p;
			cap *= 2;
		}
		t[n++] = (struct target){ .addr = a };
	}
	fclose(af);
	if (!t) {
		fprintf(stderr, "core_words: out of memory\n");
		return 3;
	}
	if (n == 0) {
		free(t);
		return 0;
	}
	qsort(t, n, sizeof(*t), cmp_target);

	int fd = open(argv[1], O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "core_words: %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	size_t size = (size_t)st.st_size;
	if (size < sizeof(Elf64_Ehdr)) {
		fprintf(stderr, "core_words: %s: too small for an ELF header\n", argv[1]);
		return 3;
	}
	const unsigned char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "core_words: mmap %s: %s\n", argv[1], strerror(errno));
		return 3;
	}
	Elf64_Ehdr eh;
	memcpy(&eh, map, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_type != ET_CORE || eh.e_phentsize != sizeof(Elf64_Phdr) ||
	    eh.e_phoff > size || (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > size - eh.e_phoff) {
		fprintf(stderr, "core_words: %s is not a 64-bit ELF core file\n", argv[1]);
		return 3;
	}
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, map + eh.e_phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_filesz == 0)
			continue;
		if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset) {
			fprintf(stderr, "core_words: segment %u lies past the end of the file (truncated core?)\n", i);
			return 3;
		}
		// Words at 8-aligned virtual addresses (segments are page-aligned).
		uint64_t skip = (8 - (ph.p_vaddr & 7)) & 7;
		for (uint64_t off = skip; off + 8 <= ph.p_filesz; off += 8) {
			uint64_t w;
			memcpy(&w, map + ph.p_offset + off, 8);
			if (w < t[0].addr || w > t[n - 1].addr)
				continue;
			struct target *hit = find(t, n, w);
			if (!hit)
				continue;
			uint64_t va = ph.p_vaddr + off;
			if (va >= hit->addr && va < hit->addr + 16)
				continue;
			if (!hit->hits++)
				hit->where = va;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (t[i].hits)
			printf("0x%" PRIx64 " %" PRIu64 " 0x%" PRIx64 "\n", t[i].addr, t[i].hits, t[i].where);
		else
			printf("0x%" PRIx64 " 0\n", t[i].addr);
	}
	munmap((void *)map, size);
	close(fd);
	free(t);
	return 0;
}
