# tests/fuzz/fuzz.mk: builds the libFuzzer harnesses (GNU make; run by
# `make fuzz` from the build directory, which passes the variables below).
# The library is compiled again with clang, coverage instrumentation and
# ASan+UBSan, into fuzz/obj; the harnesses land in fuzz/.
#
#   srcdir builddir FUZZ_CC LIB_SOURCES LIBELF_CFLAGS LIBELF_LIBS
#   LIBDWARF_CFLAGS LIBDWARF_LIBS DEBUGINFOD_CFLAGS DEBUGINFOD_LIBS
SAN = -fsanitize=address,undefined -fno-sanitize-recover=all
CFLAGS_F = -std=gnu11 -g -O1 -fno-omit-frame-pointer $(SAN) -fsanitize=fuzzer-no-link \
	-I$(srcdir)/corereader -I$(builddir) -I$(srcdir)/tests/lib -I$(srcdir)/tests/fuzz \
	-DRH_FUZZING=1 $(LIBELF_CFLAGS) $(LIBDWARF_CFLAGS) $(DEBUGINFOD_CFLAGS) -Wno-unused-command-line-argument
OUT = fuzz
LIB_C = $(filter %.c,$(LIB_SOURCES))
LIB_O = $(patsubst %.c,$(OUT)/obj/%.o,$(LIB_C))
HDRS = $(wildcard $(srcdir)/corereader/*/*.h) $(builddir)/config.h
COMMON_O = $(OUT)/obj/fuzz_common.o $(OUT)/obj/fuzz_analyses.o $(OUT)/obj/elfwriter.o
HARNESSES = fuzz_core fuzz_layout_cache fuzz_snapshot_cache fuzz_analysis_cache fuzz_heap
LIBS_F = $(LIBDWARF_LIBS) $(LIBELF_LIBS) $(DEBUGINFOD_LIBS) -lz -lpthread

all: $(addprefix $(OUT)/,$(HARNESSES))

$(OUT)/obj/%.o: $(srcdir)/%.c $(HDRS)
	@mkdir -p $(@D)
	@echo "  FUZZCC   $<"
	@$(FUZZ_CC) $(CFLAGS_F) -c -o $@ $<

$(OUT)/obj/fuzz_common.o: $(srcdir)/tests/fuzz/fuzz_common.c $(srcdir)/tests/fuzz/fuzz_common.h $(HDRS)
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(CFLAGS_F) -c -o $@ $<
$(OUT)/obj/fuzz_analyses.o: $(srcdir)/tests/fuzz/fuzz_analyses.c $(HDRS)
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(CFLAGS_F) -c -o $@ $<
$(OUT)/obj/elfwriter.o: $(srcdir)/tests/lib/elfwriter.c $(srcdir)/tests/lib/elfwriter.h
	@mkdir -p $(@D)
	@$(FUZZ_CC) $(CFLAGS_F) -c -o $@ $<

# fuzz_snapshot_cache includes snapshot_cache.c itself (white-box): the
# library's copy is left out of its link.
$(OUT)/fuzz_snapshot_cache: $(srcdir)/tests/fuzz/fuzz_snapshot_cache.c $(LIB_O) $(COMMON_O) $(srcdir)/corereader/heap/snapshot_cache.c
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(CFLAGS_F) -fsanitize=fuzzer -o $@ $< \
		$(filter-out %/snapshot_cache.o,$(LIB_O)) $(COMMON_O) $(LIBS_F)

# So does fuzz_analysis_cache with analysis_cache.c.
$(OUT)/fuzz_analysis_cache: $(srcdir)/tests/fuzz/fuzz_analysis_cache.c $(LIB_O) $(COMMON_O) $(srcdir)/corereader/analysis/analysis_cache.c
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(CFLAGS_F) -fsanitize=fuzzer -o $@ $< \
		$(filter-out %/analysis_cache.o,$(LIB_O)) $(COMMON_O) $(LIBS_F)

$(OUT)/%: $(srcdir)/tests/fuzz/%.c $(LIB_O) $(COMMON_O)
	@echo "  FUZZLD   $@"
	@$(FUZZ_CC) $(CFLAGS_F) -fsanitize=fuzzer -o $@ $< $(LIB_O) $(COMMON_O) $(LIBS_F)

.PHONY: all
